"""Documents a citizen uploads: PDF screening and the on-disk store of originals.

Plain Python: no reflex import here or anywhere in domain/.

``screen_pdf`` accepts only a safe, well-formed PDF and tells how many pages (folios) it has;
every refusal is an ``InvalidInput`` with a Spanish message for the citizen.

``FileStore`` keeps the originals content-addressed (``root/ab/<sha256>``): each original is
written once, byte-for-byte, atomically, and never rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import settings as qpdf_settings

from sgd_app.domain.errors import InvalidInput

# ---------------------------------------------------------------- messages (es-PE)
MSG_EMPTY = "El archivo está vacío."
MSG_NOT_PDF = "El archivo no es un PDF válido."
MSG_NO_SIGNATURE = "El archivo no es un PDF: debe empezar con la firma %PDF-."
MSG_ENCRYPTED = "El PDF está protegido con contraseña; suba una versión sin contraseña."
MSG_ACTIVE = "El PDF contiene código JavaScript o acciones automáticas y no puede aceptarse."
MSG_EMBEDDED = "El PDF contiene archivos incrustados; adjúntelos por separado."
MSG_DAMAGED = "El PDF está dañado (necesita reparación); vuelva a generarlo o escanearlo."
MSG_NO_PAGES = "El PDF no tiene páginas."
MSG_BOMB = "El PDF contiene datos comprimidos anómalos (posible bomba de descompresión)."
MSG_TOO_BIG = "El PDF supera el tamaño máximo de {limit}."

# ---------------------------------------------------------------- limits
MAX_MAIN_BYTES = 20 * 1024 * 1024  # the main document of a filing
MAX_ANNEX_BYTES = 10 * 1024 * 1024  # each annex

PDF_SIGNATURE = b"%PDF-"  # the first five bytes of every file accepted (no BOM, no whitespace before)
LATE_SIGNATURE_WINDOW = 1024  # readers look this far for it: found there but not at 0, a polyglot
MAX_TOTAL_DECODED = 200 * 1024 * 1024  # across every Flate stream of the file
MAX_STREAM_RATIO = 1000  # a single stream may not expand more than this ...
STREAM_RATIO_FLOOR = 10 * 1024 * 1024  # ... once it has gone past this many decoded bytes
_CHUNK = 1024 * 1024  # decoded bytes produced per zlib call; output is counted, then dropped

# qpdf itself inflates some streams while *opening* a file (cross-reference streams and object
# streams), before any check of ours can run: without a limit a 1 MB object-stream bomb costs
# about 1 GB of RAM inside qpdf. qpdf's own per-stream memory limits stop that. They are
# process-wide, so they are only ever tightened here (never loosened), down to the budget the
# screen enforces anyway, so nothing the screen accepts can trip them later.
_QPDF_MEMORY_LIMITS = ("flate_max_memory", "run_length_max_memory")
_QPDF_LIMIT_HIT = "memory limit exceeded"  # how qpdf reports it (warning or exception text)

# Action types (/S) that run code, touch the user's machine or the network, or pull or push
# data: never acceptable in a document filed with the institution.
_FORBIDDEN_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToR",
        "/GoToE",
        "/RichMediaExecute",
    }
)


@dataclass(frozen=True)
class ScreenedPdf:
    sha256: str  # hex of the original bytes
    size: int  # bytes
    pages: int  # page count (folios)


class _Refused(Exception):
    """Internal: carries the Spanish message out of the object walk."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _mb(n: int) -> str:
    """Human size limit: prefer a whole number of MiB, then of MB, else one decimal of MiB."""
    mib = 1024 * 1024
    if n % mib == 0:
        return f"{n // mib} MB"
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000} MB"
    return f"{n / mib:.1f} MB"


# ---------------------------------------------------------------- screening
def screen_pdf(data: bytes, *, max_bytes: int, field: str = "archivo") -> ScreenedPdf:
    """Accept only a safe, well-formed PDF; raise InvalidInput(field, msg) otherwise.

    Checks, cheapest first: emptiness and size; the ``%PDF-`` signature as the very first bytes
    (readers tolerate it anywhere in the first 1,024 bytes, which lets an HTML page carry a valid
    PDF after it: such a polyglot is refused, and so is a BOM or whitespace before it); a strict parse (no
    password, no repair needed, no qpdf warnings); no active content (JavaScript, automatic or
    dangerous actions) and no embedded files anywhere in the file; no decompression bomb in
    the Flate streams; at least one page.
    """
    size = len(data)
    if size == 0:
        raise InvalidInput(field, MSG_EMPTY)
    if size > max_bytes:
        raise InvalidInput(field, MSG_TOO_BIG.format(limit=_mb(max_bytes)))
    ensure_pdf_signature(data, field=field)

    _ensure_qpdf_limits()
    try:
        pdf = pikepdf.Pdf.open(io.BytesIO(data), attempt_recovery=False)
    except pikepdf.PasswordError:
        raise InvalidInput(field, MSG_ENCRYPTED) from None
    except Exception as exc:  # pikepdf.PdfError and friends: not parseable without repair
        raise InvalidInput(field, _unparseable_message(data, str(exc))) from None

    try:
        with pdf:
            if pdf.is_encrypted:  # e.g. only an owner password, opens with an empty one
                raise _Refused(MSG_ENCRYPTED)
            _check_warnings(pdf)  # qpdf fixed something up while opening
            try:
                pages = len(pdf.pages)
                _check_objects(pdf)
            except _Refused:
                raise
            except Exception as exc:  # broken object, dangling structure, bad page tree...
                _check_warnings(pdf)
                raise _Refused(MSG_BOMB if _QPDF_LIMIT_HIT in str(exc) else MSG_DAMAGED) from None
            _check_warnings(pdf)  # qpdf fixed something up while we were reading
    except _Refused as refused:
        raise InvalidInput(field, refused.message) from None

    if pages == 0:
        raise InvalidInput(field, MSG_NO_PAGES)
    return ScreenedPdf(sha256=hashlib.sha256(data).hexdigest(), size=size, pages=pages)


def ensure_pdf_signature(data: bytes, *, field: str = "archivo") -> None:
    """Refuse a file that does not start with ``%PDF-`` (byte 0): nothing, not even a BOM or
    whitespace, may come before it. A file with no signature near the start is "not a PDF"; one
    with the signature further in (a polyglot: an HTML page, say, with a PDF after it) is told why."""
    if data.startswith(PDF_SIGNATURE):
        return
    if PDF_SIGNATURE in data[:LATE_SIGNATURE_WINDOW]:
        raise InvalidInput(field, MSG_NO_SIGNATURE)
    raise InvalidInput(field, MSG_NOT_PDF)


def _ensure_qpdf_limits() -> None:
    """Make sure qpdf will not inflate more than our budget for any single stream."""
    current = qpdf_settings.get_qpdf_limits()
    tighter: dict[str, Any] = {
        name: MAX_TOTAL_DECODED
        for name in _QPDF_MEMORY_LIMITS
        if not 0 < current[name] <= MAX_TOTAL_DECODED  # 0 means "no limit"
    }
    if tighter:
        qpdf_settings.set_qpdf_limits(**tighter)


def _check_warnings(pdf: pikepdf.Pdf) -> None:
    """qpdf warns when it repairs something or gives up decoding; either way, refuse.
    (get_warnings() returns the warnings issued since the previous call.)"""
    warnings = pdf.get_warnings()
    if warnings:
        if any(_QPDF_LIMIT_HIT in str(w) for w in warnings):
            raise _Refused(MSG_BOMB)
        raise _Refused(MSG_DAMAGED)


def _unparseable_message(data: bytes, error: str) -> str:
    """The strict parse failed: say "damaged" if qpdf could repair it, else "not a PDF".

    Only runs on the refusal path, so the (slower) recovery costs nothing for good files.
    """
    if _QPDF_LIMIT_HIT in error:
        return MSG_BOMB
    if "unfilterable stream" in error:
        # A stream the file's structure depends on (e.g. the cross-reference stream) could
        # not be decoded: corrupt data, or over qpdf's memory limit (a bomb, which qpdf only
        # reports as a warning). Trying to recover would just decode it all over again.
        return MSG_DAMAGED
    try:
        with pikepdf.Pdf.open(io.BytesIO(data), attempt_recovery=True) as recovered:
            len(recovered.pages)
    except Exception:
        return MSG_NOT_PDF
    return MSG_DAMAGED


def _check_objects(pdf: pikepdf.Pdf) -> None:
    """Walk every object of the file (not only the usual places) looking for active content,
    embedded files and decompression bombs. Raises _Refused."""
    budget = [MAX_TOTAL_DECODED]  # decoded bytes still allowed across the file
    dictionary = pikepdf.ObjectType.dictionary
    array = pikepdf.ObjectType.array
    stream = pikepdf.ObjectType.stream
    for obj in pdf.objects:
        kind = _kind(obj)  # scalars come back as plain Python values (or None for null)
        if kind == stream:
            _check_dict(obj)
            _walk_direct(obj, dictionary, array, stream)
            _check_stream_size(obj, budget)
        elif kind == dictionary:
            _check_dict(obj)
            _walk_direct(obj, dictionary, array, stream)
        elif kind == array:
            _walk_direct(obj, dictionary, array, stream)


def _walk_direct(container, dictionary, array, stream) -> None:
    """Check the direct dictionaries nested in an indirect object (e.g. an action written
    inline in an annotation). Indirect children are visited on their own by the outer loop."""
    pending = [container]
    while pending:
        current = pending.pop()
        values = current.values() if current._type_code != array else current
        for value in values:
            kind = _kind(value)
            if kind in (dictionary, array) and not value.is_indirect:
                if kind == dictionary:
                    _check_dict(value)
                pending.append(value)


def _kind(value) -> pikepdf.ObjectType | None:
    """pikepdf's object type, or None for the plain Python values (int, Decimal, bool) that
    pikepdf hands out for PDF scalars."""
    if isinstance(value, pikepdf.Object):
        return value._type_code
    return None


def _name(value) -> str | None:
    if _kind(value) == pikepdf.ObjectType.name_:
        return str(value)
    return None


def _check_dict(d) -> None:
    """Rules for one dictionary (or stream dictionary)."""
    keys = set(d.keys())

    # --- active content
    if "/JS" in keys:  # JavaScript action body, wherever it sits
        raise _Refused(MSG_ACTIVE)
    if "/AA" in keys:  # additional actions: catalog, page, annotation, form field triggers
        raise _Refused(MSG_ACTIVE)
    if "/XFA" in keys:  # XFA forms carry their own scripts
        raise _Refused(MSG_ACTIVE)
    if "/S" in keys and _name(d.get("/S")) in _FORBIDDEN_ACTIONS:
        raise _Refused(MSG_ACTIVE)
    if "/OpenAction" in keys:
        # /OpenAction as a plain destination array, e.g. [page /Fit] (fpdf2 writes one), only
        # says where to open: harmless and allowed. As an action dictionary it runs on open;
        # only /GoTo (jump to a page of this same file) is harmless.
        action = d.get("/OpenAction")
        if _kind(action) == pikepdf.ObjectType.dictionary:
            if _name(action.get("/S")) != "/GoTo":
                raise _Refused(MSG_ACTIVE)
    if "/Names" in keys:
        names = d.get("/Names")
        if _kind(names) == pikepdf.ObjectType.dictionary:
            if "/JavaScript" in names:  # document-level scripts name tree
                raise _Refused(MSG_ACTIVE)
            if "/EmbeddedFiles" in names:
                raise _Refused(MSG_EMBEDDED)

    # --- embedded files
    if "/EF" in keys:  # file specification carrying the file itself
        raise _Refused(MSG_EMBEDDED)
    if "/Type" in keys and _name(d.get("/Type")) == "/EmbeddedFile":
        raise _Refused(MSG_EMBEDDED)
    if "/Subtype" in keys and _name(d.get("/Subtype")) == "/FileAttachment":
        raise _Refused(MSG_EMBEDDED)


def _filters(obj) -> list[str]:
    f = obj.get("/Filter")
    if f is None:
        return []
    if _kind(f) == pikepdf.ObjectType.array:
        return [_name(x) or "" for x in f]
    return [_name(f) or ""]


def _check_stream_size(obj, budget: list[int]) -> None:
    """Decode the leading run of /FlateDecode filters incrementally, counting the output and
    dropping it, and stop as soon as a limit is crossed. Other filters (DCTDecode, JPX, CCITT,
    JBIG2, LZW, ...) are not decoded, so images are never decoded to pixels here."""
    filters = _filters(obj)
    flate_layers = 0
    for f in filters:
        if f not in ("/FlateDecode", "/Fl"):
            break
        flate_layers += 1
    if flate_layers == 0:
        return
    raw = obj.read_raw_bytes()
    per_stream = max(STREAM_RATIO_FLOOR, MAX_STREAM_RATIO * len(raw))
    limit = min(per_stream, budget[0])
    try:
        produced = _inflate_count(raw, flate_layers, limit)
    except zlib.error:
        raise _Refused(MSG_DAMAGED) from None
    if produced > limit:
        raise _Refused(MSG_BOMB)
    budget[0] -= produced


def _inflate_count(raw: bytes, layers: int, limit: int) -> int:
    """Bytes produced by ``layers`` chained zlib inflations of ``raw``; stops early (returning
    a number > limit) once more than ``limit`` bytes came out of the last layer. Memory use is
    bounded by a few chunks per layer whatever the expansion."""
    decoders = [zlib.decompressobj() for _ in range(layers)]
    produced = 0

    def feed(level: int, data: bytes) -> bool:
        """Push ``data`` into layer ``level``; False when the limit has been exceeded."""
        nonlocal produced
        d = decoders[level]
        while not d.eof:
            out = d.decompress(data, _CHUNK)
            data = d.unconsumed_tail
            if level + 1 == layers:
                produced += len(out)
                if produced > limit:
                    return False
            elif out and not feed(level + 1, out):
                return False
            # Input used up and the output buffer not filled: nothing is pending in zlib.
            # (A full buffer may leave output pending even with no input left: go round.)
            if not data and len(out) < _CHUNK:
                break
        return True

    feed(0, raw)
    return produced


_ensure_qpdf_limits()  # at import ("startup"), and again on every screen in case of changes


# ---------------------------------------------------------------- store of originals
_SHA_RE = re.compile(r"[0-9a-f]{64}")
_FILE_MODE = 0o440  # originals are never rewritten: read-only for the owner and the group
_DIR_MODE = 0o750


class FileStore:
    """Content-addressed store of originals on disk: root/ab/<sha256>. Originals are
    written once, byte-for-byte, never rewritten."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        if not isinstance(sha256, str) or not _SHA_RE.fullmatch(sha256):
            raise ValueError(f"sha256 inválido: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; returns (sha256, created_now)."""
        sha = hashlib.sha256(data).hexdigest()
        final = self.path(sha)
        if final.is_file():
            return sha, False
        final.parent.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            return sha, self._publish(Path(tmp), final)
        finally:
            _unlink_quietly(Path(tmp))

    def put_file(self, src: Path) -> tuple[str, bool]:
        """Store the file at ``src`` (streamed, hashed while copying); returns (sha256,
        created_now). The copy is staged in ``root`` (same file system) and moved into
        place atomically once its name is known."""
        self.root.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
        digest = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
                while chunk := inp.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            sha = digest.hexdigest()
            final = self.path(sha)
            if final.is_file():
                return sha, False
            final.parent.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
            return sha, self._publish(Path(tmp), final)
        finally:
            _unlink_quietly(Path(tmp))

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def remove(self, sha256: str) -> None:
        """Delete an original (missing is fine). Only to undo a transaction that failed right
        after ``put`` returned created_now=True: the caller must be sure no committed record
        points to the same content."""
        self.path(sha256).unlink(missing_ok=True)

    # -- internals
    @staticmethod
    def _publish(tmp: Path, final: Path) -> bool:
        """Atomically give ``tmp`` its final name without ever overwriting an existing
        original. True when this call created it."""
        os.chmod(tmp, _FILE_MODE)
        try:
            # link() fails if the name exists: two concurrent writers of the same content
            # cannot both believe they created it (which matters for remove()).
            os.link(tmp, final)
        except FileExistsError:
            return False
        except OSError:
            # File system without hard links: atomic rename instead (same content anyway).
            if final.is_file():
                return False
            os.replace(tmp, final)
        _fsync_dir(final.parent)
        return True


def _unlink_quietly(p: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        p.unlink()


def _fsync_dir(d: Path) -> None:
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def safe_filename(name: str) -> str:
    """The last path segment of a browser-given name, printable, at most 200 characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "documento.pdf"
    return base[-200:]


def pdf_stem(name: str) -> str:
    """A browser-given name without its extension (any, and a ``.pdf`` before it): the part a
    PDF's stored or download name is built on; "" when nothing usable is left."""
    base = safe_filename(name) if name and name.strip() else ""
    head, dot, _ext = base.rpartition(".")
    stem = head if dot else base
    if stem.lower().endswith(".pdf"):
        stem = stem[:-4]
    return stem.rstrip(" .")[:196]


def pdf_filename(name: str) -> str:
    """The name a PDF is stored and served under: ``safe_filename`` with its extension replaced
    by ``.pdf``, whatever the browser said (``informe.html`` -> ``informe.pdf``, ``x.pdf.html``
    -> ``x.pdf``, ``acta`` -> ``acta.pdf``, ``.html`` -> ``documento.pdf``), at most 200 characters."""
    return (pdf_stem(name) or "documento") + ".pdf"
