"""Excel downloads answer 200 and a whole workbook every time: the instant export and the prepared
one, many times in a row and several at once, through the ASGI app in process and through the
production server (granian), whose ``http.response.pathsend`` made a temp file removed by a
background task answer 404 about one time in two."""

from __future__ import annotations

import asyncio
import io
import os
import secrets
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

from sgd_app import db, settings
from sgd_app.api import api
from sgd_app.domain import exports, filters
from tests.conftest import principal, run_async
from tests.integration import test_reports_api
from tests.integration.test_reports_api import BASE, _client

cases = test_reports_api.cases  # the fixture: Tesorería's two cases, ROP's one

XLSX = "/api/v1/reportes/expedientes.xlsx"


def _valid_xlsx(resp: httpx.Response, numbers: list[str]) -> None:
    assert resp.status_code == 200, (resp.status_code, resp.text[:200])
    assert resp.headers["content-type"] == exports.XLSX_MIME
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["content-disposition"].startswith('attachment; filename="expedientes-')
    assert int(resp.headers["content-length"]) == len(resp.content)
    wb = load_workbook(io.BytesIO(resp.content), read_only=True)
    assert [r[0] for r in wb["Expedientes"].iter_rows(min_row=2, values_only=True)] == numbers


def _cookie() -> dict[str, str]:
    return {settings.SESSION_COOKIE: _client("gerente").cookies[settings.SESSION_COOKIE]}


def test_instant_xlsx_fifty_times_in_a_row_and_at_once(cases):
    client = _client("gerente")
    for _ in range(50):
        _valid_xlsx(client.get(XLSX), cases["tes"])

    async def together(n: int) -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=api)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", cookies=_cookie()) as c:
            return await asyncio.gather(*(c.get(XLSX) for _ in range(n)))

    for resp in run_async(together(8)):  # off the main thread (the browser suites' event loop)
        _valid_xlsx(resp, cases["tes"])
    with ThreadPoolExecutor(4) as pool:  # four browsers, each with its own connection
        for resp in pool.map(lambda _: _client("gerente").get(XLSX), range(8)):
            _valid_xlsx(resp, cases["tes"])


def test_no_temp_file_is_left_behind(cases, tmp_path, monkeypatch):
    """The instant export's file has no name: nothing to sweep, nothing left in the temp dir."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    client = _client("gerente")
    for _ in range(3):
        _valid_xlsx(client.get(XLSX), cases["tes"])
    leftovers = [p.name for p in (tmp_path / "tmp").iterdir() if not p.name.startswith("openpyxl")]
    assert leftovers == []


def test_prepared_download_survives_the_sweeper_and_expires(cases):
    who = principal(db.engine(), "gerente")
    token = secrets.token_hex(16)
    path = exports.prepare_xlsx(who, filters.ReportFilters(), token)
    client = _client("gerente")
    for _ in range(10):
        _valid_xlsx(client.get(f"{BASE}/descarga/{token}"), cases["tes"])
    # Another user's prepared export sweeps the folder while this one is fresh: it stays.
    other = principal(db.engine(), "tesoreria")
    exports.prepare_xlsx(other, filters.ReportFilters(), secrets.token_hex(16))
    _valid_xlsx(client.get(f"{BASE}/descarga/{token}"), cases["tes"])
    # Only its owner gets it.
    assert _client("tesoreria").get(f"{BASE}/descarga/{token}").status_code == 404
    # An open download is read to the end even if the sweeper removes the name meanwhile.
    file = exports.open_export(who.user.id, token)
    assert file is not None
    old = time.time() - 7200
    os.utime(path, (old, old))
    exports.sweep_exports()
    assert not path.exists()
    with file:
        data = file.read()
    assert load_workbook(io.BytesIO(data), read_only=True).sheetnames == ["Expedientes", "Resumen"]
    resp = client.get(f"{BASE}/descarga/{token}")
    assert resp.status_code == 404 and resp.json()["detail"] == "El archivo ya no está disponible: vuelva a exportarlo."


def test_sweeps_at_once_do_not_trip_over_each_other(app_db):
    folder = settings.DATA_DIR / "exports"
    folder.mkdir(parents=True)
    old = time.time() - 7200
    for i in range(300):
        p = folder / f"1-{i:032x}.xlsx"
        p.write_bytes(b"x")
        os.utime(p, (old, old))
    with ThreadPoolExecutor(4) as pool:
        for f in [pool.submit(exports.sweep_exports) for _ in range(4)]:
            f.result()  # a FileNotFoundError from a file another sweep removed would surface here
    assert list(folder.iterdir()) == []


# ---------------------------------------------------------------- the production server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def granian_api(cases):
    """The API served by granian (as in production) on the test's database and data dir."""
    port = _free_port()
    env = dict(
        os.environ,
        SGD_DATA_DIR=str(settings.DATA_DIR),
        DATABASE_URL=db.engine().url.render_as_string(hide_password=False),
    )
    granian = Path(sys.executable).with_name("granian")
    proc = subprocess.Popen(
        [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port), "sgd_app.api:api"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.time() < deadline, "granian did not start"
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_downloads_through_granian(granian_api, cases):
    with httpx.Client(base_url=granian_api, cookies=_cookie(), timeout=60) as c:
        for _ in range(50):
            _valid_xlsx(c.get(XLSX), cases["tes"])
        with ThreadPoolExecutor(4) as pool:
            for resp in pool.map(lambda _: c.get(XLSX), range(12)):
                _valid_xlsx(resp, cases["tes"])
        token = secrets.token_hex(16)
        exports.prepare_xlsx(principal(db.engine(), "gerente"), filters.ReportFilters(), token)
        for _ in range(10):
            _valid_xlsx(c.get(f"{BASE}/descarga/{token}"), cases["tes"])
