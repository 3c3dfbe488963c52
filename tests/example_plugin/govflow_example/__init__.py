"""A tiny third-party process: resident parking permits (居民停车许可).

It ships its own manifest (with its forms and demo data beside it), schemas, rules and rule
tests, a table with its migrations, and uses nothing of govflow but ``kernel``'s public surface:

- ``facts``: what the rules see (the owner's permits in force, from the server), the holder's
  name filled in by the server, the region the application belongs to;
- ``board``: the public board of permits in force — posted by the grant, served at
  ``/api/parking/board``, cleared by the daily expiry job of the system actor;
- ``zones``: the adapter naming the city's parking zones;
- here: the manifest, a plate format, the tables, and who is told what.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kernel import InvalidIdentifier, Models, hookimpl

from .board import govflow_jobs, govflow_routes, govflow_transition_effects
from .facts import govflow_context, govflow_facts, govflow_region, govflow_server_fields
from .zones import govflow_adapters

__all__ = [
    "govflow_adapters",
    "govflow_context",
    "govflow_facts",
    "govflow_jobs",
    "govflow_region",
    "govflow_routes",
    "govflow_server_fields",
    "govflow_transition_effects",
]

HERE = Path(__file__).parent
PLATE = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z][A-Z0-9]{5,6}"
)


def check_plate(value: str) -> None:
    if not PLATE.fullmatch(value.strip().upper()):
        raise InvalidIdentifier(
            "plate", "format", "车牌号码格式不正确", "The plate number is invalid"
        )


@hookimpl
def govflow_processes() -> list[Path]:
    return [HERE / "process.yaml"]


@hookimpl
def govflow_formats():
    return {"cn-plate": check_plate}


@hookimpl
def govflow_models() -> list[Models]:
    return [Models("parking", f"{__name__}.models", f"{__name__}.migrations")]


@hookimpl
def govflow_notifications(transition: str, subject: Mapping[str, Any], owner):
    """Nothing on submission or expiry; a granted permit goes to the holder's mobile and the
    lobby's notice board."""
    if transition != "grant":
        return []
    number = subject["id"]
    messages = [
        {
            "channel": "board",
            "recipient": "lobby",
            "subject": "停车许可公示",
            "body": f"居民停车许可（编号{number}）已批准。",
        }
    ]
    if owner.get("mobile"):
        messages.append(
            {
                "channel": "sms",
                "recipient": owner["mobile"],
                "subject": "停车许可已批准",
                "body": f"{owner['display_name']}，您的居民停车许可（编号{number}）已批准。",
            }
        )
    return messages


class NoticeBoard:
    """The lobby's printed notice board: a UTF-8 text file under the data directory, one line
    each. Names no resident (the board is public): only the permit number, as
    ``govflow_notifications`` writes it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, message) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as board:
            board.write(f"{message.subject}\t{message.body}\n")


@hookimpl
def govflow_senders(config):
    return {"board": NoticeBoard(config.data_dir / "parking-board.txt")}


@hookimpl
def govflow_takes_part(subject, actor) -> bool:
    """A permit is the resident's alone: no other applicant takes part in it."""
    return False


@hookimpl
async def govflow_demo(document: Mapping[str, Any]) -> None:
    """Demo rows of the plugin's own tables (``govflow demo``): the board keeps notices only
    of grants that happen, so its demo file holds nothing beyond accounts and permits."""
    return None
