"""The case page's "Enviar a otra entidad" (docs/interop.md): choose an entity of the directory, the
signed documents (and annexes), subject and note; the package is queued by ``interop.send_to_entity``
and the case's trail shows it. Every handler re-resolves the session (``staff_event``)."""

from __future__ import annotations

import reflex as rx

from sgd_app.domain import interop
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import Conflict, DomainError, InvalidInput
from sgd_app.state.expediente import ExpedienteState
from sgd_app.state.session import staff_event


class InteropSendState(rx.State):
    open: bool = False
    entity_options: list[list[str]] = []  # [RUC, name]
    doc_options: list[list[str]] = []  # [id, label, "firmado" | "anexo"]
    sends: list[dict[str, str]] = []  # the packages of this case and their state
    origin: dict[str, str] = {}  # a case received by interoperability: entity, CUO, sender's number
    error: str = ""

    def _clear(self) -> None:
        self.open, self.entity_options, self.doc_options, self.sends, self.error = False, [], [], [], ""
        self.origin = {}

    def _refresh(self, who: Principal, number: str) -> None:
        try:
            p = interop.send_panel(who, number)
        except DomainError:
            self._clear()
            return
        self.entity_options = [[r, n] for r, n in p.entities]
        self.doc_options = [[str(i), label, "firmado" if signed else "anexo"] for i, label, signed in p.documents]
        self.sends = [
            {
                k: str(v)
                for k, v in s.items()
                if k in ("cuo", "entidad", "estado", "estado_texto", "expediente_destino", "cargo_fuera")
            }
            for s in p.sends
        ]
        self.origin = dict(p.origin)

    @staff_event
    def load(self, who: Principal):
        """The case page's third on_load (after ExpedienteState.load and DeskState.load)."""
        self._clear()
        self._refresh(who, str(self.router.page.params.get("numero", "")).upper()[:40])

    @staff_event
    async def toggle(self, who: Principal):
        case_page = await self.get_state(ExpedienteState)
        self.error = ""
        self.open = not self.open and "derivar" in case_page.actions
        if self.open:
            self._refresh(who, case_page.number)

    @staff_event
    async def send(self, who: Principal, form: dict):
        case_page = await self.get_state(ExpedienteState)
        form = form or {}
        chosen = [o[0] for o in self.doc_options if form.get(f"doc_{o[0]}") in ("on", True, "true")]
        try:
            sent = interop.send_to_entity(
                who=who,
                number=case_page.number,
                version=case_page.version,
                entity_ruc=str(form.get("entidad", "") or "")[:11],
                document_ids=[int(i) for i in chosen],
                subject=str(form.get("subject", "") or "")[:600],
                note=str(form.get("note", "") or "")[:2100],
            )
        except Conflict as exc:
            self.open = False
            return case_page._refused(who, exc)
        except InvalidInput as exc:
            self.error = exc.message
            return None
        except DomainError as exc:
            self.error = exc.message
            return None
        self.open, self.error = False, ""
        self._refresh(who, case_page.number)
        case_page._done(who, f"Envío en cola con el CUO {sent.cuo}: se entregará a la entidad y su respuesta "
                             "quedará en la hoja de ruta.")  # fmt: skip
        return None
