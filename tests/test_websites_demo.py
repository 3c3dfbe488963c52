"""What ``make serve`` shows of websites (#11 point 6): the demo loaded by ``govflow demo``, then
the service with the adapters the Makefile chooses, which serve the demo's sites on loopback.

The mounted demo site is in the public listing, as JSON and as the page, with its verification
page; the unmounted one's mount check names the page without its code; the scheduled re-check of
the system actor keeps the mounted one listed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from kernel.app import create_app
from kernel.cli import main
from kernel.config import PROJECT_ROOT, Config
from kernel.demo import PASSWORD
from kernel.jobs import JobRunner, jobs_of
from kernel.keys import KERNEL
from plugins.websites.adapters import DEMO_WORLD

ANSWER = "AB23"


def make_serve_adapters() -> str:
    """The ``GOVFLOW_ADAPTERS`` that ``make serve`` gives ``govflow serve``."""
    makefile = (PROJECT_ROOT / "Makefile").read_text("utf-8")
    found = re.search(r"^DEMO_ADAPTERS := (\S+)$", makefile, re.MULTILINE)
    assert found, "the Makefile names the demo adapters"
    return found.group(1)


@pytest.fixture
def served_env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {
        "GOVFLOW_DATA_DIR": str(tmp_path / "data"),
        "GOVFLOW_DATABASE_URL": database_url,
        "GOVFLOW_WATCH_RULES": "0",
        "GOVFLOW_OUTBOX_WORKER": "0",
        "GOVFLOW_JOBS": "0",  # the test runs the job runner's pass itself
        "GOVFLOW_ADAPTERS": make_serve_adapters(),
    }.items():
        monkeypatch.setenv(key, value)


async def test_WS07_make_serve_lists_the_mounted_demo_site_and_names_the_unmounted_page(
    served_env, aiohttp_client
):
    assert await asyncio.to_thread(main, ["demo"]) == 0  # the command runs its own event loop
    config = dataclasses.replace(Config.from_env(), captcha_text=lambda: ANSWER)
    client = await aiohttp_client(create_app(config))
    try:
        await _walk(client)
    finally:
        await DEMO_WORLD.close()


async def _walk(client: TestClient) -> None:
    kernel = client.app[KERNEL]
    await JobRunner(kernel, jobs_of(kernel.pm), kernel.adapters, worker_id="test").run_once()

    listing = await (await client.get("/api/websites/public/sites?region=110000")).json()
    assert [s["website_name"] for s in listing["items"]] == ["北京市公安局网"]
    code = listing["items"][0]["identification_code"]
    page = await (await client.get("/api/websites/public/sites.html")).text()
    assert "北京市公安局网" in page and "北京市教育委员会网" not in page
    verify = await client.get(f"/api/websites/public/verify/{code}")
    assert verify.status == 200 and "gaj.beijing.gov.cn" in await verify.text()

    captcha = await (await client.post("/api/captchas")).json()
    login = {
        "username": "jw-demo",
        "password": PASSWORD,
        "captcha": {"id": captcha["id"], "answer": ANSWER},
    }
    session = await (await client.post("/api/websites/login", json=login)).json()
    unit = {"Authorization": f"Bearer {session['token']}"}
    mine = await (await client.get("/api/applications?process=websites", headers=unit)).json()
    (waiting,) = [a for a in mine["items"] if a["state"] == "awaiting_mount"]
    check = await client.post(
        f"/api/websites/applications/{waiting['id']}/mount-check", headers=unit
    )
    result = await check.json()
    assert result["mounted"] is False and result["pages_checked"] == 3
    assert [u.rsplit("/", 1)[1] for u in result["pages_missing_code"]] == ["about.html"]
