"""Policy staff edit rule files under a running service: good edits serve, bad ones never do."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest

from kernel.app import WATCH_READY, create_app
from kernel.keys import KERNEL

DOCUMENT = {
    "matter": "reissue",
    "unit_name": "某某市机关事务管理局",
    "uscc": "1110000000004JUR69",
    "handler": "张三",
    "handler_mobile": "13800138000",
    "reason": "证书遗失",
}
CONTEXT = {
    "unit": {"certificate_validity": "long_term"},
    "login_method": "qr_image",
    "commitment": {"version": "2024-01", "in_force": True},
}


async def decide(client) -> dict:
    response = await client.post(
        "/api/processes/codeassign/validate", json={"document": DOCUMENT, "context": CONTEXT}
    )
    assert response.status == 200
    return await response.json()


#: Only a guard against a watcher that never wakes; how fast it is: benchmarks/rules_reload.py.
HANG = 30


NEW_RULE = """
  - id: codeassign.reason.too-short
    kind: violation
    message: {zh: 申请理由过于简单, en: The reason is too short}
    when:
      all:
        - fact: application
          where: [{field: matter, equals: reissue}]
        - fact: unit
          where: [{field: certificate_validity, equals: long_term}]
"""


@pytest.fixture
async def client(aiohttp_client, config):
    app = create_app(dataclasses.replace(config, public_operations=True))
    client = await aiohttp_client(app)
    await asyncio.wait_for(app[WATCH_READY].wait(), HANG)
    return client


@pytest.fixture
def eventually(client):
    """``await eventually(check)``: ``check()`` once the watcher has re-read the rule files as
    often as it takes for it to be true; woken by each reload, never by a timer."""
    book = client.server.app[KERNEL].rules
    reloaded, refresh = asyncio.Event(), book.refresh

    def refresh_and_tell():
        try:
            return refresh()
        finally:
            reloaded.set()

    book.refresh = refresh_and_tell  # the watcher calls the book's own, on the event loop

    async def after_reloads(check):
        while not (result := await check()):
            await asyncio.wait_for(reloaded.wait(), HANG)
            reloaded.clear()
        return result

    return after_reloads


def rules_in(decision: dict) -> set[str]:
    return {o["rule"] for o in decision["outcomes"]}


async def test_an_edited_rule_is_in_force_once_the_watcher_reloads(
    client, rules_dir: Path, eventually
):
    assert rules_in(await decide(client)) == set()
    submit = rules_dir / "codeassign" / "submit.yaml"
    submit.write_text(submit.read_text("utf-8") + NEW_RULE, "utf-8")

    async def reloaded():
        return "codeassign.reason.too-short" in rules_in(await decide(client))

    assert await eventually(reloaded)
    decision = await decide(client)
    assert decision["rulesets"][0]["version"] == 2
    assert decision["outcomes"][0]["source"].startswith("rules/codeassign/submit.yaml:")


async def test_a_broken_file_is_reported_and_the_previous_version_keeps_serving(
    client, rules_dir: Path, eventually
):
    submit = rules_dir / "codeassign" / "submit.yaml"
    good = submit.read_text("utf-8")
    before = await decide(client)
    submit.write_text(good.replace("kind: violation", "kind: vilation", 1), "utf-8")

    async def reported():
        health = await (await client.get("/healthz")).json()
        return health["reload_errors"].get("rules/codeassign/submit.yaml")

    errors = await eventually(reported)
    assert errors, "the broken file was not reported"
    assert errors[0]["line"] > 1 and "vilation" in errors[0]["message"]
    after = await decide(client)
    assert after["rulesets"] == before["rulesets"]  # same version, same hash

    submit.write_text(good + NEW_RULE, "utf-8")  # fixed: the error clears, the edit serves

    async def recovered():
        health = await (await client.get("/healthz")).json()
        return not health["reload_errors"] and "codeassign.reason.too-short" in rules_in(
            await decide(client)
        )

    assert await eventually(recovered)


async def test_an_edit_that_fails_its_own_cases_is_refused(client, rules_dir: Path, eventually):
    submit = rules_dir / "codeassign" / "create.yaml"
    # Dropping the counter-only rule breaks the case that expects it.
    text = submit.read_text("utf-8").replace("in: [initial, extension]", "in: [extension]")
    submit.write_text(text, "utf-8")

    async def reported():
        health = await (await client.get("/healthz")).json()
        return health["reload_errors"].get("rules/codeassign/create.yaml")

    errors = await eventually(reported)
    assert errors and errors[0]["code"] == "case-failed"
    assert "codeassign.matter.counter-only" in errors[0]["message"]
    rules = await (await client.get("/api/rules")).json()
    assert rules["items"][0]["version"] == 1


async def test_adding_and_removing_a_rule_file(client, rules_dir: Path, eventually):
    extra = rules_dir / "codeassign" / "extra.yaml"
    extra.write_text(
        "title: {zh: 附加, en: Extra}\nrules:" + NEW_RULE.replace("reason.too-short", "extra.one"),
        "utf-8",
    )

    async def names():
        return {r["name"] for r in (await (await client.get("/api/rules")).json())["items"]}

    async def added():
        return "codeassign.extra" in await names()

    assert await eventually(added)
    extra.unlink()

    async def removed():
        return "codeassign.extra" not in await names()

    assert await eventually(removed)
