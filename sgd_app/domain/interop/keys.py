"""The institution's interoperability key: an EC P-256 key (ES256) generated on ``init`` (or first
use) under ``DATA_DIR/interop/key.json`` (0600; in every backup). It signs our manifests and
answers, and it is the key of our ``private_key_jwt`` API clients at the other entities: they
register its public half (``python -m sgd_app entidad clave``) in their directory and API clients."""

from __future__ import annotations

import contextlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from joserfc.jwk import ECKey, JWKRegistry

from sgd_app import settings

ALG = "ES256"


def _path() -> Path:
    return settings.DATA_DIR / "interop" / "key.json"


@lru_cache(maxsize=4)
def _load(path_text: str) -> ECKey:
    path = Path(path_text)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(path.parent, 0o700)
        key = ECKey.generate_key("P-256", auto_kid=True, private=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(key.as_dict(private=True), f)
        with contextlib.suppress(FileExistsError):  # the first worker wins; the others read its key
            os.link(tmp, path)
        tmp.unlink(missing_ok=True)
    loaded = JWKRegistry.import_key(json.loads(path.read_text()))
    assert isinstance(loaded, ECKey)
    return loaded


def ensure() -> Path:
    """Create the key when there is none (``init``); its path."""
    _load(str(_path()))
    return _path()


def signing_key() -> ECKey:
    return _load(str(_path()))


def public_jwk() -> dict[str, Any]:
    key = signing_key()
    return {**key.as_dict(private=False), "use": "sig", "alg": ALG}
