# One command each for a newcomer: `make serve`, `make test`. Both install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: install serve test lint format fuzz-valgrind bench mutation clean

$(STAMP): pyproject.toml
	rm -f $(VENV)/.installed-*
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

# -- PDF font (CA-08) --------------------------------------------------------------------------
# kernel/pdf.py embeds a subset of this CJK TrueType font in every PDF; GOVFLOW_PDF_FONT overrides.
PDF_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
.PHONY: pdf-font
pdf-font:
	test -f $(PDF_FONT) || (apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei)
# -- end PDF font -------------------------------------------------------------------------------

# -- Browser (WS-07) ---------------------------------------------------------------------------
# tests/test_websites_browser.py drives Debian's chromium headless through its chromedriver.
.PHONY: browser
browser:
	test -x /usr/bin/chromium -a -x /usr/bin/chromedriver || \
		(apt-get update -qq && apt-get install -y -qq chromium chromium-driver)
# -- end browser -------------------------------------------------------------------------------

install: $(STAMP) pdf-font browser

# Migrates the SQLite database under data/ and loads the demo accounts (both idempotent), then serves.
# The demo units' domains and websites are served by the service itself on loopback (the `demo`
# DNS and fetcher adapters of plugins/websites); an operator's own GOVFLOW_ADAPTERS come after
# these and win.
DEMO_ADAPTERS := websites_dns=demo,websites_fetcher=demo
PORT ?= 8080
serve: $(STAMP) pdf-font
	$(BIN)/govflow demo
	GOVFLOW_ADAPTERS="$(DEMO_ADAPTERS)$${GOVFLOW_ADAPTERS:+,$$GOVFLOW_ADAPTERS}" \
		$(BIN)/govflow serve --host 127.0.0.1 --port $(PORT)

test: $(STAMP) pdf-font browser
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# A bounded fuzz of the rules engine under valgrind; fails on memory errors in durable_rules.
fuzz-valgrind: $(STAMP)
	tests/fuzz/run_valgrind.sh $(BIN)/python 40 10 2026

# Every benchmark in benchmarks/, in bounded time (about 20 minutes): results/<date>.json and
# the figures of benchmarks/RESULTS.md. Needs wrk (installed from Debian's packages when missing)
# and a PostgreSQL server it may create databases on (GOVFLOW_BENCH_PG, default the local one).
BENCH_STAMP := $(VENV)/.bench-$(shell sha256sum pyproject.toml | cut -c1-12)
$(BENCH_STAMP): $(STAMP)
	rm -f $(VENV)/.bench-*
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $@

bench: $(BENCH_STAMP)
	command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m benchmarks.run

# mutmut over the kernel's critical modules, each on its own tests within a time budget (about
# 5 minutes a module, 35 in all): mutation/results.json and the tables of docs/mutation.md.
# One module: `make mutation MODULES=kernel/access.py`; MUTATION_BUDGET=seconds per module.
MUTATION_STAMP := $(VENV)/.mutation-$(shell sha256sum pyproject.toml | cut -c1-12)
MUTATION_BUDGET ?= 300
$(MUTATION_STAMP): $(STAMP)
	rm -f $(VENV)/.mutation-*
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,mutation]'
	touch $@

mutation: $(MUTATION_STAMP)
	$(BIN)/python -m mutation.run --budget $(MUTATION_BUDGET) $(MODULES)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
