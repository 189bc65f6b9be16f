"""The staff session in Reflex states, and the one guard every privileged handler wears.

Every public event handler is a remote call anyone can make with any arguments, so the session is
resolved from the HttpOnly cookie (set by /api/v1/sesion) inside each handler; nothing the browser
sends is trusted for identity.

    @staff_event
    def set_tab(self, who: Principal, tab: str): ...

    @staff_event(role="admin")
    def save_unit(self, who: Principal, form: dict): ...

The guard resolves the principal and passes it as ``who``; the browser still calls the handler
without it. With no valid session the state is reset and the browser goes to the login page; with
a missing role the state's ``_forbidden()`` says so (default: the state's inline notice,
sgd_app/state/notice.py). Any notice a previous act left on screen is cleared first.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any

import reflex as rx

from sgd_app import routes, settings
from sgd_app.domain import audit_viewer, auth, dashboards, routing
from sgd_app.domain.auth import Principal
from sgd_app.domain.errors import NotAuthenticated
from sgd_app.domain.vocabulary import Role

FORBIDDEN = "Su rol no permite esta acción."


def session_token(state: rx.State) -> str:
    raw = state.router.headers.cookie or ""
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return ""
    morsel = jar.get(settings.SESSION_COOKIE)
    return morsel.value if morsel else ""


def _resolve(token: str) -> Principal:
    return auth.resolve(token, idle_minutes=settings.SESSION_IDLE_MINUTES)


def current_principal(state: rx.State) -> Principal:
    """The signed-in staff member, or NotAuthenticated."""
    return _resolve(session_token(state))


def principal_or_none(state: rx.State) -> Principal | None:
    try:
        return current_principal(state)
    except NotAuthenticated:
        return None


def _guard(state: rx.State, role: str | None) -> Principal | Any:
    """The principal, or what the handler must return instead (redirect / refusal)."""
    clear_notice = getattr(state, "_clear_notice", None)
    if clear_notice is not None:
        clear_notice()  # a new act: the last one's message goes
    who = principal_or_none(state)
    if who is None:
        state.reset()
        return rx.redirect(routes.LOGIN_EXPIRED)
    if role is not None and not who.has_role(role):
        forbidden = getattr(state, "_forbidden", None)
        if forbidden is not None:
            return forbidden()
        notify = getattr(state, "_notify", None)
        if notify is not None:
            notify(FORBIDDEN, "error")
        return None
    return who


def staff_event(fn: Callable | None = None, *, role: str | None = None):
    """An ``rx.event`` that runs only for a signed-in staff member (holding ``role`` if given)."""

    def decorate(fn: Callable) -> Any:
        if inspect.isasyncgenfunction(fn):

            async def wrapper(self, *args, **kwargs):
                who = _guard(self, role)
                if not isinstance(who, Principal):
                    yield who
                    return
                async for update in fn(self, who, *args, **kwargs):
                    yield update

        elif inspect.iscoroutinefunction(fn):

            async def wrapper(self, *args, **kwargs):
                who = _guard(self, role)
                if not isinstance(who, Principal):
                    return who
                return await fn(self, who, *args, **kwargs)

        else:

            def wrapper(self, *args, **kwargs):
                who = _guard(self, role)
                if not isinstance(who, Principal):
                    return who
                return fn(self, who, *args, **kwargs)

        functools.update_wrapper(wrapper, fn)
        signature = inspect.signature(fn)
        self_param, _who, *rest = signature.parameters.values()
        wrapper.__signature__ = signature.replace(parameters=[self_param, *rest])  # the browser's view
        return rx.event(wrapper)

    return decorate(fn) if fn is not None else decorate


class StaffNav(rx.State):
    """What the staff navigation shows, and the refusal of a page the user's role does not open
    (display only: every handler checks the session and the role itself)."""

    user_name: str = ""
    is_clerk: bool = False
    is_admin: bool = False
    may_dashboard: bool = False  # heads, managers and delegates: /tablero
    may_sign: bool = False  # those who give vistos buenos or sign: /firma
    may_audit: bool = False  # administrators and managers: /auditoria
    may_archive: bool = False  # the central archive's head and the committee: /archivo
    expiring: int = 0  # cases of the user's units due within one business day (or overdue)
    refusal: str = ""  # shown instead of the page when the user lacks the page's role

    @rx.event
    def enter(self, role: str = "", refusal: str = ""):
        """First on_load of every staff page. Without a session it only wipes itself: the page's
        own load (a ``@staff_event``) wipes the page and sends the browser to the login page."""
        who = principal_or_none(self)
        if who is None:
            self.reset()
            return
        self.user_name = who.user.full_name
        self.is_clerk = who.has_role(Role.CLERK)
        self.is_admin = who.has_role(Role.ADMIN)
        self.may_dashboard = dashboards.may_view(who)
        self.may_sign = who.has_role(Role.OFFICER, Role.HEAD, Role.MANAGER) or bool(who.delegated)
        self.may_audit = audit_viewer.may_view(who)
        self.may_archive = who.has_role(Role.ARCHIVIST, Role.COMMITTEE)
        self.refusal = refusal if role and not who.has_role(role) else ""
        units = sorted(set(who.unit_ids) | set(who.delegated))
        self.expiring = len(routing.expiring_soon(units, today=routing.today_lima()))
