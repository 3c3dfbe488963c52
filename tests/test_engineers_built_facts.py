"""``govflow rules check``'s probe sees the facts built for a party (kernel/built_facts.py).

The enterprise takes part in the declarations its individuals declared to it
(``govflow_takes_part``) and is the one who reports them: the commitment letter is built for it,
never for the owning individual. The subjects are made through HTTP, as users make them; the
probe then builds every context on that database.
"""

from __future__ import annotations

import dataclasses

import pytest

from kernel import built_facts
from kernel.app import create_app
from kernel.config import PROJECT_ROOT
from kernel.keys import KERNEL
from kernel.rules.compiler import compile_file, compile_text

from .engineers_helpers import (
    IDS,
    UNQUALIFIED,
    Clock,
    declare,
    enterprise,
    individual,
    login,
    reported,
    save_info,
)

#: A rule over a field no server-built context supplies: the probe must still warn of it.
NEVER_BUILT = """
title: {zh: 探测用规则, en: A rule for the probe}
rules:
  - id: engineers.probe.never-built
    kind: notice
    message: {zh: 从不生成的字段, en: A field the server never builds}
    when:
      fact: commitment
      where:
        - {field: signed_by_hand, equals: true}
"""


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
async def client(aiohttp_client, config, clock):
    client = await aiohttp_client(create_app(dataclasses.replace(config, jobs=False)))
    await enterprise("jiance", UNQUALIFIED, qualified=False)
    for n in range(2):
        await individual(f"person{n}", f"工程师{n}", IDS[n])
    return client


def warnings_of(name: str, built: built_facts.Built) -> list[str]:
    ruleset = compile_file(
        PROJECT_ROOT / "rules" / "engineers" / f"{name}.yaml", process="engineers"
    )
    return [p.message for p in built_facts.unbuilt(ruleset, built)]


async def test_facts_built_for_the_party_that_reports_are_seen(client, clock):
    firm = await login(client, "jiance")
    await save_info(client, firm, industry="testing")
    await declare(client, await login(client, "person0"), UNQUALIFIED, pre=True)  # 未上报
    done = await reported(
        client, firm, await login(client, "person1"), UNQUALIFIED, clock, pre=True
    )
    created = await client.post(
        "/api/applications",
        json={
            "process": "engineers",
            "workflow": "qualification_correction",
            "data": {"declaration_id": done["id"], "qualification_certificate_no": "D211000123"},
        },
        headers=firm,
    )
    assert created.status == 201, await created.text()

    built = await built_facts.probe(client.app[KERNEL])

    assert built.subjects["engineers"] == 4
    assert {"showing_found", "shown_seconds"} <= built.fields["engineers"]["commitment"]
    assert not [w for w in warnings_of("report", built) if "commitment" in w]
    assert not [w for w in warnings_of("qualification", built) if "declaration.corrected" in w]
    probe_rules = compile_text(
        NEVER_BUILT, path="probe.yaml", process="engineers", name="engineers.probe"
    )
    (warned,) = built_facts.unbuilt(probe_rules, built)
    assert warned.code == "never-built"
    assert "'commitment.signed_by_hand'" in warned.message
