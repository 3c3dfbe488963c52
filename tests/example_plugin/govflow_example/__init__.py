"""A tiny third-party process: resident parking permits (居民停车许可).

It ships its own manifest, schema, rules and rule tests, adds a JSON Schema format and derives
facts, using nothing but ``kernel``'s public surface.
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
