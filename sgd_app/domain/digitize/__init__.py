"""Digitisation: scans to PDF, text extraction or OCR, and a durable background queue.

Plain Python: no reflex import here or anywhere in domain/. The public surface is below; the
modules beside it, each readable in one sitting:

* ``scans``: desk scans (JPG / PNG / TIFF) to one PDF with img2pdf, its checks and messages.
* ``analysis``: what a PDF needs: ``firmado`` (text only, never rewritten), ``digital`` (text
  extraction) or ``escaneado`` (OCR).
* ``pdftext``: the text a PDF already carries (pdftotext, or pypdfium2 without poppler).
* ``ocr`` runs ``ocr_child`` (ocrmypdf + tesseract, Spanish) in a process it can time out and
  kill. The OCRed copy is a *derivative* stored apart in the FileStore
  (``DocumentText.searchable_sha256``); the original file is never replaced.
* ``jobs``: queueing inside the caller's transaction (``enqueue``, ``enqueue_case``,
  ``enqueue_missing``), ``retry`` and ``progress`` for the screens. The table is
  ``models.DigitizeJob``.
* ``lease``: a worker's claim on one job (claim token, lease, heartbeat, back-off, takeover after
  a crash).
* ``worker``: ``run_next`` does one job outside any transaction and saves the result (with
  ``search.index_document``) in one short one; ``worker_loop`` is the lifespan task:
  ``app.register_lifespan_task(digitize.worker_loop)``.
"""

from sgd_app.domain.digitize.analysis import classify
from sgd_app.domain.digitize.jobs import enqueue, enqueue_case, enqueue_missing, progress, retry
from sgd_app.domain.digitize.lease import LEASE_SECONDS, MAX_ATTEMPTS, backoff
from sgd_app.domain.digitize.pdftext import extract_text
from sgd_app.domain.digitize.scans import assemble_pdf
from sgd_app.domain.digitize.vocabulary import (
    DIGITAL,
    DONE,
    ERR_MISSING_FILE,
    ERROR,
    METHOD_NONE,
    METHOD_OCR,
    METHOD_TEXT,
    PENDING,
    PROCESSING,
    SCANNED,
    SIGNED,
)
from sgd_app.domain.digitize.worker import run_next, worker_loop
from sgd_app.domain.models import DigitizeJob

__all__ = [
    "DIGITAL",
    "DONE",
    "ERROR",
    "ERR_MISSING_FILE",
    "LEASE_SECONDS",
    "MAX_ATTEMPTS",
    "METHOD_NONE",
    "METHOD_OCR",
    "METHOD_TEXT",
    "PENDING",
    "PROCESSING",
    "SCANNED",
    "SIGNED",
    "DigitizeJob",
    "assemble_pdf",
    "backoff",
    "classify",
    "enqueue",
    "enqueue_case",
    "enqueue_missing",
    "extract_text",
    "progress",
    "retry",
    "run_next",
    "worker_loop",
]
