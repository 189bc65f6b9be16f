"""(c) XSS and (e) security headers, against the production build (tests/e2e's ``app_server``)
in Chromium: one server, one browser, many pages.

(c) Every text a citizen or staff member can enter (filer name, address, subject, file name,
notes, derive instructions, observations, drafts, unit / procedure / user names, holiday
reasons) is written with hostile payloads through the domain functions into the server's own
database, then every page that shows it is opened: the payload must be visible AS TEXT,
``window.__xss`` must stay undefined, no dialog may open and no link may carry ``javascript:``.
The PDFs made from those fields (receipt, drafts, summary report) must render them literally.

(e) Every page route, a static asset, every API route and a file download answer with the
security headers (CSP with frame-ancestors 'none', X-Frame-Options DENY, nosniff,
Referrer-Policy, Permissions-Policy).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from sgd_app import db, routes, settings
from sgd_app.components.page import PAGES
from sgd_app.domain import admin, auth, casework, drafting, intake, links, routing
from sgd_app.domain.documents import FileStore
from sgd_app.domain.errors import DomainError
from tests.conftest import make_pdf
from tests.e2e.harness import DEMO_PASSWORD
from tests.e2e.steps import login
from tests.security.snapshot import pdf_text
from tests.security.test_routes import _routes

pytestmark = pytest.mark.e2e

P_SCRIPT = "<script>window.__xss=1</script>"
P_IMG = '<img src=x onerror="window.__xss=1">'
P_SVG = '"><svg onload=window.__xss=1>'
P_JS = "javascript:window.__xss=1"
ALL = f"{P_SCRIPT} {P_IMG} {P_SVG} {P_JS}"


class Seeded:
    """What was written, and which fields took the payloads (a field that refuses them is
    recorded: nothing hostile can reach a page through it)."""

    def __init__(self):
        self.accepted: dict[str, str] = {}  # field -> the text stored
        self.refused: dict[str, str] = {}  # field -> the domain's message
        self.numbers: dict[str, str] = {}
        self.keys: dict[str, str] = {}
        self.ids: dict[str, int] = {}

    def attempt(self, field: str, hostile: dict, plain: dict, fn):
        try:
            out = fn(**hostile)
            self.accepted.update({f"{field}.{k}": v for k, v in hostile.items() if isinstance(v, str) and "__xss" in v})
            return out
        except DomainError as exc:
            self.refused[field] = getattr(exc, "message", str(exc))
            return fn(**plain)


def _who(username: str) -> auth.Principal:
    return auth.resolve(auth.login(username=username, password=DEMO_PASSWORD))


def _db_version(number: str) -> int:
    from sqlmodel import select

    from sgd_app.domain.models import Expediente

    with db.session() as s:
        return s.exec(select(Expediente.version).where(Expediente.number == number)).one()


def _seed() -> Seeded:
    sd = Seeded()
    store = FileStore(settings.files_dir())
    adm, rop, jefe = _who("admin"), _who("rop"), _who("jefe.rop")
    from sqlmodel import select

    from sgd_app.domain.models import Unit

    with db.session() as s:
        rop_unit = s.exec(select(Unit.id).where(Unit.code == "ROP")).one()
        log_unit = s.exec(select(Unit.id).where(Unit.code == "LOG")).one()

    # Admin fields: a unit, a procedure (public: the front desk lists it), a user, a holiday.
    sd.attempt(
        "unit",
        {"name": f"Unidad {P_SVG} {P_SCRIPT}"},
        {"name": "Unidad de prueba XSS"},
        lambda name: admin.create_unit(actor=adm, code="XSS-U", name=name, kind="oficina", parent_id=None),
    )
    sd.attempt(
        "procedure",
        {"name": f"Trámite {P_SCRIPT} {P_IMG}", "description": ALL},
        {"name": "Trámite de prueba XSS", "description": "Descripción"},
        lambda name, description: admin.create_procedure(
            actor=adm,
            code="XSS-T",
            name=name,
            description=description,
            category="administrativo",
            unit_id=rop_unit,
            deadline_days=5,
        ),
    )
    sd.attempt(
        "user",
        {"full_name": f"Usuario {P_IMG}"},
        {"full_name": "Usuario de prueba XSS"},
        lambda full_name: admin.create_user(
            actor=adm,
            username="xss.usuario",
            full_name=full_name,
            email="xss@demo.sgd.pe",
            password="clave-xss-2026-larga",
            memberships=[(rop_unit, "officer")],
        ),
    )
    today = routing.today_lima()
    sd.attempt(
        "holiday",
        {"reason": ALL},
        {"reason": "Feriado de prueba"},
        lambda reason: admin.add_non_working_day(actor=adm, day=today + timedelta(days=200), reason=reason),
    )

    # A filing with hostile filer name, address, subject and file name (CONST-AF goes to ROP).
    def file(name, address, subject, filename, dni="45454545"):
        filer = intake.FilerInput(
            doc_type="DNI",
            doc_number=dni,
            name=name,
            kind="ciudadano",
            email="xss@example.pe",
            phone="987654321",
            address=address,
        )
        return intake.file_case(
            store,
            procedure_code="CONST-AF",
            filer=filer,
            subject=subject,
            files=[intake.IncomingFile(filename, make_pdf(1), "principal")],
        )

    def file_one(tag: str, dni: str):
        return sd.attempt(
            f"filing_{tag}",
            {"name": f"Ana {P_IMG}", "address": ALL, "subject": f"Solicitud {ALL}", "filename": f"{P_IMG}.pdf"},
            {"name": "Ana Prueba", "address": "Jr. Lima 1", "subject": "Solicitud de prueba", "filename": "a.pdf"},
            lambda **kw: file(dni=dni, **kw),
        )

    for tag, dni in (("c1", "45454545"), ("c2", "46464646"), ("c3", "47474747")):
        r = file_one(tag, dni)
        sd.numbers[tag], sd.keys[tag] = r.case.number, r.access_key
        routing.receive(who=rop, number=r.case.number, version=_db_version(r.case.number))
    c1, c2, c3 = sd.numbers["c1"], sd.numbers["c2"], sd.numbers["c3"]
    from sgd_app.domain.models import Document, Expediente

    for tag, number in sd.numbers.items():  # the file name as stored (it may be cleaned up)
        with db.session() as s:
            case_id = s.exec(select(Expediente.id).where(Expediente.number == number)).one()
            stored = s.exec(select(Document.filename).where(Document.expediente_id == case_id)).first()
        if f"filing_{tag}.filename" in sd.accepted:
            sd.accepted[f"filing_{tag}.filename"] = stored if "<" in stored else ""
    # c1 stays in ROP: a note and a draft (sent to the head).
    sd.attempt(
        "note",
        {"text": ALL},
        {"text": "Nota"},
        lambda text: routing.add_note(who=rop, number=c1, version=_db_version(c1), text=text),
    )
    draft = sd.attempt(
        "draft",
        {"subject": f"Informe {P_SCRIPT}", "body": ALL, "recipients": f"Jefatura {P_SVG}"},
        {"subject": "Informe", "body": "Cuerpo", "recipients": "Jefatura"},
        lambda **kw: drafting.create_draft(who=rop, case_number=c1, doc_type="informe", **kw),
    )
    sd.ids["draft"] = draft.id
    from sgd_app.domain import signing

    signing.send_to_sign(who=rop, doc_id=draft.id, version=draft.version, vistos=[], firmante_id=jefe.user.id)
    # c2 goes to Logística with hostile instructions.
    sd.attempt(
        "derive",
        {"instructions": ALL},
        {"instructions": "Atender"},
        lambda instructions: routing.derive(
            who=rop, number=c2, version=_db_version(c2), to_unit_id=log_unit, instructions=instructions
        ),
    )
    # c3 is observed with a hostile observation (the filer sees it in tracking and the casilla).
    sd.attempt(
        "observation",
        {"items": [ALL]},
        {"items": ["Falta un documento"]},
        lambda items: casework.observe(who=rop, number=c3, version=_db_version(c3), items=items),
    )
    if "observation" not in sd.refused:  # a list: recorded by hand
        sd.accepted["observation.items"] = ALL
    return sd


@pytest.fixture(scope="module")
def xss(app_server):
    """The payloads, written into the running server's database and data dir."""
    from sgd_app.domain.signing import config

    saved_dir = settings.DATA_DIR
    eng = db.make_engine(app_server["db_url"])
    db.use_engine(eng)
    settings.DATA_DIR = app_server["data"]
    config.forget_keys()
    try:
        yield _seed()
    finally:
        db.use_engine(None)
        eng.dispose()
        settings.DATA_DIR = saved_dir
        config.forget_keys()


def _guard(page) -> list[str]:
    dialogs: list[str] = []

    def on_dialog(d):
        dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return dialogs


def _check(page, dialogs: list[str], expected: list[str], where: str) -> None:
    body = page.locator("body")
    for text in expected:
        expect(body).to_contain_text(text, timeout=20000)
    page.wait_for_timeout(300)  # an onerror / onload handler runs right after rendering
    assert page.evaluate("typeof window.__xss") == "undefined", f"{where}: a payload ran"
    assert dialogs == [], f"{where}: a dialog opened: {dialogs}"
    bad = page.evaluate(
        "Array.from(document.querySelectorAll('a[href], iframe[src], embed[src], object[data]'))"
        ".map(e => e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('data'))"
        ".filter(h => /^\\s*javascript:/i.test(h))"
    )
    assert bad == [], f"{where}: javascript: link {bad}"
    assert page.locator("svg[onload], img[onerror]").count() == 0, f"{where}: payload became markup"


def _accepted(xss: Seeded, *keys: str) -> list[str]:
    """The hostile texts stored through these fields ("field.parameter"), the ones a page must
    show (a field whose domain function refused the payload has nothing to show)."""
    return [xss.accepted[k] for k in keys if xss.accepted.get(k)]


def test_public_pages_show_payloads_as_text(app_server, browser, xss):
    base = app_server["base"]
    ctx = browser.new_context(locale="es-PE")
    page = ctx.new_page()
    page.set_default_timeout(20000)
    dialogs = _guard(page)
    try:
        page.goto(f"{base}{routes.MESA_DE_PARTES}")
        _check(page, dialogs, _accepted(xss, "procedure.name"), "mesa de partes")
        for path in (routes.HOME, routes.MIRADOR, routes.VERIFICAR, routes.INGRESAR):
            page.goto(f"{base}{path}")
            page.wait_for_load_state("networkidle")
            _check(page, dialogs, [], path)
        for tag in ("c1", "c3"):  # tracking: subject, filer, file name, the observation
            page.goto(f"{base}{routes.SEGUIMIENTO}?numero={xss.numbers[tag]}")
            expect(page.get_by_label("Número de expediente")).to_have_value(xss.numbers[tag])
            page.get_by_label("Clave de acceso").fill(xss.keys[tag])
            page.get_by_role("button", name="Consultar").click()
            expect(page.locator("#resultado-estado")).to_be_visible()
            wanted = _accepted(xss, f"filing_{tag}.subject", f"filing_{tag}.name", f"filing_{tag}.filename")
            if tag == "c3":
                wanted += _accepted(xss, "observation.items")
            _check(page, dialogs, wanted, f"seguimiento {tag}")
        # The casilla of c3's filer: the observation notice.
        page.goto(f"{base}{routes.CASILLA}")
        page.wait_for_load_state("networkidle")
        page.get_by_label("Número de documento").fill("47474747")
        page.get_by_role("button", name="Enviarme un código").click()
        expect(page.locator("#aviso-codigo")).to_be_visible()
        code_mail = app_server["mail"].wait_for(
            lambda m: "código" in m["subject"].lower() and "xss@example.pe" in m["to"]
        )
        code = re.search(r"\b(\d{6})\b", code_mail["body"]).group(1)
        page.get_by_label("Código recibido (6 dígitos)").fill(code)
        page.get_by_role("button", name="Abrir mi casilla").click()
        expect(page.locator("#avisos")).to_contain_text("Observaciones")
        page.locator("#avisos").get_by_text(re.compile("Observaciones")).first.click()
        _check(page, dialogs, _accepted(xss, "observation.items"), "casilla")
    finally:
        ctx.close()


def test_staff_pages_show_payloads_as_text(app_server, browser, xss):
    base = app_server["base"]
    c1, c2 = xss.numbers["c1"], xss.numbers["c2"]
    filing = _accepted(xss, "filing_c1.subject", "filing_c1.name")
    visits = [
        ("rop", routes.BANDEJA, []),
        ("rop", "#pestana-en_tramite", filing),  # the inbox tab holding the received cases
        (
            "rop",
            routes.expediente(c1),
            filing + _accepted(xss, "filing_c1.filename", "note.text", "draft.subject"),
        ),
        ("rop", f"{routes.BUSCAR}?q=Solicitud", []),
        ("rop", routes.REPORTES, []),
        ("logistica", routes.expediente(c2), _accepted(xss, "filing_c2.subject", "derive.instructions")),
        ("jefe.rop", routes.FIRMA, _accepted(xss, "draft.subject")),
        ("jefe.rop", routes.TABLERO, []),
        ("admin", routes.ADMIN, _accepted(xss, "unit.name")),
    ]
    for username in dict.fromkeys(u for u, _p, _e in visits):
        ctx, page = login(browser, base, username)
        dialogs = _guard(page)
        try:
            for who, path, expected in visits:
                if who != username:
                    continue
                if path.startswith("#"):  # a click on the page already open
                    page.locator(path).click()
                else:
                    page.goto(f"{base}{path}")
                    page.wait_for_load_state("networkidle")
                _check(page, dialogs, expected, f"{username} {path}")
            if username == "admin":  # every tab of the admin page
                for tab, key in (
                    ("Usuarios", "user.full_name"),
                    ("Trámites", "procedure.name"),
                    ("Días no laborables", "holiday.reason"),
                ):
                    page.get_by_role("tab", name=tab).click()
                    _check(page, dialogs, _accepted(xss, key), f"admin {tab}")
        finally:
            ctx.close()


def test_pdfs_render_payloads_literally(app_server, xss):
    base = app_server["base"]
    c1 = xss.numbers["c1"]
    receipt = urllib.request.urlopen(f"{base}{links.download_url(c1)}", timeout=30).read()
    text = pdf_text(receipt)
    if "filing_c1" not in xss.refused:
        assert "<script>window.__xss=1</script>" in text.replace("\n", " "), text[:800]
    token = auth.login(username="rop", password=DEMO_PASSWORD)
    req = urllib.request.Request(
        f"{base}/api/v1/borradores/{xss.ids['draft']}.pdf", headers={"Cookie": f"{settings.SESSION_COOKIE}={token}"}
    )
    draft = pdf_text(urllib.request.urlopen(req, timeout=30).read()).replace("\n", " ")
    if "draft" not in xss.refused:
        assert P_SCRIPT in draft and P_SVG in draft, draft[:800]
    req = urllib.request.Request(
        f"{base}/api/v1/reportes/resumen.pdf", headers={"Cookie": f"{settings.SESSION_COOKIE}={token}"}
    )
    summary = urllib.request.urlopen(req, timeout=60).read()
    assert summary[:4] == b"%PDF"
    pdf_text(summary)  # renders and reads back


def test_which_fields_took_the_payloads(xss):
    """The record of the run: a field refusing hostile text is fine, but must say so in Spanish."""
    assert "filing_c1" not in xss.refused, xss.refused  # the main citizen fields carry the payloads
    for field, message in xss.refused.items():
        assert (message and not message.isascii()) or " " in message, (field, message)


# ---------------------------------------------------------------- (e) headers
HEADERS = {
    "content-security-policy": lambda v: "frame-ancestors 'none'" in v and "default-src 'self'" in v,
    "x-frame-options": lambda v: v.upper() == "DENY",
    "x-content-type-options": lambda v: v.lower() == "nosniff",
    "referrer-policy": lambda v: v.lower() == "strict-origin-when-cross-origin",
    "permissions-policy": lambda v: bool(v.strip()),
}


def _fetch(url: str, method: str = "GET", cookie: str = ""):
    req = urllib.request.Request(url, method=method, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}


def _targets(xss: Seeded) -> list[tuple[str, str]]:
    c1 = xss.numbers["c1"]
    # Reflex's "404" route is the page of every unknown address: asked for by one.
    out = [("GET", "/pagina-que-no-existe" if p.route == "404" else p.route.replace("[numero]", c1)) for p in PAGES]
    out.append(("GET", "/favicon.ico"))  # a static asset
    values = {"number": c1, "document_id": "1", "doc_id": str(xss.ids["draft"]), "notice_id": "1", "code": "0" * 32}
    values["token"] = "0" * 32
    values["inventory_id"] = "1"  # an archive inventory (answers 404 for none: the headers still count)
    values["cuo"] = "20131378972-2026-00000001"  # an exchange's CUO
    for r in _routes():
        path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], r.path)
        for method in sorted(r.methods - {"HEAD"}):
            out.append((method, path))
    out.append(("GET", links.download_url(c1)))  # a file download (the receipt PDF)
    return sorted(set(out))


# A PDF may be framed by our own pages only (the PDF viewers of the case and signing pages):
# frame-ancestors 'self' / SAMEORIGIN, never another site (sgd_app/api/headers.py).
PDF_HEADERS = {
    **HEADERS,
    "content-security-policy": lambda v: "frame-ancestors 'self'" in v and "default-src 'self'" in v,
    "x-frame-options": lambda v: v.upper() == "SAMEORIGIN",
}
# A subresource (script, stylesheet, font, image): the lean set of sgd_app/api/headers.py.
LEAN_HEADERS = {
    "content-security-policy": lambda v: v == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "x-content-type-options": lambda v: v.lower() == "nosniff",
    "permissions-policy": lambda v: v == "",
    "x-frame-options": lambda v: v == "",
}


def _rules(content_type: str) -> dict:
    if content_type.startswith("application/pdf"):
        return PDF_HEADERS
    if content_type.startswith(("text/javascript", "application/javascript", "text/css", "font/", "image/")):
        return LEAN_HEADERS
    return HEADERS


def test_security_headers_on_every_route(app_server, xss):
    base = app_server["base"]
    missing = []
    for method, path in _targets(xss):
        status, headers = _fetch(f"{base}{path}", method)
        rules = _rules(headers.get("content-type", ""))
        bad = [h for h, ok in rules.items() if not ok(headers.get(h, ""))]
        if bad:
            missing.append(f"{method} {path} ({status}): {', '.join(bad)}")
    assert not missing, "security headers missing or wrong:\n" + "\n".join(missing)
