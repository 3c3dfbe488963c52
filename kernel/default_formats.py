"""The kernel's JSON Schema formats for Chinese identifiers, registered as a plugin."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .hookspecs import hookimpl
from .identifiers import VALIDATORS


@hookimpl
def govflow_formats() -> Mapping[str, Callable[[str], object]]:
    """``uscc``, ``resident-id``, ``mobile-cn``, ... : the identifier kinds, hyphenated."""
    return {kind.replace("_", "-"): check for kind, check in VALIDATORS.items()}
