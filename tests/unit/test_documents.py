"""PDF screening and the content-addressed store of originals (sgd_app/domain/documents.py).

Every bad PDF is built here, from a good one, with fpdf2 / pikepdf / pillow: no fixtures on
disk, no network.
"""

from __future__ import annotations

import ast
import hashlib
import io
import random
import re
import stat
import struct
import subprocess
import sys
import tracemalloc
import zlib
from pathlib import Path

import pikepdf
import pikepdf.settings
import pytest
from fpdf import FPDF
from pikepdf import Array, Dictionary, Name, String
from PIL import Image

from sgd_app.domain import documents
from sgd_app.domain.documents import FileStore, ScreenedPdf, screen_pdf
from sgd_app.domain.errors import InvalidInput

MB = 1024 * 1024
LIMIT = 20 * MB

NOT_PDF = "El archivo no es un PDF válido."
NO_SIGNATURE = "El archivo no es un PDF: debe empezar con la firma %PDF-."
ENCRYPTED = "El PDF está protegido con contraseña; suba una versión sin contraseña."
ACTIVE = "El PDF contiene código JavaScript o acciones automáticas y no puede aceptarse."
EMBEDDED = "El PDF contiene archivos incrustados; adjúntelos por separado."
DAMAGED = "El PDF está dañado (necesita reparación); vuelva a generarlo o escanearlo."
TOO_BIG_20 = "El PDF supera el tamaño máximo de 20 MB."
EMPTY = "El archivo está vacío."
NO_PAGES = "El PDF no tiene páginas."
BOMB = "El PDF contiene datos comprimidos anómalos (posible bomba de descompresión)."


# ---------------------------------------------------------------- builders
def fpdf_bytes(pages: int = 1, link: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for i in range(pages):
        pdf.add_page()
        pdf.cell(text=f"Solicitud de acceso a la informacion - folio {i + 1}")
        if link:
            pdf.ln()
            pdf.cell(text="Portal", link=link)
    return bytes(pdf.output())


GOOD = fpdf_bytes(1)


def modified(change, data: bytes = GOOD, **save_kwargs) -> bytes:
    """Open ``data`` with pikepdf, let ``change(pdf)`` alter it, return the saved bytes.

    Streams are saved as they are (no re-encoding), so raw Flate data we wrote stays raw."""
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:
        change(pdf)
        out = io.BytesIO()
        if "encryption" not in save_kwargs:  # qpdf must re-encode streams to encrypt them
            # Without both, qpdf would decode (and re-compress) our hand-made Flate streams.
            save_kwargs.setdefault("stream_decode_level", pikepdf.StreamDecodeLevel.none)
            save_kwargs.setdefault("compress_streams", False)
        pdf.save(out, **save_kwargs)
        return out.getvalue()


def refusal(data: bytes, field: str = "archivo", **kwargs) -> InvalidInput:
    kwargs.setdefault("max_bytes", LIMIT)
    with pytest.raises(InvalidInput) as info:
        screen_pdf(data, field=field, **kwargs)
    assert info.value.field == field
    return info.value


def first_page(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    return pdf.pages[0].obj


def add_annotation(pdf: pikepdf.Pdf, annot: Dictionary) -> None:
    page = first_page(pdf)
    annot.Type = Name.Annot
    annot.Rect = Array([10, 10, 100, 40])
    annots = page.get("/Annots")
    if annots is None:
        page.Annots = Array([pdf.make_indirect(annot)])
    else:
        annots.append(pdf.make_indirect(annot))


def js_action(code: str = "app.alert('hola');") -> Dictionary:
    return Dictionary(Type=Name.Action, S=Name.JavaScript, JS=String(code))


def goto_action(pdf: pikepdf.Pdf) -> Dictionary:
    return Dictionary(S=Name.GoTo, D=Array([pdf.pages[0].obj, Name.Fit]))


def flate_stream(pdf: pikepdf.Pdf, raw: bytes, filters: int = 1) -> pikepdf.Stream:
    """A stream whose *raw* (already encoded) bytes are ``raw``, with ``filters`` FlateDecode."""
    stream = pikepdf.Stream(pdf, b"")
    flt = Name.FlateDecode if filters == 1 else Array([Name.FlateDecode] * filters)
    stream.write(raw, filter=flt)
    return stream


def compressed_zeros(total: int, chunk: int = MB) -> bytes:
    """zlib.compress(b"\\0" * total) without ever holding ``total`` bytes in memory."""
    comp = zlib.compressobj(9)
    zeros = b"\0" * chunk
    parts = []
    left = total
    while left:
        n = min(chunk, left)
        parts.append(comp.compress(zeros[:n]))
        left -= n
    parts.append(comp.flush())
    return b"".join(parts)


def with_streams(streams_raw: list[tuple[bytes, int]]) -> bytes:
    """The good PDF with extra Flate streams referenced from the catalog (so they are kept)."""

    def change(pdf):
        pdf.Root.Extras = Array([flate_stream(pdf, raw, n) for raw, n in streams_raw])

    data = modified(change)
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:  # saved exactly as built, not re-encoded
        kept = [(s.read_raw_bytes(), s.Filter) for s in pdf.Root.Extras]
    assert [raw for raw, _ in kept] == [raw for raw, _ in streams_raw]
    assert [1 if isinstance(f, Name) else len(f) for _, f in kept] == [n for _, n in streams_raw]
    return data


def hand_made_pdf(*, objstm_padding: int = 0, xref_padding: int = 0, objstm_layers: int = 1) -> bytes:
    """A minimal PDF 1.5 written by hand: its page lives in an object stream (/ObjStm) and its
    cross-reference table is a Flate stream (/XRef). qpdf itself inflates both while opening
    the file, before any check of ours; the paddings (decoded bytes, added at the end of each
    stream's data) turn them into bombs."""

    def deflate(prefix: bytes, padding: int, pad: bytes) -> bytes:
        comp = zlib.compressobj(9)
        parts = [comp.compress(prefix)]
        chunk = pad * MB
        while padding:
            n = min(MB, padding)
            parts.append(comp.compress(chunk[:n]))
            padding -= n
        parts.append(comp.flush())
        return b"".join(parts)

    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}

    def obj(num: int, body: bytes) -> None:
        offsets[num] = len(out)
        out.extend(b"%d 0 obj\n" % num + body + b"\nendobj\n")

    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    head = b"3 0 "
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << >> >>"
    data = deflate(head + page, objstm_padding, b" ")  # spaces after the object are legal
    for _ in range(objstm_layers - 1):
        data = zlib.compress(data, 9)
    flt = b"[" + b" /FlateDecode" * objstm_layers + b" ]"
    obj(
        4,
        b"<< /Type /ObjStm /N 1 /First %d /Filter %s /Length %d >>\nstream\n" % (len(head), flt, len(data))
        + data
        + b"\nendstream",
    )
    xref_at = len(out)
    rows = [(0, 0, 65535), (1, offsets[1], 0), (1, offsets[2], 0), (2, 4, 0),
            (1, offsets[4], 0), (1, xref_at, 0)]  # fmt: skip
    table = deflate(b"".join(struct.pack(">BIH", *r) for r in rows), xref_padding, b"\0")
    out.extend(
        b"5 0 obj\n<< /Type /XRef /W [1 4 2] /Size 6 /Root 1 0 R /Filter /FlateDecode"
        b" /Length %d >>\nstream\n" % len(table) + table + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return bytes(out)


# ---------------------------------------------------------------- good files
def test_good_one_page_pdf_is_accepted_with_hash_size_and_pages():
    result = screen_pdf(GOOD, max_bytes=LIMIT)
    assert result == ScreenedPdf(sha256=hashlib.sha256(GOOD).hexdigest(), size=len(GOOD), pages=1)


def test_good_multi_page_pdf_counts_folios():
    data = fpdf_bytes(7)
    result = screen_pdf(data, max_bytes=LIMIT)
    assert result.pages == 7
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_screened_pdf_is_frozen():
    result = screen_pdf(GOOD, max_bytes=LIMIT)
    with pytest.raises(Exception):
        result.pages = 99  # type: ignore[misc]


def test_fpdf2_writes_a_destination_open_action_which_is_allowed():
    # fpdf2 puts /OpenAction [page /FitH null] in every file: a plain destination is harmless.
    with pikepdf.Pdf.open(io.BytesIO(GOOD)) as pdf:
        assert isinstance(pdf.Root.OpenAction, pikepdf.Array)
    assert screen_pdf(GOOD, max_bytes=LIMIT).pages == 1


def test_pdf_made_by_pikepdf_is_accepted():
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out)
    assert screen_pdf(out.getvalue(), max_bytes=LIMIT).pages == 2


def test_pdf_made_by_pillow_is_accepted():
    # A scanned document: pillow stores the image as DCT (JPEG); it is never decoded.
    pages = [Image.new("RGB", (400, 300), (200, 30 * i, 90)) for i in range(3)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=150)
    assert screen_pdf(out.getvalue(), max_bytes=LIMIT).pages == 3


def test_pdf_with_flate_image_made_by_fpdf2_is_accepted():
    img = Image.frombytes("L", (300, 300), random.Random(1).randbytes(300 * 300))
    pdf = FPDF()
    pdf.add_page()
    pdf.image(img, x=10, y=10, w=100)
    data = bytes(pdf.output())
    assert b"/FlateDecode" in data
    assert screen_pdf(data, max_bytes=LIMIT).pages == 1


def test_pdf_with_object_and_xref_streams_is_accepted():
    # The unpadded hand-made file is clean: the bomb tests below only differ by their padding.
    data = hand_made_pdf()
    with pikepdf.Pdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
        assert len(pdf.pages) == 1 and pdf.get_warnings() == []
    assert screen_pdf(data, max_bytes=LIMIT).pages == 1


def test_web_link_annotation_is_allowed():
    data = fpdf_bytes(1, link="https://www.gob.pe")
    assert b"/URI" in data
    assert screen_pdf(data, max_bytes=LIMIT).pages == 1


def test_open_action_goto_dictionary_is_allowed():
    data = modified(lambda pdf: setattr(pdf.Root, "OpenAction", goto_action(pdf)))
    assert screen_pdf(data, max_bytes=LIMIT).pages == 1


def test_large_but_ordinary_flate_stream_is_allowed():
    # 12 MB decoded (over the 10 MB floor) but only ~40x compression: not a bomb.
    rng = random.Random(7)
    plain = b"".join(rng.randbytes(16) + b"\0" * 1008 for _ in range(12 * 1024))
    raw = zlib.compress(plain, 9)
    assert len(plain) > 10 * MB and len(plain) < 1000 * len(raw)
    assert screen_pdf(with_streams([(raw, 1)]), max_bytes=LIMIT).pages == 1


def test_several_moderate_streams_under_the_total_budget_are_allowed():
    raw = compressed_zeros(9 * MB)  # each under 10 MB: the per-stream rule does not apply
    assert screen_pdf(with_streams([(raw, 1)] * 5), max_bytes=LIMIT).pages == 1


# ---------------------------------------------------------------- cheap refusals
def test_empty_file_is_refused():
    assert refusal(b"").message == EMPTY


def test_oversize_file_is_refused_with_the_limit_in_mb():
    data = b"%PDF-1.4\n" + b"0" * LIMIT
    assert refusal(data, max_bytes=LIMIT).message == TOO_BIG_20


def test_size_message_follows_max_bytes():
    big = b"%PDF-" + b"0" * (10 * MB)
    err = refusal(big, max_bytes=10 * MB)
    assert err.message == "El PDF supera el tamaño máximo de 10 MB."
    err = refusal(big, max_bytes=5_000_000)
    assert err.message == "El PDF supera el tamaño máximo de 5 MB."
    err = refusal(big, max_bytes=3 * MB // 2)
    assert err.message == "El PDF supera el tamaño máximo de 1.5 MB."


def test_size_exactly_at_limit_is_not_refused_for_size():
    data = GOOD + b"\n" * 10
    assert screen_pdf(data, max_bytes=len(data)).size == len(data)


def test_jpeg_renamed_to_pdf_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "white").save(out, "JPEG")
    assert refusal(out.getvalue()).message == NOT_PDF


def test_text_file_is_refused():
    text = "Señores: solicito copia del expediente.\n".encode() * 20
    assert refusal(text).message == NOT_PDF


def test_signature_beyond_first_kilobyte_is_refused():
    assert refusal(b" " * 1024 + GOOD).message == NOT_PDF


def test_signature_with_garbage_after_it_is_refused():
    assert refusal(b"%PDF-1.7\nesto no es un pdf\n" * 5).message == NOT_PDF


# An HTML page with a valid PDF after it: readers find %PDF- anywhere in the first kilobyte, a
# browser opening it as .html runs the script. Only a file that starts with %PDF- is a PDF here.
HTML_POLYGLOT = b"<html><script>alert(document.cookie)</script><!--\n" + GOOD


def test_html_pdf_polyglot_is_refused_though_qpdf_would_open_it():
    with pikepdf.Pdf.open(io.BytesIO(HTML_POLYGLOT)) as pdf:  # the PDF after the HTML is valid
        assert len(pdf.pages) == 1
    err = refusal(HTML_POLYGLOT, field="principal")
    assert (err.field, err.message) == ("principal", NO_SIGNATURE)


@pytest.mark.parametrize(
    "prefix", [b" ", b"\n", b"\x00", b"\xef\xbb\xbf", b"<"], ids=["space", "newline", "nul", "utf8_bom", "angle"]
)
def test_a_single_byte_before_the_signature_is_refused(prefix):
    assert refusal(prefix + GOOD).message == NO_SIGNATURE


def test_a_valid_pdf_starting_with_its_signature_is_accepted():
    assert GOOD.startswith(b"%PDF-")
    assert screen_pdf(GOOD, max_bytes=LIMIT).pages == 1


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("informe.html", "informe.pdf"),
        ("x.pdf.html", "x.pdf"),
        ("Solicitud.PDF", "Solicitud.pdf"),
        ("acta", "acta.pdf"),
        (".html", "documento.pdf"),
        ("", "documento.pdf"),
        ("C:\\Users\\ana\\informe.svg", "informe.pdf"),
        ("../../etc/informe.pdf", "informe.pdf"),
        ("Informe v2.1.pdf", "Informe v2.1.pdf"),
        ("carta.", "carta.pdf"),
        ("a" * 300 + ".html", "a" * 195 + ".pdf"),  # the last 200 characters, extension replaced
    ],
)
def test_pdf_filename_always_ends_in_pdf(given, stored):
    assert documents.pdf_filename(given) == stored


def test_field_name_is_passed_through():
    err = refusal(b"", field="anexo_2")
    assert err.field == "anexo_2"


# ---------------------------------------------------------------- encryption
def test_pdf_with_user_password_is_refused():
    data = modified(lambda pdf: None, encryption=pikepdf.Encryption(owner="dueño", user="clave"))
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.Pdf.open(io.BytesIO(data))
    assert refusal(data).message == ENCRYPTED


def test_pdf_with_only_owner_password_is_refused():
    data = modified(lambda pdf: None, encryption=pikepdf.Encryption(owner="dueño", user=""))
    with pikepdf.Pdf.open(io.BytesIO(data)) as pdf:  # opens without a password...
        assert pdf.is_encrypted
    assert refusal(data).message == ENCRYPTED  # ...but is still refused


# ---------------------------------------------------------------- damaged files
def test_corrupted_xref_offset_needs_repair_and_is_refused():
    start = GOOD.rindex(b"\nxref\n") + 1
    table = GOOD[start:]
    entries = re.findall(rb"(\d{10}) 00000 n", table)
    victim = entries[2]
    table = table.replace(victim + b" 00000 n", b"%010d 00000 n" % (int(victim) + 7), 1)
    data = GOOD[:start] + table
    assert len(data) == len(GOOD)
    pikepdf.Pdf.open(io.BytesIO(data))  # qpdf can repair it...
    assert refusal(data).message == DAMAGED  # ...but we want a clean file


def test_wrong_stream_length_needs_repair_and_is_refused():
    data = re.sub(rb"/Length (\d+)", lambda m: b"/Length %d" % (int(m.group(1)) + 5), GOOD, count=1)
    assert refusal(data).message == DAMAGED


def test_damage_in_an_object_read_only_by_the_walk_is_refused():
    # A stream that qpdf does not touch when opening (only referenced from the catalog): its
    # broken /Length only shows up as a warning once the object walk has read it.
    data = modified(lambda pdf: setattr(pdf.Root, "Extras", pikepdf.Stream(pdf, b"hola " * 40)))
    m = list(re.finditer(rb"/Length (\d+)", data[: data.index(b"hola hola")]))[-1]
    data = data[: m.start(1)] + str(int(m.group(1)) + 4).encode() + data[m.end(1) :]
    with pikepdf.Pdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
        assert pdf.get_warnings() == []  # nothing to see right after opening
        assert len(pdf.pages) == 1
    assert refusal(data).message == DAMAGED


def test_damage_found_at_open_is_refused_before_walking(monkeypatch):
    start = GOOD.rindex(b"\nxref\n") + 1
    entries = re.findall(rb"(\d{10}) 00000 n", GOOD[start:])
    victim = entries[2]
    data = GOOD[:start] + GOOD[start:].replace(victim + b" 00000 n", b"%010d 00000 n" % (int(victim) + 7), 1)

    walked = []
    monkeypatch.setattr(documents, "_check_objects", walked.append)
    assert refusal(data).message == DAMAGED
    assert walked == []


def test_truncated_pdf_without_xref_is_refused_as_damaged():
    data = GOOD[: GOOD.rindex(b"\nxref\n")]  # lost its cross-reference table and trailer
    assert refusal(data).message == DAMAGED


def test_pdf_cut_in_half_is_refused():
    assert refusal(GOOD[: len(GOOD) // 2]).message in (DAMAGED, NOT_PDF)


def test_corrupt_flate_data_is_refused_as_damaged():
    assert refusal(with_streams([(b"x\x9c" + b"\xff" * 64, 1)])).message == DAMAGED


# ---------------------------------------------------------------- active content
def _open_action_js(pdf):
    pdf.Root.OpenAction = js_action()


def _open_action_uri(pdf):
    pdf.Root.OpenAction = Dictionary(S=Name.URI, URI=String("https://malo.example"))


def _open_action_named_print(pdf):
    pdf.Root.OpenAction = Dictionary(S=Name.Named, N=Name.Print)


def _aa_on_page(pdf):
    # Even a harmless action becomes automatic under /AA (page open trigger).
    first_page(pdf).AA = Dictionary(O=goto_action(pdf))


def _aa_on_catalog(pdf):
    pdf.Root.AA = Dictionary(WC=goto_action(pdf))


def _launch_in_annotation(pdf):
    add_annotation(
        pdf,
        Dictionary(Subtype=Name.Link, A=Dictionary(S=Name.Launch, F=String("cmd.exe"))),
    )


def _js_in_link_annotation(pdf):
    add_annotation(pdf, Dictionary(Subtype=Name.Link, A=pdf.make_indirect(js_action())))


def _js_chained_after_uri(pdf):
    action = Dictionary(S=Name.URI, URI=String("https://www.gob.pe"), Next=js_action())
    add_annotation(pdf, Dictionary(Subtype=Name.Link, A=action))


def _js_as_stream(pdf):
    code = pikepdf.Stream(pdf, b"app.alert('x');")
    add_annotation(pdf, Dictionary(Subtype=Name.Link, A=Dictionary(S=Name.JavaScript, JS=code)))


def _js_in_outline(pdf):
    with pdf.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("Inicio", 0))
    item = pdf.Root.Outlines.First
    item.A = js_action()


def _js_name_tree(pdf):
    tree = Dictionary(Names=Array([String("init"), pdf.make_indirect(js_action())]))
    pdf.Root.Names = Dictionary(JavaScript=pdf.make_indirect(tree))


def _aa_on_form_field(pdf):
    field = Dictionary(
        FT=Name.Tx,
        T=String("dni"),
        Subtype=Name.Widget,
        AA=Dictionary(K=js_action("event.rc = true;")),
    )
    add_annotation(pdf, field)
    pdf.Root.AcroForm = Dictionary(Fields=Array([first_page(pdf).Annots[0]]))


def _js_key_without_action_type(pdf):
    add_annotation(pdf, Dictionary(Subtype=Name.Link, A=Dictionary(JS=String("app.alert(1)"))))


def _javascript_action_without_code(pdf):
    add_annotation(pdf, Dictionary(Subtype=Name.Link, A=Dictionary(S=Name.JavaScript)))


def _empty_js_name_tree(pdf):
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([])))


def _xfa_form(pdf):
    xfa = pikepdf.Stream(pdf, b"<xdp:xdp><script>app.alert(1)</script></xdp:xdp>")
    pdf.Root.AcroForm = Dictionary(Fields=Array([]), XFA=xfa)


def _action_in_annotation(kind: str):
    def change(pdf):
        add_annotation(
            pdf,
            Dictionary(
                Subtype=Name.Link,
                A=Dictionary(S=Name(kind), F=String("http://malo.example/x.pdf")),
            ),
        )

    change.__name__ = f"_{kind[1:]}_in_annotation"
    return change


@pytest.mark.parametrize(
    "change",
    [
        _open_action_js,
        _open_action_uri,
        _open_action_named_print,
        _aa_on_page,
        _aa_on_catalog,
        _launch_in_annotation,
        _js_in_link_annotation,
        _js_chained_after_uri,
        _js_as_stream,
        _js_in_outline,
        _js_name_tree,
        _empty_js_name_tree,
        _js_key_without_action_type,
        _javascript_action_without_code,
        _aa_on_form_field,
        _xfa_form,
        _action_in_annotation("/SubmitForm"),
        _action_in_annotation("/ImportData"),
        _action_in_annotation("/GoToR"),
        _action_in_annotation("/GoToE"),
        _action_in_annotation("/Launch"),
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_active_content_is_refused(change):
    data = modified(change)
    assert refusal(data, field="documento").message == ACTIVE


# ---------------------------------------------------------------- embedded files
def _attachment_api(pdf):
    pdf.attachments["sustento.txt"] = pikepdf.AttachedFileSpec(pdf, b"contenido oculto", mime_type="text/plain")


def _file_attachment_annotation(pdf):
    spec = pikepdf.AttachedFileSpec(pdf, b"MZ\x90\x00", filename="programa.exe")
    add_annotation(pdf, Dictionary(Subtype=Name.FileAttachment, FS=spec.obj))


def _file_attachment_annotation_without_ef(pdf):
    spec = Dictionary(Type=Name.Filespec, F=String("programa.exe"))
    add_annotation(pdf, Dictionary(Subtype=Name.FileAttachment, FS=spec))


def _filespec_with_ef_hidden_anywhere(pdf):
    data = pikepdf.Stream(pdf, b"secreto")
    pdf.Root.Cosas = Dictionary(Type=Name.Filespec, F=String("a.txt"), EF=Dictionary(F=data))


def _empty_embedded_files_name_tree(pdf):
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=Array([])))


def _bare_embedded_file_stream(pdf):
    stream = pikepdf.Stream(pdf, b"secreto")
    stream.Type = Name.EmbeddedFile
    pdf.Root.Cosas = stream


@pytest.mark.parametrize(
    "change",
    [
        _attachment_api,
        _file_attachment_annotation,
        _file_attachment_annotation_without_ef,
        _filespec_with_ef_hidden_anywhere,
        _bare_embedded_file_stream,
        _empty_embedded_files_name_tree,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_embedded_files_are_refused(change):
    data = modified(change)
    assert refusal(data).message == EMBEDDED


# ---------------------------------------------------------------- decompression bombs
@pytest.fixture(scope="module")
def zeros_300mb() -> bytes:
    return compressed_zeros(300 * MB)


def test_flate_bomb_of_300_mb_is_refused_without_decoding_it_all(zeros_300mb, monkeypatch):
    assert len(zeros_300mb) < 400_000
    data = with_streams([(zeros_300mb, 1)])
    # Count what the screen actually inflates: it must stop near the 200 MB budget.
    inflated = []
    real = documents._inflate_count

    def spy(raw, layers, limit):
        n = real(raw, layers, limit)
        inflated.append(n)
        return n

    monkeypatch.setattr(documents, "_inflate_count", spy)
    tracemalloc.start()
    try:
        assert refusal(data).message == BOMB
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert max(inflated) <= documents.MAX_TOTAL_DECODED + documents._CHUNK
    assert peak < 16 * MB  # output is counted chunk by chunk and dropped


def test_single_stream_over_1000x_and_10_mb_is_refused():
    raw = compressed_zeros(50 * MB)  # ~1030x, well under the 200 MB total
    assert 1000 * len(raw) < 50 * MB
    assert refusal(with_streams([(raw, 1)])).message == BOMB


def test_total_decoded_over_200_mb_across_streams_is_refused():
    raw = compressed_zeros(9 * MB)  # each stream alone is acceptable (see the test above)
    assert refusal(with_streams([(raw, 1)] * 24)).message == BOMB


def test_nested_flate_bomb_is_refused(zeros_300mb):
    # Flate of a Flate: 300 MB behind a few hundred bytes.
    raw = zlib.compress(zeros_300mb, 9)
    assert len(raw) < 2000
    assert refusal(with_streams([(raw, 2)])).message == BOMB


def test_object_stream_bomb_inflated_by_qpdf_while_opening_is_refused():
    data = hand_made_pdf(objstm_padding=250 * MB)  # over qpdf's limit, set by the module
    assert len(data) < 300_000
    assert refusal(data).message == BOMB


def test_nested_object_stream_bomb_is_refused():
    data = hand_made_pdf(objstm_padding=20 * MB, objstm_layers=2)
    assert len(data) < 2000
    assert refusal(data).message == BOMB


def test_cross_reference_stream_bomb_is_refused():
    # qpdf gives up decoding the cross-reference stream at its memory limit and only reports
    # that the file's structure could not be read: refused as damaged.
    data = hand_made_pdf(xref_padding=250 * MB)
    assert refusal(data).message == DAMAGED


_RSS_PROBE = """
import resource, sys
sys.path.insert(0, sys.argv[1])
import test_documents as t
data = t.hand_made_pdf(objstm_padding=600 * t.MB)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    t.screen_pdf(data, max_bytes=t.LIMIT)
    print("accepted")
except t.InvalidInput as exc:
    print(exc.message)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


def test_object_stream_bomb_never_reaches_qpdf_unbounded():
    # In a fresh process (qpdf memory is invisible to tracemalloc): a 600 MB object stream
    # would need at least 600 MB of RSS to inflate; the screen must stay well under that.
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE, str(Path(__file__).parent)],
        capture_output=True, text=True, timeout=120, cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    message, grown_mb = proc.stdout.split("\n")[:2]
    assert message == BOMB
    assert int(grown_mb) < 350, f"RSS grew by {grown_mb} MB"


def test_qpdf_memory_limits_are_set_and_only_ever_tightened():
    saved = pikepdf.settings.get_qpdf_limits()
    try:
        limit = saved["flate_max_memory"]
        assert 0 < limit <= documents.MAX_TOTAL_DECODED  # set on import
        assert 0 < saved["run_length_max_memory"] <= documents.MAX_TOTAL_DECODED
        pikepdf.settings.set_qpdf_limits(flate_max_memory=0)  # someone lifted it...
        screen_pdf(GOOD, max_bytes=LIMIT)
        assert pikepdf.settings.get_qpdf_limits()["flate_max_memory"] == limit  # ...restored
        pikepdf.settings.set_qpdf_limits(flate_max_memory=50 * MB)  # stricter elsewhere...
        screen_pdf(GOOD, max_bytes=LIMIT)
        assert pikepdf.settings.get_qpdf_limits()["flate_max_memory"] == 50 * MB  # ...kept
    finally:
        pikepdf.settings.set_qpdf_limits(
            flate_max_memory=saved["flate_max_memory"],
            run_length_max_memory=saved["run_length_max_memory"],
        )


def test_bomb_under_another_filter_is_not_decoded():
    # Only Flate is decoded: a DCT (JPEG) image stream is left alone, whatever its contents.
    def change(pdf):
        img = pikepdf.Stream(pdf, b"\xff\xd8" + b"\0" * 100)
        img.write(b"\xff\xd8" + b"\0" * 100, filter=Name.DCTDecode)
        pdf.Root.Extras = img

    assert screen_pdf(modified(change), max_bytes=LIMIT).pages == 1


def test_inflate_count_stops_early_and_uses_little_memory():
    raw = compressed_zeros(100 * MB)
    n = documents._inflate_count(raw, 1, 5 * MB)
    assert 5 * MB < n <= 5 * MB + documents._CHUNK
    assert documents._inflate_count(zlib.compress(b"abc" * 1000), 1, 10 * MB) == 3000


# ---------------------------------------------------------------- page count
def test_zero_page_pdf_is_refused():
    pdf = pikepdf.new()
    out = io.BytesIO()
    pdf.save(out)
    assert refusal(out.getvalue()).message == NO_PAGES


# ---------------------------------------------------------------- layering
def test_domain_module_never_imports_reflex():
    tree = ast.parse(Path(documents.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert "reflex" not in imported
    assert "pikepdf" in imported  # the walk above does see imports


# ---------------------------------------------------------------- FileStore
def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _no_temp_files(root: Path) -> bool:
    return not [p for p in root.rglob(".tmp-*")]


def test_put_writes_byte_for_byte_under_a_sharded_path(tmp_path):
    store = FileStore(tmp_path)
    sha, created = store.put(GOOD)
    assert (sha, created) == (_sha(GOOD), True)
    on_disk = tmp_path / sha[:2] / sha
    assert store.path(sha) == on_disk
    assert on_disk.read_bytes() == GOOD
    assert _sha(on_disk.read_bytes()) == on_disk.name
    assert store.read(sha) == GOOD
    assert store.exists(sha)
    assert _no_temp_files(tmp_path)


def test_put_is_idempotent_and_never_rewrites(tmp_path):
    store = FileStore(tmp_path)
    sha, _ = store.put(GOOD)
    before = store.path(sha).stat()
    assert store.put(GOOD) == (sha, False)
    after = store.path(sha).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert store.read(sha) == GOOD
    assert _no_temp_files(tmp_path)


def test_publish_never_overwrites_an_original_written_meanwhile(tmp_path):
    # Another request stored the same content between our exists() check and our rename.
    store = FileStore(tmp_path)
    sha, _ = store.put(GOOD)
    final = store.path(sha)
    before = final.stat().st_ino
    tmp = final.parent / ".tmp-ours"
    tmp.write_bytes(b"something else entirely")
    assert FileStore._publish(tmp, final) is False  # not created by us...
    assert final.stat().st_ino == before  # ...and left exactly as it was
    assert store.read(sha) == GOOD


def test_originals_are_not_writable(tmp_path):
    store = FileStore(tmp_path)
    sha, _ = store.put(b"original")
    mode = stat.S_IMODE(store.path(sha).stat().st_mode)
    assert mode & 0o222 == 0
    assert mode & 0o007 == 0  # nothing for "others"
    assert mode & 0o400


@pytest.mark.parametrize(
    "bad",
    ["../x", "", "A" * 64, "a" * 63, "a" * 65, "../" + "a" * 61, "g" * 64, "a" * 63 + "\n"],
)
def test_path_refuses_anything_but_64_lowercase_hex(tmp_path, bad):
    store = FileStore(tmp_path)
    with pytest.raises(ValueError):
        store.path(bad)
    with pytest.raises(ValueError):
        store.read(bad)
    with pytest.raises(ValueError):
        store.remove(bad)


def test_put_file_streams_and_matches_put(tmp_path):
    src = tmp_path / "subida.bin"
    payload = random.Random(3).randbytes(3 * MB + 123)  # several copy chunks
    src.write_bytes(payload)
    store = FileStore(tmp_path / "store")
    sha, created = store.put_file(src)
    assert (sha, created) == (_sha(payload), True)
    assert store.read(sha) == payload
    assert store.put_file(src) == (sha, False)
    assert store.put(payload) == (sha, False)
    assert _no_temp_files(tmp_path / "store")


def test_put_file_after_put_is_not_new(tmp_path):
    store = FileStore(tmp_path / "store")
    store.put(GOOD)
    src = tmp_path / "doc.pdf"
    src.write_bytes(GOOD)
    assert store.put_file(src) == (_sha(GOOD), False)
    assert _no_temp_files(tmp_path / "store")


def test_remove_undoes_a_put_and_is_missing_ok(tmp_path):
    store = FileStore(tmp_path)
    sha, _ = store.put(b"a revertir")
    store.remove(sha)
    assert not store.exists(sha)
    with pytest.raises(FileNotFoundError):
        store.read(sha)
    store.remove(sha)  # already gone: no error
    assert store.put(b"a revertir") == (sha, True)  # and it can be stored again


def test_store_of_a_screened_pdf_uses_the_same_hash(tmp_path):
    screened = screen_pdf(GOOD, max_bytes=LIMIT)
    sha, _ = FileStore(tmp_path).put(GOOD)
    assert sha == screened.sha256
