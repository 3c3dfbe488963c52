"""What every benchmark shares: percentiles, ratios, the machine, a served app, and the report.

Each benchmark module has ``run(quick: bool) -> Report`` and a ``main()`` that prints it. A
report holds tables (rows of figures, each figure beside its same-run baseline) and targets
(met or not, with the measured value), so ``benchmarks.run`` can write one JSON record and the
figures part of ``RESULTS.md`` from all of them without knowing what any one measured.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

HERE = Path(__file__).parent
ROOT = HERE.parent
RESULTS = HERE / "results"
#: The demo unit (plugins/codeassign/demo.yaml): its username is its unified social credit code.
DEMO_UNIT = "11110108000123457Q"


def percentiles(samples_us: Sequence[float]) -> dict[str, float]:
    """p50, p99 and the count: the three figures every timing in this folder reports."""
    ordered = sorted(samples_us)
    if not ordered:
        return {"p50_us": 0.0, "p99_us": 0.0, "runs": 0}
    p99_index = max(0, min(len(ordered) - 1, round(len(ordered) * 0.99) - 1))
    return {
        "p50_us": round(statistics.median(ordered), 1),
        "p99_us": round(ordered[p99_index], 1),
        "runs": len(ordered),
    }


def sampled(fn: Callable[[], object], runs: int, warmup: int = 50) -> list[float]:
    """µs of each of ``runs`` calls of ``fn`` alone, after a warm-up."""
    for _ in range(warmup):
        fn()
    samples = []
    clock = time.perf_counter_ns
    for _ in range(runs):
        start = clock()
        fn()
        samples.append((clock() - start) / 1000)
    return samples


def timed(fn: Callable[[], object], runs: int, warmup: int = 50) -> dict[str, float]:
    """Time ``fn`` alone, ``runs`` times after a warm-up: µs p50/p99."""
    return percentiles(sampled(fn, runs, warmup))


def ratio(value: float, baseline: float) -> float | None:
    """``value ÷ baseline``, rounded for reading; None when there is no baseline."""
    if not baseline:
        return None
    return round(value / baseline, 2)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "python": platform.python_version(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
        "kernel": platform.release(),
    }


def rss_mb(pid: int | None = None) -> float:
    """Resident set size from ``/proc``: of this process, or of ``pid``."""
    statm = Path(f"/proc/{pid or 'self'}/statm").read_text().split()
    return round(int(statm[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


@dataclass
class Target:
    """One goal of the issue: what was asked, what was measured, and whether it holds."""

    what: str
    goal: str
    measured: str
    met: bool


@dataclass
class Report:
    name: str
    command: str
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def markdown(self) -> str:
        parts = [f"### {self.name}", "", f"Command: `{self.command}` ({self.seconds:.0f} s)", ""]
        for table in self.tables:
            parts += [f"**{table.title}**", ""]
            parts.append("| " + " | ".join(table.columns) + " |")
            parts.append("|" + "---|" * len(table.columns))
            parts += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
            parts += ["", table.note, ""] if table.note else [""]
        if self.targets:
            parts += ["| target | goal | measured | met |", "|---|---|---|---|"]
            parts += [
                f"| {t.what} | {t.goal} | {t.measured} | {'yes' if t.met else '**no**'} |"
                for t in self.targets
            ]
            parts.append("")
        return "\n".join(parts)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 10 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def cli(run: Callable[[bool], Report]) -> None:
    """``python -m benchmarks.X [--quick] [--json PATH]``: run one benchmark and print it."""
    import argparse

    parser = argparse.ArgumentParser(description=sys.modules[run.__module__].__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs: to try it, not to cite")
    parser.add_argument("--json", type=Path, help="write the report here as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    report = run(args.quick)
    report.seconds = round(time.perf_counter() - started, 1)
    print(report.markdown())
    if args.json:
        args.json.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2), "utf-8")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def pinned(cpus: set[int] | None) -> Callable[[], None] | None:
    """What a child runs before its program, to run on ``cpus`` only (None: anywhere)."""
    if not cpus:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


@contextlib.contextmanager
def child_server(
    command: list[str], env: dict[str, str], log: IO[bytes], cpus: set[int] | None = None
) -> Iterator[str]:
    """``command`` in a child process, ``{port}`` in it a free port: its base URL once it
    answers ``/healthz``. Stopped (terminated, killed after 10 s) on the way out. ``cpus``:
    the cores the child (and every thread it starts) may run on."""
    port = free_port()
    child = subprocess.Popen(
        [part.format(port=port) for part in command],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=pinned(cpus),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + "/healthz")
        yield base
    finally:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()


@contextlib.contextmanager
def served(
    env: dict[str, str] | None = None,
    workers: int = 1,
    demo: bool = True,
    cpus: set[int] | None = None,
) -> Iterator[tuple[str, dict[str, str]]]:
    """``govflow serve`` in a child process on a free port, with its own data directory.

    Yields the base URL and the environment it runs with (so a caller can run ``govflow``
    commands such as ``token`` against the same database). SQLite unless ``env`` names
    ``GOVFLOW_DATABASE_URL``. The child is stopped, and its data removed, on the way out;
    ``cpus`` pins it (``child_server``).
    """
    govflow = str(Path(sys.executable).with_name("govflow"))
    with tempfile.TemporaryDirectory(prefix="govflow-bench-") as data:
        full_env = {
            **os.environ,
            "GOVFLOW_DATA_DIR": data,
            "GOVFLOW_SENDERS": "log",
            **(env or {}),
        }
        subprocess.run([govflow, "migrate"], env=full_env, check=True, capture_output=True)
        if demo:
            subprocess.run([govflow, "demo"], env=full_env, check=True, capture_output=True)
        command = [govflow, "serve", "--host", "127.0.0.1", "--port", "{port}"]
        if workers > 1:
            command += ["--workers", str(workers)]
        with (
            open(Path(data) / "serve.log", "wb") as log,
            child_server(command, full_env, log, cpus) as base,
        ):
            yield base, full_env


def token(env: dict[str, str], username: str, login_method: str = "password") -> str:
    """A bearer token for a demo account, issued by ``govflow token`` against ``env``'s DB."""
    govflow = str(Path(sys.executable).with_name("govflow"))
    done = subprocess.run(
        [govflow, "token", username, "--login-method", login_method],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip().split()[-1]


def today() -> str:
    return dt.date.today().isoformat()


def server_pids(base: str) -> list[int]:
    """The processes listening at ``base`` (more than one under SO_REUSEPORT)."""
    done = subprocess.run(
        ["ss", "-Htlnp", f"( sport = :{base.rsplit(':', 1)[1]} )"], capture_output=True, text=True
    )
    return sorted({int(p) for p in re.findall(r"pid=(\d+)", done.stdout)})


def process_cpu_s(pids: list[int]) -> float:
    """CPU seconds so far of ``pids``, all their threads (``/proc/<pid>/stat``)."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")
