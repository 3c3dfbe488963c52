"""党政机关网站开办审核: the websites process (PROCESSES.md WS-01..WS-07).

Contributes the manifest (unit registration and the website application workflows, the two
paper materials of WS-05 in ``forms.yaml``), the facts the rules in ``rules/websites/`` decide
on, and four formats that narrow the kernel's domain and IP formats to what each box of the
application form accepts.
"""

from pathlib import Path

from kernel import hookimpl

from .facts import facts_for as govflow_facts
from .formats import govflow_formats

__all__ = ["govflow_facts", "govflow_formats"]


@hookimpl
def govflow_processes() -> list[Path]:
    return [Path(__file__).parent / "process.yaml"]
