"""The kernel's JSON Schema formats for Chinese identifiers, registered as a plugin.

Each checker returns the value's canonical form, which the kernel stores in place of what was
typed (kernel/schema_normalise.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import idna

from .hookspecs import hookimpl
from .identifiers import VALIDATORS, remembered


def _domain_as_shown(value: str) -> str:
    """A public-sector domain, stored as people read it: ``北京市公安局.政务``, not its A-label
    (``xn--…``), which forms and lists would otherwise print; lower-case, full width and ``。``
    mapped. Compare domains by their A-label (``validate_public_sector_domain``)."""
    return idna.decode(VALIDATORS["public_sector_domain"](value))


domain_as_shown = remembered("public_sector_domain_as_shown", _domain_as_shown)


@hookimpl
def govflow_formats() -> Mapping[str, Callable[[str], object]]:
    """``uscc``, ``resident-id``, ``mobile-cn``, ... : the identifier kinds, hyphenated."""
    formats = {kind.replace("_", "-"): check for kind, check in VALIDATORS.items()}
    return {**formats, "public-sector-domain": domain_as_shown}
