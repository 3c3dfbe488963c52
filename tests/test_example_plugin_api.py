"""The third-party parking plugin through HTTP: its table, route, effect, adapter and job.

What a developer copying ``tests/example_plugin`` relies on: the grant's effect writes the
board row in the grant's transaction (and neither survives a crash half-way), the board is
served anonymously under ``/api/parking/``, the batch endpoint grants many with a result per
item, and the daily job expires a permit as the recorded system actor.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys

import pytest

from kernel import clock
from kernel.app import create_app
from kernel.db.models import Application, AuditRecord
from kernel.jobs import JobRunner, jobs_of
from kernel.keys import KERNEL

from .conftest import EXAMPLE, install_dist
from .factories import PASSWORD, login, make_account

CAPTCHA_ANSWER = "PK26"
PERMIT = {"plate": "京A12345", "vehicle_type": "new_energy", "zone": "110105-01"}


@pytest.fixture
def adapters() -> str:
    """``GOVFLOW_ADAPTERS``: the defaults (the local zone list)."""
    return ""


@pytest.fixture
async def client(aiohttp_client, config, site, monkeypatch, adapters):
    install_dist(site, "govflow_example", "parking = govflow_example")
    monkeypatch.syspath_prepend(str(EXAMPLE))
    config = dataclasses.replace(
        config, jobs=False, adapters=adapters, captcha_text=lambda: CAPTCHA_ANSWER
    )
    app = create_app(config)
    client = await aiohttp_client(app)  # the start migrates the plugin's table too
    await make_account("resident", "natural_person", ["resident"], region="110105")
    await make_account("officer", "reviewer", ["officer"], scopes=[{"process": "parking"}])
    yield client
    sys.modules.pop("govflow_example", None)
    for name in [m for m in sys.modules if m.startswith("govflow_example.")]:
        sys.modules.pop(name)


async def submitted_permit(client, resident, data=PERMIT) -> dict:
    created = await client.post(
        "/api/applications",
        json={"process": "parking", "matter": "apply", "data": data},
        headers=resident,
    )
    assert created.status == 201, await created.text()
    permit = await created.json()
    assert permit["data"]["holder"] == "resident", "the server names the holder"
    assert permit["region"] == "110105", "the zone's district reviews it"
    moved = await client.post(
        f"/api/applications/{permit['id']}/transitions/submit",
        headers={**resident, "If-Match": f'"{permit["version"]}"'},
    )
    assert moved.status == 200, await moved.text()
    return (await moved.json())["application"]


async def test_an_officer_logs_in_with_a_captcha_and_a_resident_without(client):
    """The manifest's ``login_captcha: [officer]``: the kernel's login gives an officer with the
    right password no token without the captcha; a resident gives account and password only."""
    body = {"username": "officer", "password": PASSWORD}
    refused = await client.post("/api/auth/login", json=body)
    assert refused.status == 400
    problem = await refused.json()
    assert [v["rule"] for v in problem["violations"]] == ["captcha.required"]
    issued = await (await client.post("/api/captchas")).json()
    body["captcha"] = {"id": issued["id"], "answer": CAPTCHA_ANSWER}
    assert (await client.post("/api/auth/login", json=body)).status == 200
    resident = {"username": "resident", "password": PASSWORD}
    assert (await client.post("/api/auth/login", json=resident)).status == 200


async def grant(client, officer, permit, days=None):
    return await client.post(
        f"/api/applications/{permit['id']}/transitions/grant",
        json={"input": {"days": days}} if days else {},
        headers={**officer, "If-Match": f'"{permit["version"]}"'},
    )


async def test_a_grant_posts_the_permit_on_the_public_board(client):
    resident, officer = await login(client, "resident"), await login(client, "officer")
    permit = await submitted_permit(client, resident)
    assert await (await client.get("/api/parking/board")).json() == []

    granted = await grant(client, officer, permit, days=30)
    assert granted.status == 200, await granted.text()
    assert "effects" not in await granted.json()

    board = await client.get("/api/parking/board")  # anonymous, as the route declares
    assert board.status == 200
    [entry] = await board.json()
    assert entry["permit"] == permit["id"]
    assert entry["plate"] == "京A***45", "the public board hides the plate"
    assert entry["zone_name"] == "朝阳区左家庄街道居民停车区", "named by the adapter"
    assert entry["valid_until"] == (clock.today() + dt.timedelta(days=29)).isoformat()


async def test_a_grant_input_outside_its_schema_changes_nothing(client):
    resident, officer = await login(client, "resident"), await login(client, "officer")
    permit = await submitted_permit(client, resident)
    refused = await grant(client, officer, permit, days=400)
    assert refused.status == 400
    problem = await refused.json()
    assert problem["violations"][0]["fields"] == ["/input/days"]
    assert await (await client.get("/api/parking/board")).json() == []
    stored = await Application.get(id=permit["id"])
    assert (stored.state, stored.version) == ("submitted", permit["version"])


async def test_an_effect_killed_half_way_leaves_neither_state_nor_row(client, monkeypatch):
    """The board row is written, then the effect crashes: the grant and the row roll back."""
    from govflow_example import board

    real_post = board.post

    async def post_then_crash(subject, input, db):
        await real_post(subject, input, db)
        raise RuntimeError("the worker died after writing the board row")

    monkeypatch.setattr(board, "post", post_then_crash)
    resident, officer = await login(client, "resident"), await login(client, "officer")
    permit = await submitted_permit(client, resident)
    trail = await AuditRecord.filter(application_id=permit["id"]).count()

    crashed = await grant(client, officer, permit)
    assert crashed.status == 500
    assert crashed.content_type == "application/problem+json"

    stored = await Application.get(id=permit["id"])
    assert (stored.state, stored.version) == ("submitted", permit["version"])
    assert await AuditRecord.filter(application_id=permit["id"]).count() == trail
    assert await (await client.get("/api/parking/board")).json() == []

    monkeypatch.setattr(board, "post", real_post)
    retried = await grant(client, officer, permit)  # the same request, once the fault is gone
    assert retried.status == 200, await retried.text()
    assert len(await (await client.get("/api/parking/board")).json()) == 1


async def test_a_batch_grant_answers_per_item_and_one_refusal_undoes_no_other(client):
    resident, officer = await login(client, "resident"), await login(client, "officer")
    first = await submitted_permit(client, resident)
    second = await submitted_permit(client, resident, {**PERMIT, "plate": "京B54321"})
    body = {
        "items": [
            {"id": first["id"], "version": first["version"]},
            {"id": second["id"], "version": second["version"] + 7},  # stale: refused
            {"id": 999999, "version": 1},
        ],
        "input": {"days": 10},
    }
    response = await client.post("/api/batch/transitions/grant", json=body, headers=officer)
    assert response.status == 200, await response.text()
    results = (await response.json())["results"]
    assert [r["status"] for r in results] == [200, 409, 404]
    assert results[0]["application"]["state"] == "granted"
    assert results[1]["problem"]["title_zh"]
    assert (await Application.get(id=second["id"])).state == "submitted"
    assert [e["permit"] for e in await (await client.get("/api/parking/board")).json()] == [
        first["id"]
    ]

    # A resident may not batch-grant, and submit is not a batch transition.
    as_resident = await client.post("/api/batch/transitions/grant", json=body, headers=resident)
    assert [r["status"] for r in (await as_resident.json())["results"]][:2] == [403, 403]
    not_batch = await client.post(
        "/api/batch/transitions/submit",
        json={"items": [{"id": second["id"], "version": second["version"]}]},
        headers=resident,
    )
    assert (await not_batch.json())["results"][0]["status"] == 409


async def test_the_daily_job_expires_a_permit_as_the_system_actor(client, monkeypatch):
    resident, officer = await login(client, "resident"), await login(client, "officer")
    permit = await submitted_permit(client, resident)
    granted = await grant(client, officer, permit, days=1)
    assert granted.status == 200
    kernel = client.app[KERNEL]
    parking = [j for j in jobs_of(kernel.pm) if j.name.startswith("parking.")]  # its own job
    runner = JobRunner(kernel, parking, kernel.adapters, worker_id="test")

    assert await runner.run_once() == 1  # today's slot: nothing past its term yet
    assert (await Application.get(id=permit["id"])).state == "granted"

    later = clock.now() + dt.timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert await runner.run_once() == 1, "the new day's slot runs"
    assert await runner.run_once() == 0, "and only once"
    resident, officer = await login(client, "resident"), await login(client, "officer")

    expired = await (await client.get(f"/api/applications/{permit['id']}", headers=resident)).json()
    assert expired["state"] == "expired"
    assert await (await client.get("/api/parking/board")).json() == []
    history = await client.get(f"/api/applications/{permit['id']}/history", headers=resident)
    last = (await history.json())["items"][-1]
    assert (last["transition"], last["actor"]) == ("expire", "系统")

    # Nobody but the system may take it: the officer is refused on a granted permit.
    again = await submitted_permit(client, resident, {**PERMIT, "plate": "京C11111"})
    moved = await grant(client, officer, again)
    body = await moved.json()
    refused = await client.post(
        f"/api/applications/{again['id']}/transitions/expire",
        headers={**officer, "If-Match": f'"{body["application"]["version"]}"'},
    )
    assert refused.status == 403


async def test_healthz_names_the_adapter_in_use(client):
    assert (await (await client.get("/healthz")).json())["adapters"]["parking_zones"] == "local"


@pytest.mark.parametrize("adapters", ["parking_zones=file"])
async def test_the_operator_chooses_the_zone_register_export(client, config, adapters):
    """``GOVFLOW_ADAPTERS=parking_zones=file``: the names come from the city's export."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    export = {"110105-01": "朝阳区左家庄街道（市登记册）"}
    (config.data_dir / "parking-zones.json").write_text(json.dumps(export), "utf-8")
    assert (await (await client.get("/healthz")).json())["adapters"]["parking_zones"] == "file"
    resident, officer = await login(client, "resident"), await login(client, "officer")
    permit = await submitted_permit(client, resident)
    assert (await grant(client, officer, permit)).status == 200
    [entry] = await (await client.get("/api/parking/board")).json()
    assert entry["zone_name"] == "朝阳区左家庄街道（市登记册）"
