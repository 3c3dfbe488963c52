"""``govflow rules check``'s probe sees the facts built for a party (kernel/built_facts.py).

The enterprise takes part in the declarations its individuals declared to it
(``govflow_takes_part``) and is the one who reports them: the commitment letter is built for it,
never for the owning individual. The subjects are made through HTTP, as users make them; the
probe then builds every context on that database.
"""

from __future__ import annotations

import pytest

from kernel import built_facts
from kernel.config import PROJECT_ROOT
from kernel.keys import KERNEL
from kernel.rules.compiler import compile_file, compile_text
from plugins.engineers.models import Qualification

from .engineers_helpers import (
    UNQUALIFIED,
    Clock,
    declare,
    enterprise,
    individuals,
    login,
    reported,
    reviewers,
    save_info,
    service,
    upload,
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


#: Every rule file of the process.
RULE_FILES = sorted(p.stem for p in (PROJECT_ROOT / "rules" / "engineers").glob("*.yaml"))


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
async def client(aiohttp_client, config, clock):
    client = await service(aiohttp_client, config)
    await enterprise("jiance", UNQUALIFIED, qualified=False)
    await reviewers()
    await individuals(2)
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
    await upload(client, firm, await created.json(), "qualification_copy")
    # And one subject of every other kind the rules look at: a name change, an appeal.
    new = await (await client.get("/api/engineers/name-change/new", headers=firm)).json()
    recorded = await client.post(
        "/api/engineers/anomalies",
        json={"enterprise_uscc": UNQUALIFIED[0], "description": "社保缴纳单位与聘用企业不一致"},
        headers=await login(client, "ministry"),
    )
    assert recorded.status == 201, await recorded.text()
    appeal = {"anomaly_id": (await recorded.json())["id"], "statement": "社保已转入本单位"}
    for workflow, data in (("name_change", new["data"]), ("appeal", appeal)):
        made = await client.post(
            "/api/applications",
            json={"process": "engineers", "workflow": workflow, "data": data},
            headers=firm,
        )
        assert made.status == 201, await made.text()
        if workflow == "name_change":
            await upload(client, firm, await made.json(), "renamed_qualification_copy")

    # The enterprise has since obtained its qualification: the register finds it.
    await Qualification.create(
        uscc=UNQUALIFIED[0], certificate_no="D211000123", enterprise_name=UNQUALIFIED[1]
    )
    built = await built_facts.probe(client.app[KERNEL])

    assert built.subjects["engineers"] == 6
    assert {"showing_found", "shown_seconds"} <= built.fields["engineers"]["commitment"]
    assert "corrected" in built.fields["engineers"]["declaration"]
    for name in RULE_FILES:  # every fact and field an engineers rule tests is built
        assert warnings_of(name, built) == [], name
    probe_rules = compile_text(
        NEVER_BUILT, path="probe.yaml", process="engineers", name="engineers.probe"
    )
    (warned,) = built_facts.unbuilt(probe_rules, built)
    assert warned.code == "never-built"
    assert "'commitment.signed_by_hand'" in warned.message
