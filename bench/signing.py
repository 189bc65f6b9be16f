"""PAdES signing and validation, one process, RSA-2048, a 1-page PDF, local in-process TSA.

* ``sign_per_s``: the service path — ``signing.sign_pdf`` at B-T with the cached signer from
  ``DevPKI.staff_signer`` (key decrypted once per process) and the cached local TSA.
* ``sign_default_per_s``: pyhanko's plain default path on the same PDF and the same keys: the
  encrypted PEM key loaded with ``SimpleSigner.load(...)`` for every signature, pyhanko's own
  ``DummyTimeStamper``, default ``PdfSignatureMetadata`` (PAdES subfilter), default visible stamp,
  automatic size estimation (a dry-run signature + timestamp per document).
* ``validate_p95_ms`` / ``validate_median_ms``: ``signing.validate_pdf`` on distinct B-T files
  (trust root + CRLs, difference analysis, timestamp check).
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from bench.common import one_page_pdf, p95
from sgd_app.domain import signing
from sgd_app.domain.signing import DevPKI

N = int(os.environ.get("BENCH_SIGN_N", "200"))
N_DEFAULT = int(os.environ.get("BENCH_SIGN_DEFAULT_N", "40"))
N_VALIDATE = int(os.environ.get("BENCH_VALIDATE_N", "100"))
URL = "https://tramite.jne.gob.pe/verificar/EXP-2026-000123"


def _pdf() -> bytes:
    return one_page_pdf("Resolución N° 0123-2026-JNE. Se resuelve declarar fundado el recurso. " * 12)


_p95 = p95


def run_service(pki: DevPKI, pdf: bytes) -> tuple[float, float, list[bytes]]:
    signer = pki.staff_signer("bench", "Usuario de Prueba Rendimiento")
    tsa = pki.timestamper()
    signing.sign_pdf(pdf, signer=signer, timestamper=tsa, reason="Calentamiento", verify_url=URL)  # warm-up
    outputs, samples = [], []
    t0 = time.perf_counter()
    for i in range(N):
        t = time.perf_counter()
        out = signing.sign_pdf(
            pdf, signer=signer, timestamper=tsa, level="B-T", reason=f"Firma {i}", verify_url=f"{URL}-{i}"
        )
        samples.append(time.perf_counter() - t)
        if len(outputs) < N_VALIDATE:
            outputs.append(out)
    total = time.perf_counter() - t0
    return N / total, 1000 * _p95(samples), outputs


def run_default(pki: DevPKI, pdf: bytes) -> float:
    """pyhanko out of the box: load the (encrypted) key every time, default settings."""
    pki.staff_signer("bench", "Usuario de Prueba Rendimiento")
    passphrase = pki.passphrase_path.read_bytes().strip()
    key_file, cert_file = str(pki.staff_key_path("bench")), str(pki.staff_cert_path("bench"))
    chain = [str(pki.cert_path("institution-ca")), str(pki.cert_path("root-ca"))]
    tsa_local = pki.timestamper()
    tsa = DummyTimeStamper(
        tsa_cert=tsa_local.tsa_cert, tsa_key=tsa_local.tsa_key, certs_to_embed=tsa_local.certs_to_embed
    )
    t0 = time.perf_counter()
    for i in range(N_DEFAULT):
        signer = signers.SimpleSigner.load(key_file, cert_file, ca_chain_files=chain, key_passphrase=passphrase)
        meta = signers.PdfSignatureMetadata(
            field_name=f"Firma{i}", subfilter=fields.SigSeedSubFilter.PADES, reason=f"Firma {i}"
        )
        pdf_signer = signers.PdfSigner(
            meta,
            signer=signer,
            timestamper=tsa,
            new_field_spec=fields.SigFieldSpec(f"Firma{i}", on_page=0, box=(327, 18, 577, 102)),
        )
        pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    return N_DEFAULT / (time.perf_counter() - t0)


def run_validate(pki: DevPKI, files: list[bytes]) -> tuple[float, float]:
    kw = {"trust_roots": pki.trust_roots(), "crls": pki.crls()}
    assert signing.validate_pdf(files[0], **kw).verdict == signing.VALIDO
    samples = []
    for data in files:
        t = time.perf_counter()
        report = signing.validate_pdf(data, **kw)
        samples.append(time.perf_counter() - t)
        assert report.verdict == signing.VALIDO, report.reasons
    return 1000 * _p95(samples), 1000 * statistics.median(samples)


def main() -> list[tuple[str, float, str]]:
    import logging

    pyhanko_log = logging.getLogger("pyhanko")
    level = pyhanko_log.level
    pyhanko_log.setLevel(logging.ERROR)  # dev-PKI warnings are noise here
    pdf = _pdf()
    try:
        with tempfile.TemporaryDirectory() as d:
            pki = DevPKI.ensure(Path(d) / "pki")
            sign_per_s, sign_p95_ms, outputs = run_service(pki, pdf)
            default_per_s = run_default(pki, pdf)
            validate_p95_ms, validate_median_ms = run_validate(pki, outputs)
    finally:
        pyhanko_log.setLevel(level)
    return [
        ("sign_per_s", sign_per_s, "signatures/s"),
        ("sign_p95_ms", sign_p95_ms, "ms"),
        ("sign_default_per_s", default_per_s, "signatures/s"),
        ("sign_speedup", sign_per_s / default_per_s, "x"),
        ("validate_p95_ms", validate_p95_ms, "ms"),
        ("validate_median_ms", validate_median_ms, "ms"),
    ]


if __name__ == "__main__":
    for name, value, unit in main():
        print(f"{name}: {value:.1f} {unit}")
