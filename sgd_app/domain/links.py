"""Capability links this installation hands out: public tracking, and signed, expiring download
links for the receipt (cargo), the answer and a notice. Not signatures: HMAC tokens."""

from __future__ import annotations

from urllib.parse import quote

from sgd_app import settings
from sgd_app.domain import auth

LINK_TTL = 24 * 3600


def tracking_url(number: str) -> str:
    return f"{settings.PUBLIC_URL}/seguimiento?numero={quote(number)}"


def download_url(number: str) -> str:
    token = auth.sign_token(settings.secret_key(), "cargo", number, ttl_seconds=LINK_TTL)
    return f"/api/v1/cargo/{quote(number)}.pdf?t={token}"


def answer_url(number: str) -> str:
    token = auth.sign_token(settings.secret_key(), "respuesta", number, ttl_seconds=LINK_TTL)
    return f"/api/v1/respuesta/{quote(number)}.pdf?t={token}"


def notice_url(notice_id: int) -> str:
    token = auth.sign_token(settings.secret_key(), "aviso", str(notice_id), ttl_seconds=3600)
    return f"/api/v1/avisos/{int(notice_id)}.pdf?t={token}"


def token_ok(number: str, token: str) -> bool:
    """Whether ``token`` is a valid, unexpired receipt (cargo) link token for case ``number``."""
    return auth.check_token(settings.secret_key(), "cargo", number, token)
