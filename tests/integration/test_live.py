"""The live dashboards' change signal: one signal per committed change that the dashboards show,
none for a rolled-back one or for a change they don't show; through Redis when it is configured."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from sgd_app import db, live
from sgd_app.domain import intake, routing
from tests.conftest import make_pdf, principal


def _file(e, store):
    with db.write_session(e) as s:
        return intake.file_case(
            s,
            store,
            procedure_code="CONST-AF",
            filer=intake.FilerInput(
                doc_type="DNI", doc_number="45678912", name="Rosa Ñahui", email="r@example.pe", phone="987654321"
            ),
            subject="Constancia",
            files=[intake.IncomingFile("s.pdf", make_pdf(), "principal")],
            received_at=datetime(2026, 11, 27, 15, 0, tzinfo=UTC),
        ).case.number


@pytest.fixture
def signals(monkeypatch):
    monkeypatch.delenv("REFLEX_REDIS_URL", raising=False)
    monkeypatch.setattr(live, "_client", None)
    got = []
    monkeypatch.setattr(live, "_listeners", [lambda: got.append(time.time())])
    monkeypatch.setattr(db, "after_commit_hooks", [])
    live.install()
    return got


def test_one_signal_per_committed_change_none_on_rollback(seeded, store, signals):
    number = _file(seeded, store)
    assert len(signals) == 1
    rop = principal(seeded, "rop")
    n_before = len(signals)
    with pytest.raises(RuntimeError), db.write_session(seeded) as s:
        case = routing.get_case(s, rop, number)
        routing.receive(s, who=rop, number=number, version=case.version)
        raise RuntimeError("falla después del cambio")
    assert len(signals) == n_before  # rolled back: nothing to show
    with db.write_session(seeded) as s:
        case = routing.get_case(s, rop, number)
        routing.receive(s, who=rop, number=number, version=case.version)
    assert len(signals) == n_before + 1
    with db.write_session(seeded) as s:  # a note changes no figure: no signal
        case = routing.get_case(s, rop, number)
        routing.add_note(s, who=rop, number=number, version=case.version, text="Revisar el padrón")
    assert len(signals) == n_before + 1


def test_the_signal_goes_through_redis_when_configured(seeded, store, monkeypatch, redis_url):
    import redis

    url = redis_url
    r = redis.Redis.from_url(url)
    monkeypatch.setenv("REFLEX_REDIS_URL", url)
    monkeypatch.setattr(live, "_client", None)
    monkeypatch.setattr(db, "after_commit_hooks", [])
    local = []
    monkeypatch.setattr(live, "_listeners", [lambda: local.append(1)])
    live.install()
    sub = r.pubsub()
    sub.subscribe(live.CHANNEL)
    assert sub.get_message(timeout=2)["type"] == "subscribe"
    _file(seeded, store)
    msg = sub.get_message(timeout=5)
    assert msg is not None and msg["type"] == "message" and msg["channel"] == live.CHANNEL.encode()
    assert local == []  # with Redis the leader hears it from the channel, not in-process
    live.register_feed("tableroprueba", {"units": [1, 2], "filters": {}})
    assert live.feeds()["tableroprueba"] == {"units": [1, 2], "filters": {}}
    live.drop_feed("tableroprueba")
    assert "tableroprueba" not in live.feeds()
    sub.close()
    monkeypatch.setattr(live, "_client", None)
