"""The tests' Redis: their own redis-server (free loopback port, nothing on disk, in a temp dir)
unless SGD_TEST_REDIS_URL names another one."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import redis


def test_the_session_redis_is_our_own_server_or_the_one_given(redis_url, tmp_path_factory):
    client = redis.Redis.from_url(redis_url)
    assert client.ping()
    if os.environ.get("SGD_TEST_REDIS_URL"):
        assert redis_url == os.environ["SGD_TEST_REDIS_URL"].strip()
        return
    port = urlsplit(redis_url).port
    assert urlsplit(redis_url).hostname == "127.0.0.1" and port != 6379
    assert client.info("server")["tcp_port"] == port
    assert client.config_get("save")["save"] == "" and client.config_get("appendonly")["appendonly"] == "no"
    assert client.config_get("dir")["dir"].startswith(str(tmp_path_factory.getbasetemp().resolve()))
