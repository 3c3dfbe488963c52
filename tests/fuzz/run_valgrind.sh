#!/usr/bin/env bash
# Run the engine fuzz under valgrind memcheck; fail on a memory error inside durable_rules.
# Usage: tests/fuzz/run_valgrind.sh [PYTHON] [RULESETS EVALUATIONS SEED]
set -euo pipefail
python=${1:-python}
shift || true
log=$(mktemp)
trap 'rm -f "$log"' EXIT
PYTHONMALLOC=malloc valgrind --tool=memcheck --error-limit=no --leak-check=no \
    --track-origins=no --num-callers=40 --log-file="$log" \
    "$python" -m tests.fuzz.engine_under_valgrind "$@"
# Each error block starts with "==PID== <kind>" and ends at a blank "==PID== " line.
python3 - "$log" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
blocks = re.split(r"\n==\d+== \n", text)
kinds = ("Invalid read", "Invalid write", "Invalid free", "Conditional jump",
         "Use of uninitialised", "Mismatched free", "Syscall param")
bad = [b for b in blocks if any(k in b for k in kinds) and "durable_rules_engine" in b]
summary = re.findall(r"ERROR SUMMARY: .*", text)
print("valgrind:", summary[-1] if summary else "no summary")
if bad:
    print(f"{len(bad)} memory errors inside durable_rules:")
    print("\n\n".join(bad[:5]))
    sys.exit(1)
print("valgrind: no memory errors inside durable_rules")
PY
