"""The PDF of an inventory (transfer or elimination proposal): the files listed with number,
series, dates, folios and the SHA-256 of their sealed foliation index, the JSON attached, sealed
with the institution's seal at PAdES B-LTA (kept forever, like the index)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sgd_app.domain.printing.layout import INK, MUTED, landscape_record, stamp
from sgd_app.domain.printing.route_sheet import Cols, _row, _section

ATTACHMENT = "inventario.json"
TITLES = {"transferencia": "INVENTARIO DE TRANSFERENCIA", "eliminacion": "INVENTARIO DE ELIMINACIÓN (PROPUESTA)"}


def _when(iso: str | None) -> str:
    return stamp(datetime.fromisoformat(iso)) if iso else "—"


def _total(files: int, folios: int) -> str:
    return f"{files} expediente{'' if files == 1 else 's'}, {folios} folio{'' if folios == 1 else 's'}"


def render_inventory_pdf(data: dict[str, Any], data_json: bytes) -> bytes:
    pdf = landscape_record(
        title=f"{TITLES[data['tipo']].capitalize()} {data['numero']}",
        author=data["fondo"],
        created=datetime.fromisoformat(data["preparado_en"]),
        footer=f"{TITLES[data['tipo']].capitalize()} N° {data['numero']}",
        kind=TITLES[data["tipo"]],
        heading=f"N° {data['numero']}",
    )
    _section(pdf, "Datos del inventario")
    head = [
        ("De", data["origen"]),
        ("A", data["destino"]),
        ("Preparado por", f"{data['preparado_por']} · {_when(data['preparado_en'])} (hora de Lima)"),
        ("Total", _total(len(data["expedientes"]), data["folios"])),
    ]
    for label, value in head:
        _row(pdf, [(40, [(label, "B", 8, MUTED)]), (pdf.epw - 40, [(value, "", 8.5, INK)])])
    _section(pdf, "Expedientes")
    widths = (10.0, 38.0, 60.0, 30.0, 30.0, 16.0)
    rest = pdf.epw - sum(widths)
    table_head: Cols = [
        (widths[0], [("N°", "B", 7.5, MUTED)]),
        (widths[1], [("Expediente", "B", 7.5, MUTED)]),
        (widths[2], [("Serie documental", "B", 7.5, MUTED)]),
        (widths[3], [("Fecha de ingreso", "B", 7.5, MUTED)]),
        (widths[4], [("Fecha de cierre", "B", 7.5, MUTED)]),
        (widths[5], [("Folios", "B", 7.5, MUTED)]),
        (rest, [("SHA-256 del índice de foliación sellado", "B", 7.5, MUTED)]),
    ]
    _row(pdf, table_head)
    for n, f in enumerate(data["expedientes"], start=1):
        sha = f["indice_sha256"] or "(índice sin sellar)"
        _row(
            pdf,
            [
                (widths[0], [(str(n), "", 8, INK)]),
                (widths[1], [(f["numero"], "B", 8, INK)]),
                (widths[2], [(f"{f['serie_codigo']} {f['serie_nombre']}", "", 8, INK)]),
                (widths[3], [(_when(f["ingreso"]), "", 8, INK)]),
                (widths[4], [(_when(f["cierre"]), "", 8, INK)]),
                (widths[5], [(str(f["folios"]), "", 8, INK)]),
                (rest, [(sha[:32], "", 7, INK), (sha[32:], "", 7, INK)]),
            ],
            header=table_head,
        )
    pdf.ln(3)
    pdf.text_block(
        f"La relación legible por máquina va adjunta ({ATTACHMENT}). Este documento lleva el sello electrónico de "
        "la institución (PAdES B-LTA): cualquier cambio lo invalida. La aprobación queda registrada en el "
        "sistema y en su registro de auditoría.",
        pdf.l_margin,
        pdf.epw,
        7.5,
        color=MUTED,
    )
    pdf.embed_file(bytes=data_json, basename=ATTACHMENT, desc="Inventario (JSON)", mime_type="application/json")
    return bytes(pdf.output())
