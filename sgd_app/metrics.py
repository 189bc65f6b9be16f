"""Prometheus metrics of the process (``prometheus-client``), served at ``/api/v1/metrics``
(sgd_app/api/metrics.py, which adds the queue gauges read from the database at scrape time).

Counted where they happen: filings by the filing flow (domain/intake/flows.py), Reflex events by
one middleware around every event (sgd_app/state/event_metrics.py), job runs by the scheduler
(sgd_app/jobs.py), signing errors by the batch signer and the receipt seal.

Several workers (granian with ``REFLEX_REDIS_URL``): set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
directory before starting (prometheus-client's multiprocess mode): every worker writes its values
there and any worker's scrape adds them all up. Without it each worker reports only its own.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as _multiprocess

from sgd_app import settings

# Not in prometheus-client's global registry: exposition() builds the one it serves.
FILINGS = Counter("sgd_filings_total", "Trámites registrados, por canal", ["channel"], registry=None)
EVENTS = Histogram(
    "sgd_reflex_event_seconds",
    "Eventos de Reflex atendidos y su duración (desde tomar el estado hasta enviar el cambio)",
    ["handler"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=None,
)
JOB_RUNS = Counter(
    "sgd_job_runs_total", "Ejecuciones de tareas programadas, por tarea y resultado", ["job", "result"], registry=None
)
SIGNING_ERRORS = Counter("sgd_signing_errors_total", "Errores al firmar o sellar documentos", ["kind"], registry=None)


def filing(channel: str) -> None:
    FILINGS.labels(channel=str(channel)).inc()


def event_handled(handler: str, seconds: float) -> None:
    EVENTS.labels(handler=handler).observe(seconds)


def job_run(job: str, ok: bool) -> None:
    JOB_RUNS.labels(job=job, result="ok" if ok else "error").inc()


def signing_error(kind: str) -> None:
    """``kind``: "firma" (an official's signature) or "sello" (the institution's seal of a receipt)."""
    SIGNING_ERRORS.labels(kind=kind).inc()


def exposition(*extra) -> bytes:
    """The text exposition of this process's metrics (or, in multiprocess mode, of every worker's),
    followed by the collectors in ``extra`` (read at scrape time)."""
    registry = CollectorRegistry()
    if settings.METRICS_MULTIPROC_DIR:
        _multiprocess.MultiProcessCollector(registry)
    else:
        for metric in (FILINGS, EVENTS, JOB_RUNS, SIGNING_ERRORS):
            registry.register(metric)
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry)
