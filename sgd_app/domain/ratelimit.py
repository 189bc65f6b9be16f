"""Rate limits and lock-outs, all in one place, on the `limits` library.

Every limit has a name, a window ("10/day" in limits notation) and the Spanish sentence that
refuses. ``hit`` counts one event for a name and its keys; ``check`` raises :class:`Limited`
(a TooManyAttempts with ``retry_after``) while the keys are refused; ``clear`` forgets them.
Three behaviours on top of a plain moving window:

- ``lock``: reaching the limit locks the keys for this long (10 wrong codes in 24 h -> 24 h).
- ``free`` + ``cooldown``: after ``free`` events each further event makes the next attempt wait
  2, 4, 8... seconds (up to ``max_delay``); ``delay`` gives that pause to callers that sleep it,
  and with ``cooldown`` ``check`` refuses early attempts itself (nobody sleeps on the server).
- ``first_refusal``: true once per window, so a refusal is audited without flooding the trail.

The counters live in memory (one worker) or in Redis when several workers share them
(``settings.RATELIMIT_STORAGE``). Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from sgd_app import settings
from sgd_app.domain.calendar import LIMA, format_date_es
from sgd_app.domain.errors import TooManyAttempts

WAIT = "Espere {segundos} s antes de volver a intentarlo."
KEY_PREFIX = "sgd-limits"


@dataclass(frozen=True)
class Rule:
    name: str
    limit: str  # events per window, limits notation: "5/15 minutes", "10/day"
    refusal: str  # Spanish; "{cuando}" becomes "hoy a las 15:30" / "mañana a las 09:10"
    lock: str = ""  # reaching the limit locks the keys this long ("" : until the window frees)
    free: int = 0  # events before the progressive delay starts (0: no delay)
    max_delay: float = 30.0
    cooldown: bool = False  # check() refuses attempts made during the delay


_SOURCE = "Demasiados intentos fallidos para esta cuenta desde aquí. Intente nuevamente {cuando}."
RULES: dict[str, Rule] = {
    r.name: r
    for r in (
        # Staff login: failures only. Known devices count apart (login-device) and skip the rest.
        Rule("login-ip", "50/15 minutes", "Demasiados intentos desde su conexión. Intente nuevamente {cuando}.",
             lock="15 minutes"),
        Rule("login-source", "5/15 minutes", _SOURCE, lock="15 minutes", free=2, cooldown=True),
        Rule("login-device", "5/15 minutes", _SOURCE, lock="15 minutes", free=2, cooldown=True),
        Rule(
            "login-account",
            "30/hour",
            "Por seguridad, esta cuenta solo puede ingresar desde un equipo donde ya inició sesión antes, hasta "
            "{cuando}. Si lo necesita antes, pida a un administrador que la desbloquee.",
            lock="1 hour",
        ),
        # Single sign-on: answers at /api/v1/sso/retorno that opened nothing (each one is audited).
        Rule("sso-fail-ip", "30/15 minutes", "Demasiados intentos fallidos de ingreso con la cuenta institucional "
             "desde su conexión. Intente nuevamente {cuando}.", lock="15 minutes"),
        # Public tracking: wrong number + key pairs, slowed down, then refused per address.
        Rule("track-ip", "100/15 minutes",
             "Demasiadas consultas fallidas desde su conexión. Intente nuevamente {cuando}.", free=3),
        Rule("track-num", "100/15 minutes", "Demasiadas consultas fallidas de este expediente. "
             "Intente nuevamente {cuando}.", free=3),
        # "¿Olvidó su clave?": each request may send an e-mail, matched or not it counts.
        Rule("key-resend-ip", "10/day", "Por seguridad, no enviamos más claves desde su conexión por hoy. "
             "Intente nuevamente {cuando}."),
        Rule("key-resend-num", "3/day", "Por seguridad, no enviamos más claves para este expediente por hoy. "
             "Intente nuevamente {cuando}."),
        # Casilla: codes sent (each one is an e-mail) and wrong codes, per document and per address.
        Rule("casilla-code-doc", "5/day", "Por seguridad, no enviamos más códigos para este documento por hoy. "
             "Intente nuevamente {cuando}."),
        Rule("casilla-code-ip", "20/day", "Por seguridad, no enviamos más códigos desde su conexión por hoy. "
             "Intente nuevamente {cuando}.", free=5),
        Rule("casilla-fail-doc", "10/day", "Por seguridad, el ingreso con este documento está bloqueado por "
             "demasiados códigos incorrectos. Intente nuevamente {cuando}.", lock="1 day"),
        Rule("casilla-fail-ip", "30/day", "Por seguridad, el ingreso desde su conexión está bloqueado por "
             "demasiados códigos incorrectos. Intente nuevamente {cuando}.", lock="1 day"),
        # API clients: calls per client (SGD_RATE_LIMITS "api-client=..." or the client's own limit), and
        # failed client authentications at the token endpoint per address.
        Rule("api-client", "300/minute", "Demasiadas solicitudes de este cliente. Intente nuevamente "
             "{cuando}."),
        Rule("api-token-fail-ip", "30/15 minutes", "Demasiadas autenticaciones fallidas desde su conexión. "
             "Intente nuevamente {cuando}.", lock="15 minutes"),
        # Mesa de partes virtual: filings sent.
        Rule("filing-ip", "20/hour", "Por seguridad, desde su conexión ya se enviaron muchos documentos en la "
             "última hora. Intente nuevamente {cuando}; sus datos se conservan."),
        Rule("filing-doc", "10/day", "Por seguridad, ya se recibieron muchos documentos hoy con este número de "
             "documento. Intente nuevamente {cuando}; sus datos se conservan."),
    )
}  # fmt: skip


class Limited(TooManyAttempts):
    """A refusal by a named limit; ``retry_after`` in seconds, ``until`` when it ends."""

    def __init__(self, message: str, retry_after: float, *, rule: str, until: datetime, waiting: bool = False):
        super().__init__(message, retry_after)
        self.rule = rule
        self.until = until
        self.waiting = waiting  # a progressive-delay pause rather than a lock-out


@dataclass
class _Limiter:
    storage: Storage
    limiter: MovingWindowRateLimiter
    rules: dict[str, Rule]


_current: _Limiter | None = None


def configure(storage_url: str | None = None, overrides: dict[str, str] | None = None, **options: Any) -> None:
    """(Re)build the limiter: the storage and the limits (settings by default)."""
    global _current
    url = storage_url or settings.RATELIMIT_STORAGE
    if url.startswith("memory"):
        storage: Storage = MemoryStorage()
    else:
        storage = cast(Storage, storage_from_string(url, key_prefix=options.pop("key_prefix", KEY_PREFIX), **options))
    rules = dict(RULES)
    for name, limit in {**settings.RATE_LIMITS, **(overrides or {})}.items():
        if name in rules:
            parse(limit)  # a wrong setting fails at start, not at the first refusal
            rules[name] = replace(rules[name], limit=limit)
    _current = _Limiter(storage, MovingWindowRateLimiter(storage), rules)


def _state() -> _Limiter:
    if _current is None:
        configure()
    assert _current is not None
    return _current


def tune(name: str, **fields: Any) -> None:
    """Change a limit of the running limiter (tests: shorter windows, no pauses)."""
    st = _state()
    if "limit" in fields:
        parse(fields["limit"])
    st.rules[name] = replace(st.rules[name], **fields)


def reset() -> None:
    """Forget every counter (tests)."""
    _state().storage.reset()


def rule(name: str) -> Rule:
    return _state().rules[name]


def _keys(keys: tuple[Any, ...]) -> tuple[str, ...]:
    out = []
    for k in keys:
        text = str(k)
        out.append(text if len(text) <= 100 else hashlib.sha256(text.encode()).hexdigest())
    return tuple(out)


def _item(r: Rule) -> RateLimitItem:
    return parse(r.limit)


def _lock_item(r: Rule) -> RateLimitItem:
    return parse(f"1/{r.lock}")


def _seconds_item(seconds: float) -> RateLimitItem:
    return parse(f"1/{max(1, math.ceil(seconds))} seconds")


def count(name: str, *keys: Any) -> int:
    """Events counted for these keys in the current window."""
    st, r = _state(), rule(name)
    item = _item(r)
    return item.amount - st.limiter.get_window_stats(item, name, *_keys(keys)).remaining


def delay(name: str, *keys: Any) -> float:
    """The progressive delay: 0 for the first ``free`` events, then 1, 2, 4... up to max_delay."""
    r = rule(name)
    if not r.free:
        return 0.0
    n = count(name, *keys)
    return 0.0 if n < r.free else min(r.max_delay, 2.0 ** (n - r.free))


def hit(name: str, *keys: Any) -> bool:
    """Count one event. True when this event reached the limit and started a lock-out (audit it)."""
    st, r, ks = _state(), rule(name), _keys(keys)
    item = _item(r)
    st.limiter.hit(item, name, *ks)
    if r.cooldown and (wait := delay(name, *keys)):
        st.limiter.hit(_seconds_item(wait), f"{name}#espera", *ks)
    if r.lock and st.limiter.get_window_stats(item, name, *ks).remaining <= 0:
        return st.limiter.hit(_lock_item(r), f"{name}#bloqueo", *ks)
    return False


def retry_after(name: str, *keys: Any) -> float:
    """Seconds until these keys are accepted again (0: accepted now)."""
    return _refusal(name, keys)[0]


def _refusal(name: str, keys: tuple[Any, ...]) -> tuple[float, bool]:
    st, r, ks = _state(), rule(name), _keys(keys)
    now = time.time()
    if r.lock:
        lock = _lock_item(r)
        if not st.limiter.test(lock, f"{name}#bloqueo", *ks):
            return max(1.0, st.limiter.get_window_stats(lock, f"{name}#bloqueo", *ks).reset_time - now), False
    item = _item(r)
    if not r.lock and not st.limiter.test(item, name, *ks):
        return max(1.0, st.limiter.get_window_stats(item, name, *ks).reset_time - now), False
    if r.cooldown and (wait := delay(name, *keys)):
        pause = _seconds_item(wait)
        if not st.limiter.test(pause, f"{name}#espera", *ks):
            return max(1.0, st.limiter.get_window_stats(pause, f"{name}#espera", *ks).reset_time - now), True
    return 0.0, False


def allowed(name: str, *keys: Any) -> bool:
    return retry_after(name, *keys) == 0


def check(name: str, *keys: Any) -> None:
    """Raise :class:`Limited` (Spanish refusal, seconds to wait) while these keys are refused."""
    seconds, waiting = _refusal(name, keys)
    if not seconds:
        return
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    if waiting:
        raise Limited(WAIT.format(segundos=math.ceil(seconds)), seconds, rule=name, until=until, waiting=True)
    raise Limited(rule(name).refusal.format(cuando=when_es(until)), seconds, rule=name, until=until)


def clear(name: str, *keys: Any) -> None:
    """Forget the events, the lock and the pause of these keys."""
    st, r, ks = _state(), rule(name), _keys(keys)
    st.limiter.clear(_item(r), name, *ks)
    if r.lock:
        st.limiter.clear(_lock_item(r), f"{name}#bloqueo", *ks)
    if r.cooldown:
        for n in range(0, 8):  # every pause length delay() can give
            st.limiter.clear(_seconds_item(min(r.max_delay, 2.0**n)), f"{name}#espera", *ks)


def first_refusal(name: str, *keys: Any) -> bool:
    """True for the first refusal of these keys in a window (lock or limit): audit that one only."""
    st, r = _state(), rule(name)
    per = _lock_item(r) if r.lock else _item(r)
    return st.limiter.hit(_seconds_item(per.get_expiry()), f"{name}#aviso", *_keys(keys))


def when_es(at: datetime, now: datetime | None = None) -> str:
    """'hoy a las 15:30', 'mañana a las 09:10' or 'el 05/12/2026 a las 08:00' (Lima time)."""
    local = at.astimezone(LIMA)
    today = (now or datetime.now(UTC)).astimezone(LIMA).date()
    hhmm = local.strftime("%H:%M")
    if local.date() == today:
        return f"hoy a las {hhmm}"
    if local.date() == today + timedelta(days=1):
        return f"mañana a las {hhmm}"
    return f"el {format_date_es(local.date())} a las {hhmm}"


def take(name: str, *keys: Any, limit: str = "") -> None:
    """Count one event and raise :class:`Limited` when it is over the limit (``limit``, e.g. a
    client's own "120/minute", replaces the rule's; each limit counts apart)."""
    st, r = _state(), rule(name)
    text = limit or r.limit
    item, ks = parse(text), (text, *_keys(keys))
    if st.limiter.hit(item, name, *ks):
        return
    seconds = max(1.0, st.limiter.get_window_stats(item, name, *ks).reset_time - time.time())
    until = datetime.now(UTC) + timedelta(seconds=seconds)
    raise Limited(r.refusal.format(cuando=when_es(until)), seconds, rule=name, until=until)
