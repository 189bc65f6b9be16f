"""Offline verification of an export package (``python -m sgd_app verify-package FILE.zip``):
the manifest's seal and that it is the manifest in the ZIP, every file's SHA-256 against it (none
missing, none extra), the seal of the foliation index and its JSON, the documents against the
index, and every audit event's hash (and the links between consecutive ones). Verdict in Spanish."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime

import pikepdf

from sgd_app.domain import audit
from sgd_app.domain.dossier.index_pdf import embedded_index
from sgd_app.domain.dossier.package import AUDIT_FILE, MANIFEST, MANIFEST_PDF, canonical_zip
from sgd_app.domain.signing import config as signing_config
from sgd_app.domain.signing.terms import VALIDO


@dataclass
class PackageReport:
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems

    def verdict(self) -> str:
        head = (
            "VÁLIDO: el paquete está íntegro."
            if self.valid
            else "NO VÁLIDO: el paquete fue alterado o está incompleto."
        )
        return "\n".join([head, *(f"  ✓ {c}" for c in self.checks), *(f"  ✗ {p}" for p in self.problems)])


def _embedded(pdf: bytes, name: str) -> bytes | None:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        att = doc.attachments.get(name)
        return att.get_file().read_bytes() if att is not None else None


def verify_package(data: bytes) -> PackageReport:
    report = PackageReport()
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        members = [(i.filename, z.read(i)) for i in z.infolist()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, zlib.error) as exc:
        report.problems.append(f"No es un ZIP legible ({exc}).")
        return report
    contents = dict(members)
    if canonical_zip(members) != data:
        report.problems.append("La estructura del ZIP fue modificada (cabeceras, fechas o bytes añadidos).")
    manifest_json = contents.pop(MANIFEST, None)
    manifest_pdf = contents.pop(MANIFEST_PDF, None)
    if manifest_json is None or manifest_pdf is None:
        report.problems.append("Falta el manifiesto (manifest.json y manifiesto.pdf).")
        return report
    _check_seal(report, manifest_pdf, "manifiesto.pdf")
    try:
        same = _embedded(manifest_pdf, MANIFEST) == manifest_json
    except Exception:  # pikepdf raises its own errors on a broken PDF
        same = False
    if same:
        report.checks.append("manifest.json es el manifiesto sellado")
    else:
        report.problems.append("manifest.json no coincide con el manifiesto sellado.")
    try:
        manifest = json.loads(manifest_json)
        listed = {f["nombre"]: f["sha256"] for f in manifest["archivos"]}
    except (ValueError, KeyError, TypeError):
        report.problems.append("manifest.json no se puede leer.")
        return report
    for name, sha in listed.items():
        if name not in contents:
            report.problems.append(f"Falta {name}.")
        elif hashlib.sha256(contents[name]).hexdigest() != sha:
            report.problems.append(f"{name} cambió: su SHA-256 no es el del manifiesto.")
    extra = sorted(set(contents) - set(listed))
    if extra:
        report.problems.append("Hay archivos que no figuran en el manifiesto: " + ", ".join(extra) + ".")
    if not [p for p in report.problems if "SHA-256" in p or "Falta" in p]:
        report.checks.append(f"{len(listed)} archivos con el SHA-256 del manifiesto")
    index_pdf = contents.get("indice.pdf")
    if index_pdf is not None:
        _check_seal(report, index_pdf, "indice.pdf")
        _check_index(report, index_pdf, contents)
    if AUDIT_FILE in contents:
        _check_audit(report, contents[AUDIT_FILE])
    return report


def _check_seal(report: PackageReport, pdf: bytes, name: str) -> None:
    try:
        result = signing_config.validate(pdf)
    except Exception as exc:  # a damaged PDF is a finding, not a crash
        report.problems.append(f"{name}: no se pudo validar su sello ({exc}).")
        return
    if result.verdict == VALIDO:
        report.checks.append(f"{name}: sello VÁLIDO ({', '.join(s.level or '' for s in result.signatures)})")
    else:
        report.problems.append(f"{name}: sello {result.verdict.replace('_', ' ')} — {result.reason}")


def _check_index(report: PackageReport, index_pdf: bytes, contents: dict[str, bytes]) -> None:
    try:
        index_json = embedded_index(index_pdf)
        index = json.loads(index_json or b"")
    except Exception:
        report.problems.append("indice.pdf no lleva un índice legible adjunto.")
        return
    if contents.get("indice.json") != index_json:
        report.problems.append("indice.json no es el índice adjunto al PDF sellado.")
    docs = {n: b for n, b in contents.items() if n.startswith("documentos/")}
    shas = sorted(hashlib.sha256(b).hexdigest() for b in docs.values())
    if shas != sorted(d["sha256"] for d in index.get("documentos", [])):
        report.problems.append("Los documentos del paquete no son los del índice de foliación.")
    else:
        report.checks.append(f"{len(docs)} documentos coinciden con el índice de foliación")


def _check_audit(report: PackageReport, data: bytes) -> None:
    try:
        events = json.loads(data)
    except ValueError:
        report.problems.append("auditoria.json no se puede leer.")
        return
    bad = []
    prev = None
    for e in events:
        h = audit.event_hash(
            prev_hash=e["prev_hash"],
            seq=e["seq"],
            at=datetime.fromisoformat(e["at"]),
            actor=e["actor"],
            action=e["action"],
            object_type=e["object_type"],
            object_id=e["object_id"],
            data=e["data"],
        )
        if h != e["hash"] or (prev is not None and prev["seq"] + 1 == e["seq"] and e["prev_hash"] != prev["hash"]):
            bad.append(str(e["seq"]))
        prev = e
    if bad:
        report.problems.append("Eventos de auditoría alterados: " + ", ".join(bad) + ".")
    else:
        report.checks.append(f"{len(events)} eventos de auditoría con su hash de cadena")
