"""The signing key of this instance's access tokens: an EC P-256 key (ES256) generated on first
use under ``DATA_DIR/api/`` (0600), its ``kid`` the RFC 7638 thumbprint, its public half
published at /api/v1/oauth/jwks.json. Several workers share the file, so they share the key.

Rotation: put the new key in ``token-key.json`` and the old public one in ``previous-keys.json``
(a JWKS); tokens signed with the old key keep validating until they expire (10 minutes at most).
"""

from __future__ import annotations

import contextlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, JWKRegistry, KeySet

from sgd_app import settings

ALG = "ES256"


def _dir() -> Path:
    return settings.DATA_DIR / "api"


@lru_cache(maxsize=4)
def _load(directory: str) -> tuple[ECKey, tuple[dict[str, Any], ...]]:
    path = Path(directory) / "token-key.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = ECKey.generate_key("P-256", auto_kid=True, private=True)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(key.as_dict(private=True), f)
        with contextlib.suppress(FileExistsError):  # the first worker wins; the others read its key
            os.link(tmp, path)
        tmp.unlink(missing_ok=True)
    loaded = JWKRegistry.import_key(json.loads(path.read_text()))
    assert isinstance(loaded, ECKey)
    key = loaded
    previous = Path(directory) / "previous-keys.json"
    old = tuple(json.loads(previous.read_text()).get("keys", [])) if previous.exists() else ()
    return key, old


def signing_key() -> ECKey:
    return _load(str(_dir()))[0]


def public_jwks() -> dict[str, Any]:
    key, old = _load(str(_dir()))
    current = {**key.as_dict(private=False), "use": "sig", "alg": ALG}
    return {"keys": [current, *old]}


def verification_keys() -> KeySet:
    return KeySet.import_key_set(public_jwks())  # type: ignore[arg-type]
