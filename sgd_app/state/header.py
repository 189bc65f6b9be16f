"""Who the public header greets: a staff member signed in on this browser sees their name, "Mi
bandeja" and "Salir" instead of "Ingresar" (display only; the session is resolved from the HttpOnly
cookie on the server, nothing the browser sends is trusted, and nothing is written)."""

from __future__ import annotations

import reflex as rx

from sgd_app.state.session import principal_or_none


class HeaderState(rx.State):
    staff_name: str = ""  # empty: nobody signed in (the header offers "Ingresar")

    @rx.event
    def look(self):
        """On the header's mount: the signed-in staff member's name, or nothing."""
        who = principal_or_none(self)
        self.staff_name = who.user.full_name if who is not None else ""
