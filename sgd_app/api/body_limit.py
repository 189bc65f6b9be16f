"""ASGI middleware around the whole app: refuse request bodies over the limit with 413."""

from __future__ import annotations

import json

from sgd_app import settings


class BodyLimit:
    """ASGI middleware: refuse request bodies over the limit with 413, by Content-Length up
    front and by counting streamed bytes (chunked uploads) as they arrive."""

    def __init__(
        self,
        app,
        *,
        upload_limit: int = settings.MAX_UPLOAD_BODY,
        default_limit: int = settings.MAX_API_BODY,
        interop_limit: int = settings.INTEROP_MAX_BYTES,
    ):
        self.app = app
        self.upload_limit = upload_limit
        self.default_limit = default_limit
        self.interop_limit = interop_limit

    def _limit(self, path: str) -> int:
        if path.startswith("/api/v1/interoperabilidad/"):  # a package: manifest + PDFs (docs/interop.md)
            return self.interop_limit
        if path == "/api/v1/ext/expedientes":
            return max(self.default_limit, settings.MAX_API_FILING_BODY)
        if path.startswith(("/_upload", "/api/v1/verificacion", "/api/v1/ext/verificacion")):
            return self.upload_limit
        return self.default_limit

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
    size = f"{limit / (1024 * 1024):.0f} MB" if limit >= 1024 * 1024 else f"{limit / 1024:.0f} KB"
    body = json.dumps(
        {"detail": f"El archivo es demasiado grande: el máximo es {size}.", "code": "demasiado_grande"}
    ).encode()
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
