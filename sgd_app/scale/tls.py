"""The scaled set-up's TLS certificate: the configured one, or a self-signed pair made once."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from pathlib import Path

from sgd_app import settings
from sgd_app.scale.layout import Layout, ScaleError


def ensure_certificate(layout: Layout) -> tuple[Path, Path]:
    """The configured certificate and key, or a self-signed pair made once under scale/tls/."""
    if settings.TLS_CERT and settings.TLS_KEY:
        cert, key = Path(settings.TLS_CERT), Path(settings.TLS_KEY)
        if not cert.is_file() or not key.is_file():
            raise ScaleError(f"No se encuentra el certificado TLS configurado ({cert}, {key}).")
        return cert, key
    tls = layout.dir / "tls"
    cert, key = tls / "cert.pem", tls / "key.pem"
    if cert.is_file() and key.is_file():
        return cert, key
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    tls.mkdir(parents=True, exist_ok=True)
    os.chmod(tls, 0o700)
    private = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    host = layout.server_name
    try:
        names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        if host != "localhost":
            names.append(x509.DNSName(host))
    for loopback in ("127.0.0.1", "::1"):
        if x509.IPAddress(ipaddress.ip_address(loopback)) not in names:
            names.append(x509.IPAddress(ipaddress.ip_address(loopback)))
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, host),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"{settings.INSTITUTION_SHORT} (certificado autofirmado)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    tmp = key.with_suffix(".tmp")
    tmp.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    os.chmod(tmp, 0o600)
    tmp.replace(key)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return cert, key
