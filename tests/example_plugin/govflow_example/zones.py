"""The adapter ``parking_zones``: the names of the city's parking zones, by zone code.

The operator picks the implementation (``GOVFLOW_ADAPTERS=parking_zones=file``); the board's
route reads the chosen one as ``call.adapters["parking_zones"]``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kernel import Adapter, hookimpl

#: Three zones of Chaoyang district, for development, the demo and the tests.
ZONES = {
    "110105-01": "朝阳区左家庄街道居民停车区",
    "110105-02": "朝阳区三里屯街道居民停车区",
    "110105-03": "朝阳区团结湖街道居民停车区",
}


class LocalZones:
    """Stands in for the city's parking-zone register (停车区域登记): a few zones in memory."""

    def name(self, code: str) -> str | None:
        return ZONES.get(code)


class ZoneFile:
    """The register as the city exports it: ``{code: name}`` in ``<data dir>/parking-zones.json``,
    read on every call so a new export applies without a restart."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def name(self, code: str) -> str | None:
        return json.loads(self.path.read_text("utf-8")).get(code)


@hookimpl
def govflow_adapters() -> list[Adapter]:
    implementations: dict[str, Any] = {
        "local": lambda config: LocalZones(),
        "file": lambda config: ZoneFile(config.data_dir / "parking-zones.json"),
    }
    return [Adapter("parking_zones", implementations, default="local")]
