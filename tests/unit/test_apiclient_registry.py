"""The administrator's acts on API clients (domain/apiclients/registry.py), as the /admin tab and
the CLI call them: only an administrator's Principal (or the CLI) registers, deactivates,
reactivates and changes a limit; each act is audited; the list carries the service account and
the last call audited under the client. On a fresh database (SQLite, and PostgreSQL when set)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from sgd_app import db
from sgd_app.domain import audit
from sgd_app.domain.apiclients import registry
from sgd_app.domain.errors import Forbidden, InvalidInput
from sgd_app.domain.models import AuditEvent, utcnow
from tests.conftest import principal


def _register(seeded, by, **kw):
    args = {"name": "SGD del ONPE", "ruc": "20131370998", "scopes": "expedientes:crear", "username": "rop",
            "auth_method": "client_secret", **kw}  # fmt: skip
    return registry.register(actor=by, engine=seeded, **args)


def test_only_an_administrator_or_the_cli_manages_clients(seeded):
    admin, officer = principal(seeded, "admin"), principal(seeded, "rop")
    with pytest.raises(Forbidden):
        _register(seeded, officer)
    with pytest.raises(Forbidden):
        registry.client_rows(by=officer, engine=seeded)
    reg = _register(seeded, admin)
    cid = reg.client.client_id
    assert reg.secret and _register(seeded, "cli").client.created_by == "cli"
    for act in (registry.deactivate, registry.reactivate):
        with pytest.raises(Forbidden):
            act(actor=officer, client_id=cid, engine=seeded)
    with pytest.raises(Forbidden):
        registry.set_limit(actor=officer, client_id=cid, rate_limit="1/second", engine=seeded)

    with pytest.raises(InvalidInput) as bad:
        registry.set_limit(actor=admin, client_id=cid, rate_limit="10 por minuto", engine=seeded)
    assert bad.value.field == "rate_limit"
    assert (
        registry.set_limit(actor=admin, client_id=cid, rate_limit=" 60/minute ", engine=seeded).rate_limit
        == "60/minute"
    )
    assert not registry.deactivate(actor=admin, client_id=cid, engine=seeded).active
    back = registry.reactivate(actor=admin, client_id=cid, engine=seeded)
    assert back.active and back.deactivated_at is None
    with db.session(seeded) as s:
        acts = [
            (e.actor, e.action)
            for e in s.exec(select(AuditEvent).where(col(AuditEvent.object_id) == cid).order_by(col(AuditEvent.seq)))
        ]
    assert acts == [
        (admin.actor, "api_cliente_registrar"),
        (admin.actor, "api_cliente_limite"),
        (admin.actor, "api_cliente_desactivar"),
        (admin.actor, "api_cliente_reactivar"),
    ]


def test_the_list_shows_the_account_and_the_last_call(seeded):
    admin = principal(seeded, "admin")
    first, second = _register(seeded, admin).client, _register(seeded, admin, name="Tablero regional").client
    at = utcnow() - timedelta(minutes=3)
    with db.write_session(seeded) as s:
        for minutes in (10, 3):
            audit.record(s, actor=f"cliente:{first.client_id}", action="api_llamada", object_type="apiclient",
                         object_id=first.client_id, data={}, at=utcnow() - timedelta(minutes=minutes))  # fmt: skip
    rows = registry.client_rows(by=admin, engine=seeded)
    assert [r.client.client_id for r in rows] == [first.client_id, second.client_id]
    assert rows[0].username == "rop" and rows[1].last_used_at is None
    assert abs((rows[0].last_used_at - at).total_seconds()) < 5
