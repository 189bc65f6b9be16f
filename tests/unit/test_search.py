"""Search: one box over number, filer, subject and document text; accents and ñ; the permission
scope on hits, counts and snippets; exact jumps (case number, DNI); filters; ranking and the
newest-first answer for common words; the index following routing and re-digitisation.
Runs on SQLite and, when SGD_TEST_DATABASE_URL is set, on PostgreSQL too."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlmodel import select

from sgd_app import db, schema
from sgd_app.domain import filters, intake, routing, search
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Document, DocumentText, Expediente
from sgd_app.domain.search import SearchFilters, limits
from sgd_app.domain.search import schema as search_schema
from tests.conftest import make_pdf, principal, unit_by_code

TEXT_A = (
    "RESOLUCIÓN N.° 0012-2026-ROP/JNE. Vista la solicitud del señor José Núñez Ccori sobre su "
    "afiliación a la organización política, se declara fundado el pedido."
)
TEXT_B = (
    "Se solicita la suspensión de la cobranza coactiva de la multa electoral. Resolución de "
    "ejecución coactiva N.° 5521, emitida por error."
)
TEXT_D = "Denuncia confidencial sobre la hoja de vida: resolución pendiente, testigo zanahoria."


def _file(
    engine,
    store,
    code,
    subject,
    *,
    dni="45678912",
    name="Rosa Ñahui Quispe",
    fields=None,
    channel="virtual",
    by=None,
    index=True,
):
    with db.write_session(engine) as s:
        case = intake.file_case(
            s,
            store,
            procedure_code=code,
            channel=channel,
            registered_by_id=by,
            filer=intake.FilerInput(
                doc_type="DNI", doc_number=dni, name=name, kind="ciudadano", email="rosa@example.pe", phone="987654321"
            ),
            subject=subject,
            fields=fields or {},
            files=[intake.IncomingFile("solicitud.pdf", make_pdf(), "principal")],
        ).case
        if index:
            search.index_case(s, case.id)
        return case.number


def _doc_of(s, number) -> Document:
    case = s.exec(select(Expediente).where(Expediente.number == number)).one()
    return s.exec(select(Document).where(Document.expediente_id == case.id).order_by(Document.id)).first()


def _write_text(engine, number, body, *, index=True):
    """What the digitisation worker does: write (or rewrite) the document's text, then index it."""
    with db.write_session(engine) as s:
        doc = _doc_of(s, number)
        row = s.get(DocumentText, doc.id)
        if row is None:
            row = DocumentText(document_id=doc.id, expediente_id=doc.expediente_id, method="texto", text=body)
        else:
            row.text = body
        s.add(row)
        s.flush()
        if index:
            search.index_document(s, doc.id)
        return doc.id


def _act(engine, fn, who, number, **kw):
    with db.session(engine) as s:
        version = s.exec(select(Expediente.version).where(Expediente.number == number)).one()
    with db.write_session(engine) as s:
        fn(s, who=who, number=number, version=version, **kw)
        search.index_case(s, s.exec(select(Expediente.id).where(Expediente.number == number)).one())


def _find(engine, who, q, filters=SearchFilters(), **kw):
    with db.session(engine) as s:
        return search.search(s, who, q, filters, **kw)


def _numbers(result) -> set[str]:
    return {h.number for h in result.hits}


def _integrity(engine):
    """SQLite: FTS5 checks its index against the content (a wrong 'delete' would show here)."""
    if db.is_sqlite(engine):
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO search_fts(search_fts, rank) VALUES('integrity-check', 1)")


@pytest.fixture
def world(seeded, store):
    """A, C: two cases of the same filer at ROP; B: Tesorería's, derived on to Logística; D: a
    denuncia at DNFPE with a word nobody else has."""
    e = seeded
    who = {u: principal(e, u) for u in ("rop", "tesoreria", "logistica", "dnfpe", "gerente")}
    a = _file(e, store, "CONST-AF", "Constancia de afiliación")
    b = _file(
        e,
        store,
        "SUSP-MUL",
        "Suspensión de cobranza",
        dni="40123456",
        name="Martín Peña Ugarte",
        fields={"multa": "M-2026-77"},
    )
    c = _file(e, store, "CONST-AF", "Otra constancia para el trámite", channel="presencial", by=who["rop"].user.id)
    d = _file(
        e,
        store,
        "DEN-HV",
        "Denuncia sobre hoja de vida",
        dni="47001122",
        name="Ana Ríos",
        fields={"denunciado": "Juan Pérez"},
    )
    _write_text(e, a, TEXT_A)
    _write_text(e, b, TEXT_B)
    _write_text(e, d, TEXT_D)
    _act(e, routing.receive, who["tesoreria"], b)
    _act(e, routing.derive, who["tesoreria"], b, to_unit_id=unit_by_code(e, "LOG").id, instructions="Informe")
    return {"engine": e, "a": a, "b": b, "c": c, "d": d, **who}


# ---------------------------------------------------------------- words, accents, ñ
def test_accents_and_enye_are_folded_both_ways(world):
    e, rop = world["engine"], world["rop"]
    for q in ("resolucion", "RESOLUCIÓN", "resolución", "Resolucion"):
        assert _numbers(_find(e, rop, q)) == {world["a"]}, q
    r = _find(e, rop, "nunez")
    assert _numbers(r) == {world["a"]} and r.total == 1
    assert ("Núñez", True) in r.hits[0].snippet
    # The filer's name is indexed with the case: "nahui" finds "Ñahui" (both cases of the filer).
    assert _numbers(_find(e, rop, "nahui")) == {world["a"], world["c"]}
    assert _numbers(_find(e, rop, "Ñahui Quispe")) == {world["a"], world["c"]}
    # Simple plurals: "resoluciones" finds "resolución", "constancias" finds "constancia".
    assert _numbers(_find(e, rop, "resoluciones")) == {world["a"]}
    assert _numbers(_find(e, rop, "constancias")) == {world["a"], world["c"]}
    # Every word must be there (AND): none of ROP's cases has both.
    assert _find(e, rop, "resolucion zanahoria").total == 0


def test_hit_fields_and_snippet_segments(world):
    e = world["engine"]
    r = _find(e, world["rop"], "afiliacion fundado")
    assert r.total == 1 and r.order == "relevancia" and r.jump_to is None
    hit = r.hits[0]
    assert (hit.number, hit.subject, hit.filer) == (world["a"], "Constancia de afiliación", "Rosa Ñahui Quispe")
    assert hit.unit == "Registro de Organizaciones Políticas" and hit.status == "registrado"
    assert hit.status_label == "Registrado" and isinstance(hit.filed_on, date)
    assert hit.found_in == "Documento principal"  # the label of the document the snippet comes from
    marked = [t for t, m in hit.snippet if m]
    assert "afiliación" in marked and "fundado" in marked
    assert all(isinstance(t, str) and isinstance(m, bool) for t, m in hit.snippet)
    assert "Núñez" in hit.snippet_text


def test_snippet_is_plain_text_never_markup(world):
    e = world["engine"]
    _write_text(e, world["c"], "Anexo <script>alert('x')</script> con la palabra \x02clave\x03 y <b>negrita</b>.")
    hit = _find(e, world["rop"], "clave").hits[0]
    assert hit.number == world["c"]
    assert ("clave", True) in hit.snippet
    # Plain text segments: the page escapes them. SQLite keeps the characters as they are;
    # PostgreSQL's ts_headline drops what its parser takes for tags. Never new markup.
    assert "alert('x')" in hit.snippet_text and "negrita" in hit.snippet_text
    if db.is_sqlite(e):
        assert "<script>alert('x')</script>" in hit.snippet_text
    assert all("\x02" not in t and "\x03" not in t for t, _ in hit.snippet)
    assert [t for t, m in hit.snippet if m] == ["clave"]


def test_phrase_prefix_and_case_data(world):
    e, log = world["engine"], world["logistica"]
    assert _numbers(_find(e, log, '"cobranza coactiva"')) == {world["b"]}
    assert _find(e, log, '"coactiva cobranza"').total == 0
    assert _numbers(_find(e, log, "coact*")) == {world["b"]}
    assert _numbers(_find(e, log, "M-2026-77")) == {world["b"]}  # a field of the case
    assert _numbers(_find(e, log, "pena ugarte")) == {world["b"]}  # filer "Peña Ugarte"
    assert _numbers(_find(e, world["rop"], "de la constancia")) == {world["a"], world["c"]}  # stop words left out


# ---------------------------------------------------------------- permission
def test_results_counts_and_snippets_only_from_visible_cases(world):
    e = world["engine"]
    # "resolución" is in A (ROP), B (now Logística) and D (DNFPE).
    assert _numbers(_find(e, world["rop"], "resolucion")) == {world["a"]}
    r = _find(e, world["logistica"], "resolucion")
    assert _numbers(r) == {world["b"]} and r.total == 1
    assert "zanahoria" not in r.hits[0].snippet_text and "Núñez" not in r.hits[0].snippet_text
    assert _numbers(_find(e, world["dnfpe"], "resolucion")) == {world["d"]}
    # D's own word: nothing, not even a count, for anybody outside DNFPE.
    for user in ("rop", "logistica", "tesoreria", "gerente"):
        r = _find(e, world[user], "zanahoria")
        assert (r.total, r.hits, r.jump_to) == (0, (), None), user
    assert _find(e, world["dnfpe"], "zanahoria").total == 1
    # Tesorería handed B on to Logística: still in Tesorería's results (it passed through), now at Logística.
    r = _find(e, world["tesoreria"], "cobranza")
    assert _numbers(r) == {world["b"]} and r.total == 1 and r.hits[0].unit == "Logística"
    # The DGRS manager sees the units below (Logística, Tesorería...).
    assert _numbers(_find(e, world["gerente"], "cobranza")) == {world["b"]}
    # A unit filter outside the user's scope gives nothing.
    dnfpe = unit_by_code(e, "DNFPE").id
    assert _find(e, world["rop"], "resolucion", SearchFilters(unit_id=dnfpe)).total == 0


def test_the_scope_follows_a_move_even_without_reindexing(world):
    """Whoever moves a case (here a bare UPDATE, no movement, no index_case), the new unit sees it
    in the same transaction — hits, count, jump — and the old one keeps it (it was there); a unit
    it never was in does not."""
    e, rop = world["engine"], world["rop"]
    with db.write_session(e) as s:
        s.execute(
            update(Expediente)
            .where(Expediente.number == world["a"])
            .values(current_unit_id=unit_by_code(e, "DNFPE").id)
        )
        r = search.search(s, world["dnfpe"], "nunez")  # before the commit, in the moving transaction
        assert _numbers(r) == {world["a"]} and r.total == 1
    assert _numbers(_find(e, rop, "nunez")) == {world["a"]}
    assert _find(e, rop, world["a"]).jump_to == world["a"]
    assert _numbers(_find(e, world["dnfpe"], "nunez")) == {world["a"]}
    assert _find(e, world["dnfpe"], world["a"]).jump_to == world["a"]
    r = _find(e, world["logistica"], "nunez")
    assert (r.total, r.hits) == (0, ())
    _integrity(e)


def test_index_follows_the_case_to_its_new_unit(world):
    e = world["engine"]
    dnfpe_user = world["dnfpe"]
    _act(e, routing.receive, world["rop"], world["a"])
    _act(e, routing.derive, world["rop"], world["a"], to_unit_id=unit_by_code(e, "DNFPE").id)
    assert _numbers(_find(e, world["rop"], "nunez")) == {world["a"]}  # it passed through ROP
    assert _numbers(_find(e, dnfpe_user, "nunez")) == {world["a"]}
    assert _numbers(_find(e, dnfpe_user, "resolucion")) == {world["a"], world["d"]}
    _integrity(e)


# ---------------------------------------------------------------- exact jumps
def test_exact_case_number_jumps_when_visible(world):
    e, rop = world["engine"], world["rop"]
    a = world["a"]
    r = _find(e, rop, a)
    assert r.jump_to == a and r.order == "exacto" and _numbers(r) == {a} and r.total == 1
    year, seq = a.split("-")[1], int(a.split("-")[2])
    assert _find(e, rop, f"{year}-{seq}").jump_to == a  # short form
    assert _find(e, rop, f"exp {year} {seq:07d}").jump_to == a
    r = _find(e, world["logistica"], a)  # not theirs: no jump, no hit, no count
    assert (r.jump_to, r.total, r.hits) == (None, 0, ())


def test_document_number_jumps_only_to_a_single_visible_case(world):
    e = world["engine"]
    r = _find(e, world["rop"], "45678912")  # A and C: a list, no jump
    assert r.jump_to is None and _numbers(r) == {world["a"], world["c"]} and r.total == 2
    r = _find(e, world["logistica"], "40123456")
    assert r.jump_to == world["b"] and r.total == 1
    r = _find(e, world["rop"], "40123456")  # B's filer, but B is not ROP's
    assert (r.jump_to, r.total, r.hits) == (None, 0, ())
    # Filters narrow a DNI's cases; one left -> jump.
    r = _find(e, world["rop"], "45678912", SearchFilters(channel="presencial"))
    assert r.jump_to == world["c"]


# ---------------------------------------------------------------- filters
def test_filters(world):
    e, rop = world["engine"], world["rop"]
    both = {world["a"], world["c"]}
    assert _numbers(_find(e, rop, "constancia")) == both
    assert _numbers(_find(e, rop, "constancia", SearchFilters(channel="presencial"))) == {world["c"]}
    assert _numbers(_find(e, rop, "constancia", SearchFilters(channel="virtual"))) == {world["a"]}
    rop_unit = unit_by_code(e, "ROP").id
    assert _numbers(_find(e, rop, "constancia", SearchFilters(unit_id=rop_unit))) == both
    with db.session(e) as s:
        proc = s.exec(select(Expediente.procedure_id).where(Expediente.number == world["a"])).one()
    assert _numbers(_find(e, rop, "constancia", SearchFilters(procedure_id=proc))) == both
    assert _find(e, rop, "constancia", SearchFilters(procedure_id=proc + 100)).total == 0
    with db.write_session(e) as s:
        s.execute(
            update(Expediente)
            .where(Expediente.number == world["c"])
            .values(status="atendido", priority="urgente", filed_on=date(2026, 3, 2))
        )
        s.execute(update(Expediente).where(Expediente.number == world["a"]).values(filed_on=date(2026, 3, 9)))
    assert _numbers(_find(e, rop, "constancia", SearchFilters(status="atendido"))) == {world["c"]}
    assert _numbers(_find(e, rop, "constancia", SearchFilters(priority="urgente"))) == {world["c"]}
    assert _numbers(_find(e, rop, "constancia", SearchFilters(date_from=date(2026, 3, 5)))) == {world["a"]}
    assert _numbers(_find(e, rop, "constancia", SearchFilters(date_to=date(2026, 3, 5)))) == {world["c"]}
    assert _find(e, rop, "constancia", SearchFilters(date_from=date(2026, 3, 3), date_to=date(2026, 3, 8))).total == 0


def test_parse_filters_in_spanish():
    f = search.parse_filters(
        {
            "unit_id": "3",
            "procedure_id": "",
            "status": "en_tramite",
            "channel": "virtual",
            "priority": "urgente",
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
        }
    )
    assert f == SearchFilters(
        unit_id=3,
        status="en_tramite",
        channel="virtual",
        priority="urgente",
        date_from=date(2026, 3, 1),
        date_to=date(2026, 3, 31),
    )
    assert search.parse_filters(f.as_query()) == f
    for params, field, fragment in (
        ({"date_from": "01/03/2026"}, "date_from", "AAAA-MM-DD"),
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "date_to", "anterior"),
        ({"status": "borrado"}, "status", "estado"),
        ({"channel": "fax"}, "channel", "canal"),
        ({"priority": "altísima"}, "priority", "prioridad"),
        ({"unit_id": "1; drop"}, "unit_id", "unidad"),
    ):
        with pytest.raises(InvalidInput) as err:
            search.parse_filters(params)
        assert err.value.field == field and fragment in err.value.message


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "q, fragment",
    [
        ("", "Escriba qué buscar"),
        ("   ", "Escriba qué buscar"),
        ("x" * 201, "demasiado larga"),
        ("re*", "al menos 3 letras"),
        ("¡¿?! ... --", "signos de puntuación"),
        ("*", "signos de puntuación"),
        ("de la", "demasiado comunes"),
        (" ".join(f"palabra{i}" for i in range(13)), "como máximo"),
    ],
)
def test_bad_input_is_refused_in_spanish(world, q, fragment):
    with pytest.raises(InvalidInput) as err:
        _find(world["engine"], world["rop"], q)
    assert err.value.field == "q" and fragment in err.value.message


def test_query_parsing():
    p = search.parse_query('Resolución  "cobranza coactiva"  resol* EXP-2026-12 de')
    assert [t.words for t in p.terms] == [("resolucion",), ("cobranza", "coactiva"), ("resol",), ("exp", "2026", "12")]
    assert [t.prefix for t in p.terms] == [False, False, True, False]
    assert search.parse_query("2026-123").case_number == "EXP-2026-000123"
    assert search.parse_query("45678912").doc_number == "45678912"
    assert search.parse_query("20100047218").doc_number == "20100047218"
    assert search.parse_query("4567891").doc_number is None
    assert search.word_variants("resolucion") == ("resolucion", "resoluciones")
    assert search.word_variants("resoluciones") == ("resoluciones", "resolucion", "resolucione")
    assert search.word_variants("constancias") == ("constancias", "constancia")


def test_prefix_queries_are_stopped_at_the_time_limit(world, monkeypatch):
    e, rop = world["engine"], world["rop"]
    # A long text full of words with the prefix: the snippet work alone takes well over 1 ms.
    _write_text(e, world["c"], " ".join(f"resolvimos{i} resolutivo" for i in range(30_000)))
    assert _numbers(_find(e, rop, "resol*")) == {world["a"], world["c"]}
    monkeypatch.setattr(limits, "PREFIX_TIME_LIMIT_S", 0.001)
    monkeypatch.setattr(limits, "PROGRESS_EVERY", 1)
    with db.session(e) as s:
        with pytest.raises(InvalidInput) as err:
            search.search(s, rop, "resol*")
        assert err.value.field == "q" and "escriba más letras" in err.value.message
        # The session is still usable and no time limit is left behind.
        assert _numbers(search.search(s, rop, "resolucion")) == {world["a"]}
        if not db.is_sqlite(e):
            assert s.execute(text("SELECT current_setting('statement_timeout')")).scalar() == "0"
    assert _numbers(_find(e, rop, "afiliacion")) == {world["a"]}  # words without * have no limit


# ---------------------------------------------------------------- index maintenance
def test_redigitised_text_replaces_the_old_one(world):
    e, dnfpe = world["engine"], world["dnfpe"]
    _write_text(e, world["d"], "Texto leído otra vez por OCR: aparece el término berenjena.")
    assert _find(e, dnfpe, "zanahoria").total == 0
    assert _numbers(_find(e, dnfpe, "berenjena")) == {world["d"]}
    _integrity(e)
    with db.write_session(e) as s:  # the text is removed: the document leaves the index
        doc = _doc_of(s, world["d"])
        s.delete(s.get(DocumentText, doc.id))
        s.flush()
        search.index_document(s, doc.id)
    assert _find(e, dnfpe, "berenjena").total == 0
    assert _numbers(_find(e, dnfpe, "denuncia")) == {world["d"]}  # the case itself stays
    _integrity(e)


def test_index_calls_are_idempotent_and_rebuild_gives_the_same_answers(world):
    e, rop = world["engine"], world["rop"]
    before = [_find(e, rop, q) for q in ("resolucion", "nahui", "constancia")]
    with db.write_session(e) as s:
        for number in (world["a"], world["b"], world["c"]):
            cid = s.exec(select(Expediente.id).where(Expediente.number == number)).one()
            search.index_case(s, cid)
            search.index_case(s, cid)
        doc = _doc_of(s, world["a"])
        search.index_document(s, doc.id)
        search.index_document(s, doc.id)
    _integrity(e)
    with e.begin() as conn:
        n = conn.execute(text("SELECT count(*) FROM search_entry")).scalar()
    assert n == 4 + 3  # four cases, three documents with text
    assert search.rebuild(e) == 7
    _integrity(e)
    after = [_find(e, rop, q) for q in ("resolucion", "nahui", "constancia")]
    assert [(_numbers(r), r.total) for r in after] == [(_numbers(r), r.total) for r in before]


def test_case_filed_before_its_index_call_is_picked_up_by_index_case(world, store):
    e = world["engine"]
    n = _file(e, store, "CONST-AF", "Pedido sin indexar", index=False)
    _write_text(e, n, "Texto con la palabra murciélago.", index=False)
    assert _find(e, world["rop"], "murcielago").total == 0
    with db.write_session(e) as s:
        search.index_case(s, s.exec(select(Expediente.id).where(Expediente.number == n)).one())
    assert _numbers(_find(e, world["rop"], "murcielago")) == {n}  # the case and its documents
    assert _numbers(_find(e, world["rop"], "pedido indexar")) == {n}
    _integrity(e)


def test_schema_is_idempotent_and_indexes_existing_cases(world):
    e = world["engine"]
    schema.create_all(e)  # every start runs it again
    assert _numbers(_find(e, world["rop"], "nunez")) == {world["a"]}
    # A database that had cases before search existed gets them indexed when the index is created.
    with e.begin() as conn:
        if db.is_sqlite(e):
            for name in search_schema.SQLITE_TRIGGERS:
                conn.exec_driver_sql(f"DROP TRIGGER {name}")
            conn.exec_driver_sql("DROP TABLE search_fts")
            conn.exec_driver_sql("DROP VIEW search_content")
        conn.exec_driver_sql("DROP TABLE search_entry")
    schema.create_all(e)
    assert _numbers(_find(e, world["rop"], "nunez")) == {world["a"]}
    _integrity(e)


# ---------------------------------------------------------------- ranking, paging, common words
def test_ranking_prefers_case_data_then_more_matches(world, store):
    e, rop = world["engine"], world["rop"]
    weak = _file(e, store, "CONST-AF", "Pedido de constancia")
    _write_text(e, weak, "Texto largo " + "sin relación " * 40 + "con una sola mención de gaviota al final.")
    strong = _file(e, store, "CONST-AF", "Gaviota: constancia urgente")
    r = _find(e, rop, "gaviota")
    assert [h.number for h in r.hits] == [strong, weak] and r.order == "relevancia"


@pytest.mark.parametrize("small", [2500, 2])  # SQLite: all ranked in one pass, or counted on
def test_paging_and_the_newest_first_answer_for_common_words(world, store, monkeypatch, small):
    e, rop = world["engine"], world["rop"]
    monkeypatch.setattr(limits, "SMALL", small)
    numbers = [_file(e, store, "CONST-AF", f"Solicitud número {i} de la golondrina") for i in range(7)]
    r0 = _find(e, rop, "golondrina", page_size=3)
    r1 = _find(e, rop, "golondrina", page=1, page_size=3)
    r2 = _find(e, rop, "golondrina", page=2, page_size=3)
    assert (r0.total, r0.has_next, r2.has_next, r0.pages) == (7, True, False, 3)
    assert len(r0.hits) == 3 and len(r1.hits) == 3 and len(r2.hits) == 1
    assert _numbers(r0) | _numbers(r1) | _numbers(r2) == set(numbers)
    assert r0.total_label == "7 resultados"
    # Over RANK_MAX matching cases: newest first; over COUNT_CAP: "más de ...".
    monkeypatch.setattr(limits, "RANK_MAX", 3)
    r = _find(e, rop, "golondrina", page_size=4)
    assert r.order == "recientes" and [h.number for h in r.hits] == numbers[::-1][:4]
    r = _find(e, rop, "golondrina", page=1, page_size=4)
    assert [h.number for h in r.hits] == numbers[::-1][4:]
    monkeypatch.setattr(limits, "COUNT_CAP", 5)
    r = _find(e, rop, "golondrina", page_size=4)
    assert (r.total, r.total_capped, r.total_label) == (5, True, "más de 5 resultados")
    assert [h.number for h in r.hits] == numbers[::-1][:4]
    r = _find(e, rop, "golondrina", page=1, page_size=4)
    assert [h.number for h in r.hits] == numbers[::-1][4:]
    assert r.order_label.startswith("Muchas coincidencias")


def test_domain_package_has_no_reflex_import():
    for path in Path(search.__file__).parent.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "import reflex" not in source and "from reflex" not in source, path.name


def test_search_and_its_choices_open_their_own_read_session(world):
    e, rop = world["engine"], world["rop"]
    assert _numbers(search.search(rop, "nunez", engine=e)) == {world["a"]}
    units, procedures = search.filter_options(rop, engine=e)
    with db.session(e) as s:
        assert (units, procedures) == (filters.visible_units(s, rop), filters.procedures(s))
    assert units and procedures


def test_the_schema_of_each_dialect_runs_again_without_change(world):
    e = world["engine"]
    create = search_schema.create_sqlite if db.is_sqlite(e) else search_schema.create_pg
    with db.write_session(e) as s:
        assert create(s.connection()) is False  # everything is there already: nothing new
    assert _numbers(_find(e, world["rop"], "nunez")) == {world["a"]}
    _integrity(e)
