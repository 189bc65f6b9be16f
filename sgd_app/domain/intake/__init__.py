"""Front desk (Mesa de Partes): validate a filing, number it, store its files, route it, seal
its receipt, and let the filer track it with the number and the access key.

Modules: ``validation`` (filer, subject, files and their limits), ``catalogue`` (procedures on
offer), ``filing`` (numbering and the one transaction), ``flows`` (``file_case_and_seal``),
``tracking`` (public tracking and its throttle), ``sealing`` + ``receipt`` + ``pdf_text`` (the
cargo PDF). This package re-exports the names used elsewhere.
"""

from __future__ import annotations

from sgd_app.domain.intake.catalogue import (
    ProcedureOffer,
    check_details,
    check_file_roles,
    get_procedure,
    offered_procedures,
    procedure_offer,
    public_procedures,
)
from sgd_app.domain.intake.filing import (
    CHANNELS,
    FilingResult,
    access_key_hash,
    file_case,
    format_number,
    insert_if_absent,
    new_access_key,
    next_number,
    parse_number,
    queue_confirmation,
    queue_processing,
)
from sgd_app.domain.intake.flows import (
    FiledCase,
    channel_for,
    desk_clerk_id,
    file_case_and_seal,
    filed_case,
    seal_receipt,
)
from sgd_app.domain.intake.receipt import ReceiptData, ReceiptFile, format_size, render_receipt_pdf
from sgd_app.domain.intake.sealing import attach_receipt, filing_place, late_filing_note, receipt_data, sealed_receipt
from sgd_app.domain.intake.tracking import (
    NOT_FOUND,
    STATUSES,
    TrackingView,
    find_by_key,
    find_case,
    lookup_delay,
    proof_valid,
    throttle_keys,
    track,
    tracking_view,
)
from sgd_app.domain.intake.validation import (
    MAX_ANNEX_BYTES,
    MAX_ANNEXES,
    MAX_MAIN_BYTES,
    SUBJECT_MAX,
    FilerInput,
    IncomingFile,
    PreparedUpload,
    check_upload,
    prepare_upload,
    safe_filename,
    screen_file,
    upload_field,
    upload_limit,
    validate_details,
    validate_file_counts,
    validate_filer,
)

_safe_filename = safe_filename  # routing.py's name for it until the lead migrates that import

__all__ = [
    "CHANNELS",
    "MAX_ANNEXES",
    "MAX_ANNEX_BYTES",
    "MAX_MAIN_BYTES",
    "NOT_FOUND",
    "STATUSES",
    "SUBJECT_MAX",
    "FiledCase",
    "FilerInput",
    "FilingResult",
    "IncomingFile",
    "PreparedUpload",
    "ProcedureOffer",
    "ReceiptData",
    "ReceiptFile",
    "TrackingView",
    "access_key_hash",
    "attach_receipt",
    "channel_for",
    "check_details",
    "check_file_roles",
    "check_upload",
    "desk_clerk_id",
    "file_case",
    "file_case_and_seal",
    "filed_case",
    "filing_place",
    "find_by_key",
    "find_case",
    "format_number",
    "format_size",
    "get_procedure",
    "insert_if_absent",
    "late_filing_note",
    "lookup_delay",
    "new_access_key",
    "next_number",
    "offered_procedures",
    "parse_number",
    "prepare_upload",
    "procedure_offer",
    "proof_valid",
    "public_procedures",
    "queue_confirmation",
    "queue_processing",
    "receipt_data",
    "render_receipt_pdf",
    "safe_filename",
    "screen_file",
    "seal_receipt",
    "sealed_receipt",
    "throttle_keys",
    "track",
    "tracking_view",
    "upload_field",
    "upload_limit",
    "validate_details",
    "validate_file_counts",
    "validate_filer",
]
