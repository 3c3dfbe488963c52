"""JSON logs, one object per line, each line of a request carrying its request id.

Operators grep and ship these lines, so every one is a JSON object with the same keys (time,
level, logger, message, request_id, then the record's extra fields) and personal numbers are
masked in it: an ID number or a mobile pasted into a message never reaches the log store whole.
``configure`` is called by ``govflow serve``, never at import time, so tests and embedding
programs keep their own logging set-up.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
import queue
import sys
import threading
import time
from typing import Any, TextIO

from . import jsontext
from .masking import mask, mask_text

#: The id of the request being handled in this task (each aiohttp request runs in its own).
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "govflow_request_id", default=None
)

# Attributes every LogRecord has: what is left over was passed as ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON, with the request id and personal numbers masked."""

    def format(self, record: logging.LogRecord) -> str:
        return jsontext.dumps_text(self.fields(record))

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        """The line's keys and values, masked."""
        line: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_text(record.getMessage()),
            "request_id": getattr(record, "request_id", None) or request_id.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = mask(value)
        if record.exc_info:
            line["exception"] = mask_text(self.formatException(record.exc_info))
        return line


#: How long the writer waits after the first queued line for more. Woken for every line, it
#: took the GIL from the event loop and wrote once per request, and the access line still cost
#: about 100 µs of CPU a request; waiting a little makes one write of many lines.
LINGER = 0.05
#: Lines formatted before the writer lets the event loop run again. Python threads share one
#: interpreter lock: a batch formatted in one go (about 2 ms for 125 lines) held the loop that
#: long, and the p99 of 16 connections rose by as much.
SLICE = 8


class BackgroundHandler(logging.Handler):
    """Records queued by the caller, formatted and written by a thread of this handler's own.

    A served request logs one access line, and formatting it as JSON and writing it to stderr
    took about a tenth of a dry run's time on the event loop, in a system call per line. Here
    the loop only queues the record; the thread formats what has queued up and writes it in
    one call. The request id is a context variable of the request's task, so it is read on the
    way in, while the record is still in that task. ``flush`` waits until everything queued
    before it is written (``logging.shutdown`` calls it at exit); a process killed outright
    loses the lines still queued.
    """

    def __init__(self, stream: TextIO | None = None, formatter: logging.Formatter | None = None):
        super().__init__()
        self.stream = stream if stream is not None else sys.stderr
        self.setFormatter(formatter or JsonFormatter())
        self._queue: queue.SimpleQueue[logging.LogRecord | threading.Event | None] = (
            queue.SimpleQueue()
        )
        self._writer = threading.Thread(target=self._write, name="govflow-log", daemon=True)
        self._writer.start()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        self._queue.put(record)

    def flush(self, timeout: float = 5.0) -> None:
        """Wait until every record queued so far is written (at most ``timeout`` seconds)."""
        if self._writer.is_alive():
            written = threading.Event()
            self._queue.put(written)
            written.wait(timeout)

    def close(self) -> None:
        if self._writer.is_alive():
            self._queue.put(None)
            self._writer.join(5.0)
        super().close()

    def _write(self) -> None:
        while True:
            batch = self._next_batch()
            self._write_lines([item for item in batch if isinstance(item, logging.LogRecord)])
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if None in batch:
                return

    def _next_batch(self) -> list[logging.LogRecord | threading.Event | None]:
        batch = [self._queue.get()]
        if isinstance(batch[0], logging.LogRecord):
            time.sleep(LINGER)  # let the lines of the next requests join this write
        with contextlib.suppress(queue.Empty):
            while len(batch) < 1000:
                batch.append(self._queue.get_nowait())
        return batch

    def _write_lines(self, records: list[logging.LogRecord]) -> None:
        lines = []
        for n, record in enumerate(records, 1):
            try:
                lines.append(self.format(record) + "\n")
            except Exception:  # logging must never take the service down
                self.handleError(record)
            if n % SLICE == 0:
                time.sleep(0)  # give the GIL back: the event loop waits on it meanwhile
        if lines:
            try:
                self.stream.write("".join(lines))
                self.stream.flush()
            except Exception:
                self.handleError(records[-1])


def configure(level: int | str = logging.INFO, stream: TextIO | None = None) -> logging.Handler:
    """Send every log record to ``stream`` (stderr) as JSON lines, written off the event loop
    (``BackgroundHandler``); replaces root handlers."""
    handler = BackgroundHandler(stream)
    # No line carries the caller's file and line, thread or process, so records need not
    # find them: the logging manual's own advice for speed (``logging._srcfile`` included).
    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if isinstance(old, BackgroundHandler):  # its thread would write what it still holds
            old.close()
    root.addHandler(handler)
    root.setLevel(level)
    # At DEBUG these write SQL with its parameters: outbox bodies, i.e. verification codes.
    for chatty in ("tortoise", "aiosqlite", "asyncpg"):
        logging.getLogger(chatty).setLevel(max(logging.INFO, logging.getLogger().level))
    return handler
