"""The draft form's starting body: the template of the document type for the case's unit (or the
institution's), placeholders filled. Asked when the form opens and when the type changes; the
domain checks that the caller may draft in the case (nothing is written)."""

from __future__ import annotations

import reflex as rx

from sgd_app.domain import doc_templates
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import DomainError
from sgd_app.state.expediente import ExpedienteState
from sgd_app.state.session import staff_event


class DraftTemplateState(rx.State):
    body: str = ""
    template_name: str = ""
    key: int = 0  # bumped on every fill, so the uncontrolled textarea takes the new default

    @staff_event
    async def fill(self, who: Principal, doc_type: str):
        case = await self.get_state(ExpedienteState)
        try:
            got = doc_templates.draft_prefill(who, case.number, str(doc_type)[:20])
        except DomainError:
            got = doc_templates.Prefill("", "")
        self.body, self.template_name = got.body, got.template_name
        self.key += 1
