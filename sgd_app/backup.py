"""Backups and restore of an installation: the database, the file store and the rest of the data
dir that is needed to run (the installation's secret key, the signing PKI). docs/operations.md.

Consistency while the app runs and writes: the database is snapshotted FIRST (SQLite's online
backup API; on PostgreSQL one REPEATABLE READ transaction whose snapshot pg_dump shares), THEN the
files are copied. Originals are content-addressed (``files/ab/<sha256>``), written once before the
transaction that references them commits, and never rewritten; one is only deleted to undo a
transaction that failed, so no committed row points to it. Every file the snapshot references was
therefore on disk before the snapshot and is still there when the copy runs; files written after
the snapshot are copied too, harmlessly. The backup checks it: every file the snapshot references
must be in the copy, or the backup fails.

A backup is a directory: ``manifest.json`` (schema revision, row counts, the audit chain's head,
the SHA-256 of every file), ``database/`` (``sgd.db`` or pg_dump's custom format ``sgd.dump``),
``files/`` (the store's layout) and ``data/`` (``secret.key``, ``pki/``). It is built under a
temporary name and renamed at the end: a directory with the final name is always complete.

Restore checks every hash while it copies into a staging area beside the target, refuses a
target that holds data (unless ``force``), then moves the files into place and restores the
database last (PostgreSQL: pg_restore in a single transaction); anything failing before that last
step leaves the target as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from sgd_app import db, settings

FORMAT = 1
MANIFEST = "manifest.json"
# Under the data dir, besides files/ (staging/ and exports/ are transient); api/: the API token key;
# interop/: the institution's interoperability key (docs/interop.md).
DATA_ITEMS = ("secret.key", "pki", "api", "interop")
_SHA = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

Query = Callable[[str], list[tuple]]


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message (Spanish) says why."""


@dataclass
class Target:
    """Where an installation lives: its database URL and its data dir."""

    database_url: str = field(default_factory=lambda: settings.DATABASE_URL)
    data_dir: Path = field(default_factory=lambda: settings.DATA_DIR)

    @property
    def files_dir(self) -> Path:
        return Path(self.data_dir) / "files"

    @property
    def backend(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgresql"

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.split("///", 1)[-1])


# ---------------------------------------------------------------- helpers
def _copy_hashed(src: Path, dst: Path) -> tuple[str, int]:
    """Copy ``src`` to ``dst`` (parents created) and return the content's SHA-256 and size."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with open(src, "rb") as inp, open(dst, "wb") as out:
        while chunk := inp.read(_CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    shutil.copymode(src, dst)
    return digest.hexdigest(), size


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _store_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(sha256, path) of every original in a store (``root/ab/<sha256>``; temp files skipped)."""
    if not root.is_dir():
        return
    for sub in sorted(root.iterdir()):
        if sub.is_dir() and len(sub.name) == 2:
            for f in sorted(sub.iterdir()):
                if _SHA.fullmatch(f.name) and f.name.startswith(sub.name):
                    yield f.name, f


def _data_files(data_dir: Path) -> Iterator[tuple[str, Path]]:
    """(relative name, path) of the other files of the data dir a restored installation needs."""
    for item in DATA_ITEMS:
        p = data_dir / item
        if p.is_file():
            yield item, p
        elif p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.is_file() and not f.name.endswith(".tmp"):
                    yield f.relative_to(data_dir).as_posix(), f


def _store_columns() -> list[tuple[str, str]]:
    """(table, column) of every column that names an original in the store by its SHA-256."""
    return [(t.name, c.name) for t in SQLModel.metadata.sorted_tables for c in t.columns if "sha256" in c.name]


def _facts(q: Query, tables: set[str], columns: dict[str, set[str]]) -> dict[str, Any]:
    """What the snapshot holds: schema revision, rows per table, audit head, case numbering,
    and the set of originals its rows reference."""
    revision = q("SELECT version_num FROM alembic_version")[0][0] if "alembic_version" in tables else None
    model_tables = [t.name for t in SQLModel.metadata.sorted_tables if t.name in tables]
    counts = {t: int(q(f'SELECT count(*) FROM "{t}"')[0][0]) for t in sorted(model_tables)}
    head = q("SELECT seq, hash FROM audithead WHERE id = 1") if "audithead" in tables else []
    numbering = {str(y): int(n) for y, n in q("SELECT year, last FROM casecounter")} if "casecounter" in tables else {}
    referenced: set[str] = set()
    for table, column in _store_columns():
        if column in columns.get(table, set()):
            referenced.update(r[0] for r in q(f'SELECT DISTINCT "{column}" FROM "{table}"') if r[0])
    return {
        "revision": revision,
        "counts": counts,
        "audit_head": {"seq": int(head[0][0]), "hash": head[0][1]} if head else None,
        "case_numbers": numbering,
        "referenced": referenced,
    }


def _sqlite_facts(path: Path) -> dict[str, Any]:
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        tables = {r[0] for r in rows}
        columns = {t: {c[1] for c in conn.execute(f'PRAGMA table_info("{t}")')} for t in tables}
        return _facts(lambda sql: conn.execute(sql).fetchall(), tables, columns)


def _pg_facts(conn, schema: str) -> dict[str, Any]:
    rows = conn.execute(
        text("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = :s"), {"s": schema}
    ).all()
    columns: dict[str, set[str]] = {}
    for table, column in rows:
        columns.setdefault(table, set()).add(column)
    return _facts(lambda sql: [tuple(r) for r in conn.exec_driver_sql(sql).all()], set(columns), columns)


# ---------------------------------------------------------------- PostgreSQL tools
def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump / pg_restore (no driver name, no password: that goes in the env)."""
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return u.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _pg_tool(name: str, server_major: int) -> str:
    exe = shutil.which(name)
    if not exe:
        raise BackupError(f"No se encontró {name}: instale el paquete postgresql-client-{server_major}.")
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"(\d+)(?:\.\d+)?", out)
    if not m or int(m.group(1)) < server_major:
        raise BackupError(
            f"{name} ({out.strip()}) es más antiguo que el servidor PostgreSQL {server_major}: "
            f"instale postgresql-client-{server_major}."
        )
    return exe


def _server_major(conn) -> int:
    return int(conn.exec_driver_sql("SHOW server_version_num").scalar()) // 10000


def _extensions(conn) -> list[dict[str, str]]:
    rows = conn.exec_driver_sql(
        "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname <> 'plpgsql' ORDER BY 1"
    ).all()
    return [{"name": r[0], "schema": r[1]} for r in rows]


def _search_path_schema(conn) -> str:
    """The schema a connection creates its tables in: the first entry of its search_path."""
    for part in str(conn.exec_driver_sql("SHOW search_path").scalar()).split(","):
        name = part.strip().strip('"')
        if name and name != "$user":
            return name
    raise BackupError("La conexión a PostgreSQL no tiene esquema (search_path vacío).")


# ---------------------------------------------------------------- backup
def backup(dest: Path, target: Target | None = None) -> dict[str, Any]:
    """Back the installation up into the new directory ``dest``; return its manifest."""
    target = target or Target()
    dest = Path(dest).resolve()
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"El destino {dest} ya existe y no está vacío: elija un directorio nuevo.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    work = dest.parent / f".{dest.name}.incompleta-{secrets.token_hex(4)}"
    work.mkdir(mode=0o700)  # personal data and private keys: the service user only
    try:
        manifest = _build(work, target)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True))
        os.sync()
        if dest.exists():
            dest.rmdir()
        work.rename(dest)
        return manifest
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _build(work: Path, target: Target) -> dict[str, Any]:
    (work / "database").mkdir()
    # 1. the database snapshot, first
    if target.backend == "sqlite":
        if not target.sqlite_path.is_file():
            raise BackupError(f"No existe la base de datos {target.sqlite_path}.")
        db_file = work / "database" / "sgd.db"
        with closing(sqlite3.connect(target.sqlite_path, timeout=60)) as src, closing(sqlite3.connect(db_file)) as dst:
            src.backup(dst)  # one step: a consistent snapshot even while others write
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        facts = _sqlite_facts(db_file)
        database: dict[str, Any] = {"backend": "sqlite"}
    else:
        db_file = work / "database" / "sgd.dump"
        facts, database = _pg_dump(target.database_url, db_file)
    referenced = facts.pop("referenced")
    database.update(facts, file=db_file.relative_to(work).as_posix(), sha256=_hash_file(db_file))
    database["size"] = db_file.stat().st_size
    # 2. then the files (immutable, content-addressed): everything the snapshot references is there
    files: dict[str, int] = {}
    for sha, path in _store_files(target.files_dir):
        try:
            got, size = _copy_hashed(path, work / "files" / sha[:2] / sha)
        except FileNotFoundError:
            continue  # removed by a transaction that failed: nothing committed points to it
        if got != sha:
            raise BackupError(f"El original {sha} del almacén está dañado: su contenido no coincide con su SHA-256.")
        files[sha] = size
    missing = sorted(referenced - files.keys())
    if missing:
        raise BackupError(
            f"Faltan en el almacén {len(missing)} originales que la base de datos referencia "
            f"(por ejemplo {missing[0]}): la copia no sería completa."
        )
    data = {}
    for name, path in _data_files(Path(target.data_dir)):
        sha, size = _copy_hashed(path, work / "data" / name)
        data[name] = {"sha256": sha, "size": size}
    return {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "order": "base de datos primero (instantánea), luego los archivos",
        "database": database,
        "files": files,
        "data": data,
    }


def _pg_dump(url: str, out: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """pg_dump (custom format) of the connection's schema, on the snapshot of an open REPEATABLE
    READ transaction in which the facts are read too: both describe the same moment."""
    eng = db.make_engine(url)
    try:
        with eng.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            exe = _pg_tool("pg_dump", _server_major(conn))
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
            if not schema:
                raise BackupError("El esquema de la base de datos PostgreSQL no existe.")
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            facts = _pg_facts(conn, schema)
            extensions = _extensions(conn)
            libpq, env = _libpq(url)
            cmd = [exe, "--format=custom", f"--snapshot={snapshot}", "--schema", schema, "--file", str(out), libpq]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if done.returncode:
                raise BackupError(f"pg_dump falló: {done.stderr.strip()[-500:]}")
    finally:
        eng.dispose()
    return facts, {"backend": "postgresql", "schema": schema, "extensions": extensions}


# ---------------------------------------------------------------- verify
def read_manifest(src: Path) -> dict[str, Any]:
    path = Path(src) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} no es una copia de seguridad: falta {MANIFEST}.")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Formato de copia desconocido: {manifest.get('format')!r}.")
    return manifest


def _entries(src: Path, manifest: dict[str, Any]) -> Iterator[tuple[str, str, Path]]:
    """(relative path in the backup, expected SHA-256, path) of every file a backup holds."""
    database = manifest["database"]
    yield database["file"], database["sha256"], src / database["file"]
    for sha in sorted(manifest["files"]):
        if not _SHA.fullmatch(sha):
            raise BackupError(f"Manifiesto inválido: {sha!r} no es un SHA-256.")
        yield f"files/{sha[:2]}/{sha}", sha, src / "files" / sha[:2] / sha
    for name, entry in sorted(manifest["data"].items()):
        if name.startswith("/") or ".." in Path(name).parts:
            raise BackupError(f"Manifiesto inválido: ruta {name!r}.")
        yield f"data/{name}", entry["sha256"], src / "data" / name


def _mismatch(rel: str) -> BackupError:
    return BackupError(
        f"La copia está dañada: {rel} no coincide con el SHA-256 del manifiesto (o falta). No se restauró nada."
    )


def verify(src: Path) -> dict[str, Any]:
    """Check every file of a backup against its manifest; return the manifest."""
    src = Path(src)
    manifest = read_manifest(src)
    for rel, sha, path in _entries(src, manifest):
        if not path.is_file() or _hash_file(path) != sha:
            raise _mismatch(rel)
    return manifest


# ---------------------------------------------------------------- restore
def _target_holds_data(target: Target, manifest: dict[str, Any]) -> list[str]:
    """What the target already holds (empty: it may be restored into without --force)."""
    found = []
    if any(True for _ in _store_files(target.files_dir)):
        found.append(f"archivos en {target.files_dir}")
    found += [f"{Path(target.data_dir) / name}" for name in DATA_ITEMS if (Path(target.data_dir) / name).exists()]
    if target.backend == "sqlite":
        if target.sqlite_path.is_file():
            with closing(sqlite3.connect(target.sqlite_path)) as conn:
                if conn.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]:
                    found.append(f"la base de datos {target.sqlite_path}")
    else:
        eng = db.make_engine(target.database_url)
        try:
            with eng.connect() as conn:
                schema = manifest["database"]["schema"]
                if _search_path_schema(conn) != schema:
                    raise BackupError(
                        f"La copia es del esquema «{schema}» y el destino usa «{_search_path_schema(conn)}»: "
                        "pg_restore no cambia el nombre del esquema."
                    )
                n = conn.execute(
                    text(
                        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = :s AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
                    ),
                    {"s": schema},
                ).scalar()
                if n:
                    found.append(f"la base de datos (esquema «{schema}» con {n} objetos)")
        finally:
            eng.dispose()
    return found


def restore(src: Path, target: Target | None = None, *, force: bool = False) -> dict[str, Any]:
    """Restore the backup ``src`` into ``target`` (stop the app first); return the manifest."""
    target = target or Target()
    src = Path(src)
    manifest = read_manifest(src)
    if manifest["database"]["backend"] != target.backend:
        raise BackupError(
            f"La copia es de {manifest['database']['backend']} y el destino es {target.backend}: "
            "se restaura en el mismo tipo de base de datos."
        )
    held = _target_holds_data(target, manifest)
    if held and not force:
        raise BackupError("El destino no está vacío (" + "; ".join(held) + "). Use --force para reemplazarlo.")
    data_dir = Path(target.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    stage = data_dir / f".restauracion-{secrets.token_hex(4)}"
    moved: list[tuple[Path, Path | None]] = []  # (final path, where the old one went)
    try:
        # 1. everything copied beside the target and checked against the manifest
        staged_db = _stage(src, manifest, stage, target)
        # 2. the files into place (the old ones set aside), then the database last
        for name in ("files", *DATA_ITEMS):
            if (stage / name).exists():
                final = data_dir / name
                old = None
                if final.exists():
                    old = stage / f"antes-{name}"
                    final.rename(old)
                moved.append((final, old))
                (stage / name).rename(final)
        _restore_database(staged_db, manifest, target, clean=bool(held))
    except BaseException:
        for final, old in reversed(moved):
            if final.is_dir():
                shutil.rmtree(final)
            else:
                final.unlink(missing_ok=True)
            if old is not None:
                old.rename(final)
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    _check_restored(manifest, target)
    return manifest


def _stage(src: Path, manifest: dict[str, Any], stage: Path, target: Target) -> Path:
    """Copy the backup into ``stage`` checking every hash on the way; return the staged database."""
    staged_db = stage / manifest["database"]["file"]
    for rel, sha, path in _entries(src, manifest):
        if rel.startswith("data/"):
            dst = stage / rel.removeprefix("data/")
        else:
            dst = stage / rel
        try:
            got, _ = _copy_hashed(path, dst)
        except FileNotFoundError:
            raise _mismatch(rel) from None
        if got != sha:
            raise _mismatch(rel)
    if target.backend == "sqlite":  # beside the target database: the final move is a rename
        beside = target.sqlite_path.parent / f".{target.sqlite_path.name}.restaurando-{stage.name[-8:]}"
        beside.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staged_db, beside)
        return beside
    return staged_db


def _restore_database(staged: Path, manifest: dict[str, Any], target: Target, *, clean: bool) -> None:
    if target.backend == "sqlite":
        final = target.sqlite_path
        try:
            for suffix in ("-wal", "-shm"):  # an old WAL must never be replayed onto the restored file
                Path(f"{final}{suffix}").unlink(missing_ok=True)
            os.replace(staged, final)
        finally:
            staged.unlink(missing_ok=True)
        return
    database = manifest["database"]
    eng = db.make_engine(target.database_url)
    try:
        with eng.begin() as conn:
            exe = _pg_tool("pg_restore", _server_major(conn))
            for ext in database.get("extensions", []):
                if _IDENT.fullmatch(ext["name"]) and _IDENT.fullmatch(ext["schema"]):
                    conn.exec_driver_sql(f'CREATE EXTENSION IF NOT EXISTS "{ext["name"]}" SCHEMA "{ext["schema"]}"')
            exists = conn.execute(
                text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": database["schema"]}
            ).first()
    finally:
        eng.dispose()
    libpq, env = _libpq(target.database_url)
    cmd = [exe, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
    if clean:
        cmd += ["--clean", "--if-exists"]
    if exists:  # the schema is there (e.g. public): restore what is in it, not the schema itself
        listing = subprocess.run([exe, "--list", str(staged)], capture_output=True, text=True, check=True).stdout
        schema = re.escape(database["schema"])
        keep = [
            line
            for line in listing.splitlines()
            if not re.search(rf" (SCHEMA - {schema}|COMMENT - SCHEMA {schema}) ", line + " ")
        ]
        list_file = staged.with_suffix(".list")
        list_file.write_text("\n".join(keep) + "\n")
        cmd += ["--use-list", str(list_file)]
    done = subprocess.run([*cmd, "--dbname", libpq, str(staged)], env=env, capture_output=True, text=True)
    if done.returncode:
        raise BackupError(f"pg_restore falló; la base de datos quedó como estaba: {done.stderr.strip()[-500:]}")


def _check_restored(manifest: dict[str, Any], target: Target) -> None:
    """The restored database holds what the manifest says."""
    if target.backend == "sqlite":
        facts = _sqlite_facts(target.sqlite_path)
    else:
        eng = db.make_engine(target.database_url)
        try:
            with eng.connect() as conn:
                facts = _pg_facts(conn, manifest["database"]["schema"])
        finally:
            eng.dispose()
    for key in ("revision", "counts", "audit_head", "case_numbers"):
        if facts[key] != manifest["database"][key]:
            raise BackupError(f"La base de datos restaurada no coincide con el manifiesto ({key}).")


def describe(manifest: dict[str, Any]) -> str:
    """What a backup holds, in Spanish (printed by backup and restore)."""
    d = manifest["database"]
    counts = d["counts"]
    size = sum(manifest["files"].values()) / 1e6
    pki = sum(1 for name in manifest["data"] if name.startswith("pki/"))
    parts = [
        f"base de datos {d['backend']} (revisión {d['revision'] or 'sin migraciones'}): "
        f"{counts.get('expediente', 0)} expedientes, {counts.get('document', 0)} documentos, "
        f"{counts.get('auditevent', 0)} eventos de auditoría",
        f"{len(manifest['files'])} archivos ({size:.1f} MB)".replace(".", ","),
        f"claves de firma ({pki} archivos en pki/)" if pki else "sin claves de firma (pki/ no existía)",
        "clave secreta de la instalación" if "secret.key" in manifest["data"] else "sin clave secreta",
    ]
    return "; ".join(parts)
