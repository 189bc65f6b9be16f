"""GET /api/v1/metrics — Prometheus text exposition, for the institution's monitoring only.

It answers only to ``Authorization: Bearer <SGD_METRICS_TOKEN>``; without a token configured it
is 404 for everyone (never "loopback only": behind a reverse proxy on the same host every
visitor comes from 127.0.0.1). Counters and the event histogram come from sgd_app/metrics.py;
the queue gauges are read from the database at scrape time (domain/operations.py).
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.core import GaugeMetricFamily

from sgd_app import metrics, settings
from sgd_app.api.responses import NO_STORE
from sgd_app.domain import operations, visits
from sgd_app.domain.errors import NotAuthenticated, NotFound

router = APIRouter()


class QueueGauges:
    """Gauges read at scrape time (the same in every worker: they come from the database)."""

    def collect(self):
        q = operations.queues()
        for name, doc, value in (
            (
                "sgd_ocr_backlog",
                "Documentos esperando reconocimiento de texto (pendientes o en proceso)",
                q.ocr_waiting,
            ),
            ("sgd_ocr_oldest_seconds", "Antigüedad del documento que más espera su texto", q.ocr_oldest_seconds),
            ("sgd_ocr_failed", "Documentos cuyo reconocimiento de texto falló", q.ocr_failed),
            ("sgd_email_outbox_pending", "Correos por enviar", q.mail_waiting),
            ("sgd_email_outbox_oldest_seconds", "Antigüedad del correo que más espera", q.mail_oldest_seconds),
            ("sgd_visits_unflushed", "Visitas contadas aún no guardadas en la base de datos", visits.pending()),
        ):
            yield GaugeMetricFamily(name, doc, value=float(value))


def _authorised(request: Request) -> None:
    token = settings.METRICS_TOKEN
    if not token:
        raise NotFound("No encontrado.")
    given = request.headers.get("authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise NotAuthenticated("Se requiere el token de métricas (Authorization: Bearer …).")


@router.get("/api/v1/metrics")
def metrics_route(request: Request) -> Response:
    _authorised(request)
    return Response(metrics.exposition(QueueGauges()), media_type=CONTENT_TYPE_LATEST, headers=dict(NO_STORE))
