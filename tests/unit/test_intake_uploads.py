"""Why the browser refused a file, in Spanish (intake.rejection_message)."""

from __future__ import annotations

from sgd_app.domain import intake
from sgd_app.domain.intake import ANNEX, MAX_ANNEX_BYTES, MAX_MAIN_BYTES, PRINCIPAL


def test_a_png_is_not_a_pdf():
    msg = intake.rejection_message([{"name": "foto.png", "size": 1200, "codes": ["file-invalid-type"]}], role=PRINCIPAL)
    assert msg == "«foto.png» no es un PDF. Solo se aceptan archivos PDF."


def test_a_big_pdf_says_its_size_and_the_limit_in_mb():
    msg = intake.rejection_message(
        [{"name": "grande.pdf", "size": 21 * 1024 * 1024 + 512 * 1024, "codes": ["file-too-large"]}], role=PRINCIPAL
    )
    limit = MAX_MAIN_BYTES // (1024 * 1024)
    assert msg == f"«grande.pdf» pesa demasiado (21,5 MB). El documento principal puede pesar hasta {limit} MB."
    annex = intake.rejection_message([{"name": "a.pdf", "size": 0, "codes": ["file-too-large"]}], role=ANNEX)
    assert annex == f"«a.pdf» pesa demasiado. Cada anexo puede pesar hasta {MAX_ANNEX_BYTES // (1024 * 1024)} MB."


def test_too_many_files_wins_over_the_other_reasons():
    rej = [
        {"name": "a.pdf", "size": 10, "codes": ["too-many-files"]},
        {"name": "b.png", "size": 10, "codes": ["file-invalid-type", "too-many-files"]},
    ]
    assert intake.rejection_message(rej, role=PRINCIPAL) == "Elija un solo archivo: los archivos se suben uno por uno."
    assert intake.rejection_message(rej, role=PRINCIPAL, desk=True) == "Puede subir como máximo 60 páginas a la vez."


def test_type_before_size_and_the_desk_accepts_scans():
    rej = [{"name": "x.docx", "size": 99 * 1024 * 1024, "codes": ["file-too-large", "file-invalid-type"]}]
    assert "no es un PDF." in intake.rejection_message(rej, role=PRINCIPAL)
    assert intake.rejection_message(rej, role=PRINCIPAL, desk=True) == (
        "«x.docx» no es un PDF ni una imagen JPG, PNG o TIFF."
    )


def test_unknown_or_hostile_input_still_gets_a_spanish_message():
    for rej in (
        [],
        [{"codes": ["file-too-small"]}],
        ["x"],
        [{"name": None, "size": "abc", "codes": ["file-too-large"]}],
    ):
        msg = intake.rejection_message(rej, role=PRINCIPAL)  # type: ignore[arg-type]
        assert "PDF" in msg or "pesa demasiado" in msg
    long_name = intake.rejection_message([{"name": "n" * 500 + "\n", "codes": ["file-invalid-type"]}], role=ANNEX)
    assert long_name.startswith("«" + "n" * 80 + "»") and "\n" not in long_name
