"""Everything a hostile call could change: every row of every table and every file of the data
dir, in a form two snapshots can be compared with ``==`` (and a readable diff when they differ).

Left out, on purpose (each legitimately written by a refused or anonymous call):
- column ``staffsession.last_seen_at``: the hostile caller's own session kept alive;
- data dir ``staging/``: a public wizard's uploads of its own tab (swept after a day; never
  attached to a case without a submit, which writes rows and is therefore compared), and
  ``exports/``: a staff member's own report export (its content is checked for leaks instead).
"""

from __future__ import annotations

import hashlib
import zipfile
from io import BytesIO
from pathlib import Path

from sqlalchemy import inspect, text

from sgd_app import db, settings

SKIP_TABLES = {"alembic_version"}  # rate-limit counters are not in the database (domain/ratelimit.py)
SKIP_COLUMNS = {("staffsession", "last_seen_at")}
SKIP_DIRS = ("staging", "exports")


def _norm(v):
    if isinstance(v, memoryview):
        v = bytes(v)
    if isinstance(v, bytes):
        return "sha256:" + hashlib.sha256(v).hexdigest()
    return repr(v)


def tables(skip: set[str] = frozenset()) -> dict[str, list[tuple]]:
    eng = db.engine()
    names = [n for n in inspect(eng).get_table_names() if n not in SKIP_TABLES and n not in skip]
    out = {}
    with eng.connect() as conn:
        for name in sorted(names):
            result = conn.execute(text(f'SELECT * FROM "{name}"'))
            cols = list(result.keys())
            keep = [i for i, c in enumerate(cols) if (name, c) not in SKIP_COLUMNS]
            rows = [tuple(f"{cols[i]}={_norm(row[i])}" for i in keep) for row in result]
            out[name] = sorted(rows)
    return out


def files(*, left_out: bool = False) -> dict[str, str]:
    """sha256 of every file of the data dir (or, with ``left_out``, of those in SKIP_DIRS)."""
    root = Path(settings.DATA_DIR)
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or (rel.parts[0] in SKIP_DIRS) != left_out:
            continue
        out[str(rel)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def take(skip_tables: set[str] = frozenset()) -> dict:
    return {"tables": tables(skip_tables), "files": files(), "left_out": files(left_out=True)}


def same(before: dict, after: dict) -> bool:
    """Nothing compared changed (the left-out dirs are not compared)."""
    return before["tables"] == after["tables"] and before["files"] == after["files"]


def diff(before: dict, after: dict) -> str:
    """A short description of what changed (empty when nothing did)."""
    lines = []
    for name in sorted(set(before["tables"]) | set(after["tables"])):
        b, a = set(before["tables"].get(name, [])), set(after["tables"].get(name, []))
        for row in sorted(a - b)[:3]:
            lines.append(f"+ {name}: {', '.join(row)[:300]}")
        for row in sorted(b - a)[:3]:
            lines.append(f"- {name}: {', '.join(row)[:300]}")
    for path in sorted(set(before["files"]) | set(after["files"])):
        if before["files"].get(path) != after["files"].get(path):
            lines.append(f"~ file {path}")
    return "\n".join(lines)


def text_of_new_files(before: dict) -> str:
    """The text of every file written since ``before`` in the left-out dirs (zip members
    unpacked, e.g. an .xlsx), to check it for leaked data."""
    root = Path(settings.DATA_DIR)
    chunks = []
    for rel, sha in files(left_out=True).items():
        if before["left_out"].get(rel) != sha:
            data = (root / rel).read_bytes()
            if data[:2] == b"PK":
                with zipfile.ZipFile(BytesIO(data)) as z:
                    data = b"".join(z.read(n) for n in z.namelist())
            chunks.append(data.decode("utf-8", "replace"))
    return "\n".join(chunks)


def pdf_text(data: bytes) -> str:
    """The text of a PDF, as the app extracts it (poppler's pdftotext)."""
    from sgd_app.domain.digitize.pdftext import extract_text

    return extract_text(data)
