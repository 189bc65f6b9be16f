"""Single sign-on settings as the domain uses them (read from sgd_app.settings, parsed once)."""

from __future__ import annotations

from dataclasses import dataclass

from sgd_app import settings
from sgd_app.domain.vocabulary import ROLE_LABELS

LINKING_MODES = ("admin", "email")


@dataclass(frozen=True)
class GroupRole:
    group: str
    unit_code: str
    role: str


@dataclass(frozen=True)
class SsoConfig:
    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str  # <public url>/api/v1/sso/retorno, registered at the provider
    post_logout_redirect_uri: str  # <public url>/api/v1/sso/salida, registered too
    scopes: str = "openid email profile"
    linking: str = "admin"
    groups_claim: str = "groups"
    group_roles: tuple[GroupRole, ...] = ()
    clock_skew: int = 60
    timeout: float = 10.0
    ca_file: str = ""

    @property
    def managed_pairs(self) -> set[tuple[str, str]]:
        """The (unit code, role) pairs that follow the group claim (every other one is kept as is)."""
        return {(g.unit_code, g.role) for g in self.group_roles}


def parse_group_roles(text: str) -> tuple[GroupRole, ...]:
    """``"jne-rop=ROP:officer;jne-admin=SG:admin"`` -> GroupRole tuples; ValueError if malformed."""
    out = []
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        group, _, target = part.partition("=")
        unit_code, _, role = target.partition(":")
        if not group.strip() or not unit_code.strip() or role.strip() not in ROLE_LABELS:
            raise ValueError(f"SGD_OIDC_GROUP_ROLES: «{part}» no tiene la forma grupo=UNIDAD:rol")
        out.append(GroupRole(group.strip(), unit_code.strip().upper(), role.strip()))
    return tuple(out)


def enabled() -> bool:
    """Single sign-on configured (what /ingresar asks on every load: no file is read)."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def from_settings() -> SsoConfig | None:
    """The configuration, or None when single sign-on is off (no issuer or no client id)."""
    if not enabled():
        return None
    linking = settings.OIDC_LINKING if settings.OIDC_LINKING in LINKING_MODES else "admin"
    return SsoConfig(
        issuer=settings.OIDC_ISSUER,
        client_id=settings.OIDC_CLIENT_ID,
        client_secret=settings.oidc_client_secret(),
        redirect_uri=f"{settings.PUBLIC_URL}/api/v1/sso/retorno",
        post_logout_redirect_uri=f"{settings.PUBLIC_URL}/api/v1/sso/salida",
        scopes=settings.OIDC_SCOPES,
        linking=linking,
        groups_claim=settings.OIDC_GROUPS_CLAIM,
        group_roles=parse_group_roles(settings.OIDC_GROUP_ROLES),
        clock_skew=settings.OIDC_CLOCK_SKEW_SECONDS,
        timeout=settings.OIDC_TIMEOUT_SECONDS,
        ca_file=settings.OIDC_CA_FILE,
    )
