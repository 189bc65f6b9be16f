"""Signer and timestamper objects that keep the decrypted key in memory, and the loaders of
production key material (Ley N° 27269). Plain Python, no reflex.

::

    load_pkcs12_signer(data: bytes, passphrase: bytes, *, extra_certs=()) -> CachedKeySigner
        # a user's (or the institution seal's) PKCS#12; the passphrase is used once, never stored
    load_certificates(data: bytes) -> list[asn1crypto.x509.Certificate]   # PEM (one or many) or DER
    http_timestamper(url: str, *, auth=None, timeout=10) -> TimeStamper   # external RFC 3161 TSA
    as_certs(items) / as_crls(items)     # asn1crypto objects from PEM/DER bytes or library objects

Every signer/timestamper handed out keeps the decrypted ``cryptography`` key object, so the
expensive PEM decryption + RSA key check (~50 ms) happens once per key and process, not per
signature. pyhanko's stock ``SimpleSigner`` and ``DummyTimeStamper`` re-load the key on *every*
signature.
"""

from __future__ import annotations

from collections.abc import Iterable

from asn1crypto import cms, core
from asn1crypto import crl as asn1_crl
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.keys.internal import translate_pyca_cryptography_cert_to_asn1, translate_pyca_cryptography_key_to_asn1
from pyhanko.sign import general
from pyhanko.sign.attributes import CMSAttributeProvider, SigningCertificateV2Provider
from pyhanko.sign.general import as_signing_certificate_v2
from pyhanko.sign.signers.pdf_cms import SimpleSigner
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash, process_pss_params

__all__ = [
    "CachedKeySigner",
    "LocalTimeStamper",
    "as_certs",
    "as_crls",
    "http_timestamper",
    "load_certificates",
    "load_pkcs12_signer",
]

# TSA policy of the development TSA: a UUID-based OID (ITU-T X.667, arc 2.25), private by construction
DEV_TSA_POLICY = "2.25.96456183983054150458360313676406877911"


class CachedKeySigner(SimpleSigner):
    """A pyhanko ``SimpleSigner`` that keeps the parsed ``cryptography`` private key.

    ``SimpleSigner.sign_raw`` re-parses (and re-checks) the DER key for every signature, which
    costs ~50 ms for RSA-2048; this subclass parses it once. It is thread-safe (RSA signing in
    ``cryptography`` holds no shared mutable state)."""

    def __init__(self, signing_cert: asn1_x509.Certificate, private_key, chain: Iterable[asn1_x509.Certificate] = ()):
        store = SimpleCertificateStore()
        store.register_multiple(list(chain))
        super().__init__(
            signing_cert=signing_cert,
            signing_key=translate_pyca_cryptography_key_to_asn1(private_key),
            cert_registry=store,
        )
        self._pyca_key = private_key

    def _signed_attr_providers(self, *args, **kwargs):
        # the signing-certificate-v2 attribute never changes: serve a pre-encoded copy (building and
        # DER-encoding it from scratch is a few ms of asn1crypto work per signature)
        for prov in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(prov, SigningCertificateV2Provider):
                yield _PreEncodedProvider(prov.attribute_type, self._signing_cert_v2())
            else:
                yield prov

    def _signing_cert_v2(self):
        cached = getattr(self, "_sc_v2", None)
        if cached is None:
            value = as_signing_certificate_v2(self.signing_cert)
            cached = self._sc_v2 = type(value).load(value.dump())
        return cached

    @property
    def subject_common_name(self) -> str:
        cert = self.signing_cert
        assert cert is not None  # given to the constructor
        return cert.subject.native.get("common_name", "") or cert.subject.human_friendly

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mech = self.get_signature_mechanism_for_digest(digest_algorithm)
        try:
            algo = mech.signature_algo
        except ValueError:
            algo = mech["algorithm"].native
        key = self._pyca_key
        if algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if algo == "rsassa_pss" and isinstance(key, rsa.RSAPrivateKey):
            padding, hash_algo = process_pss_params(mech["parameters"])
            return key.sign(data, padding, hash_algo)
        if algo == "ecdsa" and isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        if algo in ("ed25519", "ed448") and isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
            return key.sign(data)
        return super().sign_raw(data, digest_algorithm)


class _PreEncodedProvider(CMSAttributeProvider):
    def __init__(self, attribute_type: str, value):
        self.attribute_type = attribute_type
        self._value = value

    async def build_attr_value(self, dry_run=False):
        return self._value


class LocalTimeStamper(DummyTimeStamper):
    """In-process RFC 3161 time-stamping authority (development and tests).

    pyhanko's ``DummyTimeStamper`` produces real RFC 3161 tokens signed with the TSA key, but
    re-parses that key for every token; this subclass keeps the parsed key."""

    def __init__(
        self,
        tsa_cert: asn1_x509.Certificate,
        tsa_private_key: rsa.RSAPrivateKey,
        chain: Iterable[asn1_x509.Certificate] = (),
    ):
        super().__init__(
            tsa_cert=tsa_cert,
            tsa_key=translate_pyca_cryptography_key_to_asn1(tsa_private_key),
            certs_to_embed=list(chain),  # type: ignore[arg-type]  # pyhanko only iterates it (typed as a store)
        )
        self._pyca_key = tsa_private_key

    def _build_tst_info(self, message_imprint, dt, req):
        tst_info = super()._build_tst_info(message_imprint, dt, req)
        tst_info["policy"] = DEV_TSA_POLICY  # pyhanko's dummy uses a real TSA's policy OID
        return tst_info

    def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
        md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        md.update(tst_info_data)
        static = getattr(self, "_static_attrs", None)
        if static is None:  # pre-encoded: DER-encoding the ESSCertID issuer name each time is slow
            static = self._static_attrs = [
                cms.CMSAttribute.load(general.simple_cms_attribute("content_type", "tst_info").dump()),
                cms.CMSAttribute.load(
                    general.simple_cms_attribute(
                        "signing_certificate", general.as_signing_certificate(self.tsa_cert)
                    ).dump()
                ),
            ]
        signed_attrs = cms.CMSAttributes(
            [
                static[0],
                general.simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                static[1],
                general.simple_cms_attribute("message_digest", md.finalize()),
            ]
        )
        signature = self._pyca_key.sign(signed_attrs.dump(), PKCS1v15(), get_pyca_cryptography_hash(md_algorithm))
        return signature, signed_attrs


def load_certificates(data: bytes | bytearray) -> list[asn1_x509.Certificate]:
    """Certificates from PEM (one or several blocks) or DER bytes."""
    if asn1_pem.detect(data):
        return [asn1_x509.Certificate.load(der) for _, _, der in asn1_pem.unarmor(data, multiple=True)]
    return [asn1_x509.Certificate.load(data)]


def load_pkcs12_signer(data: bytes, passphrase: bytes, *, extra_certs: Iterable = ()) -> CachedKeySigner:
    """A signer from a PKCS#12 (.p12/.pfx) file: a user's certificate or the institution seal.

    The passphrase is used to decrypt once and is never stored; keep the returned object (it holds
    the decrypted key) for the session instead of calling this per signature. ``extra_certs``:
    intermediate certificates missing from the file (asn1crypto certificates or PEM/DER bytes).
    Raises ``ValueError`` when the data or passphrase is wrong."""
    try:
        key, cert, others = pkcs12.load_key_and_certificates(data, passphrase)
    except Exception as exc:  # cryptography raises ValueError/TypeError variants
        raise ValueError("No se pudo abrir el certificado PKCS#12 (archivo o contraseña incorrectos)") from exc
    if key is None or cert is None:
        raise ValueError("El archivo PKCS#12 no contiene una clave privada y su certificado")
    chain = [translate_pyca_cryptography_cert_to_asn1(c) for c in (others or [])]
    for extra in extra_certs:
        chain.extend(load_certificates(extra) if isinstance(extra, (bytes, bytearray)) else [extra])
    return CachedKeySigner(translate_pyca_cryptography_cert_to_asn1(cert), key, chain)


def http_timestamper(url: str, *, auth: tuple[str, str] | None = None, timeout: int = 10) -> TimeStamper:
    """An RFC 3161 client for an external TSA over HTTP(S) (pyhanko's aiohttp-based client)."""
    # imported here on purpose: aiohttp takes ~0.5 s to import and only an external TSA needs it
    from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper

    return HTTPTimeStamper(url, auth=auth, timeout=timeout)


def as_certs(items: Iterable) -> list[asn1_x509.Certificate]:
    """asn1crypto certificates from asn1crypto or ``cryptography`` objects or PEM/DER bytes."""
    out: list[asn1_x509.Certificate] = []
    for item in items or ():
        if isinstance(item, asn1_x509.Certificate):
            out.append(item)
        elif isinstance(item, (bytes, bytearray)):
            out.extend(load_certificates(bytes(item)))
        else:  # a cryptography certificate
            out.append(translate_pyca_cryptography_cert_to_asn1(item))
    return out


def as_crls(items: Iterable) -> list[asn1_crl.CertificateList]:
    """asn1crypto CRLs from asn1crypto objects or PEM/DER bytes."""
    out = []
    for item in items or ():
        if isinstance(item, asn1_crl.CertificateList):
            out.append(item)
        else:
            data = bytes(item)
            if data.lstrip().startswith(b"-----"):
                out.extend(asn1_crl.CertificateList.load(der) for _, _, der in asn1_pem.unarmor(data, multiple=True))
            else:
                out.append(asn1_crl.CertificateList.load(data))
    return out
