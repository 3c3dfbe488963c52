"""govflow's kernel: what a plugin may import.

``hookimpl`` marks hook implementations (``kernel/hookspecs.py`` documents each one); the
values hooks receive and return (``Route``, ``Call``, ``Job``, ``Adapter``, ``Models``,
``Subject``, ``Actor``, ``Lookup``); the errors a plugin route raises, answered as problem+json;
``enqueue`` for work of the system actor; the identifier checks and the clock.
"""

from .accounts import create_account
from .clock import now, today
from .contract import Actor, Adapter, Call, Job, Lookup, Models, Route, Subject
from .errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized, field_error
from .hookspecs import hookimpl
from .identifiers import InvalidIdentifier, normalise_identifier
from .identifiers import validate as validate_identifier
from .rules.model import Text

_LAZY = {
    "enqueue": ("jobs", "enqueue"),
    "JobContext": ("jobs", "JobContext"),
    "captcha_check": ("captcha", "check"),
    "throttle_hit": ("throttle", "hit"),
    "verification_check": ("verification", "check"),
    "password_login": ("auth", "login"),
}


def __getattr__(name: str):
    """Names that load the database and workflow machinery: imported when a plugin asks."""
    if name not in _LAZY:
        raise AttributeError(name)
    import importlib

    module, attribute = _LAZY[name]
    return getattr(importlib.import_module(f".{module}", __name__), attribute)


__all__ = [
    "Actor",
    "Adapter",
    "BadRequest",
    "Call",
    "Conflict",
    "Forbidden",
    "InvalidIdentifier",
    "Job",
    "JobContext",
    "Lookup",
    "Models",
    "NotFound",
    "Route",
    "Subject",
    "Text",
    "Unauthorized",
    "captcha_check",
    "create_account",
    "enqueue",
    "field_error",
    "hookimpl",
    "normalise_identifier",
    "now",
    "password_login",
    "throttle_hit",
    "today",
    "validate_identifier",
    "verification_check",
]
