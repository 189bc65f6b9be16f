"""Bulk actions of the inbox in the browser (issue 14, item 8): "receive 30 cases at once" — the
officer of a unit with 30 cases waiting selects them all, presses Recibir, sees the progress and
30 "recibido" lines, and the inbox shows them received; on a phone two cases are ticked and
derived with the same destination and instructions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.harness import AXE, db_rows, dump, shot
from tests.e2e.steps import login

pytestmark = pytest.mark.e2e
N = 30


def seed_cases(server: dict, n: int, *, procedure: str, fields: dict, subject: str) -> list[str]:
    """``n`` paper filings registered at the desk for ``procedure``'s unit, waiting to be received
    there (the desk's registration derives each one to the unit)."""
    from sgd_app import db
    from sgd_app.domain import intake
    from sgd_app.domain.documents import FileStore
    from tests.conftest import make_pdf

    eng = db.make_engine(server["db_url"])
    store = FileStore(server["data"] / "files")
    pdf = make_pdf(1, "Escrito de prueba")
    try:
        return [
            intake.file_case(
                store,
                procedure_code=procedure,
                filer=intake.FilerInput(
                    doc_type="DNI",
                    doc_number=f"{47000000 + i}",
                    name=f"Denunciante Ñahui {i}",
                    kind="ciudadano",
                    email="",
                    phone="987654321",
                ),
                subject=f"{subject} {i}",
                fields=fields,
                files=[intake.IncomingFile("escrito.pdf", pdf, "principal")],
                channel="presencial",
                engine=eng,
            ).case.number
            for i in range(n)
        ]
    finally:
        eng.dispose()


def _view(page, name: str) -> None:
    """With SGD_SHOTS=<dir>, what the screen shows right now (the sticky bar and the dialog are
    where the person sees them, unlike in a full-page shot)."""
    import os
    from pathlib import Path

    if os.environ.get("SGD_SHOTS"):
        page.screenshot(path=str(Path(os.environ["SGD_SHOTS"]) / f"{name}.png"))


def _axe_on(page, selectors: list[str]) -> list[dict]:
    """Serious/critical axe-core violations inside the bulk-action parts only (the rest of the
    inbox is checked by its own tests)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        "async (sel) => await axe.run({include: sel.filter(s => document.querySelector(s)).map(s => [s])},"
        " {resultTypes: ['violations']})",
        selectors,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


BULK_PARTS = [
    "#seleccion-bloque",
    "#acciones-bloque",
    "#lista-bandeja",
    "[role=dialog]",
    "[aria-label='Pestañas de la bandeja']",  # the active tab's count badge once failed contrast
]


def _no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_receive_30_cases_at_once_then_derive_two_from_a_phone(app_server, browser):
    base = app_server["base"]
    numbers = seed_cases(
        app_server, N, procedure="DEN-HV", fields={"denunciado": "Candidato Ficticio"}, subject="Denuncia en bloque"
    )
    ctx, page = login(browser, base, "dnfpe")
    expect(page.locator("#pestana-por_recibir")).to_contain_text(str(N))
    expect(page.locator("#total-bandeja")).to_contain_text(f"{N} expediente(s)")
    shot(page, "bulk-1280-por-recibir")

    page.get_by_role("button", name=f"Seleccionar todos los {N} que coinciden con los filtros").click()
    expect(page.locator("#cuenta-seleccion")).to_have_text(f"Seleccionados: los {N} que coinciden con los filtros")
    expect(page.get_by_role("checkbox", name=f"Seleccionar {numbers[0]}")).to_be_checked()
    assert not (found := _axe_on(page, BULK_PARTS)), dump(found)
    page.get_by_role("button", name="Recibir", exact=True).click()

    expect(page.locator("#avance-bloque-texto")).to_have_text(f"Terminado: {N} de {N}", timeout=60000)
    expect(page.locator("#avance-bloque")).to_have_attribute("value", "100")
    results = page.locator("#resultados-bloque li")
    expect(results).to_have_count(N)
    for number in (numbers[0], numbers[14], numbers[-1]):
        expect(results.filter(has_text=re.compile(rf"^{number}: recibido$"))).to_have_count(1)
    expect(results.filter(has_text="no se pudo")).to_have_count(0)
    expect(page.locator("#resumen-bloque")).to_have_text(f"{N} de {N} expediente(s) recibidos.")
    expect(page.locator("#pestana-por_recibir")).to_contain_text("0")
    expect(page.locator("#pestana-en_tramite")).to_contain_text(str(N))
    shot(page, "bulk-1280-recibidos")
    placeholders = ",".join("?" * N)
    rows = db_rows(
        app_server,
        f"SELECT count(*) FROM expediente WHERE awaiting_receipt = ? AND number IN ({placeholders})",
        False,
        *numbers,
    )
    assert rows == [(N,)]
    ctx.close()

    # On a phone: tick two received cases, derive them with the same destination and instructions.
    ctx, page = login(browser, base, "dnfpe", phone=True)
    page.locator("#pestana-en_tramite").click()
    expect(page.locator("#seleccion-bloque")).to_be_visible()
    expect(page.locator("#acciones-bloque")).to_have_count(0)  # no selection, no action bar
    for number in (numbers[0], numbers[9]):  # one near the top, one further down the list
        page.get_by_role("checkbox", name=f"Seleccionar {number}").click()
    expect(page.locator("#cuenta-seleccion")).to_have_text("2 seleccionado(s)")
    # The action bar sticks to the bottom of the screen: reachable without scrolling back up.
    bar = page.locator("#acciones-bloque")
    expect(bar).to_be_in_viewport()
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= 844 + 1 and box["y"] > 500, box
    assert _no_horizontal_scroll(page)
    shot(page, "bulk-390-seleccion")
    _view(page, "bulk-390-seleccion-pantalla")
    page.get_by_role("button", name="Derivar…").click()
    dialog = page.get_by_role("dialog", name="Derivar en bloque")
    expect(dialog).to_contain_text("2 expediente(s) seleccionado(s).")
    assert not (found := _axe_on(page, BULK_PARTS)), dump(found)
    dialog.get_by_role("button", name="Derivar los seleccionados").click()
    expect(page.locator("#bloque-to_unit-error")).to_have_text("Elija la unidad de destino.")
    page.locator("#bloque-to_unit").select_option(label="Secretaría General")
    page.get_by_label("Proveído (instrucciones, el mismo para todos)").fill("Evaluar la denuncia")
    page.locator("#bloque-priority").select_option(label="Urgente")
    _view(page, "bulk-390-dialogo")
    dialog.get_by_role("button", name="Derivar los seleccionados").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#avance-bloque-texto")).to_have_text("Terminado: 2 de 2", timeout=30000)
    expect(page.locator("#resumen-bloque")).to_have_text("2 de 2 expediente(s) derivados.")
    for number in (numbers[0], numbers[9]):
        expect(page.locator("#resultados-bloque li").filter(has_text=f"{number}: derivado")).to_have_count(1)
    assert _no_horizontal_scroll(page)
    _view(page, "bulk-390-derivados")
    assert db_rows(
        app_server,
        "SELECT count(*) FROM expediente e JOIN unit u ON u.id = e.current_unit_id "
        "WHERE u.code = 'SG' AND e.priority = 'urgente' AND e.number IN (?, ?)",
        numbers[0],
        numbers[9],
    ) == [(2,)]
    ctx.close()
