"""HTTP routes under /api/v1 (FastAPI, mounted into Reflex's backend) and the body-size guard."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from fastapi import FastAPI, Form, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from sgd_app import db, settings
from sgd_app.domain import auth, intake, links
from sgd_app.domain.errors import NotAuthenticated, TooManyAttempts

api = FastAPI(
    title="Trámite Digital API",
    version="1",
    openapi_url="/api/v1/openapi.json",
    docs_url="/api/v1/docs",
    redoc_url=None,
)

_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


@api.get("/api/v1/health")
def health() -> JSONResponse:
    try:
        with db.session() as s:
            s.exec(text("SELECT 1"))
        return JSONResponse({"status": "ok", "database": "ok"})
    except Exception as exc:
        return JSONResponse({"status": "error", "database": type(exc).__name__}, status_code=503)


@api.get("/api/v1/cargo/{number}.pdf")
async def cargo_pdf(number: str, request: Request, t: str = "") -> Response:
    """The filing receipt, for whoever holds the signed link (given with the number and key)
    or a signed-in staff member of the case's unit."""
    allowed = bool(t) and links.token_ok(number, t)
    if not allowed:
        token = request.cookies.get(settings.SESSION_COOKIE, "")
        try:
            with db.session() as s:
                who = auth.resolve(s, token, idle_minutes=settings.SESSION_IDLE_MINUTES, touch=False)
                from sqlmodel import select

                from sgd_app.domain.models import Expediente

                case = s.exec(select(Expediente).where(Expediente.number == number)).first()
                allowed = case is not None and case.current_unit_id in who.unit_ids
        except NotAuthenticated:
            allowed = False
    if not allowed:
        return JSONResponse(
            {
                "detail": "Enlace vencido o no autorizado. Consulte su expediente otra vez en "
                "Seguimiento para obtener un enlace nuevo."
            },
            status_code=403,
            headers=_NO_STORE,
        )
    pdf = await asyncio.to_thread(intake.render_receipt, number)
    if pdf is None:
        return JSONResponse({"detail": "Expediente no encontrado."}, status_code=404, headers=_NO_STORE)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**_NO_STORE, "Content-Disposition": f'attachment; filename="cargo-{number}.pdf"'},
    )


@api.get("/api/v1/documentos/{document_id}")
async def document_file(document_id: int, request: Request, descargar: int = 0) -> Response:
    """A case's original, for a signed-in staff member who may see the case (inline for the
    in-browser viewer, or as a download)."""
    from sgd_app.domain import routing
    from sgd_app.domain.documents import FileStore
    from sgd_app.domain.errors import NotFound

    token = request.cookies.get(settings.SESSION_COOKIE, "")
    try:
        with db.session() as s:
            who = auth.resolve(s, token, idle_minutes=settings.SESSION_IDLE_MINUTES, touch=False)
            doc = routing.document_for(s, who, document_id)
    except NotAuthenticated:
        return JSONResponse({"detail": "Inicie sesión para ver documentos."}, status_code=401, headers=_NO_STORE)
    except NotFound:
        return JSONResponse({"detail": "Documento no encontrado."}, status_code=404, headers=_NO_STORE)
    path = FileStore(settings.files_dir()).path(doc.sha256)
    if not path.is_file():
        return JSONResponse({"detail": "El archivo original no está disponible."}, status_code=410, headers=_NO_STORE)
    disposition = "attachment" if descargar else "inline"
    safe_name = "".join(c for c in doc.filename if c.isalnum() or c in "._- ") or "documento.pdf"
    return FileResponse(
        path,
        media_type="application/pdf",
        headers={
            **_NO_STORE,
            "Content-Disposition": f'{disposition}; filename="{safe_name}"',
            "X-Frame-Options": "SAMEORIGIN",
        },
    )


@api.get("/api/v1/borradores/{doc_id}.pdf")
async def internal_document_pdf(doc_id: int, request: Request) -> Response:
    """An internal document for staff who may see its case: the draft rendered with the BORRADOR
    mark, or the current (frozen / partly signed / signed) revision byte for byte."""
    from sgd_app.domain import drafting, routing
    from sgd_app.domain.documents import FileStore
    from sgd_app.domain.errors import NotFound
    from sgd_app.domain.models import Expediente, InternalDocument

    token = request.cookies.get(settings.SESSION_COOKIE, "")
    try:
        with db.session() as s:
            who = auth.resolve(s, token, idle_minutes=settings.SESSION_IDLE_MINUTES, touch=False)
            doc = s.get(InternalDocument, doc_id)
            case = s.get(Expediente, doc.expediente_id) if doc else None
            if doc is None or case is None or not routing.can_view(s, who, case):
                raise NotFound("Documento no encontrado.")
            if doc.current_sha256:
                pdf = FileStore(settings.files_dir()).read(doc.current_sha256)
            else:
                data = drafting.render_data(
                    s,
                    doc,
                    institution=settings.INSTITUTION_NAME,
                    institution_short=settings.INSTITUTION_SHORT,
                    draft=True,
                )
                pdf = await asyncio.to_thread(drafting.render, data)
    except NotAuthenticated:
        return JSONResponse({"detail": "Inicie sesión para ver documentos."}, status_code=401, headers=_NO_STORE)
    except NotFound:
        return JSONResponse({"detail": "Documento no encontrado."}, status_code=404, headers=_NO_STORE)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**_NO_STORE, "Content-Disposition": f'inline; filename="documento-{doc_id}.pdf"'},
    )


@api.get("/api/v1/respuesta/{number}.pdf")
async def answer_pdf(number: str, t: str = "") -> Response:
    """The signed answer of a case, for whoever holds the link given after number + access key
    (tracking) or in the casilla."""
    from sqlmodel import select

    from sgd_app.domain import observations
    from sgd_app.domain.documents import FileStore
    from sgd_app.domain.models import Expediente

    if not (t and auth.check_token(settings.secret_key(), "respuesta", number, t)):
        return JSONResponse(
            {"detail": "Enlace vencido o no autorizado. Consulte su expediente otra vez."},
            status_code=403,
            headers=_NO_STORE,
        )
    with db.session() as s:
        case = s.exec(select(Expediente).where(Expediente.number == number)).first()
        doc = observations.answer_document(s, case.id) if case else None
    if doc is None:
        return JSONResponse({"detail": "Este expediente aún no tiene respuesta."}, status_code=404, headers=_NO_STORE)
    pdf = FileStore(settings.files_dir()).read(doc.sha256)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**_NO_STORE, "Content-Disposition": f'attachment; filename="respuesta-{number}.pdf"'},
    )


@api.get("/api/v1/avisos/{notice_id}.pdf")
async def notice_pdf(notice_id: int, t: str = "") -> Response:
    """The document attached to a casilla notice (signed link issued to the opened casilla)."""
    from sgd_app.domain.documents import FileStore
    from sgd_app.domain.models import Document, Notice

    if not (t and auth.check_token(settings.secret_key(), "aviso", str(notice_id), t)):
        return JSONResponse(
            {"detail": "Enlace vencido o no autorizado. Vuelva a abrir su casilla."}, status_code=403, headers=_NO_STORE
        )
    with db.session() as s:
        notice = s.get(Notice, notice_id)
        doc = s.get(Document, notice.document_id) if notice and notice.document_id else None
    if doc is None:
        return JSONResponse({"detail": "Documento no encontrado."}, status_code=404, headers=_NO_STORE)
    pdf = FileStore(settings.files_dir()).read(doc.sha256)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={**_NO_STORE, "Content-Disposition": f'attachment; filename="{doc.filename}"'},
    )


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    if not origin:
        return True  # non-browser clients send none; the cookie is SameSite=Lax anyway
    parts = urlsplit(origin)
    base = f"{parts.scheme}://{parts.netloc}"
    host = request.headers.get("host", "")
    return base in settings.ALLOWED_ORIGINS or parts.netloc == host


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


@api.post("/api/v1/sesion")
def login(request: Request, usuario: str = Form(""), clave: str = Form("")) -> Response:
    if not _same_origin(request):
        return RedirectResponse("/ingresar?motivo=origen", status_code=303)
    try:
        with db.write_session() as s:
            token = auth.login(
                s,
                username=usuario[:60],
                password=clave[:200],
                ip=_client_ip(request),
                absolute_hours=settings.SESSION_ABSOLUTE_HOURS,
            )
    except TooManyAttempts as exc:
        code = "limite" if "conexión" in exc.message else "bloqueada"
        return RedirectResponse(f"/ingresar?motivo={code}", status_code=303)
    except NotAuthenticated:
        return RedirectResponse("/ingresar?motivo=credenciales", status_code=303)
    resp = RedirectResponse("/bandeja", status_code=303)
    resp.set_cookie(
        settings.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=settings.SECURE_COOKIES,
        max_age=settings.SESSION_ABSOLUTE_HOURS * 3600,
    )
    return resp


@api.post("/api/v1/sesion/salir")
def logout(request: Request) -> Response:
    with db.write_session() as s:
        auth.logout(s, request.cookies.get(settings.SESSION_COOKIE, ""))
    resp = RedirectResponse("/ingresar?motivo=salio", status_code=303)
    resp.delete_cookie(settings.SESSION_COOKIE, path="/")
    return resp


class BodyLimit:
    """ASGI middleware: refuse request bodies over the limit with 413, by Content-Length up
    front and by counting streamed bytes (chunked uploads) as they arrive."""

    def __init__(
        self, app, *, upload_limit: int = settings.MAX_UPLOAD_BODY, default_limit: int = settings.MAX_API_BODY
    ):
        self.app = app
        self.upload_limit = upload_limit
        self.default_limit = default_limit

    def _limit(self, path: str) -> int:
        return self.upload_limit if path.startswith(("/_upload", "/api/v1/verificacion")) else self.default_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        limit = self._limit(scope.get("path", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    if int(value) > limit:
                        return await _too_large(send, limit)
                except ValueError:
                    return await _too_large(send, limit)
        seen = 0
        started = False
        refused = False

        async def guarded_receive():
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Answer 413 now: Starlette's error middleware would otherwise answer 500
                    # for the exception below before it reaches us.
                    if not started and not refused:
                        refused = True
                        await _too_large(send, limit)
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message):
            nonlocal started
            if refused:
                return  # the 413 is out; drop what the app answers to the cut-off body
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracking_send)
        except Exception as exc:
            if not refused and not isinstance(exc, _BodyTooLarge):
                raise


class _BodyTooLarge(Exception):
    pass


async def _too_large(send, limit: int) -> None:
    size = "%.0f MB" % (limit / (1024 * 1024)) if limit >= 1024 * 1024 else "%.0f KB" % (limit / 1024)
    body = ('{"detail":"El archivo es demasiado grande: el máximo es %s."}' % size).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


from sgd_app.api.reports import router as _reports_router

api.include_router(_reports_router)
from sgd_app.api.search import router as _search_router

api.include_router(_search_router)
from sgd_app.api.verify import router as _verify_router

api.include_router(_verify_router)
