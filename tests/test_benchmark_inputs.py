"""The benchmarks time decisions of inputs named for what they decide: an input called
"accepted" that the rules refuse (as the codeassign one was once the rules moved on) times the
refusal path under the wrong name. Each input decides as its label says."""

from __future__ import annotations

import pytest

from benchmarks.decision_inputs import SUBMISSIONS


@pytest.mark.parametrize("submission", SUBMISSIONS, ids=lambda s: s.label)
def test_each_benchmark_input_decides_as_its_label_says(kernel, submission):
    decision = kernel.validate(submission.process, submission.document, **submission.kwargs())
    refused = "refused" in submission.label
    assert decision.ok is not refused, [o.rule for o in decision.blocking]
