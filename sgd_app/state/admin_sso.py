"""/admin, Cuentas institucionales tab: which account at the institution's identity provider (its
``sub``) is which staff user, for single sign-on in "admin" linking mode (docs/sso.md).

Thin: the rules are in domain/sso/accounts.py; every handler wears ``staff_event(role="admin")``."""

from __future__ import annotations

from typing import Any

import reflex as rx

from sgd_app import settings
from sgd_app.domain import sso
from sgd_app.domain.auth import Principal
from sgd_app.domain.calendar import LIMA
from sgd_app.domain.errors import DomainError, InvalidInput, NotFound
from sgd_app.state.notice import Notice
from sgd_app.state.session import staff_event


def _blank() -> dict[str, str]:
    return {"username": "", "subject": ""}


def _when(at) -> str:
    return at.astimezone(LIMA).strftime("%d/%m/%Y %H:%M") if at else "nunca"


def _row(r: sso.LinkRow) -> dict[str, str]:
    return {
        "id": str(r.id),
        "user": f"{r.full_name} ({r.username})",
        "subject": r.subject,
        "how": f"Vinculada por {r.linked_by} el {_when(r.created_at)}",
        "last": f"Último ingreso: {_when(r.last_sign_in_at)}",
    }


class SsoLinksState(Notice, rx.State):
    enabled: bool = False  # single sign-on configured (SGD_OIDC_ISSUER)
    issuer: str = ""
    by_email: bool = False  # SGD_OIDC_LINKING=email: first sign-ins also link themselves
    rows: list[dict[str, str]] = []
    errors: dict[str, str] = _blank()
    form_key: int = 0

    def _forbidden(self):
        self.reset()
        self._notify("Solo un administrador puede vincular cuentas institucionales.", "error")
        return None

    def _refresh(self, who: Principal) -> None:
        config = sso.from_settings()
        self.enabled = config is not None
        self.issuer = config.issuer if config else ""
        self.by_email = config is not None and config.linking == "email"
        self.rows = [_row(r) for r in sso.list_identities(by=who, issuer=self.issuer)] if config else []

    @staff_event(role="admin")
    def load(self, who: Principal):
        self.errors = _blank()
        self._refresh(who)

    @staff_event(role="admin")
    def link(self, who: Principal, form: dict):
        self.errors = _blank()
        if not settings.OIDC_ISSUER:
            self._notify("El ingreso con la cuenta institucional no está configurado.", "error")
            return
        data: dict[str, Any] = form if isinstance(form, dict) else {}
        username = str(data.get("username", ""))[:60]
        subject = str(data.get("subject", ""))[:300]
        if not username.strip():
            self.errors = {**_blank(), "username": "Escriba el usuario del sistema."}
            return
        try:
            sso.link_identity(by=who, username=username, subject=subject, issuer=settings.OIDC_ISSUER)
        except InvalidInput as exc:
            self.errors = {**_blank(), "subject": exc.message}
            return
        except NotFound as exc:
            self.errors = {**_blank(), "username": exc.message}
            return
        except DomainError as exc:
            self._notify(exc.message, "error")
            return
        self.form_key += 1
        self._refresh(who)
        self._notify(f"Cuenta institucional vinculada al usuario {username.strip().lower()}.")

    @staff_event(role="admin")
    def unlink(self, who: Principal, identity_id: str):
        try:
            sso.unlink_identity(by=who, identity_id=int(identity_id))
        except ValueError:
            self._notify("Esa vinculación ya no existe.", "error")
            return
        except DomainError as exc:
            self._notify(exc.message, "error")
        self._refresh(who)
        if not self.notice:
            self._notify("Vinculación quitada: esa cuenta institucional ya no ingresa como ese usuario.")
