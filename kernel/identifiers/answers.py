"""Each identifier checked once per decision, however many parts of the kernel ask.

In one decision the same value is asked about several times: normalising the document at the
door (``kernel/schema_normalise.py``), the schema's ``format`` check, and the facts a plugin
builds and its rules' own checks. phonenumbers and idna are slow (a websites submission asked
them about 18 times, 1.5 ms in all), and the answer cannot change within a decision: the
validators are functions of the value alone. So within ``one_decision()`` the first answer,
canonical value or refusal, is kept and given again (for the canonical value too, which a
validator accepts unchanged); outside one, every call checks afresh.
The answers live in a context variable of the request's task and are gone when it leaves.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any

_answers: contextvars.ContextVar[dict[tuple[str, str], Any] | None] = contextvars.ContextVar(
    "govflow_identifier_answers", default=None
)


@contextlib.contextmanager
def one_decision() -> Iterator[None]:
    """Keep the identifier answers given inside (nested calls share the outer one's)."""
    if _answers.get() is not None:
        yield
        return
    token = _answers.set({})
    try:
        yield
    finally:
        _answers.reset(token)


def remembered(kind: str, check: Callable[[str], str]) -> Callable[[str], str]:
    """``check`` answering each value once per decision: the value, or the same refusal."""

    @functools.wraps(check)
    def remembering(value: str) -> str:
        answers = _answers.get()
        if answers is None or not isinstance(value, str):
            return check(value)
        key = (kind, value)
        try:
            answer = answers[key]
        except KeyError:
            try:
                answer = answers[key] = check(value)
            except ValueError as refusal:
                answers[key] = refusal
                raise
            # The canonical form is what the schema's check is asked about next, and a
            # validator gives it back unchanged (tests/test_identifiers.py checks that).
            answers.setdefault((kind, answer), answer)
        if isinstance(answer, ValueError):
            raise answer.with_traceback(None)
        return answer

    return remembering
