"""The services govflow is measured against (issue #13) answer every dry run as govflow does.

``make bench`` compares govflow's speed with a hand-written service and a zen-engine one only
after checking that all three give the same answers; these tests make the same check without
wrk or timing, so a rule file the peers do not follow fails the suite, not only the benchmark.
"""

from __future__ import annotations

import copy

import pytest

from benchmarks import peer_bodies, peer_handwritten, peer_zen
from benchmarks.peer_common import answer_differences
from kernel.app import create_app

PEERS = {"hand-written": peer_handwritten, "zen": peer_zen}
DRY_RUNS = [
    (path, label, body) for path, items in peer_bodies.bodies().items() for label, body in items
]
SUBMIT_RULES = {
    "codeassign": peer_handwritten.CODEASSIGN_RULES,
    "websites": peer_handwritten.WEBSITES_RULES,
}


@pytest.fixture
async def govflow(aiohttp_client, config):
    return await aiohttp_client(create_app(config))


async def answers(client) -> dict[str, dict]:
    found = {}
    for path, label, body in DRY_RUNS:
        response = await client.post(path, json=body)
        assert response.status == 200, label
        found[label] = await response.json()
    return found


@pytest.mark.parametrize("peer", PEERS)
async def test_the_peer_answers_every_dry_run_as_govflow_does(
    peer, govflow, aiohttp_client, rules_dir
):
    other = await aiohttp_client(PEERS[peer].build(rules_dir))
    expected, got = await answers(govflow), await answers(other)
    found = [
        f"{label}: {d}"
        for label in expected
        for d in answer_differences(expected[label], got[label])
    ]
    assert found == [], "\n".join(found)


def test_every_submission_rule_holds_in_some_dry_runs_and_not_in_others(kernel):
    fired: dict[str, list[set[str]]] = {"codeassign": [], "websites": []}
    for path, _, body in DRY_RUNS:
        process = path.split("/")[3]
        decision = kernel.validate(
            process,
            body["document"],
            workflow=body.get("workflow"),
            matter=body.get("matter"),
            transition=body.get("transition"),
            context=body.get("context") or {},
        )
        fired[process].append(decision.rule_ids())
    assert len(fired["codeassign"]) == 25 and 10 <= len(fired["websites"]) <= 25
    for process, rules in SUBMIT_RULES.items():
        for rule in rules:
            holding = sum(rule in ids for ids in fired[process])
            assert 0 < holding < len(fired[process]), f"{rule} holds in {holding} dry runs"
        refused = [
            ids
            for ids in fired[process]
            if any(r.startswith("schema.") or r.startswith("format.") for r in ids)
        ]
        assert refused, f"no {process} dry run is refused by its form"


async def test_the_equality_check_names_a_changed_message(govflow):
    path, _, body = next(d for d in DRY_RUNS if "six outcomes" in d[1])
    response = await govflow.post(path, json=body)
    decision = await response.json()
    assert len(decision["outcomes"]) == 6
    assert answer_differences(decision, copy.deepcopy(decision)) == []
    changed = copy.deepcopy(decision)
    changed["outcomes"][2]["message"]["zh"] += "。"
    [difference] = answer_differences(decision, changed)
    assert difference.startswith("/outcomes/2/message/zh: ")
    changed["outcomes"].pop()
    assert any("5 items, expected 6" in d for d in answer_differences(decision, changed))


@pytest.mark.parametrize("peer", PEERS)
def test_a_peer_will_not_start_on_a_rule_file_with_a_rule_it_does_not_decide(peer, rules_dir):
    submit = rules_dir / "codeassign" / "submit.yaml"
    submit.write_text(
        submit.read_text("utf-8")
        + """
  - id: codeassign.handler.named
    kind: notice
    message: {zh: 请核对经办人, en: Check the handler}
    when:
      fact: application
      where:
        - {field: matter, equals: change}
""",
        "utf-8",
    )
    with pytest.raises(ValueError, match=r"codeassign\.handler\.named"):
        PEERS[peer].peers(rules_dir)
