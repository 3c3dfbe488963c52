"""The hand-written codeassign floor of ``decision_cost`` decides as the kernel does."""

from __future__ import annotations

import random

from benchmarks.decision_inputs import codeassign_floor, codeassign_variants


def test_the_floor_decides_every_variant_as_the_kernel_does(kernel):
    """``make bench`` stops on the first disagreement; a rule moved to another file (the
    counter-only matters went to create.yaml) must fail the suite, not only the benchmark."""
    for document, context in codeassign_variants(random.Random(2026), 300):
        decision = kernel.validate(
            "codeassign", document, matter=document.get("matter"), context=context
        )
        kept = decision.rule_ids() if decision.rulesets else None  # None: the schema refused
        assert codeassign_floor(document, context) == kept, (document, context)
