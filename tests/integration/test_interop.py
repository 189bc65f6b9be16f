"""The exchange between institutions with two real instances of the product on loopback
(docs/interop.md): A and B, each with its own data dir, SQLite database, port, RUC, PKI and
interop key, each registered in the other's directory and API clients (by the CLI). A signed
oficio sent from a case at A is registered at B through B's intake, and A's case shows
"Registrado como EXP-… en B" with B's sealed receipt; B down → queued → delivered exactly once
when B is back; a resend with the same CUO gets the same answer; a manifest or a PDF changed by
one byte is rejected with its code; an unknown or revoked sender gets 401 (403 when its client
is not in the directory); a package over the limit gets 413."""

from __future__ import annotations

import base64
import json
import secrets
import time

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.integration.interop_pair import (
    ASSERTION,
    ENVIOS,
    LIMIT,
    RUC_A,
    RUC_B,
    Instance,
    client_id_of,
    make_instance,
    set_up,
)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("interop")
    made = set_up(make_instance(tmp, "A", RUC_A), make_instance(tmp, "B", RUC_B), tmp)
    a, b = made["a"], made["b"]
    a.start()
    b.start()
    try:
        yield made
    finally:
        a.stop()
        b.stop()


def _send(a: Instance) -> tuple[str, str]:
    made = a.step("case")
    sent = a.step("send", made["number"], str(made["version"]), str(made["document_id"]), RUC_B)
    return made["number"], sent["cuo"]


def _wait_status(a: Instance, cuo: str, statuses: tuple[str, ...], timeout: float = 90) -> tuple:
    end = time.time() + timeout
    while time.time() < end:
        rows = a.rows("SELECT status, attempts, receiver_number, answer_code, last_error FROM interopsend "
                      "WHERE cuo = :cuo", cuo=cuo)  # fmt: skip
        if rows and rows[0][0] in statuses:
            return tuple(rows[0])
        time.sleep(0.5)
    raise AssertionError(f"{cuo} never reached {statuses}: {rows}")


def _token(b: Instance, client_id: str, key: ECKey) -> httpx.Response:
    endpoint = f"{b.base}/api/v1/oauth/token"
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": endpoint, "iat": now, "exp": now + 120,
              "jti": secrets.token_urlsafe(16)}  # fmt: skip
    assertion = jwt.encode({"alg": "ES256"}, claims, key, algorithms=["ES256"])
    return httpx.post(endpoint, data={"grant_type": "client_credentials", "client_assertion_type": ASSERTION,
                                      "client_assertion": assertion})  # fmt: skip


def _bearer(b: Instance, client_id: str, key: ECKey) -> dict[str, str]:
    r = _token(b, client_id, key)
    assert r.status_code == 200, r.text[:300]
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _package(a: Instance, cuo: str) -> tuple[str, list[bytes]]:
    ((manifest, doc_ids),) = a.rows("SELECT manifest, document_ids FROM interopsend WHERE cuo = :cuo", cuo=cuo)
    files = []
    for doc_id in doc_ids.split():
        ((sha,),) = a.rows("SELECT sha256 FROM document WHERE id = :id", id=int(doc_id))
        files.append((a.data / "files" / sha[:2] / sha).read_bytes())
    return manifest, files


def _post(b: Instance, headers: dict[str, str], manifest: str, files: list[bytes]) -> httpx.Response:
    return httpx.post(f"{b.base}{ENVIOS}", headers=headers, data={"manifiesto": manifest},
                      files=[("documento", (f"d{i}.pdf", f, "application/pdf")) for i, f in enumerate(files)],
                      timeout=120)  # fmt: skip


def test_a_signed_oficio_sent_from_a_is_registered_at_b_and_a_sees_it_registered(pair):
    a, b = pair["a"], pair["b"]
    number, cuo = _send(a)
    assert cuo.startswith(f"{RUC_A}-") and len(cuo) == len(f"{RUC_A}-2026-00000001")
    status, attempts, receiver_number, _, _ = _wait_status(a, cuo, ("registrado", "rechazado", "fallido"))
    assert status == "registrado" and attempts == 1
    # B: one case, channel interoperabilidad, through its intake (numbered, routed, receipt sealed)
    (case_id, b_number, channel, b_status), = b.rows(
        "SELECT e.id, e.number, e.channel, e.status FROM interopreceipt r JOIN expediente e "
        "ON e.id = r.expediente_id WHERE r.cuo = :cuo", cuo=cuo)  # fmt: skip
    assert (b_number, channel, b_status) == (receiver_number, "interoperabilidad", "registrado")
    kinds = [k for (k,) in b.rows("SELECT kind FROM document WHERE expediente_id = :id ORDER BY id", id=case_id)]
    assert kinds == ["solicitud", "cargo"]
    origin = b.rows("SELECT instructions FROM movement WHERE expediente_id = :id AND action = 'interop_recepcion'",
                    id=case_id)  # fmt: skip
    assert len(origin) == 1 and cuo in origin[0][0] and number in origin[0][0] and "Entidad A" in origin[0][0]
    # A: sent -> acknowledged -> registered as EXP-… at B, B's receipt filed in the case
    ((a_case,),) = a.rows("SELECT id FROM expediente WHERE number = :n", n=number)
    trail = a.rows("SELECT action, instructions FROM movement WHERE expediente_id = :id AND action LIKE 'interop%' "
                   "ORDER BY id", id=a_case)  # fmt: skip
    assert [t[0] for t in trail] == ["interop_envio", "interop_acuse", "interop_registro"]
    assert f"Registrado como {b_number} en Entidad B" in trail[2][1]
    ((sha,),) = a.rows("SELECT sha256 FROM document WHERE expediente_id = :id AND kind = 'cargo_entidad'", id=a_case)
    ((b_sha,),) = b.rows("SELECT sha256 FROM document WHERE expediente_id = :id AND kind = 'cargo'", id=case_id)
    assert sha == b_sha  # the very bytes B sealed
    receipt = (a.data / "files" / sha[:2] / sha).read_bytes()
    verdict = httpx.post(f"{a.base}/api/v1/verificacion", files={"archivo": ("cargo.pdf", receipt, "application/pdf")},
                         timeout=120).json()  # fmt: skip
    assert verdict["veredicto"] == "VÁLIDO", verdict  # B's seal verifies at A (A trusts B's root)

    # A resend with the same CUO gets the same answer, and never a second case
    manifest, files = _package(a, cuo)
    headers = _bearer(b, pair["a_at_b"], a.key())
    again = _post(b, headers, manifest, files)
    assert again.status_code == 200, again.text
    ((stored,),) = a.rows("SELECT answer FROM interopsend WHERE cuo = :cuo", cuo=cuo)
    assert again.json()["respuesta"] == stored and again.json()["expediente"] == b_number
    assert base64.b64decode(again.json()["cargo"]) == receipt
    status_again = httpx.get(f"{b.base}{ENVIOS}/{cuo}", headers=headers)
    assert status_again.status_code == 200 and status_again.json()["respuesta"] == stored
    assert b.rows("SELECT count(*) FROM interopreceipt WHERE cuo = :cuo", cuo=cuo) == [(1,)]
    assert b.rows("SELECT count(*) FROM expediente WHERE channel = 'interoperabilidad'") == [(1,)]


def test_b_down_the_package_waits_and_is_delivered_exactly_once_when_b_is_back(pair):
    a, b = pair["a"], pair["b"]
    before = b.rows("SELECT count(*) FROM expediente")[0][0]
    b.stop()
    try:
        _, cuo = _send(a)
        end = time.time() + 60
        while time.time() < end:
            (status, attempts, err), = a.rows("SELECT status, attempts, last_error FROM interopsend WHERE cuo = :c",
                                              c=cuo)  # fmt: skip
            if attempts >= 2:
                break
            time.sleep(0.5)
        assert status == "en_cola" and attempts >= 2 and err, (status, attempts, err)  # queued, retried with backoff
    finally:
        b.start()
    status, attempts, receiver_number, _, _ = _wait_status(a, cuo, ("registrado", "rechazado", "fallido"))
    assert status == "registrado" and attempts >= 3
    assert b.rows("SELECT count(*) FROM expediente")[0][0] == before + 1  # exactly once
    assert b.rows("SELECT e.number FROM interopreceipt r JOIN expediente e ON e.id = r.expediente_id "
                  "WHERE r.cuo = :c", c=cuo) == [(receiver_number,)]  # fmt: skip


def _one_byte(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def test_a_manifest_or_a_pdf_changed_by_one_byte_is_rejected_with_its_reason(pair):
    a, b = pair["a"], pair["b"]
    ((cuo,),) = a.rows("SELECT cuo FROM interopsend WHERE status = 'registrado' ORDER BY id LIMIT 1")
    manifest, files = _package(a, cuo)
    headers = _bearer(b, pair["a_at_b"], a.key())
    before = b.rows("SELECT count(*) FROM expediente")[0][0]
    head, payload, sig = manifest.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[raw.index(b'"asunto":"') + 10] ^= 0x01  # one byte of the subject
    forged = f"{head}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}.{sig}"
    r = _post(b, headers, forged, files)
    assert r.status_code == 422 and r.json()["code"] == "manifiesto_alterado", r.text[:300]
    assert r.json()["estado"] == "rechazado" and "firma del manifiesto" in r.json()["detail"]
    r = _post(b, headers, manifest, [_one_byte(files[0], len(files[0]) // 2)])
    assert r.status_code == 422 and r.json()["code"] == "archivo_alterado", r.text[:300]
    assert "SHA-256" in r.json()["detail"] and r.json()["respuesta"]
    assert b.rows("SELECT count(*) FROM expediente")[0][0] == before  # nothing registered


def test_unknown_or_revoked_senders_get_401_and_a_client_outside_the_directory_403(pair):
    a, b, tmp = pair["a"], pair["b"], pair["tmp"]
    ((cuo,),) = a.rows("SELECT cuo FROM interopsend WHERE status = 'registrado' ORDER BY id LIMIT 1")
    manifest, files = _package(a, cuo)
    stranger = ECKey.generate_key("P-256", private=True)
    r = _token(b, "sgd-desconocido00", stranger)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    (tmp / "C.jwk").write_text(json.dumps(stranger.as_dict(private=False)))
    c_at_b = client_id_of(b.cli("api-client", "add", "SGD Entidad C", "--ruc", "20100000009", "--scopes",
                              "intercambio:recibir", "--user", "mesa", "--jwk", str(tmp / "C.jwk")))  # fmt: skip
    headers = _bearer(b, c_at_b, stranger)
    r = _post(b, headers, manifest, files)
    assert r.status_code == 403 and r.json()["code"] == "remitente_desconocido", r.text[:300]
    b.cli("api-client", "deactivate", c_at_b)
    r = _post(b, headers, manifest, files)
    assert r.status_code == 401 and r.json()["code"] == "no_autenticado", r.text[:300]
    r = httpx.post(f"{b.base}{ENVIOS}", data={"manifiesto": manifest})
    assert r.status_code == 401


def test_a_package_over_the_size_limit_gets_413(pair):
    a, b = pair["a"], pair["b"]
    ((cuo,),) = a.rows("SELECT cuo FROM interopsend ORDER BY id LIMIT 1")
    manifest, files = _package(a, cuo)
    r = _post(b, _bearer(b, pair["a_at_b"], a.key()), manifest, [files[0] + b"\0" * (LIMIT + 1)])
    assert r.status_code == 413 and r.json()["code"] == "demasiado_grande", r.text[:300]
