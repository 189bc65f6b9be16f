"""Search at scale (a separate target: ``python -m bench.search [N_DOCS]``; ``make bench`` stays fast).

Generates a corpus of N documents (default 1 000 000; ``BENCH_SEARCH_DOCS`` or the first argument)
of ~2 KB of Spanish-like text — a Zipf-distributed vocabulary of real administrative words and
generated ones, with accents and ñ, a few very common words — attached to cases (2.5 documents per
case) spread evenly over the institution's units (40 % of them derived there from another unit, which
keeps seeing them), in its own SQLite file under a temporary
directory (``BENCH_SEARCH_DIR``), never the app's database. Then builds the index with
``search.rebuild`` and times ``search.search`` — the function the page and the API call — as the
officer of one unit ("rop", whose unit holds ~1/11 of the documents):

* ``search_typical_p95_ms``: 1-3 ordinary words (each in fewer than ~9 % of the documents) taken
  from a document of the unit, half of them typed without accents, with the unit filter;
* ``search_common_p95_ms``: one very common word (answered newest-first, count capped);
* ``search_exact_p95_ms``: a case number or a filer's DNI;
* ``search_prefix_p95_ms``: a 3-5 letter prefix (``resol*``), stopped at 1 s (the number stopped is
  printed too).

``BENCH_SEARCH_DB=/path/file.db`` keeps the generated database there and reuses it on the next run
(generation and build are then skipped and their figures come from the first run).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, select

from bench.common import p95
from sgd_app import db, schema, seed
from sgd_app.domain import auth, search
from sgd_app.domain.errors import InvalidInput
from sgd_app.domain.models import Procedure, Unit

DEFAULT_DOCS = 1_000_000
SEED = 11
ORDINARY_FROM_RANK = 300  # words of rank >= 300 are each in fewer than ~9 % of the documents
RUNS = int(os.environ.get("BENCH_SEARCH_RUNS", "200"))
PASSWORD = "bench-password-123"

STOP = [
    "de",
    "la",
    "que",
    "el",
    "en",
    "y",
    "a",
    "los",
    "del",
    "se",
    "las",
    "por",
    "un",
    "para",
    "con",
    "no",
    "una",
    "su",
    "al",
    "lo",
    "como",
    "más",
    "o",
    "sobre",
    "este",
    "ha",
    "entre",
    "sin",
    "sus",
    "le",
]
COMMON = [
    "expediente",
    "solicitud",
    "resolución",
    "señor",
    "documento",
    "trámite",
    "información",
    "presente",
    "unidad",
    "plazo",
    "oficina",
    "electoral",
    "organización",
    "política",
    "nacional",
    "jurado",
]
WORDS = [
    "afiliación",
    "renuncia",
    "constancia",
    "certificado",
    "apelación",
    "denuncia",
    "candidato",
    "candidata",
    "elecciones",
    "proceso",
    "padrón",
    "inscripción",
    "comité",
    "partido",
    "movimiento",
    "regional",
    "provincial",
    "distrital",
    "alcalde",
    "regidor",
    "gobernador",
    "consejero",
    "congresista",
    "presidente",
    "vicepresidente",
    "declaración",
    "jurada",
    "hoja",
    "vida",
    "sentencia",
    "fallo",
    "recurso",
    "nulidad",
    "tacha",
    "exclusión",
    "improcedente",
    "fundado",
    "infundado",
    "admisible",
    "inadmisible",
    "subsanación",
    "observación",
    "notificación",
    "casilla",
    "cargo",
    "folio",
    "anexo",
    "informe",
    "memorando",
    "oficio",
    "carta",
    "decreto",
    "acuerdo",
    "acta",
    "sesión",
    "pleno",
    "secretaría",
    "general",
    "dirección",
    "gerencia",
    "logística",
    "tesorería",
    "contabilidad",
    "recursos",
    "humanos",
    "presupuesto",
    "contratación",
    "adquisición",
    "servicio",
    "bienes",
    "orden",
    "compra",
    "pago",
    "multa",
    "cobranza",
    "coactiva",
    "ejecución",
    "suspensión",
    "fraccionamiento",
    "devolución",
    "reembolso",
    "viáticos",
    "planilla",
    "vacaciones",
    "licencia",
    "capacitación",
    "escuela",
    "curso",
    "programa",
    "nota",
    "estudios",
    "diploma",
    "encuestadora",
    "encuesta",
    "publicación",
    "difusión",
    "propaganda",
    "fiscalización",
    "monitoreo",
    "verificación",
    "supervisión",
    "auditoría",
    "control",
    "transparencia",
    "acceso",
    "ciudadano",
    "ciudadana",
    "administrado",
    "administrada",
    "representante",
    "apoderado",
    "abogado",
    "defensa",
    "plazo",
    "vencimiento",
    "prórroga",
    "ampliación",
    "archivo",
    "acumulación",
    "derivación",
    "proveído",
    "atención",
    "urgente",
    "prioridad",
    "Cusco",
    "Lima",
    "Arequipa",
    "Puno",
    "Piura",
    "Junín",
    "Áncash",
    "Huánuco",
    "Cajamarca",
    "Ayacucho",
    "Apurímac",
    "Ucayali",
    "Loreto",
    "Tumbes",
    "Moquegua",
    "Tacna",
    "Pasco",
    "Huancavelica",
    "Amazonas",
    "Madre",
    "Dios",
    "Lambayeque",
    "Libertad",
    "Ica",
    "Callao",
    "Núñez",
    "Peña",
    "Ñahui",
    "Muñoz",
    "Ibáñez",
    "Quispe",
    "Mamani",
    "Huamán",
    "Condori",
    "Chávez",
    "Gutiérrez",
    "León",
    "Ríos",
    "Pérez",
    "Gómez",
    "Rodríguez",
    "Fernández",
    "Martínez",
    "Sánchez",
    "Ramírez",
    "Vásquez",
    "Jiménez",
    "Domínguez",
    "Hernández",
    "Álvarez",
    "Díaz",
    "Suárez",
    "Mendoza",
    "Córdova",
    "Ccori",
    "Huallpa",
    "Ticona",
    "año",
    "niño",
    "niña",
    "compañía",
    "señal",
    "diseño",
    "sueño",
    "montaña",
    "enseñanza",
    "pequeño",
    "dueño",
    "daño",
    "baño",
    "otoño",
    "cumpleaños",
    "órgano",
    "código",
    "público",
    "pública",
    "órden",
    "jurídico",
    "técnico",
    "económico",
    "análisis",
    "síntesis",
    "régimen",
    "depósito",
    "título",
    "capítulo",
    "artículo",
    "párrafo",
    "inciso",
    "numeral",
    "literal",
    "vigésimo",
    "décimo",
    "último",
    "único",
    "válido",
    "válida",
]
SYLLABLES = [
    "ba",
    "be",
    "ca",
    "co",
    "da",
    "de",
    "fa",
    "ga",
    "go",
    "la",
    "le",
    "li",
    "lo",
    "ma",
    "me",
    "mi",
    "mo",
    "na",
    "ne",
    "no",
    "pa",
    "pe",
    "po",
    "ra",
    "re",
    "ri",
    "ro",
    "sa",
    "se",
    "si",
    "so",
    "ta",
    "te",
    "ti",
    "to",
    "va",
    "ve",
    "vi",
    "za",
    "ña",
    "ño",
    "que",
    "qui",
    "che",
    "cha",
    "tro",
    "tra",
    "bre",
    "bra",
    "cla",
    "cre",
    "pla",
    "pri",
    "dis",
    "con",
    "pre",
    "ción",
    "sión",
    "mén",
    "tú",
    "rí",
    "lló",
    "gué",
    "cán",
    "ná",
    "ló",
    "bí",
    "sú",
    "ar",
    "en",
    "es",
    "or",
    "al",
    "in",
    "un",
    "ur",
    "am",
]
FIRST = [
    "María",
    "José",
    "Rosa",
    "Juan",
    "Luis",
    "Carmen",
    "Ana",
    "Jorge",
    "Elena",
    "Wilber",
    "Lucía",
    "Raúl",
    "Ñusta",
    "Iñaki",
    "Begoña",
    "Martín",
    "Sofía",
    "Andrés",
    "Inés",
    "Óscar",
]
LAST = [
    "Quispe",
    "Mamani",
    "Huamán",
    "Flores",
    "Torres",
    "Chávez",
    "Ramos",
    "Ñahui",
    "Condori",
    "Rojas",
    "Vargas",
    "Salas",
    "Paredes",
    "Ccori",
    "Gutiérrez",
    "León",
    "Núñez",
    "Peña",
    "Muñoz",
    "Ibáñez",
]
STATUS_LABELS = ["registrado", "en_tramite", "en_tramite", "atendido", "atendido", "atendido", "archivado", "observado"]


def _vocabulary(rng: random.Random, size: int = 60_000) -> list[str]:
    """Rank order: stop words, very common words, real words, then generated ones (some with accents/ñ)."""
    # Distinct once folded (as the index sees them): "ñaam" and "naám" would be one word.
    seen = {search.fold(w) for w in STOP + COMMON}
    real = []
    for w in dict.fromkeys(WORDS):
        if search.fold(w) not in seen:
            seen.add(search.fold(w))
            real.append(w)
    rng.shuffle(real)
    generated = []
    while len(generated) + len(real) + len(STOP) + len(COMMON) < size:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3, 4))))
        if search.fold(w) not in seen:
            seen.add(search.fold(w))
            generated.append(w)
    # Real words spread through the middle ranks, so "ordinary" queries are real words too.
    mid = generated[:]
    for i, w in enumerate(real):
        mid.insert(200 + i * 40, w)
    return STOP + COMMON + mid


def _sentences(rng: random.Random, vocab: list[str], n: int) -> list[str]:
    cum, total = [], 0.0
    for r in range(len(vocab)):
        total += 1.0 / (r + 2.7) ** 1.0  # Zipf-Mandelbrot
        cum.append(total)
    out = []
    for _ in range(n):
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(8, 20))
        words[0] = words[0].capitalize()
        out.append(" ".join(words) + ".")
    return out


def _ts(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(path: Path, n_docs: int, seed_: int = SEED) -> dict[str, float]:
    """Create the database: schema, catalogue, staff, then cases, documents and their texts."""
    rng = random.Random(seed_)
    eng = db.make_engine(f"sqlite:///{path}")
    schema.create_all(eng)
    os.environ["SGD_DEMO_PASSWORD"] = PASSWORD
    with db.write_session(eng) as s:
        seed.seed_catalogue(s)
    with db.write_session(eng) as s:
        seed.seed_demo_staff(s, path.parent / "creds.txt")
    with db.session(eng) as s:
        procs = s.execute(select(Procedure.id, Procedure.deadline_days)).all()
        units = [u for u, code in s.execute(select(Unit.id, Unit.code)).all() if code != "MP"]
    eng.dispose()
    vocab = _vocabulary(rng)
    pool = _sentences(rng, vocab, max(20_000, min(400_000, n_docs // 2)))
    avg = sum(len(x.encode()) + 1 for x in pool) / len(pool)
    per_doc = max(1, round(2048 / avg))
    n_cases = max(1, n_docs * 2 // 5)
    n_parties = max(1, n_cases // 3)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA foreign_keys=OFF")
    t0 = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO party (id, doc_type, doc_number, name, kind, email, phone, address) "
        "VALUES (?, 'DNI', ?, ?, 'ciudadano', '', '', '')",
        (
            (i + 1, f"{10000000 + i:08d}", f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}")
            for i in range(n_parties)
        ),
    )
    conn.execute("COMMIT")
    key = hashlib.sha256(b"bench").hexdigest()
    start = datetime(2025, 1, 2, 13, 0, tzinfo=UTC)
    span = timedelta(days=700)
    batch = 20_000
    doc_id = 0
    text_bytes = 0
    for first in range(0, n_cases, batch):
        cases, docs, texts, moves = [], [], [], []
        for cid in range(first + 1, min(n_cases, first + batch) + 1):
            pid, days = rng.choice(procs)
            received = start + span * (cid / n_cases)
            filed = received.date()
            status = rng.choice(STATUS_LABELS)
            subject = " ".join(rng.choice(pool).split()[:8]).rstrip(".")
            cases.append(
                (
                    cid,
                    f"EXP-2026-{cid:06d}",
                    cid,
                    pid,
                    rng.randrange(n_parties) + 1,
                    subject,
                    rng.choice(("virtual", "virtual", "virtual", "presencial")),
                    status,
                    "urgente" if rng.random() < 0.08 else "normal",
                    _ts(received),
                    filed.isoformat(),
                    (filed + timedelta(days=days + 2)).isoformat(),
                    holder := rng.choice(units),
                    int(status == "registrado"),
                    key,
                    _ts(received),
                )
            )
            if rng.random() < 0.4:  # passed through another unit (it keeps seeing the case)
                moves.append((cid, rng.choice([u for u in units if u != holder]), holder, _ts(received)))
            # Documents n_docs * cid / n_cases .. : 2 or 3 per case, 2.5 on average.
            upto = n_docs * cid // n_cases
            for k in range(doc_id, upto):
                doc_id = k + 1
                body = " ".join(rng.choices(pool, k=per_doc))
                text_bytes += len(body.encode())
                docs.append(
                    (
                        doc_id,
                        cid,
                        "solicitud" if k == upto - 1 else "anexo",
                        "Documento principal" if k == upto - 1 else f"Anexo {k}",
                        f"doc{doc_id}.pdf",
                        key,
                        100_000,
                        2,
                        _ts(received),
                    )
                )
                texts.append((doc_id, cid, "texto", body, _ts(received)))
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO expediente (id, number, year, seq, procedure_id, party_id, subject, fields, channel, status, "
            "priority, received_at, filed_on, due_on, current_due_on, current_unit_id, awaiting_receipt, version, "
            "access_key_hash, folios, created_at) VALUES (?, ?, 2026, ?, ?, ?, ?, '{}', ?, ?, ?, ?, ?, ?, NULL, ?, ?, "
            "1, ?, 2, ?)",
            cases,
        )
        conn.executemany(
            "INSERT INTO movement (expediente_id, action, from_unit_id, to_unit_id, instructions, priority, "
            "created_at) VALUES (?, 'derivar', ?, ?, '', 'normal', ?)",
            moves,
        )
        conn.executemany(
            "INSERT INTO document (id, expediente_id, kind, role, label, filename, sha256, size, pages, mime, number, "
            "signed, created_at) VALUES (?, ?, ?, 'principal', ?, ?, ?, ?, ?, 'application/pdf', '', 0, ?)",
            docs,
        )
        conn.executemany(
            "INSERT INTO documenttext (document_id, expediente_id, method, text, searchable_sha256, "
            "updated_at) VALUES (?, ?, ?, ?, '', ?)",
            texts,
        )
        conn.execute("COMMIT")
    conn.execute("INSERT OR REPLACE INTO casecounter (year, last) VALUES (2026, ?)", (n_cases,))
    conn.execute("ANALYZE")
    conn.close()
    gen_s = time.perf_counter() - t0
    eng = _engine(path)
    t0 = time.perf_counter()
    entries = search.rebuild(eng)
    build_s = time.perf_counter() - t0
    eng.dispose()
    meta = {
        "docs": doc_id,
        "cases": n_cases,
        "text_mb": text_bytes / 2**20,
        "generate_s": gen_s,
        "build_s": build_s,
        "entries": entries,
        "vocab": vocab[:400],
    }
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (k TEXT PRIMARY KEY, v TEXT)")
    conn.execute("INSERT OR REPLACE INTO bench_meta VALUES ('meta', ?)", (json.dumps(meta),))
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return meta


def _engine(path: Path):
    eng = db.make_engine(f"sqlite:///{path}")

    @event.listens_for(eng, "connect")
    def _fast(dbapi_conn, _record):
        dbapi_conn.execute("PRAGMA synchronous=OFF")

    return eng


def _timed(eng, who, queries, filters, label="") -> tuple[list[float], int, int]:
    samples, capped, refused, slowest = [], 0, 0, []
    for q in queries:
        t = time.perf_counter()
        total, order = -1, "detenida"
        try:
            with db.session(eng) as s:
                r = search.search(s, who, q, filters)
            capped += r.total_capped
            total, order = r.total, r.order
        except InvalidInput:
            refused += 1  # a prefix stopped at the time limit (counted, and timed)
        samples.append(time.perf_counter() - t)
        slowest.append((samples[-1], q, total, order))
    if label and os.environ.get("BENCH_SEARCH_VERBOSE"):
        for dt, q, total, order in sorted(slowest)[-8:]:
            print(f"#   {label} {dt * 1000:7.1f} ms  {total:6d} cases  {order:10s} {q!r}")
    return samples, capped, refused


def run(n_docs: int) -> list[tuple[str, float, str]]:
    keep = os.environ.get("BENCH_SEARCH_DB")
    with tempfile.TemporaryDirectory(dir=os.environ.get("BENCH_SEARCH_DIR")) as tmp:
        path = Path(keep) if keep else Path(tmp) / "search-bench.db"
        meta = None
        if path.exists():
            with sqlite3.connect(path) as c:
                meta = json.loads(c.execute("SELECT v FROM bench_meta WHERE k = 'meta'").fetchone()[0])
        if meta is None or meta["docs"] != n_docs:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            meta = generate(path, n_docs)
        eng = _engine(path)
        rng = random.Random(5)
        with db.write_session(eng) as s:
            token = auth.login(s, username="rop", password=PASSWORD)
        with db.session(eng) as s:
            who = auth.resolve(s, token)
            unit = s.execute(select(Unit.id).where(Unit.code == "ROP")).scalar()
            raw = s.connection().connection.driver_connection
            ids = [
                i
                for (i,) in raw.execute(
                    "SELECT t.document_id FROM documenttext t JOIN expediente e "
                    "ON e.id = t.expediente_id WHERE e.current_unit_id = ?",
                    (unit,),
                )
            ]
            unit_docs = len(ids)
            seen_docs = raw.execute(
                "SELECT count(*) FROM documenttext t JOIN caseunit c ON c.expediente_id = t.expediente_id "
                "WHERE c.unit_id = ?",
                (unit,),
            ).fetchone()[0]
            sample = [
                raw.execute(
                    "SELECT e.number, p.doc_number, t.text FROM documenttext t JOIN expediente e ON e.id = t.expediente_id "
                    "JOIN party p ON p.id = e.party_id WHERE t.document_id = ?",
                    (i,),
                ).fetchone()
                for i in rng.sample(ids, min(RUNS, len(ids)))
            ]
        filters = search.SearchFilters(unit_id=unit)
        vocab = _vocabulary(random.Random(SEED))  # the generator's ranks
        first_rank: dict[str, int] = {}
        for rank, w in enumerate(vocab):
            first_rank.setdefault(search.fold(w), rank)
        ordinary_words = {w for w, rank in first_rank.items() if rank >= ORDINARY_FROM_RANK and len(w) > 3}
        typical, prefix = [], []
        for _, _, body in sample:
            words = [w.strip(".").lower() for w in body.split()]
            ordinary = [w for w in words if search.fold(w) in ordinary_words]
            picked = rng.sample(ordinary, rng.choice((1, 2, 3)))
            typical.append(" ".join(search.fold(w) if rng.random() < 0.5 else w for w in picked))
            stem = search.fold(rng.choice(ordinary))
            prefix.append(stem[: rng.choice((3, 4, 5))] + "*")
        common = [rng.choice(COMMON) for _ in sample]
        exact = [number if i % 2 else dni for i, (number, dni, _) in enumerate(sample)]
        _timed(eng, who, typical[:20] + common[:5], filters)  # warm-up
        t_samples, _, _ = _timed(eng, who, typical, filters, "typical")
        c_samples, c_capped, _ = _timed(eng, who, common, filters, "common")
        e_samples, _, _ = _timed(eng, who, exact, filters, "exact")
        p_samples, _, p_stopped = _timed(eng, who, prefix, filters, "prefix")
        size_mb = sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()) / 2**20
        eng.dispose()
    ms = 1000
    return [
        ("search_corpus_docs", meta["docs"], "docs"),
        ("search_corpus_cases", meta["cases"], "cases"),
        ("search_corpus_mb", meta["text_mb"], "MB of document text"),
        ("search_db_mb", size_mb, "MB (SQLite file: tables + index)"),
        ("search_unit_docs", unit_docs, "docs in the searching officer's unit"),
        ("search_visible_docs", seen_docs, "docs of the cases the officer may see (held now or before)"),
        ("search_generate_s", meta["generate_s"], "s"),
        ("search_build_s", meta["build_s"], "s"),
        ("search_typical_p95_ms", p95(t_samples) * ms, "ms"),
        ("search_typical_median_ms", sorted(t_samples)[len(t_samples) // 2] * ms, "ms"),
        ("search_common_p95_ms", p95(c_samples) * ms, "ms"),
        ("search_common_capped", c_capped, f"of {len(c_samples)} queries counted as 'más de 10 000'"),
        ("search_exact_p95_ms", p95(e_samples) * ms, "ms"),
        ("search_prefix_p95_ms", p95(p_samples) * ms, "ms"),
        ("search_prefix_stopped", p_stopped, f"of {len(p_samples)} queries stopped at 1 s"),
    ]


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_SEARCH_DOCS", DEFAULT_DOCS))
    print(f"# search: {n} generated documents of ~2 KB, SQLite FTS5, officer of one unit, {RUNS} queries each")
    sys.stdout.flush()
    for name, value, unit in run(n):
        print(f"{name}: {value:.1f} {unit}" if isinstance(value, float) else f"{name}: {value} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
