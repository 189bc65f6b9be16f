"""How a job can fail: worth another attempt later, or the same way every time."""

from __future__ import annotations

from typing import cast

from sqlalchemy import String

from sgd_app.domain.models import DigitizeJob, table_of

MAX_ERROR = cast(String, table_of(DigitizeJob).c.last_error.type).length


def one_line(text: str, limit: int | None = MAX_ERROR) -> str:
    """Whitespace collapsed, cut to ``limit`` characters (for ``last_error`` and details)."""
    return " ".join(str(text).split())[:limit]


class Failure(Exception):
    """A job's attempt failed; ``message`` is the Spanish text kept as the job's ``last_error``."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Retryable(Failure):
    """Worth another attempt later (timeouts, a missing program, a file not there yet...)."""


class Permanent(Failure):
    """Will fail the same way every time (not a PDF, checksum mismatch): error at once."""
