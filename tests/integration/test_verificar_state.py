"""/verificar's state: a refused file says why (not a PDF, too big with the limit, several) and the
empty upload the drop zone sends after a refusal does not replace that message; VÁLIDO explains
itself in one line."""

from __future__ import annotations

import reflex as rx
from reflex.istate.data import RouterData

from sgd_app.domain import signing
from sgd_app.state.notice import refusal as _refusal
from sgd_app.state.verificar import VerificarState, meaning
from tests.conftest import run_async


def refusal(rejections):
    return _refusal(rejections, limit=signing.MAX_VERIFY_BYTES)


def _state() -> VerificarState:
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {}, "ip": "10.0.0.9", "pathname": "/verificar"}
    root.router = RouterData.from_router_data(root.router_data)
    return root.get_substate(VerificarState.get_full_name().split(".")[1:])


def test_each_refusal_says_why():
    assert refusal([{"name": "foto.png", "size": 10, "codes": ["file-invalid-type"]}]) == (
        "El archivo «foto.png» no es un PDF. Suba un archivo PDF."
    )
    assert refusal([{"name": "g.pdf", "size": 21 * 1024 * 1024, "codes": ["file-too-large"]}]) == (
        "El archivo «g.pdf» pesa demasiado (21,0 MB): el máximo es 20 MB."
    )
    two = [{"name": n, "size": 9, "codes": ["too-many-files"]} for n in ("a.pdf", "b.pdf")]
    assert refusal(two) == "Eligió 2 archivos: suba un solo archivo PDF a la vez."
    # A broken or hostile client: still a Spanish sentence with the limit, never an exception.
    for junk in (None, "x", [1], [{"file": "x.exe", "errors": [{"code": "file-invalid-type"}]}], [{"codes": "x"}]):
        assert "20 MB" in refusal(junk)
    # The same words for the official's certificate on /firma (a limit in KB).
    p12 = _refusal(
        [{"name": "c.pfx", "size": 250_000, "codes": ["file-too-large"]}],
        limit=100 * 1024,
        one="archivo .p12 o .pfx",
        not_it="no es un certificado .p12 o .pfx",
    )
    assert p12 == "El archivo «c.pfx» pesa demasiado (244 KB): el máximo es 100 KB."
    assert len(refusal([{"name": "n" * 500, "codes": ["file-invalid-type"]}])) < 130


def test_the_refusal_survives_the_empty_upload_that_follows():
    st = _state()
    VerificarState.event_handlers["upload_rejected"].fn(st, [{"name": "foto.png", "codes": ["file-invalid-type"]}])
    assert st.error.startswith("El archivo «foto.png» no es un PDF")

    async def empty():
        return [x async for x in VerificarState.event_handlers["check_upload"].fn(st, [])]

    run_async(empty())
    assert st.error.startswith("El archivo «foto.png» no es un PDF")


def test_valid_explains_itself_in_one_line():
    assert meaning("VÁLIDO", ["Ana Pérez"]) == (
        "Este documento fue firmado digitalmente por Ana Pérez y no ha sido modificado desde que se firmó."
    )
    assert "Ana Pérez, Luis Soto y Sello JNE" in meaning("VÁLIDO", ["Ana Pérez", "Luis Soto", "Sello JNE"])
    assert meaning("NO VÁLIDO", ["Ana Pérez"]) == "" and meaning("VÁLIDO", []) == ""


def test_the_subsanacion_drop_zone_says_why_in_spanish():
    """/seguimiento's upload of the requested PDFs (up to five, 10 MB each) refuses in Spanish."""
    from sgd_app.state.seguimiento import SeguimientoState

    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {}, "ip": "10.0.0.9", "pathname": "/seguimiento"}
    root.router = RouterData.from_router_data(root.router_data)
    st = root.get_substate(SeguimientoState.get_full_name().split(".")[1:])
    SeguimientoState.fix_rejected.fn(st, [{"name": "dni.jpg", "size": 5, "codes": ["file-invalid-type"]}])
    assert st.fix_error == "El archivo «dni.jpg» no es un PDF. Suba un archivo PDF."
    SeguimientoState.fix_rejected.fn(st, [{"name": "x.pdf", "size": 11 * 1024 * 1024, "codes": ["file-too-large"]}])
    assert "pesa demasiado" in st.fix_error and "10 MB" in st.fix_error
    SeguimientoState.fix_rejected.fn(
        st, [{"name": f"{i}.pdf", "size": 1, "codes": ["too-many-files"]} for i in range(6)]
    )
    assert st.fix_error == "Eligió demasiados archivos: suba hasta 5 PDF a la vez."
