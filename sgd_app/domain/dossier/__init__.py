"""The closed case as a record: its foliation index sealed with the institution's seal
(``index_pdf``), the export package (``package``) and its offline verification (``check``).
Above signing and printing; the freeze itself is ``domain/records``."""

from sgd_app.domain.dossier.check import PackageReport, verify_package
from sgd_app.domain.dossier.index_pdf import (
    INDEX_ATTACHMENT,
    NOT_CLOSED,
    embedded_index,
    index_pdf,
    seal_after_closing,
    seal_index,
)
from sgd_app.domain.dossier.package import export_package

__all__ = [
    "INDEX_ATTACHMENT",
    "NOT_CLOSED",
    "PackageReport",
    "embedded_index",
    "export_package",
    "index_pdf",
    "seal_after_closing",
    "seal_index",
    "verify_package",
]
