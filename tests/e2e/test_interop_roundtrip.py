"""The exchange between institutions in the browser, with two real instances on loopback (issue 17):
A and B are two production builds (frontend and backend), each with its own data dir, SQLite
database, port, RUC, PKI and interop key, registered in each other's directory by the CLI
(tests/integration/interop_pair.py). ROP's official at A sends a signed oficio from the case page;
B's ROP desk sees it arrive in its inbox under the filter "Interoperabilidad", with the origin
entity, the CUO and A's case number in the header, receives it and derives it; A's case shows
"Registrado como EXP-… en Entidad B" with B's receipt filed, and that receipt, downloaded from A's
case page and uploaded in A's /verificar, is VÁLIDO. On a phone (390 px) and a desktop (1280 px).

Both builds share the worktree's .web, so the prerendered branding (the institution's short name
in the header and footer) is the last build's (B's) on both sites; every figure on the pages comes
from each site's own server through its socket, which is what the test checks."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e import harness
from tests.e2e.harness import shot
from tests.e2e.steps import login
from tests.integration.interop_pair import RUC_A, RUC_B, Instance, make_instance, set_up

pytestmark = pytest.mark.e2e


class Relay:
    """A TCP relay on loopback (what a load balancer does): 127.0.0.1:PORT to A's server and
    127.0.0.2:PORT to B's. Both production builds bake the same socket address, localhost:PORT,
    which the browser rewrites to the page's host: each site's pages reach their own server
    although the second build in the worktree's .web serves the first instance too. Each site
    keeps its own cookies (another host)."""

    def __init__(self, routes: dict[tuple[str, int], int]):
        self.routes = routes
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def _handler(self, target: int):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                t_reader, t_writer = await asyncio.open_connection("127.0.0.1", target)
            except OSError:
                writer.close()
                return
            await asyncio.gather(self._pipe(reader, t_writer), self._pipe(t_reader, writer))

        return handle

    def start(self) -> None:
        self.thread.start()
        for (host, port), target in self.routes.items():
            asyncio.run_coroutine_threadsafe(asyncio.start_server(self._handler(target), host, port), self.loop).result(
                10
            )

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _start(inst: Instance):
    """The production build (frontend and backend on one port, ``PORT``), reached through the relay."""
    port = int(inst.env["PORT"])
    with open(inst.log, "a") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "reflex"), *("run", "--env", "prod", "--single-port"),
             *("--frontend-port", str(port), "--backend-port", str(port))],
            cwd=harness.ROOT, env=inst.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        harness._wait(f"{inst.base}/api/v1/health", proc, inst.log)
        harness._wait(f"{inst.base}/", proc, inst.log)
    except BaseException:
        harness.stop_prod(proc)
        raise
    return proc


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    if not Path(harness.CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for browser tests (apt-get install chromium)")
    tmp = tmp_path_factory.mktemp("interop-e2e")
    public, port_a, port_b = harness._free_port(), harness._free_port(), harness._free_port()
    common = {"SGD_DEMO_PASSWORD": harness.DEMO_PASSWORD, "REFLEX_API_URL": f"http://localhost:{public}"}
    a = make_instance(tmp, "A", RUC_A, port=public, env={**common, "PORT": str(port_a)})
    # B registers what arrives as a request for ROP (its staff's inbox), not the general desk.
    b = make_instance(tmp, "B", RUC_B, port=public, host="127.0.0.2",
                      env={**common, "PORT": str(port_b), "SGD_INTEROP_PROCEDURE": "CONST-AF"})  # fmt: skip
    for inst in (a, b):
        inst.starter, inst.stopper = _start, harness.stop_prod
    relay = Relay({("127.0.0.1", public): port_a, ("127.0.0.2", public): port_b})
    relay.start()
    made = set_up(a, b, tmp)
    try:
        a.start()  # one after the other: each builds the frontend in the worktree's .web
        b.start()
        yield made
    finally:
        a.stop()
        b.stop()
        relay.stop()


def _registered(a: Instance, cuo: str, timeout: float = 120) -> str:
    end = time.time() + timeout
    rows: list = []
    while time.time() < end:
        rows = a.rows("SELECT status, receiver_number, last_error FROM interopsend WHERE cuo = :c", c=cuo)
        if rows and rows[0][0] != "en_cola":
            break
        time.sleep(0.5)
    assert rows and rows[0][0] == "registrado", rows
    return rows[0][1]


@pytest.mark.parametrize("on_phone", [False, True], ids=["escritorio", "celular"])
def test_a_signed_oficio_goes_from_a_to_b_and_comes_back_registered_and_verifiable(sites, browser, on_phone):
    a, b = sites["a"], sites["b"]
    width = "390" if on_phone else "1280"
    made = a.step("case")  # a citizen's filing at A's ROP, received, with an oficio signed by ROP (PAdES B-T)
    number = made["number"]

    # A: ROP's official sends the signed oficio to Entidad B from the case page.
    ctx_a, page = login(browser, a.base, "rop", phone=on_phone)
    page.goto(f"{a.base}/expedientes/{number}")
    page.locator("#accion-enviar-entidad").click()
    page.locator("#campo-entidad").select_option(RUC_B)
    page.locator("#documentos-envio").get_by_text("Oficio N.º 001-2026: oficio-001-2026.pdf").click()
    page.locator("#campo-note").fill("Se remite para su atención.")
    page.locator("#confirmar-envio").click()
    expect(page.get_by_text("Envío en cola con el CUO")).to_be_visible()
    ((cuo,),) = a.rows(
        "SELECT s.cuo FROM interopsend s JOIN expediente e ON e.id = s.expediente_id WHERE e.number = :n", n=number
    )
    b_number = _registered(a, cuo)  # A's outbox job delivered it; B answered with its number

    # B: the ROP desk filters its inbox by the channel and finds the package, with its origin.
    ctx_b, desk = login(browser, b.base, "rop", phone=on_phone)
    desk.get_by_text("Filtros", exact=True).click()
    desk.locator("#f-channel").select_option("interoperabilidad")
    desk.get_by_role("button", name="Aplicar filtros").click()
    row = desk.get_by_role("link", name=re.compile(re.escape(b_number)))
    expect(row).to_be_visible()
    expect(row).to_contain_text("Interoperabilidad")  # the channel, in the row
    shot(desk, f"interop-b-bandeja-{width}")
    row.click()
    expect(desk.locator("#numero-expediente")).to_have_text(b_number)
    expect(desk.locator("#origen-entidad")).to_have_text(f"Entidad A (RUC {RUC_A})")
    expect(desk.locator("#origen-cuo")).to_have_text(cuo)
    expect(desk.locator("#origen-expediente")).to_have_text(number)
    shot(desk, f"interop-b-expediente-{width}")
    desk.locator("#accion-recibir").click()
    desk.locator("#accion-derivar").click()
    desk.get_by_label("Unidad de destino").select_option(label="Logística")
    desk.locator("#confirmar").click()
    expect(desk.locator("#solo-lectura")).to_be_visible()
    (status,) = b.rows("SELECT e.current_unit_id = u.id FROM expediente e, unit u WHERE e.number = :n "
                       "AND u.code = 'LOG'", n=b_number)[0]  # fmt: skip
    assert status
    ctx_b.close()

    # A: the case shows "registrado" with B's number, and B's receipt filed in it.
    page.goto(f"{a.base}/expedientes/{number}")
    expect(page.locator("#envios-entidades")).to_contain_text(f"Registrado como {b_number} en Entidad B")
    expect(page.locator("#hoja-de-ruta")).to_contain_text("Registrado por la entidad destinataria")
    cargo = page.get_by_text(re.compile(rf"Cargo de Entidad B — {re.escape(b_number)}")).first
    expect(cargo).to_be_visible()
    shot(page, f"interop-a-registrado-{width}")
    ((doc_id, sha),) = a.rows("SELECT id, sha256 FROM document WHERE kind = 'cargo_entidad' AND filename = :f",
                              f=f"cargo-{RUC_B}-{b_number}.pdf")  # fmt: skip
    href = f"/api/v1/documentos/{doc_id}?descargar=1"
    expect(page.locator(f"a[href='{href}']")).to_be_visible()  # the case page's "Descargar" of B's receipt
    got = page.request.get(f"{a.base}{href}")  # what that link gives, with the official's session
    assert got.status == 200, got.status
    receipt = got.body()
    assert receipt.startswith(b"%PDF") and len(receipt) > 1000
    assert hashlib.sha256(receipt).hexdigest() == sha  # the very bytes B sealed

    # A's /verificar: B's receipt, uploaded in the browser, is VÁLIDO (A trusts B's root).
    page.goto(f"{a.base}/verificar")
    expect(page.locator("h1")).to_contain_text("Verificar")
    page.wait_for_load_state("networkidle")
    page.locator("#verificar input[type=file]").set_input_files(
        {"name": "cargo.pdf", "mimeType": "application/pdf", "buffer": receipt}
    )
    expect(page.locator("#veredicto")).to_have_text("VÁLIDO", timeout=30000)
    shot(page, f"interop-a-verificar-{width}")
    ctx_a.close()
