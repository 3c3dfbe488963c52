"""注册人员查询 (EN-05) with its export, and 人员到期预警 (EN-06).

The register is written by the ministry's approval (``effects.py``); the warnings by the daily
job below, for registrations ending within the horizon (``GOVFLOW_ENGINEERS_EXPIRY_DAYS``, 90
days unless set). An enterprise sees its own persons with ID numbers masked; a reviewer whose
scope covers the enterprise's region sees them in full.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from typing import TYPE_CHECKING, Any

from aiohttp import web
from tortoise.expressions import Q

from kernel import Call, Forbidden, Job, Text, clock, field_error, hookimpl

from .context import region_of, uscc_of
from .declarations import mask_id, person_search
from .models import ExpiryWarning, Message, Registration

if TYPE_CHECKING:
    from kernel import JobContext

#: 注册专业 as the schema names them (schemas/engineers/declaration.json $defs/profession).
PROFESSIONS = {
    "architect_1": "一级注册建筑师",
    "structural_1": "一级注册结构工程师",
    "geotechnical": "注册土木工程师（岩土）",
    "utilities": "注册公用设备工程师",
    "electrical": "注册电气工程师",
    "chemical": "注册化工工程师",
}
ID_TYPES = {
    "resident_id": "居民身份证",
    "residence_permit_hmt": "港澳台居民居住证",
    "mainland_travel_permit_hk_macao": "港澳居民来往内地通行证",
    "mainland_travel_permit_taiwan": "台湾居民来往大陆通行证",
    "passport_foreign": "护照",
}
#: The export's columns: (Chinese header, field).
COLUMNS = (
    ("姓名", "person_name"),
    ("证件类型", "id_type"),
    ("证件号码", "id_number"),
    ("注册专业", "profession"),
    ("注册证书编号", "certificate_no"),
    ("注册日期", "registered_on"),
    ("有效期至", "valid_until"),
)
EXPIRY_JOB = "engineers.expiry-warnings"


def horizon_days() -> int:
    """How far ahead an expiry is warned of: ``GOVFLOW_ENGINEERS_EXPIRY_DAYS`` (default 90)."""
    raw = os.environ.get("GOVFLOW_ENGINEERS_EXPIRY_DAYS", "90")
    return int(raw) if raw.isdigit() and int(raw) > 0 else 90


def _reader(call: Call) -> tuple[str, bool]:
    """Whose register, and whether ID numbers are shown in full to this caller."""
    if "enterprise" in call.actor.roles:
        return uscc_of(call.actor) or "-", False
    uscc = call.request.query.get("enterprise_uscc", "").strip().upper()
    if not uscc:
        raise field_error(
            "/query/enterprise_uscc",
            "engineers.register.enterprise",
            "请指定企业统一社会信用代码",
            "Name the enterprise (its USCC)",
        )
    if not call.actor.reviews("engineers", region_of(uscc)):
        raise Forbidden("this enterprise is outside the reviewer's regions")
    return uscc, True


def _filtered(query, params, full: bool):
    text = params.get("q", "").strip()
    if text:
        query = query.filter(
            person_search(text, masked=not full) | Q(certificate_no__icontains=text)
        )
    if params.get("profession"):
        query = query.filter(profession=params["profession"])
    return query


def _row(registration: Registration, full: bool) -> dict[str, Any]:
    return {
        "id": registration.id,
        "person_name": registration.person_name,
        "id_type": ID_TYPES.get(registration.id_type, registration.id_type),
        "id_number": registration.id_number if full else mask_id(registration.id_number),
        "profession": PROFESSIONS.get(registration.profession, registration.profession),
        "certificate_no": registration.certificate_no,
        "registered_on": registration.registered_on.isoformat(),
        "valid_until": registration.valid_until.isoformat(),
    }


async def _rows(call: Call) -> list[dict[str, Any]]:
    uscc, full = _reader(call)
    query = _filtered(Registration.filter(enterprise_uscc=uscc), call.request.query, full)
    return [_row(r, full) for r in await query.order_by("person_name", "id")]


async def list_registrations(call: Call) -> dict[str, Any]:
    """注册人员查询: the persons registered with the enterprise; ``q``, ``profession``."""
    return {"items": await _rows(call)}


async def export_csv(call: Call) -> web.Response:
    """导出 as CSV (UTF-8 with a byte-order mark, so that Excel reads the Chinese headers)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for header, _ in COLUMNS])
    for row in await _rows(call):
        writer.writerow([row[key] for _, key in COLUMNS])
    return _file(("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", "csv")


async def export_xlsx(call: Call) -> web.Response:
    """导出 as an Excel workbook (openpyxl), one sheet 注册人员."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "注册人员"
    sheet.append([header for header, _ in COLUMNS])
    for row in await _rows(call):
        sheet.append([row[key] for _, key in COLUMNS])
    for column, width in zip("ABCDEFG", (10, 16, 22, 24, 18, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return _file(out.getvalue(), media, "xlsx")


def _file(body: bytes, media: str, suffix: str) -> web.Response:
    name = f"registered-persons-{clock.now().date().isoformat()}.{suffix}"
    return web.Response(
        body=body,
        headers={
            "Content-Type": media,
            "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''"
            f"%E6%B3%A8%E5%86%8C%E4%BA%BA%E5%91%98.{suffix}",
        },
    )


async def list_warnings(call: Call) -> dict[str, Any]:
    """人员到期预警: the enterprise's registrations the job found expiring; ``q`` searches."""
    uscc, full = _reader(call)
    today = clock.now().date()
    query = ExpiryWarning.filter(enterprise_uscc=uscc, valid_until__gte=today)
    text = call.request.query.get("q", "").strip()
    if text:
        query = query.filter(
            person_search(text, masked=not full, prefix="registration__")
            | Q(registration__certificate_no__icontains=text)
        )
    warnings = await query.order_by("valid_until", "id").prefetch_related("registration")
    return {
        "horizon_days": horizon_days(),
        "items": [
            {
                **_row(w.registration, full),
                "days_left": (w.valid_until - today).days,
                "found_on": w.found_on.isoformat(),
            }
            for w in warnings
            if w.registration.valid_until == w.valid_until  # renewed since: no longer warned
        ],
    }


async def find_expiring(jobs: JobContext) -> None:
    """The daily run: every registration ending within the horizon gets one warning (and its
    enterprise one message) per end date, however often the job runs."""
    today = clock.now().date()
    until = today + dt.timedelta(days=horizon_days())
    expiring = await Registration.filter(valid_until__gte=today, valid_until__lte=until)
    for registration in expiring:
        known = await ExpiryWarning.exists(
            registration_id=registration.id, valid_until=registration.valid_until
        )
        if known:
            continue
        await ExpiryWarning.create(
            registration=registration,
            enterprise_uscc=registration.enterprise_uscc,
            valid_until=registration.valid_until,
            found_on=today,
        )
        profession = PROFESSIONS.get(registration.profession, registration.profession)
        await Message.create(
            enterprise_uscc=registration.enterprise_uscc,
            title=f"人员到期预警：{registration.person_name}的{profession}注册即将到期",
            body=(
                f"{registration.person_name}（注册证书编号{registration.certificate_no}）的注册"
                f"有效期至{registration.valid_until.isoformat()}，请及时办理延续注册。"
            ),
            created_at=clock.now(),
        )


@hookimpl
def govflow_jobs() -> list[Job]:
    return [
        Job(
            EXPIRY_JOB,
            find_expiring,
            every=dt.timedelta(days=1),
            title=Text("人员到期预警", "Registrations about to expire"),
        )
    ]
