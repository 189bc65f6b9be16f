"""The one rate limiter (sgd_app/domain/ratelimit.py): counts, progressive delays, lock-outs,
refusals in Spanish, once-per-window audit signals; in memory and in Redis."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import redis

from sgd_app import settings
from sgd_app.domain import ratelimit
from sgd_app.domain.errors import TooManyAttempts


def test_every_named_limit_parses_and_refuses_in_spanish():
    assert set(ratelimit.RULES) >= {
        "login-ip",
        "login-source",
        "login-device",
        "login-account",
        "track-ip",
        "track-num",
        "casilla-code-doc",
        "casilla-code-ip",
        "casilla-fail-doc",
        "casilla-fail-ip",
        "filing-ip",
        "filing-doc",
    }
    for r in ratelimit.RULES.values():
        assert ratelimit._item(r).amount > 0
        assert "{cuando}" in r.refusal and r.refusal.startswith(("Por seguridad", "Demasiad"))


def test_the_progressive_delay_grows_after_the_free_events(limits_storage):
    delays = []
    assert ratelimit.delay("track-ip", "198.51.100.7") == 0.0
    for _ in range(9):
        ratelimit.hit("track-ip", "198.51.100.7")
        delays.append(ratelimit.delay("track-ip", "198.51.100.7"))
    assert delays == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert ratelimit.delay("track-ip", "198.51.100.8") == 0.0  # keys are independent
    assert ratelimit.delay("track-num", "198.51.100.7") == 0.0  # and so are the names
    ratelimit.clear("track-ip", "198.51.100.7")
    assert ratelimit.count("track-ip", "198.51.100.7") == 0


def test_reaching_the_limit_locks_the_keys_for_the_lock_time(limits_storage):
    ratelimit.tune("casilla-fail-doc", limit="3/day")
    assert [ratelimit.hit("casilla-fail-doc", "DNI:1") for _ in range(3)] == [False, False, True]
    assert ratelimit.hit("casilla-fail-doc", "DNI:1") is False  # already locked: not a new lock-out
    with pytest.raises(ratelimit.Limited) as e:
        ratelimit.check("casilla-fail-doc", "DNI:1")
    assert isinstance(e.value, TooManyAttempts) and e.value.rule == "casilla-fail-doc" and not e.value.waiting
    assert 23.9 * 3600 < e.value.retry_after <= 24 * 3600
    assert e.value.message.startswith("Por seguridad,") and "Intente nuevamente mañana a las" in e.value.message
    ratelimit.check("casilla-fail-doc", "DNI:2")  # another document is accepted
    assert ratelimit.first_refusal("casilla-fail-doc", "DNI:1") is True
    assert ratelimit.first_refusal("casilla-fail-doc", "DNI:1") is False  # once per lock-out
    ratelimit.clear("casilla-fail-doc", "DNI:1")
    assert ratelimit.allowed("casilla-fail-doc", "DNI:1")


def test_a_lock_out_and_a_window_end_by_themselves(limits_storage):
    ratelimit.tune("casilla-fail-ip", limit="1/1 second", lock="1 second")
    ratelimit.tune("filing-ip", limit="1/1 second")
    ratelimit.hit("casilla-fail-ip", "203.0.113.9")
    ratelimit.hit("filing-ip", "203.0.113.9")
    assert not ratelimit.allowed("casilla-fail-ip", "203.0.113.9")
    assert not ratelimit.allowed("filing-ip", "203.0.113.9")  # no lock: refused while the window is full
    time.sleep(1.2)
    assert ratelimit.allowed("casilla-fail-ip", "203.0.113.9") and ratelimit.allowed("filing-ip", "203.0.113.9")


def test_a_cooldown_rule_refuses_attempts_during_its_pause(limits_storage):
    ratelimit.hit("login-source", "rop", "g0", "203.0.113.9")
    ratelimit.check("login-source", "rop", "g0", "203.0.113.9")  # the first failure is free
    ratelimit.hit("login-source", "rop", "g0", "203.0.113.9")
    with pytest.raises(ratelimit.Limited) as e:
        ratelimit.check("login-source", "rop", "g0", "203.0.113.9")
    assert e.value.waiting and e.value.message == "Espere 1 s antes de volver a intentarlo."
    ratelimit.clear("login-source", "rop", "g0", "203.0.113.9")
    ratelimit.check("login-source", "rop", "g0", "203.0.113.9")


def test_long_keys_are_hashed_and_refusal_times_are_said_in_lima_time():
    ratelimit.hit("filing-doc", "x" * 500)
    assert ratelimit.count("filing-doc", "x" * 500) == 1 and ratelimit.count("filing-doc", "x" * 499) == 0
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 10:00 in Lima
    assert ratelimit.when_es(datetime(2026, 12, 2, 20, 30, tzinfo=UTC), now) == "hoy a las 15:30"
    assert ratelimit.when_es(datetime(2026, 12, 3, 4, 59, tzinfo=UTC), now) == "hoy a las 23:59"
    assert ratelimit.when_es(datetime(2026, 12, 3, 5, 0, tzinfo=UTC), now) == "mañana a las 00:00"
    assert ratelimit.when_es(datetime(2026, 12, 5, 13, 10, tzinfo=UTC), now) == "el 05/12/2026 a las 08:10"


def test_limits_are_configured_from_settings(monkeypatch):
    monkeypatch.setattr(settings, "RATE_LIMITS", {"filing-ip": "100/hour", "no-existe": "1/day"})
    ratelimit.configure("memory://")
    assert ratelimit.rule("filing-ip").limit == "100/hour"
    assert ratelimit.rule("filing-doc").limit == ratelimit.RULES["filing-doc"].limit
    monkeypatch.setattr(settings, "RATE_LIMITS", {"filing-ip": "cien por hora"})
    with pytest.raises(ValueError):
        ratelimit.configure("memory://")


def test_redis_keeps_the_counters_under_its_prefix_and_reset_removes_only_those(redis_url):
    client = redis.Redis.from_url(redis_url)
    client.set("otro-programa:clave", "1")
    try:
        ratelimit.configure(redis_url, key_prefix="sgd-test-prefijo")
        ratelimit.hit("filing-ip", "203.0.113.9")
        assert client.keys("sgd-test-prefijo:*")
        # another worker (another limiter on the same Redis) sees the same count
        ratelimit.configure(redis_url, key_prefix="sgd-test-prefijo")
        assert ratelimit.count("filing-ip", "203.0.113.9") == 1
        ratelimit.reset()
        assert client.keys("sgd-test-prefijo:*") == [] and client.get("otro-programa:clave") == b"1"
    finally:
        client.delete("otro-programa:clave")
