"""Structured logs: with ``SGD_LOG_FORMAT=json`` every record is one JSON object per line, with
the request id (an HTTP request's ``X-Request-ID``, or one per Reflex event) and the case number
when the code handling it knows it. Without it the logs stay as Python and Reflex print them.

    with logs.bound(case="EXP-2026-000012"):
        log.info("Cargo sellado")          # {"ts": ..., "msg": "Cargo sellado", "case": "EXP-2026-000012", ...}
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sgd_app import settings

REQUEST_ID: ContextVar[str] = ContextVar("sgd_request_id", default="")
CASE: ContextVar[str] = ContextVar("sgd_case", default="")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_HANDLER_MARK = "_sgd_json"


def new_request_id(offered: str = "") -> str:
    """The caller's id when it is a plain token (a proxy's X-Request-ID), else a new random one."""
    return offered if _SAFE_ID.match(offered or "") else secrets.token_hex(8)


@contextmanager
def bound(*, request_id: str | None = None, case: str | None = None) -> Iterator[None]:
    """Records logged inside carry these values."""
    tokens = []
    if request_id is not None:
        tokens.append((REQUEST_ID, REQUEST_ID.set(request_id)))
    if case is not None:
        tokens.append((CASE, CASE.set(case)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind_case(number: str) -> None:
    """From here on, in this task or thread's context, records carry ``case``."""
    CASE.set(number)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "") or REQUEST_ID.get()
        case = getattr(record, "case", "") or CASE.get()
        if request_id:
            out["request_id"] = request_id
        if case:
            out["case"] = case
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure(fmt: str | None = None, stream=None) -> logging.Handler | None:
    """Install the JSON handler on the root logger when ``fmt`` (default SGD_LOG_FORMAT) is "json";
    returns it (None for the default format). Calling it again replaces the previous one."""
    fmt = settings.LOG_FORMAT if fmt is None else fmt
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    if fmt != "json":
        return None
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    setattr(handler, _HANDLER_MARK, True)
    # The JSON handler replaces the plain ones (a line printed twice, once not JSON, breaks parsers).
    for plain in list(root.handlers):
        root.removeHandler(plain)
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return handler
