"""Integration fixtures: the application's own engine and data dir pointed at a test database
and a temp dir (the same code paths the running app uses)."""

from __future__ import annotations

import pytest

from sgd_app import db, settings


@pytest.fixture
def app_db(seeded, tmp_path, monkeypatch):
    """The app's db.engine() and settings.DATA_DIR now point at a fresh seeded database."""
    from sgd_app.domain.signing import config

    monkeypatch.setattr(settings, "DATA_DIR", tmp_path / "data")
    (tmp_path / "data").mkdir()
    db.use_engine(seeded)
    config.forget_keys()  # a development PKI per test data dir
    yield seeded
    db.use_engine(None)
    config.forget_keys()
