"""The correction notice (补正告知书): everything an application must still correct, on paper.

一次性告知: the applicant is told every missing or wrong item at once, so the notice prints every
blocking outcome of one decision — each with its Chinese message, the fields it concerns, the
legal basis when the rule names one, and the rule id — and the rulesets (with their content
hashes) that decided, so the paper can be traced back to the exact rules in force that day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from . import pdf
from .decision import Decision, Outcome

TITLE = "补正告知书"
KINDS = {"violation": "需修改", "requirement": "需补充"}
#: Fields the kernel itself names in outcomes, which no process schema titles.
KERNEL_FIELDS = {"/attachments": "附件材料", "/reply": "答复意见"}
#: Column widths of the list: 序号, 类别, 需补正的内容, 涉及字段, 依据, 规则编号.
COLUMNS = (13 * mm, 18 * mm, 50 * mm, 22 * mm, 38 * mm)


@dataclass(frozen=True)
class Addressee:
    """Whom the notice is for and about which application."""

    application_id: int
    applicant: str
    matter: str
    transition: str


def render(
    addressee: Addressee, decision: Decision, field_title: Callable[[str], str | None]
) -> bytes:
    """The notice as PDF bytes; ``field_title`` names a JSON Pointer as the schema titles it."""
    outcomes = decision.blocking
    story: list[Flowable] = pdf.title_block(
        TITLE,
        [
            f"申请编号：{addressee.application_id}",
            f"申请人：{addressee.applicant}",
            f"告知日期：{pdf.zh_date(decision.as_of)}",
        ],
    )
    story += [
        pdf.text(f"{addressee.applicant}：", "left"),
        pdf.text(_opening(addressee, len(outcomes)), "indent"),
        Spacer(1, 3 * mm),
        _table(outcomes, field_title),
        Spacer(1, 3 * mm),
        pdf.text(
            "请按上述内容一并补正后重新提交。补正内容以本告知书所列为准，不再另行要求。", "indent"
        ),
    ]
    story += pdf.signature_block(["告知机关（盖章）"])
    story += [Spacer(1, 4 * mm), pdf.text(_provenance(decision), "small")]
    return pdf.build(story, title=TITLE, subject=f"application {addressee.application_id}")


def _opening(addressee: Addressee, count: int) -> str:
    return (
        f"你方办理的“{addressee.matter}”事项（申请编号：{addressee.application_id}），"
        f"“{addressee.transition}”前经核查，尚有以下{count}项需要补正。"
        "根据一次性告知的要求，现将需要补正的全部内容告知如下："
    )


def _table(outcomes: Sequence[Outcome], field_title: Callable[[str], str | None]) -> Flowable:
    widths = [*COLUMNS, pdf.WIDTH - sum(COLUMNS)]
    head = ["序号", "类别", "需补正的内容", "涉及字段", "依据", "规则编号"]
    rows: list[list[object]] = [[pdf.text(h, "head") for h in head]]
    for number, outcome in enumerate(outcomes, start=1):
        rows.append(
            [
                pdf.text(number, "head"),
                pdf.text(KINDS.get(outcome.kind, outcome.kind)),
                pdf.text(outcome.message.zh),
                pdf.text(_fields(outcome, field_title)),
                pdf.text(basis(outcome)),
                pdf.text(outcome.rule, "small"),
            ]
        )
    table = pdf.grid(rows, widths, [("BACKGROUND", (0, 0), (-1, 0), pdf.SHADE)])
    table.repeatRows = 1
    return table


def basis(outcome: Outcome) -> str:
    """《document》article, as a legal basis is cited; a dash when the rule names none."""
    if outcome.basis is None:
        return "—"
    return f"《{outcome.basis.document}》{outcome.basis.article or ''}"


def _fields(outcome: Outcome, field_title: Callable[[str], str | None]) -> str:
    names = [field_title(f) or KERNEL_FIELDS.get(f) or f for f in outcome.fields]
    return "、".join(names) or "—"


def _provenance(decision: Decision) -> str:
    used = "；".join(f"{r.name}（版本{r.version}，{r.sha256[:12]}）" for r in decision.rulesets)
    return (
        f"本告知书依据{pdf.zh_date(decision.as_of)}施行的规则生成：{used or '申请表的填写要求'}。"
    )
