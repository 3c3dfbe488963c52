"""A real ``govflow`` command in a child process, for the tests whose subject is the process
itself (a crash, a fault of the storage): bounded, with its own data folder and environment."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

#: Every child is bounded: a command that never comes back fails the test instead.
LIMIT = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_env(data: Path, **extra: str) -> dict[str, str]:
    """This environment without any ``GOVFLOW_`` setting of the caller's, on ``data``, with the
    watcher, the jobs and the outbox worker off unless ``extra`` turns them on."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVFLOW_")}
    return {
        **env,
        "GOVFLOW_DATA_DIR": str(data),
        "GOVFLOW_WATCH_RULES": "0",
        "GOVFLOW_JOBS": "0",
        "GOVFLOW_OUTBOX_WORKER": "0",
        **extra,
    }


def govflow(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kernel.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=LIMIT,
    )


async def until_up(base: str, server: subprocess.Popen) -> None:
    """Until the child at ``base`` answers ``/healthz`` with 200 (a process is polled over
    HTTP: nothing else tells when it listens); fails if it dies or takes ``LIMIT``."""
    deadline = time.monotonic() + LIMIT
    async with aiohttp.ClientSession(base) as http:
        while True:
            assert server.poll() is None, "the server died on start"
            try:
                async with http.get("/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            await asyncio.sleep(0.2)
