"""govflow's kernel: what a plugin may import.

A plugin needs ``hookimpl`` to mark its hooks (``kernel/hookspecs.py`` documents each one) and,
when it checks identifiers itself, ``validate_identifier`` and ``InvalidIdentifier``.
"""

from .clock import today
from .hookspecs import hookimpl
from .identifiers import InvalidIdentifier, normalise_identifier
from .identifiers import validate as validate_identifier
from .rules.model import Text

__all__ = [
    "InvalidIdentifier",
    "Text",
    "hookimpl",
    "normalise_identifier",
    "today",
    "validate_identifier",
]
