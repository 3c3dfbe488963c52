"""Attachments (上传附件): files checked by their content, stored by their hash, never half-written.

An upload streams into a temporary file in the blob folder while it is hashed and counted, and
is refused as soon as it passes its type's ``max_bytes``. Its media type is what its content is
(the ``filetype`` signatures), never its file name or the client's Content-Type: a PDF called
``photo.jpg`` is a PDF, and it is kept and offered as ``photo.pdf`` — a file's name never
claims a type its content does not have (``scan.exe`` holding a PNG is ``scan.png``). Only a
complete, fsync'd file is renamed to ``blobs/<sha[:2]>/<sha>.<ext>`` (one filesystem, so the
rename is atomic), and only then may a ``Blob`` row name it. The
attachment row, the version bump and the audit record are one transaction. Identical files are
stored once; a file is removed, after the commit, when no attachment uses it any more.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

import filetype
from tortoise.expressions import Subquery

from . import clock, workflow
from .config import Config
from .contract import Job
from .core import Kernel
from .db.models import Application, Attachment, Blob
from .decision import Outcome
from .errors import ApiError, Conflict, NotFound, Unprocessable
from .process import AttachmentType
from .rules.model import Text

if TYPE_CHECKING:
    from .jobs import JobContext

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
#: ``filetype`` decides from at most this many leading bytes.
HEAD = 8192
#: A file no row names is collected only once it is this old: longer than any upload takes.
ORPHAN_GRACE = dt.timedelta(hours=1)
#: How often a running service collects them too: a crash of one worker among several leaves
#: orphans that no start-up would see until the whole service restarts.
ORPHAN_EVERY = dt.timedelta(hours=1)


class Upload(Protocol):
    """What an upload offers: aiohttp's multipart ``BodyPartReader`` is one."""

    @property
    def filename(self) -> str | None: ...

    async def read_chunk(self, size: int = ...) -> bytes: ...


class StorageFailed(ApiError):
    status, code, title = (
        500,
        "storage-failed",
        Text("文件保存失败，请稍后重试", "The file could not be stored: try again later"),
    )


@dataclass(frozen=True)
class Received:
    """A complete upload in its temporary file, not yet named by its hash."""

    sha256: str
    size: int
    content_type: str
    temp: Path


@dataclass(frozen=True)
class BlobStore:
    """Content-addressed files under ``root`` (``<data_dir>/blobs``)."""

    root: Path

    @classmethod
    def of(cls, config: Config) -> BlobStore:
        return cls(config.data_dir / "blobs")

    def path(self, sha256: str, content_type: str) -> Path:
        """Where a blob is kept: its hash, with the extension of its detected type."""
        return self.root / sha256[:2] / f"{sha256}.{extension(content_type)}"

    def locate(self, sha256: str, content_type: str) -> Path | None:
        """The blob's file, also under the bare hash that blobs stored before had."""
        for path in (self.path(sha256, content_type), self.root / sha256[:2] / sha256):
            if path.is_file():
                return path
        return None

    def files(self, sha256: str) -> list[Path]:
        """Every file of one blob, whatever its extension."""
        folder = self.root / sha256[:2]
        return [p for p in (folder / sha256, *folder.glob(f"{sha256}.*")) if p.is_file()]

    async def receive(self, upload: Upload, kind: AttachmentType) -> Received:
        """Stream ``upload`` to a temporary file; refuse it as soon as it breaks ``kind``."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=self.root)
        temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                sha, size, content_type = await _copy(upload, out, kind)
                await asyncio.to_thread(_sync, out)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return Received(sha, size, content_type, temp)

    async def place(self, received: Received) -> None:
        """Rename the complete file to its hash; a file already there is the same: reuse it."""
        final = self.path(received.sha256, received.content_type)
        try:
            if final.exists():
                received.temp.unlink()
                return
            final.parent.mkdir(exist_ok=True)
            await asyncio.to_thread(_rename, received.temp, final)
        except BaseException as exc:
            received.temp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                log.exception("could not store blob %s", received.sha256)
                raise StorageFailed(str(exc)) from exc
            raise

    async def release(self, shas: Iterable[str]) -> None:
        """Forget each blob no attachment uses any more: its row, then its file.

        Call it after the transaction that stopped using them has committed, so a rollback
        never finds its file gone. One statement decides, so a blob still used stays.
        """
        for sha in set(shas):
            used = Attachment.filter(blob_id=sha).values("blob_id")
            await Blob.filter(sha256=sha).exclude(sha256__in=Subquery(used)).delete()
            if not await Blob.exists(sha256=sha):
                for path in self.files(sha):
                    path.unlink(missing_ok=True)

    async def collect_orphans(self, grace: dt.timedelta = ORPHAN_GRACE) -> list[str]:
        """Remove the files a crash left behind; return their names (relative to ``root``).

        A crash between ``place`` and the commit leaves a file no ``Blob`` row names, one
        during ``receive`` a ``.part`` file, one between a commit and ``release`` a ``Blob``
        row no attachment uses. Each is collected only when older than ``grace``: an upload in
        flight has its file written before its row, and must never lose it.
        """
        if not self.root.is_dir():
            return []
        cutoff = clock.now() - grace
        old = cutoff.timestamp()
        named = set(await Blob.all().values_list("sha256", flat=True))
        removed = []
        for path in sorted(self.root.glob("*/*")) + sorted(self.root.glob(".upload-*.part")):
            sha = path.name.split(".", 1)[0]
            if path.is_file() and sha not in named and path.stat().st_mtime < old:
                path.unlink(missing_ok=True)
                removed.append(str(path.relative_to(self.root)))
        used = Attachment.all().values("blob_id")
        unused = await (
            Blob.filter(created_at__lt=cutoff)
            .exclude(sha256__in=Subquery(used))
            .values_list("sha256", flat=True)
        )
        removed += [str(p.relative_to(self.root)) for sha in unused for p in self.files(sha)]
        await self.release(unused)
        if removed:
            log.warning("collected %d orphan blob file(s): %s", len(removed), ", ".join(removed))
        return removed


async def _collect_orphans(jobs: JobContext) -> None:
    await BlobStore.of(jobs.kernel.config).collect_orphans(ORPHAN_GRACE)


#: The kernel's own periodic job: the start-up collection, every ``ORPHAN_EVERY``, once across
#: workers (the job runner's slots), with the same grace period.
ORPHAN_JOB = Job(
    "kernel.orphan-blobs",
    _collect_orphans,
    every=ORPHAN_EVERY,
    title=Text("清理无主附件文件", "Collect orphan blob files"),
)


def _sync(out: IO[bytes]) -> None:
    out.flush()
    os.fsync(out.fileno())


def _rename(temp: Path, final: Path) -> None:
    os.replace(temp, final)
    if hasattr(os, "O_DIRECTORY"):  # make the new name itself durable (POSIX)
        fd = os.open(final.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


async def _copy(upload: Upload, out: IO[bytes], kind: AttachmentType) -> tuple[str, int, str]:
    """Hash, count and write; decide the type once the leading bytes are in."""
    digest, size, head, content_type = hashlib.sha256(), 0, b"", None
    while chunk := await upload.read_chunk(CHUNK):
        size += len(chunk)
        if size > kind.max_bytes:
            raise Unprocessable("the file is too large", [too_large(kind)])
        if content_type is None:
            head += chunk[: HEAD - len(head)]
            if len(head) >= HEAD:
                content_type = sniff(head, kind)
        digest.update(chunk)
        out.write(chunk)
    if size == 0:
        raise Unprocessable("the file is empty", [_file_outcome("attachment.empty", *_empty(kind))])
    return digest.hexdigest(), size, content_type or sniff(head, kind)


def sniff(head: bytes, kind: AttachmentType) -> str:
    """The media type the content shows, if ``kind`` accepts it; else a 422 naming both."""
    found = filetype.guess(head)
    if found is None or found.mime not in kind.content_types:
        raise Unprocessable(
            "the file's content is not of an accepted type", [wrong_type(kind, found)]
        )
    return found.mime


# -- what the applicant is told ---------------------------------------------------------------


def _file_outcome(rule: str, zh: str, en: str, **params) -> Outcome:
    return Outcome(
        rule=rule, kind="violation", message=Text(zh, en), fields=("/file",), params=params
    )


def extension(mime: str) -> str:
    """The usual extension of a media type: ``png``, ``jpg``, ``pdf``."""
    known = filetype.get_type(mime=mime)
    return known.extension if known else mime.rsplit("/", 1)[-1]


def _size(n: int) -> str:
    for unit, factor in (("MB", 2**20), ("KB", 2**10)):
        if n % factor == 0:
            return f"{n // factor}{unit}"
    return f"{n} bytes"


def wrong_type(kind: AttachmentType, found: filetype.Type | None) -> Outcome:
    formats = [extension(m) for m in kind.content_types]
    what_zh = f"{found.extension}文件" if found else "无法识别类型的文件"
    what_en = f"a {found.extension} file" if found else "of a type that cannot be recognised"
    return _file_outcome(
        "attachment.type",
        f"{kind.title.zh}须为{'、'.join(formats)}格式，上传的是{what_zh}",
        f"{kind.title.en} must be {' or '.join(formats)}; the file sent is {what_en}",
        accepted=list(kind.content_types),
        found=found.mime if found else None,
    )


def too_large(kind: AttachmentType) -> Outcome:
    limit = _size(kind.max_bytes)
    return _file_outcome(
        "attachment.size",
        f"{kind.title.zh}大小不能超过{limit}",
        f"{kind.title.en} may be at most {limit}",
        max_bytes=kind.max_bytes,
    )


def _empty(kind: AttachmentType) -> tuple[str, str]:
    return f"{kind.title.zh}是空文件，请重新选择", f"{kind.title.en}: the file is empty"


#: What a client's file name ends in when it names a type (``.jpg``, ``.exe``): replaced.
_TYPED_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,10}$")


def clean_filename(raw: str | None, kind: AttachmentType, content_type: str) -> str:
    """The name shown and offered on download: no folders, no control characters, ≤ 255, and
    the extension of the type the content is, whatever the client called it (``scan.exe``
    holding a PNG is offered as ``scan.png``, so no program opens it for what it is not)."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    suffix = f".{extension(content_type)}"
    typed = _TYPED_EXTENSION.search(name)
    stem = (name[: typed.start()] if typed else name).strip().strip(".")
    if stem.lower().endswith(suffix):  # "report.pdf.exe": "report.pdf", not "report.pdf.pdf"
        stem = stem[: -len(suffix)]
    return (stem or kind.name)[: 255 - len(suffix)] + suffix


# -- attaching to an application ---------------------------------------------------------------


def declared(kernel: Kernel, application: Application, name: str) -> AttachmentType:
    """The attachment type ``name`` of the application's workflow, or a 422 listing them."""
    types = kernel.process(application.process).attachment_types(application.workflow)
    if name in types:
        return types[name]
    listed = "、".join(f"{t.name}（{t.title.zh}）" for t in types.values()) or "无"
    outcome = Outcome(
        rule="attachment.unknown-type",
        kind="violation",
        fields=("/type",),
        message=Text(
            f"本事项没有“{name}”类附件，可上传：{listed}",
            f"This application takes no attachment of type '{name}'; it takes: "
            f"{', '.join(types) or 'none'}",
        ),
        params={"types": list(types)},
    )
    raise Unprocessable(f"unknown attachment type '{name}'", [outcome])


async def _prepare(
    kernel: Kernel, actor: workflow.Actor, application: Application, if_match: int
) -> None:
    """Every refusal that needs no file, before a byte of it is read."""
    await workflow.check_may_change(kernel, actor, application)
    if application.version != if_match:
        raise Conflict(f"version {if_match} is not the current version {application.version}")


async def attach(
    kernel: Kernel,
    blobs: BlobStore,
    actor: workflow.Actor,
    application: Application,
    type_name: str,
    upload: Upload,
    *,
    if_match: int,
) -> tuple[Attachment, Blob]:
    """Store ``upload`` as the application's ``type_name``, replacing one already there."""
    await _prepare(kernel, actor, application, if_match)
    kind = declared(kernel, application, type_name)
    received = await blobs.receive(upload, kind)
    await blobs.place(received)
    filename = clean_filename(upload.filename, kind, received.content_type)

    async def write(conn) -> tuple[Attachment, Blob, list[str]]:
        blob, _ = await Blob.get_or_create(
            sha256=received.sha256,
            defaults={"size": received.size, "content_type": received.content_type},
            using_db=conn,
        )
        same_type = Attachment.filter(application_id=application.id, type=kind.name)
        earlier = await same_type.using_db(conn).values_list("blob_id", flat=True)
        await same_type.using_db(conn).delete()
        attachment = await Attachment.create(
            application_id=application.id,
            type=kind.name,
            filename=filename,
            blob=blob,
            uploaded_by=actor.account,
            using_db=conn,
        )
        return attachment, blob, earlier

    try:
        attachment, blob, earlier = await workflow.change_attachments(
            actor, application, if_match, action="attach", write=write
        )
    except BaseException:
        await blobs.release([received.sha256])  # a file no row names does not stay behind
        raise
    await blobs.release(earlier)
    return attachment, blob


async def detach(
    kernel: Kernel,
    blobs: BlobStore,
    actor: workflow.Actor,
    application: Application,
    attachment_id: int,
    *,
    if_match: int,
) -> None:
    """Remove one attachment of the application; its file goes if nothing else uses it."""
    await _prepare(kernel, actor, application, if_match)
    attachment = await Attachment.get_or_none(id=attachment_id, application_id=application.id)
    if attachment is None:
        raise NotFound(f"application {application.id} has no attachment {attachment_id}")

    async def write(conn) -> None:
        await Attachment.filter(id=attachment.id).using_db(conn).delete()

    await workflow.change_attachments(actor, application, if_match, action="detach", write=write)
    await blobs.release([attachment.blob_id])
