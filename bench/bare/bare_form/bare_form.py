"""One form state with the shape of the wizard's work: fields set on blur, steps, one upload,
a submit that answers with a receipt number. No database, no checks."""

from __future__ import annotations

import hashlib
import secrets

import reflex as rx

FIELDS = ("name", "doc_number", "email", "phone", "subject")


class FormState(rx.State):
    step: int = 0
    name: str = ""
    doc_number: str = ""
    email: str = ""
    phone: str = ""
    subject: str = ""
    attachment: str = ""
    r_number: str = ""  # the receipt number (the same var name as the app's wizard)

    @rx.event
    def set_value(self, field: str, value: str):
        if field in FIELDS:
            setattr(self, field, str(value)[:600])

    @rx.event
    def next(self):
        self.step = min(self.step + 1, 4)

    @rx.event
    async def upload_main(self, files: list[rx.UploadFile]):
        data = await files[0].read()
        self.attachment = hashlib.sha256(data).hexdigest()

    @rx.event
    def submit(self):
        self.r_number = f"R-{secrets.token_hex(4)}"
        self.step = 5


def index() -> rx.Component:
    return rx.vstack(
        rx.heading("Formulario"),
        *[rx.input(name=f, on_blur=lambda v, f=f: FormState.set_value(f, v)) for f in FIELDS],
        rx.upload(id="principal"),
        rx.button("Continuar", on_click=FormState.next),
        rx.button("Enviar", on_click=FormState.submit),
        rx.text(FormState.r_number),
    )


app = rx.App()
app.add_page(index, route="/mesa-de-partes")
