"""The central archive (issue 18, items 4–6): transfer inventories, elimination proposals and
their execution, legal holds (``inventories``, the PDF in ``pdf``). Above records and signing;
the retention arithmetic and the reports are ``records.retention``."""

from sgd_app.domain.archive.board import NOT_ALLOWED, TABS, board, due_summary
from sgd_app.domain.archive.inventories import (
    KINDS,
    NOT_APPROVED,
    approve,
    execute_disposal,
    inventories,
    inventory_pdf,
    lift_hold,
    may_view,
    prepare,
    set_hold,
)

__all__ = [
    "KINDS",
    "NOT_ALLOWED",
    "NOT_APPROVED",
    "TABS",
    "approve",
    "board",
    "due_summary",
    "execute_disposal",
    "inventories",
    "inventory_pdf",
    "lift_hold",
    "may_view",
    "prepare",
    "set_hold",
]
