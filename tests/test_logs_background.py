"""The served process's log lines: written by a thread of their own, complete and in order."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest

from kernel import logs


@pytest.fixture
def logger():
    stream = io.StringIO()
    handler = logs.BackgroundHandler(stream)
    log = logging.getLogger("test.background")
    log.propagate, log.level = False, logging.INFO
    log.addHandler(handler)
    yield log, handler, stream
    log.removeHandler(handler)
    handler.close()


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_every_line_is_written_in_order_by_the_writer_thread(logger):
    log, handler, stream = logger
    written_by = []
    write = stream.write
    stream.write = lambda text: written_by.append(threading.current_thread().name) or write(text)
    for n in range(500):
        log.info("line %d", n)
    handler.flush()
    assert [line["message"] for line in lines(stream)] == [f"line {n}" for n in range(500)]
    assert set(written_by) == {"govflow-log"}


def test_a_line_keeps_the_request_id_of_the_task_that_logged_it(logger):
    """The id is a context variable of the request's task; the writer thread has none."""
    log, handler, stream = logger
    token = logs.request_id.set("req-42")
    try:
        log.warning("mobile 13800138000 refused")
    finally:
        logs.request_id.reset(token)
    log.info("after the request")
    handler.flush()
    first, second = lines(stream)
    assert first["request_id"] == "req-42" and first["message"] == "mobile 138****8000 refused"
    assert second["request_id"] is None


def test_closing_writes_what_is_still_queued():
    stream = io.StringIO()
    handler = logs.BackgroundHandler(stream)
    log = logging.getLogger("test.background.close")
    log.propagate, log.level = False, logging.INFO
    log.addHandler(handler)
    for n in range(100):
        log.info("queued %d", n)
    log.removeHandler(handler)
    handler.close()  # what logging.shutdown does at exit
    assert len(lines(stream)) == 100


def test_a_stream_that_fails_does_not_stop_the_writer(logger, monkeypatch):
    log, handler, stream = logger
    monkeypatch.setattr(logging, "raiseExceptions", False)  # as in production: no traceback
    write = stream.write
    failing = iter([OSError("disk full")])

    def flaky(text: str) -> int:
        for error in failing:
            raise error
        return write(text)

    stream.write = flaky
    log.info("lost with the failed write")
    handler.flush()
    log.info("written")
    handler.flush()
    assert [line["message"] for line in lines(stream)] == ["written"]
