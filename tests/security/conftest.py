"""The permanent hostile suite's fixtures: one built world per backend, rebuilt only when a test
changed it. The browser fixtures come from tests/e2e/harness.py and the summary line
("security: N cases, M broken") from tests/security/tally.py, both loaded by tests/conftest.py."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from sgd_app import db, schema, seed, settings
from sgd_app.domain import auth, exports, filters, ratelimit
from tests.conftest import BACKENDS, DEMO_PW, _empty_engine, desk_review
from tests.security import snapshot, world

# ---------------------------------------------------------------- the world
HOSTILE_USERS = ("tesoreria", "cusco")  # an officer, and an officer + head, of other units


@dataclass
class Env:
    backend: str
    w: world.World
    tokens: dict[str, str]
    pristine: dict
    cleanup: object
    data_dir: Path


def _build(backend: str, tmp: Path) -> Env:
    from sgd_app.domain.signing import config

    os.environ["SGD_DEMO_PASSWORD"] = DEMO_PW
    eng, cleanup = _empty_engine(backend, tmp)
    schema.create_all(eng)
    with db.write_session(eng) as s:
        seed.seed_catalogue(s)
    with db.write_session(eng) as s:
        seed.seed_demo_staff(s, tmp / "creds.txt")
    desk_review(eng, False)  # the world's cases go straight to ROP
    (tmp / "data").mkdir()
    settings.DATA_DIR = tmp / "data"
    db.use_engine(eng)
    config.forget_keys()
    config.pki()  # the installation's development PKI and link secret exist before any hostile call
    settings.secret_key()
    w = world.build()
    tokens = {}
    for username in (*HOSTILE_USERS, "rop"):  # rop: the cases' own officer (the probes' control)
        with db.write_session() as s:
            tokens[username] = auth.login(s, username=username, password=DEMO_PW)
    # An Excel export prepared by ROP's officer: someone else's download token.
    w.rop_export = secrets.token_hex(16)
    exports.prepare_xlsx(auth.resolve(tokens["rop"]), filters.parse_filters({}), w.rop_export)
    return Env(backend, w, tokens, snapshot.take(), (eng, cleanup), tmp / "data")


def _drop(env: Env) -> None:
    eng, cleanup = env.cleanup
    db.use_engine(None)
    eng.dispose()
    if cleanup:
        admin, name = cleanup
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def world_env(request, tmp_path_factory):
    from sgd_app.domain.signing import config

    saved = settings.DATA_DIR
    holder = {"env": _build(request.param, tmp_path_factory.mktemp("world"))}
    holder["new"] = lambda: _build(request.param, tmp_path_factory.mktemp("world"))
    yield holder
    _drop(holder["env"])
    settings.DATA_DIR = saved
    config.forget_keys()


@pytest.fixture
def hostile(world_env) -> Env:
    """The built world, as it was built: when an earlier test changed it (it failed), a fresh
    one is built, so each test starts from the same world. Rate-limit counters start empty."""
    env: Env = world_env["env"]
    settings.DATA_DIR = env.data_dir
    db.use_engine(env.cleanup[0])
    ratelimit.reset()
    if not snapshot.same(snapshot.take(), env.pristine):
        _drop(env)
        env = world_env["env"] = world_env["new"]()
    return env
