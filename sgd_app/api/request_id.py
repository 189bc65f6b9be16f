"""ASGI middleware: every HTTP request gets a request id (the proxy's ``X-Request-ID`` when it is
a plain token, else a new one), bound to the logs written while it is handled (sgd_app/logs.py)
and returned in the response's ``X-Request-ID``."""

from __future__ import annotations

from sgd_app import logs

HEADER = b"x-request-id"


class RequestId:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        offered = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == HEADER), "")
        rid = logs.new_request_id(offered)

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, rid.encode())]}
            await send(message)

        with logs.bound(request_id=rid):
            await self.app(scope, receive, send_with_id)
