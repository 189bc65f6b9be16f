"""/firma's confirmation says what the certificate will do with the marked documents: firmas and
vistos buenos counted apart (issue 14: a reviewer was told "Va a firmar digitalmente")."""

from __future__ import annotations

from sgd_app.state.firma import _confirm_text


def test_the_confirmation_counts_firmas_and_vistos_buenos_apart():
    assert _confirm_text(["firma"]).startswith("Va a firmar digitalmente 1 documento con su certificado")
    assert _confirm_text(["visto_bueno", "visto_bueno"]).startswith(
        "Va a dar su visto bueno a 2 documentos con su certificado"
    )
    mixed = _confirm_text(["firma", "visto_bueno", "firma"])
    assert mixed.startswith("Va a firmar digitalmente 2 documentos y dar su visto bueno a 1 documento con")
    assert "Ley N° 27269" in mixed and mixed.endswith("¿Confirma?")
