"""Attachments over HTTP (CA-04 上传附件, CA-07, FW-04, FW-11): what an applicant would notice.

Files are judged by their content and size, stored once by their hash, downloaded as they were
sent, shown only to who may read the application, and never left half-written.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import zlib
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from tortoise.backends.sqlite.client import SqliteTransactionWrapper
from tortoise.exceptions import OperationalError

from kernel import clock
from kernel.app import create_app
from kernel.db.models import Application, Attachment, AuditRecord, Blob
from kernel.manifest import ManifestError, load_manifest

from .conftest import PG_URL
from .factories import (
    CHANGE_DOCUMENT,
    codeassign_people,
    login,
    make_account,
    make_unit,
    qr_login,
)

FIXED_TERM = {"certificate_validity": "fixed", "certificate_expires": "2099-12-31"}
DOCUMENT = CHANGE_DOCUMENT
#: A real 1×1 JFIF image (what a scanner or phone sends, only smaller).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////"
    "////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQAB"
    "PxA="
)
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png(shade: int = 0, size: int = 4) -> bytes:
    """A valid RGB PNG of ``size``×``size`` pixels; ``shade`` makes different files."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(
        b"\x00" + bytes((shade + x * 40 + y * 20) % 256 for x in range(size) for _ in range(3))
        for y in range(size)
    )
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
async def client(aiohttp_client, config):
    client = await aiohttp_client(create_app(config))
    await codeassign_people()
    await make_unit("unit-fixed", "110108", "fixed", expires="2099-12-31")
    await make_account("person", "natural_person", ["natural_person"], region="110108")
    return client


@pytest.fixture
def blobs(config) -> Path:
    return config.data_dir / "blobs"


def stored_files(blobs: Path) -> list[Path]:
    """Every file under the blob folder, temporary ones included."""
    return sorted(p for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else []


async def draft(client, headers, process="codeassign", **body) -> dict:
    body = {"process": process, **body}
    if process == "codeassign":
        body = {"matter": "change", "data": DOCUMENT, **body}
    response = await client.post("/api/applications", json=body, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


async def upload(
    client,
    headers,
    application_id,
    kind,
    content,
    *,
    version,
    filename="scan.png",
    content_type="image/png",
):
    form = aiohttp.FormData(quote_fields=False)  # UTF-8 names as browsers send them
    form.add_field("type", kind)
    form.add_field("file", content, filename=filename, content_type=content_type)
    return await client.post(
        f"/api/applications/{application_id}/attachments",
        data=form,
        headers={**headers, "If-Match": f'"{version}"'},
    )


async def version_of(application_id: int) -> int:
    return (await Application.get(id=application_id)).version


async def test_a_png_is_stored_by_its_hash_and_downloaded_byte_identical(client, blobs):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    content = png(7)
    response = await upload(
        client,
        unit,
        app["id"],
        "application_form",
        content,
        version=1,
        filename="申请表（盖章）.png",
        content_type="text/plain",
    )
    body = await response.json()
    assert response.status == 201, body
    sha = hashlib.sha256(content).hexdigest()
    assert response.headers["ETag"] == '"2"'
    assert body["type"] == "application_form" and body["filename"] == "申请表（盖章）.png"
    assert (body["content_type"], body["size"], body["sha256"]) == ("image/png", len(content), sha)
    assert body["uploaded_at"] and body["title"]["zh"] == "加盖公章的申请表扫描件"
    assert stored_files(blobs) == [blobs / sha[:2] / f"{sha}.png"]

    download = await client.get(body["url"], headers=unit)
    assert download.status == 200
    assert await download.read() == content
    assert download.headers["Content-Type"] == "image/png"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('申请表（盖章）.png')}" in disposition
    assert "%E7%94%B3%E8%AF%B7%E8%A1%A8" in disposition  # 申请表, as UTF-8 octets

    listed = await (
        await client.get(f"/api/applications/{app['id']}/attachments", headers=unit)
    ).json()
    assert [(a["id"], a["sha256"]) for a in listed["items"]] == [(body["id"], sha)]
    assert [t["name"] for t in listed["types"]] == ["application_form", "change_approval"]
    history = await (
        await client.get(f"/api/applications/{app['id']}/history", headers=unit)
    ).json()
    assert [(h["seq"], h["action"]) for h in history["items"]] == [(1, "create"), (2, "attach")]


async def test_a_real_jpeg_is_accepted_for_an_id_scan(client):
    person = await login(client, "person")
    profile = await draft(client, person, "foreignwork", workflow="person_profile", data={})
    response = await upload(
        client,
        person,
        profile["id"],
        "id_front",
        JPEG,
        version=1,
        filename="front.jpeg",
        content_type="image/jpeg",
    )
    assert response.status == 201, await response.text()
    body = await response.json()
    assert (body["content_type"], body["size"]) == ("image/jpeg", len(JPEG))
    assert await (await client.get(body["url"], headers=person)).read() == JPEG


async def test_a_pdf_named_photo_jpg_is_refused_as_a_pdf(client, blobs):
    person = await login(client, "person")
    profile = await draft(client, person, "foreignwork", workflow="person_profile", data={})
    response = await upload(
        client,
        person,
        profile["id"],
        "id_front",
        PDF,
        version=1,
        filename="photo.jpg",
        content_type="image/jpeg",
    )
    assert response.status == 422
    assert response.content_type == "application/problem+json"
    [violation] = (await response.json())["violations"]
    assert (violation["rule"], violation["fields"]) == ("attachment.type", ["/file"])
    assert violation["params"]["found"] == "application/pdf"
    assert "pdf" in violation["message"]["zh"] and "jpg" in violation["message"]["zh"]
    assert "pdf" in violation["message"]["en"]
    assert stored_files(blobs) == []
    assert await Blob.all().count() == 0 and await version_of(profile["id"]) == 1


async def test_a_png_is_refused_as_a_profile_id_scan_which_takes_only_jpg(client, blobs):
    """FW-11: the profile's ID scans are jpg only (FW-04's appeal also takes png)."""
    person = await login(client, "person")
    profile = await draft(client, person, "foreignwork", workflow="person_profile", data={})
    refused = await upload(client, person, profile["id"], "id_front", png(), version=1)
    assert refused.status == 422
    [violation] = (await refused.json())["violations"]
    assert violation["rule"] == "attachment.type" and violation["params"]["found"] == "image/png"
    assert "jpg" in violation["message"]["zh"] and "png" in violation["message"]["zh"]
    assert stored_files(blobs) == [] and await version_of(profile["id"]) == 1


async def test_an_oversize_file_is_refused_and_nothing_is_stored(client, blobs):
    person = await login(client, "person")
    profile = await draft(client, person, "foreignwork", workflow="person_profile", data={})
    too_big = JPEG[:-2] + b"\x00" * (1048577 - len(JPEG)) + b"\xff\xd9"
    assert len(too_big) == 1048577
    response = await upload(
        client,
        person,
        profile["id"],
        "id_back",
        too_big,
        version=1,
        filename="back.jpg",
        content_type="image/jpeg",
    )
    assert response.status == 422
    [violation] = (await response.json())["violations"]
    assert (violation["rule"], violation["fields"]) == ("attachment.size", ["/file"])
    assert "1MB" in violation["message"]["zh"] and "1MB" in violation["message"]["en"]
    assert stored_files(blobs) == []
    assert await Blob.all().count() == 0 and await Attachment.all().count() == 0
    assert await version_of(profile["id"]) == 1

    exactly = too_big[:1048574] + b"\xff\xd9"
    assert len(exactly) == 1048576
    ok = await upload(
        client,
        person,
        profile["id"],
        "id_back",
        exactly,
        version=1,
        filename="back.jpg",
        content_type="image/jpeg",
    )
    assert ok.status == 201, await ok.text()


async def test_an_unknown_type_and_a_missing_file_are_refused(client):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    unknown = await upload(client, unit, app["id"], "selfie", png(), version=1)
    assert unknown.status == 422
    [violation] = (await unknown.json())["violations"]
    assert violation["rule"] == "attachment.unknown-type" and violation["fields"] == ["/type"]
    assert violation["params"]["types"] == ["application_form", "change_approval"]
    form = aiohttp.FormData()
    form.add_field("type", "application_form")
    form.add_field("other", b"x", filename="x.txt")
    no_file = await client.post(
        f"/api/applications/{app['id']}/attachments", data=form, headers={**unit, "If-Match": '"1"'}
    )
    assert no_file.status == 400
    assert (await no_file.json())["violations"][0]["fields"] == ["/file"]
    assert await version_of(app["id"]) == 1


async def test_a_part_whose_headers_do_not_parse_is_a_400_not_a_500(client, blobs):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    body = (
        b'--b\r\nContent-Disposition: form-data; name="t\x7f"\r\n\r\nx\r\n'
        b'--b\r\nContent-Disposition: form-data; name="type"\r\n\r\napplication_form\r\n--b--\r\n'
    )
    response = await client.post(
        f"/api/applications/{app['id']}/attachments",
        data=body,
        headers={**unit, "If-Match": '"1"', "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status == 400
    assert (await response.json())["violations"][0]["rule"] == "request.multipart"
    assert stored_files(blobs) == [] and await version_of(app["id"]) == 1


async def test_uploading_the_same_type_again_replaces_it(client, blobs):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    first = await (
        await upload(client, unit, app["id"], "application_form", png(1), version=1)
    ).json()
    second = await upload(
        client, unit, app["id"], "application_form", png(2), version=2, filename="重新扫描.png"
    )
    assert second.status == 201 and second.headers["ETag"] == '"3"'
    second = await second.json()
    listed = await (
        await client.get(f"/api/applications/{app['id']}/attachments", headers=unit)
    ).json()
    assert [(a["type"], a["filename"]) for a in listed["items"]] == [
        ("application_form", "重新扫描.png")
    ]
    sha = second["sha256"]
    assert stored_files(blobs) == [blobs / sha[:2] / f"{sha}.png"]
    assert [b.sha256 for b in await Blob.all()] == [sha]
    assert (await client.get(first["url"], headers=unit)).status == 404


async def test_the_same_file_twice_is_stored_once(client, blobs):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    content = png(3)
    await upload(client, unit, app["id"], "application_form", content, version=1)
    again = await upload(client, unit, app["id"], "change_approval", content, version=2)
    assert again.status == 201
    assert len(stored_files(blobs)) == 1 and await Blob.all().count() == 1
    assert await Attachment.all().count() == 2


async def test_others_cannot_list_download_or_delete_and_reviewers_only_in_scope(client):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    body = await (
        await upload(client, unit, app["id"], "application_form", png(), version=1)
    ).json()
    listing = f"/api/applications/{app['id']}/attachments"
    removal = f"{listing}/{body['id']}"

    other = await login(client, "unit-b")
    assert (await client.get(listing, headers=other)).status == 404
    assert (await client.get(body["url"], headers=other)).status == 404
    assert (await client.get("/api/attachments/999999", headers=other)).status == 404
    assert (await client.delete(removal, headers={**other, "If-Match": '"2"'})).status == 404
    intruder = await upload(client, other, app["id"], "application_form", png(9), version=2)
    assert intruder.status == 404

    shanghai = await login(client, "reviewer-sh")
    assert (await client.get(body["url"], headers=shanghai)).status == 404
    assert (await client.get(listing, headers=shanghai)).status == 404

    beijing = await login(client, "reviewer-bj")
    # Not submitted yet: the draft is the unit's own, even for the reviewer in scope (#12).
    assert (await client.get(body["url"], headers=beijing)).status == 404
    assert (await client.get(listing, headers=beijing)).status == 404
    await Application.filter(id=app["id"]).update(submitted_at=clock.now())  # as if submitted
    seen = await client.get(body["url"], headers=beijing)
    assert seen.status == 200 and await seen.read() == png()
    assert len((await (await client.get(listing, headers=beijing)).json())["items"]) == 1
    assert (await client.delete(removal, headers={**beijing, "If-Match": '"2"'})).status == 403
    by_reviewer = await upload(client, beijing, app["id"], "change_approval", png(4), version=2)
    assert by_reviewer.status == 403

    assert (await client.get(body["url"])).status == 401
    assert await Attachment.all().count() == 1 and await version_of(app["id"]) == 2


async def test_a_stale_if_match_is_refused_and_changes_nothing(client, blobs):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    saved = await client.put(
        f"/api/applications/{app['id']}",
        json={"data": DOCUMENT},
        headers={**unit, "If-Match": '"1"'},
    )
    assert saved.status == 200
    stale = await upload(client, unit, app["id"], "application_form", png(), version=1)
    assert stale.status == 409
    assert stored_files(blobs) == [] and await Blob.all().count() == 0
    form = aiohttp.FormData()
    form.add_field("type", "application_form")
    form.add_field("file", png(), filename="a.png")
    missing = await client.post(
        f"/api/applications/{app['id']}/attachments", data=form, headers=unit
    )
    assert missing.status == 428

    body = await (
        await upload(client, unit, app["id"], "application_form", png(), version=2)
    ).json()
    gone = await client.delete(
        f"/api/applications/{app['id']}/attachments/{body['id']}",
        headers={**unit, "If-Match": '"2"'},
    )
    assert gone.status == 409
    assert await Attachment.all().count() == 1 and await version_of(app["id"]) == 3


async def test_a_crash_between_writing_and_renaming_leaves_nothing_half_written(
    client, blobs, monkeypatch
):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("kernel.attachments.os.replace", crash)
    response = await upload(client, unit, app["id"], "application_form", png(), version=1)
    assert response.status == 500
    assert response.content_type == "application/problem+json"
    assert stored_files(blobs) == []
    assert await Blob.all().count() == 0 and await Attachment.all().count() == 0
    assert await version_of(app["id"]) == 1
    history = await (
        await client.get(f"/api/applications/{app['id']}/history", headers=unit)
    ).json()
    assert [h["action"] for h in history["items"]] == ["create"]

    monkeypatch.undo()
    retried = await upload(client, unit, app["id"], "application_form", png(), version=1)
    assert retried.status == 201


async def test_deleting_an_attachment_removes_it_with_its_file(client, blobs):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    body = await (
        await upload(client, unit, app["id"], "application_form", png(), version=1)
    ).json()
    gone = await client.delete(
        f"/api/applications/{app['id']}/attachments/{body['id']}",
        headers={**unit, "If-Match": '"2"'},
    )
    assert gone.status == 204 and gone.headers["ETag"] == '"3"'
    listed = await (
        await client.get(f"/api/applications/{app['id']}/attachments", headers=unit)
    ).json()
    assert listed["items"] == []
    assert stored_files(blobs) == [] and await Blob.all().count() == 0
    history = await (
        await client.get(f"/api/applications/{app['id']}/history", headers=unit)
    ).json()
    assert [h["action"] for h in history["items"]] == ["create", "attach", "detach"]
    again = await client.delete(
        f"/api/applications/{app['id']}/attachments/{body['id']}",
        headers={**unit, "If-Match": '"3"'},
    )
    assert again.status == 404


async def test_deleting_the_material_removes_its_files_but_keeps_shared_ones(client, blobs):
    unit = await login(client, "unit-a")
    doomed, kept = await draft(client, unit), await draft(client, unit)
    shared, own = png(5), png(6)
    await upload(client, unit, doomed["id"], "application_form", shared, version=1)
    await upload(client, unit, doomed["id"], "change_approval", own, version=2)
    other = await (
        await upload(client, unit, kept["id"], "application_form", shared, version=1)
    ).json()
    assert len(stored_files(blobs)) == 2

    deleted = await client.delete(
        f"/api/applications/{doomed['id']}", headers={**unit, "If-Match": '"3"'}
    )
    assert deleted.status == 204
    sha = hashlib.sha256(shared).hexdigest()
    assert stored_files(blobs) == [blobs / sha[:2] / f"{sha}.png"]
    assert [b.sha256 for b in await Blob.all()] == [sha]
    assert await Attachment.filter(application_id=doomed["id"]).count() == 0
    assert await (await client.get(other["url"], headers=unit)).read() == shared
    # The row and its trail stay for the record, without what the applicant entered, and
    # the trail ends with the delete itself.
    row = await Application.get(id=doomed["id"])
    assert row.data == {} and row.deleted_at is not None
    trail = await AuditRecord.filter(application_id=doomed["id"]).order_by("seq")
    assert trail[-1].action == "delete" and trail[-1].seq == 4
    assert (await client.get(f"/api/applications/{doomed['id']}", headers=unit)).status == 404


@pytest.mark.skipif(bool(PG_URL), reason="a fault of SQLite's commit")
async def test_a_delete_whose_commit_fails_leaves_the_material_attached(client, blobs, monkeypatch):
    """The disk fails as the delete commits (SQLite then rolls the transaction back): the
    applicant is told the service is unavailable and finds the draft as it was, every file
    still attached and on disk, and can delete it once the disk is back. Detaching the files
    is part of the one transaction that fails, not done beside it."""
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    await upload(client, unit, app["id"], "application_form", png(10), version=1)
    await upload(client, unit, app["id"], "change_approval", png(11), version=2)
    url = f"/api/applications/{app['id']}"

    async def commit_fails(self) -> None:
        await self.rollback()
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(SqliteTransactionWrapper, "commit", commit_fails)
    failed = await client.delete(url, headers={**unit, "If-Match": '"3"'})
    monkeypatch.undo()
    assert failed.status == 503, await failed.text()
    assert await Attachment.filter(application_id=app["id"]).count() == 2
    listed = await (await client.get(f"{url}/attachments", headers=unit)).json()
    assert sorted(a["type"] for a in listed["items"]) == ["application_form", "change_approval"]
    assert len(stored_files(blobs)) == 2
    shown = await client.get(url, headers=unit)
    assert shown.status == 200 and shown.headers["ETag"] == '"3"'

    deleted = await client.delete(url, headers={**unit, "If-Match": '"3"'})
    assert deleted.status == 204
    assert await Attachment.filter(application_id=app["id"]).count() == 0
    assert stored_files(blobs) == []


async def test_ca07_a_fixed_term_unit_submits_once_the_attachments_are_uploaded(client):
    unit = await qr_login("unit-fixed")
    app = await draft(client, unit)
    agreed = await client.post(
        "/api/auth/agreements",
        json={"text_id": "codeassign.login", "version": "2024-01"},
        headers=unit,
    )
    assert agreed.status == 201
    submit = f"/api/applications/{app['id']}/transitions/submit"
    refused = await client.post(submit, headers={**unit, "If-Match": '"1"'})
    assert refused.status == 422
    assert {v["rule"] for v in (await refused.json())["violations"]} == {
        "codeassign.attachments.application-form",
        "codeassign.attachments.change-approval",
    }

    form = await upload(
        client,
        unit,
        app["id"],
        "application_form",
        PDF,
        version=1,
        filename="申请表.pdf",
        content_type="application/pdf",
    )
    approval = await upload(client, unit, app["id"], "change_approval", png(), version=2)
    assert (form.status, approval.status) == (201, 201)
    assert (await form.json())["content_type"] == "application/pdf"

    submitted = await client.post(submit, headers={**unit, "If-Match": '"3"'})
    body = await submitted.json()
    assert submitted.status == 200, body
    assert body["application"]["state"] == "awaiting_acceptance"

    locked = await upload(client, unit, app["id"], "change_approval", png(8), version=4)
    assert locked.status == 409
    assert await Attachment.filter(application_id=app["id"]).count() == 2


async def test_the_process_description_lists_its_attachment_types(client):
    unit = await login(client, "unit-a")
    described = await (await client.get("/api/processes/codeassign", headers=unit)).json()
    form = described["workflows"]["application"]["attachments"]["application_form"]
    assert form["content_types"] == ["image/jpeg", "image/png", "application/pdf"]
    assert form["title"] == {
        "zh": "加盖公章的申请表扫描件",
        "en": "Stamped application form (scan)",
    }
    stamped = described["workflows"]["qr_request"]["attachments"]["stamped_form"]
    assert stamped["title"]["zh"] == "加盖公章的《登录二维码图片申领表》扫描件"


MANIFEST = """
name: parking
version: 0.1.0
title: {zh: 停车, en: Parking}
attachments:
  permit_scan:
    title: {zh: 许可证, en: Permit}
    content_types: [text/plain]
    max_bytes: 1024
  photo:
    title: {zh: 照片, en: Photo}
    content_types: [image/png]
workflows:
  permit:
    title: {zh: 停车许可, en: Parking permit}
    states: [{name: draft, title: {zh: 草稿, en: Draft}, initial: true}]
    transitions: []
"""


def test_a_manifest_with_a_broken_attachment_type_says_what_is_wrong(tmp_path):
    path = tmp_path / "process.yaml"
    path.write_text(MANIFEST, "utf-8")
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, rules_root=tmp_path, schemas_root=tmp_path)
    assert any("/attachments/photo" in p and "max_bytes" in p for p in caught.value.problems)

    path.write_text(
        MANIFEST.replace(
            "    content_types: [image/png]\n",
            "    content_types: [image/png]\n    max_bytes: 2048\n",
        )
    )
    with pytest.raises(ManifestError) as caught:
        load_manifest(path, rules_root=tmp_path, schemas_root=tmp_path)
    assert caught.value.problems == [
        "attachments: 'permit_scan' accepts 'text/plain', which cannot be recognised from a "
        "file's content"
    ]


class EndlessScan:
    """An upload that never ends, counting how much of it was read."""

    filename = "endless.jpg"

    def __init__(self) -> None:
        self.read = 0

    async def read_chunk(self, size: int = 65536) -> bytes:
        self.read += size
        return (JPEG + b"\x00" * size)[:size]


async def test_an_upload_stops_being_read_as_soon_as_it_is_too_large(tmp_path, kernel):
    from kernel.attachments import BlobStore
    from kernel.errors import Unprocessable

    kind = kernel.process("foreignwork").attachment_types("person_profile")["id_front"]
    store, scan = BlobStore(tmp_path / "blobs"), EndlessScan()
    with pytest.raises(Unprocessable) as refused:
        await store.receive(scan, kind)
    assert refused.value.violations[0].rule == "attachment.size"
    assert scan.read <= kind.max_bytes + 65536
    assert stored_files(store.root) == []


def photo(width: int = 160, height: int = 120) -> bytes:
    """A real JPEG photo of noise, far larger than the 8 KiB the type is judged on."""
    import io
    import random

    from PIL import Image

    noise = random.Random(7).randbytes(width * height * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), noise).save(out, "JPEG", quality=95)
    return out.getvalue()


async def test_a_large_pdf_named_photo_jpg_is_refused_like_a_small_one(client, blobs):
    """The type is judged on the leading bytes however long the file: a scan of many pages
    sent as the ID photo is refused, not stored because its head arrived in a full chunk."""
    person = await login(client, "person")
    profile = await draft(client, person, "foreignwork", workflow="person_profile", data={})
    pages = b"".join(f"{n} 0 obj\n<< /Page {n} >>\nstream\n".encode() for n in range(2, 4000))
    large_pdf = PDF[:-6] + pages + b"%%EOF\n"
    assert 64 * 1024 < len(large_pdf) < 1024 * 1024  # over the 8 KiB head, under the 1 MB limit
    response = await upload(
        client,
        person,
        profile["id"],
        "id_front",
        large_pdf,
        version=1,
        filename="photo.jpg",
        content_type="image/jpeg",
    )
    assert response.status == 422, await response.text()
    [violation] = (await response.json())["violations"]
    assert violation["rule"] == "attachment.type"
    assert violation["params"]["found"] == "application/pdf"
    assert stored_files(blobs) == []
    assert await Blob.all().count() == 0 and await version_of(profile["id"]) == 1


async def test_a_large_jpeg_photo_is_accepted_as_a_jpeg(client):
    person = await login(client, "person")
    profile = await draft(client, person, "foreignwork", workflow="person_profile", data={})
    content = photo()
    assert len(content) > 8192
    response = await upload(
        client,
        person,
        profile["id"],
        "id_front",
        content,
        version=1,
        filename="photo.jpg",
        content_type="application/octet-stream",  # what the browser claims does not count
    )
    assert response.status == 201, await response.text()
    body = await response.json()
    assert (body["content_type"], body["size"]) == ("image/jpeg", len(content))
    assert await (await client.get(body["url"], headers=person)).read() == content


@pytest.mark.parametrize(
    ("named", "claimed"),
    [("scan.jpg", "image/jpeg"), ("scan.exe", "application/x-msdownload"), ("scan", "")],
)
async def test_a_png_named_otherwise_is_stored_and_served_as_a_png(client, blobs, named, claimed):
    """#12 point 11: the name never claims a type the content does not have."""
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    content = png(9)
    response = await upload(
        client,
        unit,
        app["id"],
        "application_form",
        content,
        version=1,
        filename=named,
        content_type=claimed or "application/octet-stream",
    )
    body = await response.json()
    assert response.status == 201, body
    assert (body["filename"], body["content_type"]) == ("scan.png", "image/png")
    sha = hashlib.sha256(content).hexdigest()
    on_disk = blobs / sha[:2] / f"{sha}.png"
    assert stored_files(blobs) == [on_disk] and on_disk.read_bytes() == content

    download = await client.get(body["url"], headers=unit)
    assert download.status == 200 and await download.read() == content
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"scan.png\"; filename*=UTF-8''scan.png"
    )
    listed = await (
        await client.get(f"/api/applications/{app['id']}/attachments", headers=unit)
    ).json()
    assert [a["filename"] for a in listed["items"]] == ["scan.png"]


async def test_a_file_stored_under_its_bare_hash_before_is_still_served(client, blobs):
    """Blobs placed before files got their extension (``blobs/ab/<sha>``) stay readable, and
    go with their last attachment like the others."""
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    content = png(10)
    body = await (
        await upload(client, unit, app["id"], "application_form", content, version=1)
    ).json()
    sha = body["sha256"]
    (blobs / sha[:2] / f"{sha}.png").rename(blobs / sha[:2] / sha)
    download = await client.get(body["url"], headers=unit)
    assert download.status == 200 and await download.read() == content
    removed = await client.delete(
        f"/api/applications/{app['id']}/attachments/{body['id']}",
        headers={**unit, "If-Match": '"2"'},
    )
    assert removed.status == 204
    assert stored_files(blobs) == []


async def test_a_file_of_no_recognisable_type_is_refused_naming_every_accepted_format(client):
    """What the applicant reads: the material's title, every format it takes, and that the file
    sent is of no type at all; the client gets the accepted media types to offer a picker."""
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    response = await upload(
        client, unit, app["id"], "application_form", b"just some notes\n" * 20, version=1
    )
    assert response.status == 422
    [violation] = (await response.json())["violations"]
    assert violation["kind"] == "violation"
    assert violation["message"] == {
        "zh": "加盖公章的申请表扫描件须为jpg、png、pdf格式，上传的是无法识别类型的文件",
        "en": "Stamped application form (scan) must be jpg or png or pdf; "
        "the file sent is of a type that cannot be recognised",
    }
    assert violation["params"] == {
        "accepted": ["image/jpeg", "image/png", "application/pdf"],
        "found": None,
    }
    assert await version_of(app["id"]) == 1


async def test_a_refused_type_and_size_say_exactly_what_was_expected(client):
    person = await login(client, "person")
    profile = await draft(client, person, "foreignwork", workflow="person_profile", data={})
    wrong = await upload(client, person, profile["id"], "id_front", png(), version=1)
    [violation] = (await wrong.json())["violations"]
    assert violation["kind"] == "violation"
    assert violation["message"] == {
        "zh": "签字的身份证件正面扫描件须为jpg格式，上传的是png文件",
        "en": "Front of the ID, signed (scan) must be jpg; the file sent is a png file",
    }
    assert violation["params"] == {"accepted": ["image/jpeg"], "found": "image/png"}

    too_big = JPEG[:-2] + b"\x00" * (1048577 - len(JPEG)) + b"\xff\xd9"
    large = await upload(
        client, person, profile["id"], "id_back", too_big, version=1, content_type="image/jpeg"
    )
    [violation] = (await large.json())["violations"]
    assert violation["kind"] == "violation"
    assert violation["message"] == {
        "zh": "签字的身份证件反面扫描件大小不能超过1MB",
        "en": "Back of the ID, signed (scan) may be at most 1MB",
    }
    assert violation["params"] == {"max_bytes": 1048576}


class Chunks:
    """An upload of ``content`` in one chunk."""

    filename = "scan.jpg"

    def __init__(self, content: bytes) -> None:
        self.left = content

    async def read_chunk(self, size: int = 65536) -> bytes:
        chunk, self.left = self.left[:size], self.left[size:]
        return chunk


@pytest.mark.parametrize(
    ("max_bytes", "said"), [(3072, "3KB"), (1024, "1KB"), (3000, "3000 bytes")]
)
async def test_a_plugins_limit_in_kilobytes_is_said_in_kilobytes(tmp_path, kernel, max_bytes, said):
    """A plugin may declare any ``max_bytes``; its applicants read it as they would write it."""
    import dataclasses

    from kernel.attachments import BlobStore
    from kernel.errors import Unprocessable

    declared = kernel.process("foreignwork").attachment_types("person_profile")["id_front"]
    kind = dataclasses.replace(declared, max_bytes=max_bytes)
    with pytest.raises(Unprocessable) as refused:
        await BlobStore(tmp_path / "blobs").receive(Chunks(JPEG + b"\x00" * 4096), kind)
    [violation] = refused.value.violations
    assert violation.message.zh == f"签字的身份证件正面扫描件大小不能超过{said}"
    assert violation.message.en == f"Front of the ID, signed (scan) may be at most {said}"


async def test_deleting_one_attachment_keeps_the_others_and_an_unknown_one_is_a_404(client):
    unit = await login(client, "unit-a")
    app = await draft(client, unit)
    form = await (
        await upload(client, unit, app["id"], "application_form", png(1), version=1)
    ).json()
    approval = await (
        await upload(client, unit, app["id"], "change_approval", png(2), version=2)
    ).json()
    url = f"/api/applications/{app['id']}/attachments"
    missing = await client.delete(
        f"{url}/{approval['id'] + 1000}", headers={**unit, "If-Match": '"3"'}
    )
    assert missing.status == 404
    gone = await client.delete(f"{url}/{approval['id']}", headers={**unit, "If-Match": '"3"'})
    assert gone.status == 204
    listed = await (await client.get(url, headers=unit)).json()
    assert [(a["id"], a["type"]) for a in listed["items"]] == [(form["id"], "application_form")]
    assert (await client.get(form["url"], headers=unit)).status == 200


async def test_deleting_the_material_of_a_refused_application_drops_its_files_not_its_number(
    client, blobs
):
    """未通过: the applicant deletes the material; the files go, the number and trail stay.
    A stale If-Match changes nothing, not even the attachments."""
    unit = await qr_login("unit-a")
    app = await draft(client, unit)
    await upload(client, unit, app["id"], "application_form", png(8), version=1)
    await upload(client, unit, app["id"], "change_approval", png(9), version=2)
    await client.post(
        "/api/auth/agreements",
        json={"text_id": "codeassign.login", "version": "2024-01"},
        headers=unit,
    )
    url = f"/api/applications/{app['id']}"
    submitted = await client.post(f"{url}/transitions/submit", headers={**unit, "If-Match": '"3"'})
    assert submitted.status == 200, await submitted.text()
    reviewer = await login(client, "reviewer-bj")
    refused = await client.post(
        f"{url}/transitions/refuse",
        json={"reply": "材料不全"},
        headers={**reviewer, "If-Match": '"4"'},
    )
    assert refused.status == 200, await refused.text()

    stale = await client.delete(url, headers={**unit, "If-Match": '"4"'})
    assert stale.status == 409
    listed = await (await client.get(f"{url}/attachments", headers=unit)).json()
    assert sorted(a["type"] for a in listed["items"]) == ["application_form", "change_approval"]
    assert len(stored_files(blobs)) == 2

    kept = await client.delete(url, headers={**unit, "If-Match": '"5"'})
    assert kept.status == 200, await kept.text()
    listed = await (await client.get(f"{url}/attachments", headers=unit)).json()
    assert listed["items"] == []
    assert stored_files(blobs) == [] and await Blob.all().count() == 0
    history = await (await client.get(f"{url}/history", headers=unit)).json()
    assert history["items"][-1]["action"] == "delete_material"
