"""The Redis the tests use: their own Debian ``redis-server`` on a free loopback port, in a temp
dir, with nothing written to disk (``--save "" --appendonly no``), started the first time a test
asks for it and stopped at the end of the session — as the browser tests start their own SMTP
server. ``SGD_TEST_REDIS_URL`` (e.g. ``redis://127.0.0.1:6379/11``) points the tests at a Redis
someone else runs instead.

A plugin of the whole run (``pytest_plugins`` in tests/conftest.py): under pytest-xdist every
worker that needs Redis starts its own server."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import pytest

from tests.e2e.harness import _free_port

GIVEN_URL = os.environ.get("SGD_TEST_REDIS_URL", "").strip()


class RedisServer:
    """One redis-server process of the test session."""

    def __init__(self, directory):
        exe = shutil.which("redis-server")
        if not exe:
            pytest.fail("Debian's redis-server is required for the Redis tests (apt-get install redis-server)")
        self.port = 0
        self.proc: subprocess.Popen | None = None
        for _ in range(5):  # a port that looked free may be taken before the server binds it
            self.port = _free_port()
            args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            args += ["--dir", str(directory), "--daemonize", "no", "--protected-mode", "yes"]
            with open(directory / f"redis-{self.port}.log", "w") as log:
                self.proc = subprocess.Popen([exe, *args], cwd=directory, stdout=log, stderr=subprocess.STDOUT)
            if self._ready():
                return
            self.stop()
        raise RuntimeError(f"redis-server did not start; see {directory}")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _ready(self, timeout: float = 20.0) -> bool:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                return False
            try:
                if client.ping():
                    return True
            except redis.ConnectionError:
                time.sleep(0.05)
            finally:
                client.close()
        return False

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """The URL of the session's Redis (with its database number): every test that uses Redis
    takes it from here."""
    if GIVEN_URL:
        yield GIVEN_URL
        return
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        yield server.url
    finally:
        server.stop()
