"""Staff single sign-on with OpenID Connect (docs/sso.md): the authorization code flow with PKCE
through authlib's client, ID token validation against the provider's rotating keys, linking of
provider identities to staff accounts, RP-initiated logout. The few names callers use:"""

from __future__ import annotations

from sgd_app.domain.sso.accounts import (
    LinkRow,
    Opened,
    identities_of,
    link_identity,
    list_identities,
    sign_out,
    unlink_identity,
)
from sgd_app.domain.sso.config import SsoConfig, enabled, from_settings, parse_group_roles
from sgd_app.domain.sso.errors import MESSAGES, SsoRefused
from sgd_app.domain.sso.flow import Start, begin, finish, logout_url

__all__ = [
    "MESSAGES",
    "LinkRow",
    "Opened",
    "SsoConfig",
    "SsoRefused",
    "Start",
    "begin",
    "enabled",
    "finish",
    "from_settings",
    "identities_of",
    "link_identity",
    "list_identities",
    "logout_url",
    "parse_group_roles",
    "sign_out",
    "unlink_identity",
]
