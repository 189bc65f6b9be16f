"""(a) Every public event handler of every state of the app, called the way a hostile client can
(every public handler is a remote call, with any arguments): with no session, and with the valid
session of officials of OTHER units, against the cases of unit ROP (tests/security/world.py).
Nothing may change (every table, every stored file) and no data of those cases may show up in
the caller's public state.

The handlers are enumerated from the app (``sgd_app.sgd_app``): a new handler is covered as
soon as it exists; if its parameters are new, ``args_for`` fails and says which to add.
Before each call the state's public vars are forged to point at the other unit's case (what a
stale tab, or a tab opened before a transfer, would hold): the handler must re-check on the
server instead of trusting them.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
from pathlib import Path

import pytest
import reflex as rx
from reflex.istate.data import RouterData

import sgd_app.sgd_app  # noqa: F401  (registers every page and state)
from tests.conftest import make_pdf, run_async
from tests.security import snapshot, world

# Framework handlers present on every state (setvar only dispatches to the state's own setters,
# which are enumerated themselves) and Reflex's internal states.
FRAMEWORK = {"setvar"}

# Handlers that may write, and what, with the reason. Nothing else is allowed to change.
ALLOWED_WRITES: dict[str, tuple[set[str], str]] = {
    "CasillaState.send_code": (
        {"casillaaccount", "outboxmessage"},
        "by design anyone may ask for a one-time code for a document number: it is mailed only to the "
        "filer's registered address (test_casilla_code_reaches_only_the_filer checks the caller learns nothing)",
    ),
    "CasillaState.resend_code": (
        {"casillaaccount", "outboxmessage"},
        "the same as send_code, for the document typed in this tab: the code goes only to the registered address",
    ),
    "SeguimientoState.resend_key": (
        {"expediente", "outboxmessage", "auditevent", "audithead"},
        "by design anyone may ask for a new access key for a case number + document number: the new key is "
        "mailed only to the filing's registered address and the screen says the same sentence either way",
    ),
}
# Handlers not called at all, with the reason.
EXCLUDED: dict[str, str] = {}


def _all_states(cls=rx.State):
    for sub in sorted(cls.get_substates(), key=lambda c: c.get_full_name()):
        yield sub
        yield from _all_states(sub)


def _handlers():
    out = []
    for cls in _all_states():
        if not cls.__module__.startswith("sgd_app."):
            continue  # Reflex's own internal states (on_load dispatch, client storage, errors)
        for name, _handler in sorted(cls.event_handlers.items()):
            if name.startswith("_") or name in FRAMEWORK:
                continue
            key = f"{cls.__name__}.{name}"
            if key in EXCLUDED:
                continue
            out.append(pytest.param(cls, name, id=key))
    return out


HANDLERS = _handlers()
CALLERS = ["anonimo", "tesoreria", "cusco"]


def test_every_state_of_the_app_was_enumerated():
    names = {p.values[0].__name__ for p in HANDLERS}
    assert {"ExpedienteState", "AdminState", "FirmaState", "MesaDePartesState", "SeguimientoState"} <= names
    assert len(HANDLERS) > 60


# ---------------------------------------------------------------- arguments and forged views
class _Files:
    """rx.UploadFile values: a valid small PDF (the handler must still refuse the caller)."""

    @staticmethod
    def make():
        return [rx.UploadFile(file=io.BytesIO(make_pdf(1, "Archivo hostil")), path=Path("hostil.pdf"))]


def _form(w: world.World) -> dict:
    """One form with every field any handler reads, each pointing at ROP's cases and people."""
    i = w.ids
    return {
        "numero": w.a2,
        "clave": "AAAA-BBBB-CCCC",
        "to_unit": str(i["unit_tes"]),
        "to_user": str(i["user_rop"]),
        "unit": str(i["unit_rop"]),
        "unit_id": str(i["unit_rop"]),
        "firmante": str(i["user_jefe_rop"]),
        "into_number": w.a2,
        "note": "nota hostil",
        "reason": "Motivo hostil del cambio",
        "hold_id": "1",
        "summary": "Atendido por un ajeno",
        "items": "Observación hostil",
        "comment": "Rechazo hostil",
        "answer": "Respuesta hostil",
        "instructions": "Instrucción hostil",
        "due_days": "2",
        "priority": "urgente",
        "paralelo": "on",
        "doc_type": "DNI",
        "doc_number": world.FILER_DNI,
        "code": "123456",
        "subject": "Asunto hostil",
        "body": "Cuerpo hostil",
        "recipients": "Nadie",
        "reference": "Ref",
        "name": "Nombre hostil",
        "full_name": "Nombre hostil",
        "username": "rop",
        "ruc": "20131370998",
        "scope_expedientes:leer": "on",
        "auth_method": "client_secret",
        "rate_limit": "1000/second",
        "email": "hostil@example.pe",
        "password": "clave-hostil-123456",
        "confirm": "clave-hostil-123456",
        "role": "admin",
        "kind": "oficina",
        "place": "Lima",
        "parent_id": str(i["unit_rop"]),
        "description": "Descripción hostil",
        "deadline_days": "1",
        "required_annexes": "",
        "category": "administrativo",
        "starts_on": "2026-01-01",
        "ends_on": "2030-12-31",
        "valid_from": "2026-01-01",
        "valid_to": "2030-12-31",
        "q": "reservado QZX",  # words of ROP's subjects (the full marker would be the caller's own text)
        "clave_certificado": "x",
        f"copia_{i['unit_tes']}": "on",
    }


def args_for(cls, name: str, w: world.World) -> list:
    """Arguments synthesised from the handler's signature (the browser's view of it)."""
    handler = cls.event_handlers[name]
    i = w.ids
    by_name = {
        "unit_id": str(i["unit_rop"]),
        "user_id": str(i["user_rop"]),
        "procedure_id": str(i["procedure"]),
        "template_id": "1",
        "doc_type": "memorando",
        "doc_id": str(i["draft"]),
        "step_id": str(i["step"]),
        "notice_id": str(i["notice"]),
        "delegation_id": str(i["delegation"]),
        "saved_id": str(i["saved"]),
        "series_id": "1",
        "inventory_id": "1",
        "identity_id": "1",
        "client_id": "sgd-0123456789abcdef",
        "ruc": "20131370998",
        "number": w.a1,
        "att_id": "x",
        "name": "hostil.pdf",
        "tab": "usuarios",
        "kind": "transferencia",
        "panel": "derivar",
        "code": "CONST-AF",
        "field": "doc_number",
        "day": w.holiday,
        "path": "seguimiento",
        "role": "admin",
        "refusal": "",
        "index": 0,
        "step": 4,
        "active": False,
        "checked": True,
        "progress": {"progress": 0.5},
        "rejections": [{"file": "x.exe", "errors": [{"code": "file-invalid-type"}]}],
        "info": "x",
        "component_stack": "x",
    }
    out = []
    for p in list(inspect.signature(handler.fn).parameters.values())[1:]:
        ann = str(p.annotation)
        if "UploadFile" in ann:
            out.append(_Files.make())
        elif p.name == "form":
            out.append(_form(w))
        elif p.name == "value":
            out.append(True if ann == "bool" else world.FILER_DNI)
        elif p.name in by_name:
            out.append(by_name[p.name])
        else:
            raise AssertionError(f"{cls.__name__}.{name}: add an argument for parameter {p.name!r} ({ann})")
    return out


def _forge(st, w: world.World) -> None:
    """Public vars as a stale or forged tab would hold them, pointing at ROP's cases."""
    i = w.ids
    forged = {
        "number": w.a1,
        "version": w.versions["a1"],
        "found": True,
        "opened": True,
        "allowed": True,
        "signed_in": True,
        "loaded": True,
        "actions": [
            "recibir",
            "derivar",
            "devolver",
            "archivar",
            "atender",
            "observar",
            "acumular",
            "prioridad",
            "nota",
            "anexo",
            "redactar",
            "documento",
        ],
        "documents": [{"id": str(i["document"]), "name": "s.pdf", "status": "listo"}],
        "send_doc_id": str(i["draft"]),
        "t_number": w.a2,
        "can_fix": True,
        "rows": [{"step": str(i["step"]), "title": "x", "id": str(i["draft"])}],
        "selected": [str(i["step"]), w.a1, w.a2],  # firma: signature steps; bandeja: case numbers
        "action": "archivar",  # bandeja's bulk act, with the form's reason
        "reject_id": str(i["step"]),
        "edit_id": str(i["user_rop"]),
        "notices": [{"id": str(i["notice"]), "title": "x"}],
        "delegations": [{"id": str(i["delegation"])}],
    }
    for var, value in forged.items():
        if var in st.base_vars:
            with contextlib.suppress(Exception):  # a var of another shape in this state: leave it
                setattr(st, var, value)


class _BackgroundSelf:
    """What a background handler receives as ``self``: the state, with ``async with self``."""

    def __init__(self, st):
        object.__setattr__(self, "_st", st)

    def __getattr__(self, name):
        return getattr(object.__getattribute__(self, "_st"), name)

    def __setattr__(self, name, value):
        setattr(object.__getattribute__(self, "_st"), name, value)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False


def new_state(cls, *, cookie: str = "", pathname: str = "/", query: dict | None = None, ip: str = "198.51.100.7"):
    root = rx.State(_reflex_internal_init=True)
    root.router_data = {"headers": {"cookie": cookie}, "ip": ip, "pathname": pathname, "query": query or {}}
    root.router = RouterData.from_router_data(root.router_data)
    return root, root.get_substate(cls.get_full_name().split(".")[1:])


def call(cls, name: str, st, args: list, timeout: float = 30.0):
    """Call a handler as the framework would and drive it to the end; returns what it yielded."""
    handler = cls.event_handlers[name]
    target = _BackgroundSelf(st) if handler.is_background else st

    async def go():
        result = handler.fn(target, *args)
        if hasattr(result, "__anext__"):
            return [x async for x in result]
        if inspect.isgenerator(result):
            return list(result)
        if asyncio.iscoroutine(result):
            return await result
        return result

    async def bounded():
        return await asyncio.wait_for(go(), timeout)

    return run_async(bounded())


def public_text(root) -> str:
    """Every public var of every state of the tab, as text."""
    chunks = []
    stack = [root]
    while stack:
        st = stack.pop()
        stack.extend(st.substates.values())
        for var in list(st.base_vars) + list(st.computed_vars):
            if var.startswith("_") or var == "router":
                continue
            with contextlib.suppress(Exception):
                chunks.append(repr(getattr(st, var)))
    return "\n".join(chunks)


@pytest.fixture
def unlinked_feed(monkeypatch):
    """The dashboard's shared state is linked by Reflex's event processor, which these direct
    calls do not run: the tab keeps its own, unlinked copy (its content is still checked)."""
    from sgd_app.state.tablero import DashboardFeed

    async def link_to(self, key):
        return self

    monkeypatch.setattr(DashboardFeed, "_link_to", link_to)


@pytest.fixture
def fast_sleep(monkeypatch):
    """Throttle delays and polling loops run in milliseconds (the delays are tested elsewhere)."""
    real = asyncio.sleep

    async def sleep(delay=0, result=None):
        return await real(min(delay, 0.005), result)

    monkeypatch.setattr(asyncio, "sleep", sleep)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("cls", "name"), HANDLERS)
def test_handler_changes_nothing_and_leaks_nothing(hostile, fast_sleep, unlinked_feed, cls, name, caller):
    w = hostile.w
    cookie = "" if caller == "anonimo" else f"sgd_sesion={hostile.tokens[caller]}"
    root, st = new_state(cls, cookie=cookie, pathname=f"/expedientes/{w.a1}", query={"numero": w.a1})
    _forge(st, w)
    key = f"{cls.__name__}.{name}"
    allowed, _reason = ALLOWED_WRITES.get(key, (set(), ""))
    before = snapshot.take(allowed)
    args = args_for(cls, name, w)
    with contextlib.suppress(TimeoutError):  # a polling handler still running: checked as it is
        call(cls, name, st, args)
    after = snapshot.take(allowed)
    assert snapshot.same(before, after), f"{key} as {caller} changed:\n{snapshot.diff(before, after)}"
    shown = public_text(root) + snapshot.text_of_new_files(before)
    leaked = [m for m in world.MARKERS if m in shown]
    assert not leaked, f"{key} as {caller} put another unit's case data in the tab: {leaked}"


def test_casilla_code_reaches_only_the_filer(hostile):
    """Anyone may ask for a code for a document number; it goes only to the filer's registered
    address, and the asking tab shows the same sentence whether the number exists or not."""
    from sqlmodel import select

    from sgd_app import db
    from sgd_app.domain.models import OutboxMessage
    from sgd_app.state.casilla import SENT, CasillaState

    shown = []
    for doc_number in (world.FILER_DNI, "49999999"):
        root, st = new_state(CasillaState)
        call(CasillaState, "send_code", st, [{"doc_type": "DNI", "doc_number": doc_number}])
        shown.append((st.message, st.error, st.opened, st.notices))
        with db.session() as s:
            mail = s.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
        assert mail.to_addr == "zoila@example.pe"
        code = mail.subject.rsplit(" ", 1)[-1]
        assert code.isdigit() and code not in public_text(root)
    assert shown[0] == shown[1] == (SENT, "", False, [])


def test_the_probe_sees_a_change_and_a_leak(hostile):
    """The comparison is not blind: the case's own officer adding a note changes the snapshot,
    and opening the case shows its subject."""
    from sgd_app.state.expediente import ExpedienteState

    token = hostile.tokens["rop"]
    w = hostile.w
    root, st = new_state(ExpedienteState, cookie=f"sgd_sesion={token}", query={"numero": w.a1})
    call(ExpedienteState, "load", st, [])
    assert world.SUBJECT in public_text(root)
    before = snapshot.take()
    call(ExpedienteState, "add_note", st, [{"note": "Nota legítima del propio oficial"}])
    assert "+ note: " in snapshot.diff(before, snapshot.take())


def test_a_citizen_with_their_own_case_cannot_reach_someone_elses(hostile, fast_sleep):
    """A filer who proved their own case (number + key) and opened their own casilla, then points
    the tab at another filer's observed case and notice: nothing changes, nothing shows."""
    from sgd_app.domain import observations
    from sgd_app.state.casilla import CasillaState
    from sgd_app.state.seguimiento import SeguimientoState

    w = hostile.w
    root, st = new_state(SeguimientoState)
    call(SeguimientoState, "search", st, [{"numero": w.b, "clave": w.b_key}])
    assert st.found and st.t_number == w.b  # their own case, legitimately
    _forge(st, w)  # the tab now claims a2 (observed, fixable)
    st.number = w.a2
    code = observations.request_code(doc_type="DNI", doc_number=world.OTHER_CITIZEN.doc_number)
    croot, cst = new_state(CasillaState)
    cst.doc_type, cst.doc_number = "DNI", world.OTHER_CITIZEN.doc_number
    call(CasillaState, "open", cst, [{"code": code}])  # their own casilla (audited, legitimately)
    assert cst.opened
    before = snapshot.take()
    call(SeguimientoState, "submit_fix", st, [_Files.make()])
    call(CasillaState, "read", cst, [str(w.ids["notice"])])
    after = snapshot.take()
    assert snapshot.same(before, after), snapshot.diff(before, after)
    shown = public_text(root) + public_text(croot)
    assert not [m for m in world.MARKERS if m in shown]
    assert cst.current == {} and cst.error
