"""kill -9 in the middle of a burst of creates, saves, uploads and submits, then an integrity
check of what the database and the blob folder hold (#12, "kept as tests").

Whatever instant the server dies at, each application's version is its last audit record's
seq (a gapless trail), its state is that record's ``to_state``, every file a row names is on
disk, and the files no row names (an upload placed and not yet committed) are exactly what the
orphan collection removes once their grace period is over — never a file a row names.
Bounded: the burst runs until enough requests have been answered or two seconds have passed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import aiohttp
import pytest

from kernel.attachments import BlobStore
from kernel.db import database
from kernel.db.models import Application, Attachment, AuditRecord, Blob

from .service_process import LIMIT, free_port, govflow, service_env, until_up

UNIT = "11110108000123457Q"  # the demo bureau, logged in with its QR image
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
#: Answers to wait for before the kill, and the longest the burst may run.
ANSWERS, BURST_SECONDS = 40, 2.0


async def _burst(base: str, token: str, answered: list[int], kill) -> None:
    """Six clients create, upload and submit in a loop; ``kill`` the server while they do."""
    unit = {"Authorization": f"Bearer {token}"}
    stop = asyncio.Event()

    async def one_worker(worker: int) -> None:
        async with aiohttp.ClientSession(base) as http:
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    body = {"process": "codeassign", "matter": "change", "data": {}}
                    async with http.post("/api/applications", json=body, headers=unit) as r:
                        answered.append(r.status)
                        if r.status != 201:
                            continue
                        created = await r.json()
                    url = f"/api/applications/{created['id']}"
                    form = aiohttp.FormData()
                    form.add_field("type", "application_form")
                    content = PDF + f"% {worker}-{n}\n".encode()  # a new blob each time
                    form.add_field("file", content, filename="form.pdf")
                    headers = {**unit, "If-Match": '"1"'}
                    async with http.post(f"{url}/attachments", data=form, headers=headers) as r:
                        answered.append(r.status)
                    headers = {**unit, "If-Match": '"2"'}
                    async with http.post(f"{url}/transitions/submit", headers=headers) as r:
                        answered.append(r.status)
                except (aiohttp.ClientError, TimeoutError):
                    return  # the server is gone

    tasks = [asyncio.create_task(one_worker(w)) for w in range(6)]
    deadline = time.monotonic() + BURST_SECONDS
    while len(answered) < ANSWERS and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    kill()  # mid-burst: each client has a request in flight
    stop.set()
    await asyncio.gather(*tasks)


async def _integrity(url: str, blobs: BlobStore) -> dict[str, int]:
    async with database.connected(url):
        applications = await Application.all()
        for application in applications:
            trail = await AuditRecord.filter(application_id=application.id).order_by("seq")
            assert [r.seq for r in trail] == list(range(1, application.version + 1)), (
                f"application {application.id}: version {application.version}, "
                f"trail {[r.seq for r in trail]}"
            )
            assert application.state == trail[-1].to_state
        rows = await Blob.all().values_list("sha256", "content_type")
        named = {sha for sha, _ in rows}
        used = set(await Attachment.all().values_list("blob_id", flat=True))
        assert used <= named
        assert all(blobs.path(*row).is_file() for row in rows), "a row names a missing file"
        on_disk = {p.name.split(".")[0] for p in blobs.root.glob("*/*") if p.is_file()}
        # What a crash may leave: files placed but never committed. Collected once their grace
        # period is over (here: at once), and nothing a row names goes with them.
        await blobs.collect_orphans(grace=dt.timedelta(0))
        left = {p.name.split(".")[0] for p in blobs.root.glob("*/*") if p.is_file()}
        assert left == named, "after the collection, the files on disk are those rows name"
        assert not list(blobs.root.glob(".upload-*.part"))
        return {
            "applications": len(applications),
            "attachments": len(used),
            "orphans_collected": len(on_disk - named),
        }


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs kill -9")
def test_a_kill_9_mid_burst_leaves_every_application_whole(tmp_path: Path):
    data = tmp_path / "data"
    env = service_env(data)
    assert govflow("demo", env=env).returncode == 0
    token = govflow("token", UNIT, "--login-method", "qr_image", env=env).stdout.strip()
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "kernel.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        asyncio.run(until_up(f"http://127.0.0.1:{port}", server))
        answered: list[int] = []
        kill = lambda: os.kill(server.pid, signal.SIGKILL)  # noqa: E731
        asyncio.run(_burst(f"http://127.0.0.1:{port}", token, answered, kill))
        server.wait(timeout=LIMIT)
        assert server.returncode == -signal.SIGKILL
    finally:
        if server.poll() is None:
            server.kill()
        log.close()
    assert 201 in answered, f"the burst did something before the kill: {answered}"
    url = database.database_url("", data)
    figures = asyncio.run(_integrity(url, BlobStore(data / "blobs")))
    assert figures["applications"] >= 1
    print("kill -9 mid-burst:", figures, "answers:", dict(Counter(answered)))
