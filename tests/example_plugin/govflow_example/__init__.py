"""A tiny third-party process: resident parking permits (居民停车许可).

It ships its own manifest, schema, rules and rule tests, adds a JSON Schema format, derives
facts, decides what residents are told and posts granted permits to a notice board of its own,
using nothing but ``kernel``'s public surface.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kernel import InvalidIdentifier, hookimpl

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
def govflow_demo_data() -> list[Path]:
    return [HERE / "demo.yaml"]


@hookimpl
def govflow_formats():
    return {"cn-plate": check_plate}


@hookimpl
def govflow_facts(process: str, document: Mapping[str, Any], context: Mapping[str, Any]):
    if process != "parking":
        return None
    return [
        {
            "kind": "permit",
            "vehicle_type": document.get("vehicle_type"),
            "is_new_energy": document.get("vehicle_type") == "new_energy",
        },
        *({"kind": "existing_permit", "plate": p} for p in context.get("permits", ())),
    ]


@hookimpl
def govflow_forms(process: str):
    """The permit to put behind the windscreen: data only, the kernel prints it."""
    if process != "parking":
        return None
    return [
        {
            "name": "permit",
            "title": {"zh": "居民停车许可证", "en": "Resident parking permit"},
            "matters": ["apply"],
            "sections": [
                {
                    "title": "车辆信息",
                    "rows": [
                        {"label": "车牌号码", "pointer": "/plate"},
                        {
                            "label": "车辆类型",
                            "pointer": "/vehicle_type",
                            "values": {"petrol": "燃油车", "new_energy": "新能源车"},
                        },
                        {"label": "停放区域", "text": "本小区划定的居民停车泊位"},
                    ],
                }
            ],
            "signatures": ["发证机关（盖章）"],
            "notes": ["请将本证置于前挡风玻璃左下角。"],
        }
    ]


@hookimpl
def govflow_notifications(process: str, transition: str, subject: Mapping[str, Any], owner):
    """Nothing on submission; a granted permit goes to the holder's mobile and the board."""
    if process != "parking":
        return None
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
    """The residents' notice board: a UTF-8 text file under the data directory, one line each.

    Names no resident (the board is public): only the permit number, as ``govflow_notifications``
    writes it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    async def send(self, message) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as board:
            board.write(f"{message.subject}\t{message.body}\n")


@hookimpl
def govflow_senders(config):
    return {"board": NoticeBoard(config.data_dir / "parking-board.txt")}
