"""The development PKI for digital signatures (Ley N° 27269): root -> institution CA -> staff,
seal and TSA certificates, generated on first use. Plain Python, no reflex. The production key
loaders (PKCS#12, external TSA) are in ``keys``.

Development PKI (``DevPKI.ensure(directory)``)
==============================================
Created on first use, loaded afterwards; creation, issuance and revocation run under a
``threading`` lock plus an exclusive ``fcntl.flock`` on ``<directory>/.lock``, so several
threads, workers and processes can call ``ensure`` at once. All keys are RSA-2048.

Layout on disk (directory mode 0700, every ``*.key.pem`` and ``passphrase`` mode 0600)::

    <directory>/
      .lock                         lock file (creation / issuance / revocation)
      passphrase                    0600, random (secrets.token_urlsafe(32)); decrypts every key below
      manifest.json                 written last: its presence means "PKI complete"
      root-ca.cert.pem              root CA (self-signed, 20 years, pathLen 1)
      root-ca.key.pem               PKCS#8 encrypted (PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC; the
                                    passphrase carries 256 random bits, so the KDF's 2048 rounds suffice)
      root-ca.crl                   DER CRL of the root (covers the institution CA)
      institution-ca.cert.pem       institution CA (issued by the root, 10 years, pathLen 0)
      institution-ca.key.pem
      institution-ca.crl            DER CRL of the institution CA (staff, seal, TSA); reissued by revoke()
      seal.cert.pem / seal.key.pem  "Sello electrónico — <institution>" (the institution's e-seal)
      tsa.cert.pem / tsa.key.pem    local time-stamping authority (EKU timeStamping, critical)
      staff/<username>.cert.pem     one per staff member, issued on demand (CN = full name, UID = username;
                                    file name = username lower-cased, [A-Za-z0-9._@-] only)
      staff/<username>.key.pem
      staff/revoked/<username>.<serial>.cert.pem   certificates moved away by revoke() (key deleted)
      staff/expired/<username>.<serial>.cert.pem   certificates retired at renewal (key deleted)

Every issued certificate carries a CRL distribution point ``<crl_base_url>/<issuer>.crl`` (default
``http://localhost:8000/pki``): pyhanko-certvalidator only checks revocation for certificates that
point to revocation information. Validators are handed the CRLs directly (``crls()``), so nothing is
fetched unless a caller enables fetching.

Keys are encrypted at rest with ``BestAvailableEncryption(passphrase)`` (PKCS#8, "BEGIN ENCRYPTED
PRIVATE KEY"); nothing can be loaded without the passphrase file. CRLs are valid 30 days and are
reissued automatically when fewer than 7 days remain (on ``ensure`` and on ``crls()``).

Performance: a ``DevPKI`` is cached per directory and process; every signer/timestamper it hands out
keeps the decrypted ``cryptography`` key object (see ``CachedKeySigner`` / ``LocalTimeStamper``), so
the expensive PEM decryption + RSA key check (~50 ms) happens once per key and process, not per
signature. pyhanko's stock ``SimpleSigner`` and ``DummyTimeStamper`` re-load the key on *every*
signature.

API::

    DevPKI.ensure(directory: Path, institution: str = "Jurado Nacional de Elecciones", *,
                  crl_base_url: str = "http://localhost:8000/pki") -> DevPKI
    DevPKI.staff_signer(username: str, full_name: str) -> CachedKeySigner
        # issues the certificate on first use; after revoke(username), or a day before it expires
        # (validity 2 years), the next call issues a new one. An existing certificate is reused as is
        # (full_name is only used at issuance).
    DevPKI.seal_signer() -> CachedKeySigner
    DevPKI.timestamper() -> LocalTimeStamper            # in-process RFC 3161 TSA
    DevPKI.trust_roots() -> list[asn1crypto.x509.Certificate]   # [dev root]
    DevPKI.crls() -> list[bytes]                         # DER: root CRL + institution CRL (fresh)
    DevPKI.revoke(username: str, reason: str = "cessation_of_operation") -> None
    DevPKI.revoked_serials() -> set[int]                  # serials listed in the institution CRL
    DevPKI.staff_cert_path(username) / .key_path(name) / .passphrase_path   # for tools and tests
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1

from sgd_app.domain.signing.keys import CachedKeySigner, LocalTimeStamper

__all__ = ["DevPKI"]

KEY_SIZE = 2048
DEFAULT_CRL_BASE_URL = "http://localhost:8000/pki"
CRL_VALIDITY = timedelta(days=30)
CRL_REFRESH_MARGIN = timedelta(days=7)
_CLOCK_SKEW = timedelta(minutes=5)
_RENEW_BEFORE = timedelta(days=1)  # staff certificates (2 years) are reissued when this close to expiry

_USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,79}")
_REASONS = {r.name: r for r in x509.ReasonFlags}


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    # created with the final mode (0600 for secrets) so the content is never readable by others
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _name(common_name: str, institution: str, unit: str | None = None, uid: str | None = None) -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "PE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, institution[:64]),
    ]
    if unit:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    if uid:
        attrs.append(x509.NameAttribute(NameOID.USER_ID, uid))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(attrs)


class _Identity:
    """A certificate with its decrypted key (cryptography objects) and the asn1crypto cert."""

    __slots__ = ("asn1", "cert", "key", "stat")

    def __init__(self, cert: x509.Certificate, key, stat: tuple | None = None):
        self.cert, self.key, self.stat = cert, key, stat
        self.asn1 = translate_pyca_cryptography_cert_to_asn1(cert)


class DevPKI:
    """Development PKI: root CA -> institution CA -> staff / seal / TSA. See the module docstring."""

    _instances: ClassVar[dict[Path, DevPKI]] = {}
    _instances_lock = threading.Lock()

    def __init__(self, directory: Path, institution: str):
        self.directory = directory
        self.institution = institution
        self.crl_base_url = DEFAULT_CRL_BASE_URL
        self._lock = threading.RLock()
        self._passphrase: bytes | None = None
        self._root: _Identity | None = None
        self._ica: _Identity | None = None
        self._staff: dict[str, tuple[tuple | None, CachedKeySigner, datetime]] = {}  # (file stat, signer, renew at)
        self._seal: CachedKeySigner | None = None
        self._tsa: LocalTimeStamper | None = None

    # ---------------------------------------------------------------- creation / loading
    @classmethod
    def ensure(
        cls,
        directory: Path,
        institution: str = "Jurado Nacional de Elecciones",
        *,
        crl_base_url: str = DEFAULT_CRL_BASE_URL,
    ) -> DevPKI:
        """Create the PKI in ``directory`` if missing, else load it. One instance per directory and
        process (later calls return the cached instance, whatever the other arguments say).
        ``crl_base_url``: written into the certificates' CRL distribution points
        (``<base>/root-ca.crl``, ``<base>/institution-ca.crl``); the app may serve the CRL files
        there. Validators also get the CRLs directly (``crls()``), so nothing is fetched by default."""
        directory = Path(directory).resolve()
        with cls._instances_lock:
            inst = cls._instances.get(directory)
            if inst is None:
                inst = cls(directory, institution)
                inst.crl_base_url = crl_base_url.rstrip("/")
                inst._create_or_load()
                cls._instances[directory] = inst
        return inst

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    @property
    def passphrase_path(self) -> Path:
        return self.directory / "passphrase"

    def cert_path(self, name: str) -> Path:
        return self.directory / f"{name}.cert.pem"

    def key_path(self, name: str) -> Path:
        return self.directory / f"{name}.key.pem"

    def staff_cert_path(self, username: str) -> Path:
        return self.directory / "staff" / f"{_safe_username(username)}.cert.pem"

    def staff_key_path(self, username: str) -> Path:
        return self.directory / "staff" / f"{_safe_username(username)}.key.pem"

    def _create_or_load(self) -> None:
        with self._locked():
            os.chmod(self.directory, 0o700)
            manifest = self.directory / "manifest.json"
            if manifest.exists():
                data = json.loads(manifest.read_text())
                self.institution = data.get("institution", self.institution)
                self.crl_base_url = data.get("crl_base_url", self.crl_base_url)
                self._passphrase = self.passphrase_path.read_bytes().strip()
                self._root = self._load_identity("root-ca")
                self._ica = self._load_identity("institution-ca")
            else:
                self._create()
                _write_atomic(
                    manifest,
                    json.dumps(
                        {
                            "institution": self.institution,
                            "created_at": _now().isoformat(),
                            "crl_base_url": self.crl_base_url,
                            "key_protection": "PKCS#8 encrypted (BestAvailableEncryption), passphrase in ./passphrase (0600)",
                        },
                        ensure_ascii=False,
                        indent=2,
                    ).encode(),
                )
            self._refresh_crls_locked(force=False)

    def _create(self) -> None:
        # the passphrase first (kept if a previous, interrupted creation left one)
        if not self.passphrase_path.exists():
            _write_atomic(self.passphrase_path, secrets.token_urlsafe(32).encode(), 0o600)
        self._passphrase = self.passphrase_path.read_bytes().strip()
        inst = self.institution
        now = _now()
        root_key = rsa.generate_private_key(65537, KEY_SIZE)
        root_name = _name(f"CA raíz (desarrollo) — {inst}", inst)
        root_cert = (
            x509.CertificateBuilder()
            .subject_name(root_name)
            .issuer_name(root_name)
            .public_key(root_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _CLOCK_SKEW)
            .not_valid_after(now + timedelta(days=365 * 20))
            .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
            .add_extension(_ku(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256())
        )
        self._root = _Identity(root_cert, root_key)
        self._save_identity("root-ca", self._root)
        ica_key = rsa.generate_private_key(65537, KEY_SIZE)
        ica_cert = self._issue(
            self._root,
            ica_key.public_key(),
            "root-ca",
            _name(f"CA institucional (desarrollo) — {inst}", inst),
            days=365 * 10,
            ca=True,
        )
        self._ica = _Identity(ica_cert, ica_key)
        self._save_identity("institution-ca", self._ica)
        # institutional e-seal and the TSA
        seal_key = rsa.generate_private_key(65537, KEY_SIZE)
        seal_cert = self._issue(
            self._ica,
            seal_key.public_key(),
            "institution-ca",
            _name(f"Sello electrónico — {inst}", inst, unit="Sello electrónico"),
            days=365 * 3,
        )
        self._save_identity("seal", _Identity(seal_cert, seal_key))
        tsa_key = rsa.generate_private_key(65537, KEY_SIZE)
        tsa_cert = self._issue(
            self._ica,
            tsa_key.public_key(),
            "institution-ca",
            _name(f"TSA (desarrollo) — {inst}", inst, unit="Sellado de tiempo"),
            days=365 * 5,
            tsa=True,
        )
        self._save_identity("tsa", _Identity(tsa_cert, tsa_key))
        self._write_crl("root-ca", self._root, [], 1)
        self._write_crl("institution-ca", self._ica, [], 1)

    def _issue(
        self,
        issuer: _Identity,
        public_key,
        issuer_crl: str,
        subject: x509.Name,
        *,
        days: int,
        ca: bool = False,
        tsa: bool = False,
    ) -> x509.Certificate:
        # The CRL distribution point matters beyond fetching: pyhanko-certvalidator (soft-fail and
        # hard-fail modes) only checks revocation for certificates that point to revocation info.
        now = _now()
        not_after = min(now + timedelta(days=days), issuer.cert.not_valid_after_utc)
        b = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.cert.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _CLOCK_SKEW)
            .not_valid_after(not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
            .add_extension(
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(f"{self.crl_base_url}/{issuer_crl}.crl")],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                critical=False,
            )
        )
        if ca:
            b = b.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            b = b.add_extension(_ku(cert_sign=True), critical=True)
        else:
            b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            b = b.add_extension(_ku(signing=True), critical=True)
            if tsa:
                b = b.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        return b.sign(issuer.key, hashes.SHA256())

    def _encryption(self):
        assert self._passphrase is not None
        return serialization.BestAvailableEncryption(self._passphrase)

    def _save_identity(self, name: str, ident: _Identity, *, directory: Path | None = None) -> None:
        d = directory or self.directory
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_pem = ident.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, self._encryption()
        )
        _write_atomic(d / f"{name}.key.pem", key_pem, 0o600)
        _write_atomic(d / f"{name}.cert.pem", ident.cert.public_bytes(serialization.Encoding.PEM))

    def _load_identity(self, name: str, *, directory: Path | None = None) -> _Identity:
        d = directory or self.directory
        cert_path = d / f"{name}.cert.pem"
        st = cert_path.stat()
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key((d / f"{name}.key.pem").read_bytes(), password=self._passphrase)
        return _Identity(cert, key, (st.st_ino, st.st_mtime_ns))

    # ---------------------------------------------------------------- CRLs
    def _crl_path(self, name: str) -> Path:
        return self.directory / f"{name}.crl"

    def _write_crl(self, name: str, issuer: _Identity, revoked: list[x509.RevokedCertificate], number: int) -> None:
        now = _now()
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(now - _CLOCK_SKEW)
            .next_update(now + CRL_VALIDITY)
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        )
        for entry in revoked:
            b = b.add_revoked_certificate(entry)
        crl = b.sign(issuer.key, hashes.SHA256())
        _write_atomic(self._crl_path(name), crl.public_bytes(serialization.Encoding.DER))

    def _read_crl(self, name: str) -> x509.CertificateRevocationList:
        return x509.load_der_x509_crl(self._crl_path(name).read_bytes())

    def _crl_number(self, crl: x509.CertificateRevocationList) -> int:
        try:
            return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
        except x509.ExtensionNotFound:
            return 0

    def _refresh_crls_locked(self, *, force: bool) -> None:
        for name, issuer in (("root-ca", self._root), ("institution-ca", self._ica)):
            assert issuer is not None
            crl = self._read_crl(name)
            if force or crl.next_update_utc is None or crl.next_update_utc - _now() < CRL_REFRESH_MARGIN:
                self._write_crl(name, issuer, list(crl), self._crl_number(crl) + 1)

    def crls(self) -> list[bytes]:
        """DER CRLs (root CA, institution CA), reissued first if they are about to expire."""
        for name in ("root-ca", "institution-ca"):
            nu = self._read_crl(name).next_update_utc
            if nu is None or nu - _now() < CRL_REFRESH_MARGIN:
                with self._locked():
                    self._refresh_crls_locked(force=False)
                break
        return [self._crl_path("root-ca").read_bytes(), self._crl_path("institution-ca").read_bytes()]

    def revoked_serials(self) -> set[int]:
        return {entry.serial_number for entry in self._read_crl("institution-ca")}

    # ---------------------------------------------------------------- signers
    def _chain(self) -> list[asn1_x509.Certificate]:
        # intermediates only: the root is the verifier's trust anchor, embedding it in every
        # signature and timestamp token only makes files bigger and validation slower
        assert self._ica is not None
        return [self._ica.asn1]

    def staff_signer(self, username: str, full_name: str) -> CachedKeySigner:
        """The signer of a staff member; issues the certificate on first use. Cached per process
        (re-validated against the files with one ``stat`` per call, so a revocation made by another
        process is seen)."""
        safe = _safe_username(username)
        cert_path = self.staff_cert_path(username)
        cached = self._staff.get(safe)
        if cached is not None:
            try:
                st = cert_path.stat()
                if (st.st_ino, st.st_mtime_ns) == cached[0] and cached[2] > _now():
                    return cached[1]
            except FileNotFoundError:
                pass
        with self._locked():
            staff_dir = self.directory / "staff"
            if cert_path.exists():
                current = x509.load_pem_x509_certificate(cert_path.read_bytes())
                if current.not_valid_after_utc - _now() < _RENEW_BEFORE:  # expiring: retire it, issue anew
                    old_dir = staff_dir / "expired"
                    old_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
                    os.replace(cert_path, old_dir / f"{safe}.{current.serial_number:x}.cert.pem")
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(self.staff_key_path(username))
            if not cert_path.exists():
                if not full_name.strip():
                    raise ValueError("Se requiere el nombre completo para emitir el certificado")
                key = rsa.generate_private_key(65537, KEY_SIZE)
                assert self._ica is not None
                cert = self._issue(
                    self._ica,
                    key.public_key(),
                    "institution-ca",
                    _name(full_name.strip(), self.institution, uid=username),
                    days=365 * 2,
                )
                self._save_identity(safe, _Identity(cert, key), directory=staff_dir)
            ident = self._load_identity(safe, directory=staff_dir)
            signer = CachedKeySigner(ident.asn1, ident.key, self._chain())
            self._staff[safe] = (ident.stat, signer, ident.cert.not_valid_after_utc - _RENEW_BEFORE)
            return signer

    def seal_signer(self) -> CachedKeySigner:
        """The institution's electronic seal ("Sello electrónico — <institution>")."""
        if self._seal is None:
            with self._lock:
                if self._seal is None:
                    ident = self._load_identity("seal")
                    self._seal = CachedKeySigner(ident.asn1, ident.key, self._chain())
        return self._seal

    def timestamper(self) -> LocalTimeStamper:
        """The local in-process TSA (real RFC 3161 tokens signed by tsa.cert.pem)."""
        if self._tsa is None:
            with self._lock:
                if self._tsa is None:
                    ident = self._load_identity("tsa")
                    self._tsa = LocalTimeStamper(ident.asn1, ident.key, self._chain())
        return self._tsa

    def trust_roots(self) -> list[asn1_x509.Certificate]:
        assert self._root is not None
        return [self._root.asn1]

    def revoke(self, username: str, reason: str = "cessation_of_operation") -> None:
        """Revoke the current certificate of ``username``: adds it to the institution CA's CRL
        (reissued with a new CRL number), moves the certificate to ``staff/revoked/`` and deletes
        its key. The next ``staff_signer(username, ...)`` issues a new certificate. Signer objects
        already handed out keep working, but their signatures validate as revoked.
        ``reason``: an ``x509.ReasonFlags`` name (key_compromise, affiliation_changed, superseded,
        cessation_of_operation, ...). Raises ``KeyError`` if the user has no certificate."""
        safe = _safe_username(username)
        flag = _REASONS.get(reason, x509.ReasonFlags.unspecified)
        with self._locked():
            cert_path = self.staff_cert_path(username)
            if not cert_path.exists():
                raise KeyError(username)
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            crl = self._read_crl("institution-ca")
            entries = [e for e in crl if e.serial_number != cert.serial_number]
            entry = (
                x509.RevokedCertificateBuilder()
                .serial_number(cert.serial_number)
                .revocation_date(_now())
                .add_extension(x509.CRLReason(flag), critical=False)
                .build()
            )
            assert self._ica is not None
            self._write_crl("institution-ca", self._ica, [*entries, entry], self._crl_number(crl) + 1)
            revoked_dir = self.directory / "staff" / "revoked"
            revoked_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.replace(cert_path, revoked_dir / f"{safe}.{cert.serial_number:x}.cert.pem")
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.staff_key_path(username))
            self._staff.pop(safe, None)


def _ku(*, cert_sign: bool = False, signing: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _safe_username(username: str) -> str:
    if not _USERNAME_RE.fullmatch(username or ""):
        raise ValueError(f"Nombre de usuario no válido para un certificado: {username!r}")
    return username.lower()
