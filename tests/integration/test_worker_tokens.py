"""Several workers + Redis: a tab whose worker was killed keeps its token and its half-filled
form on the worker it reconnects to (sgd_app/worker_tokens.py), while a second tab that copies a
live tab's token still gets a token of its own (Reflex's duplicate-tab protection)."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import redis

from bench import citizen as tab
from tests.conftest import make_pdf


def test_a_tab_keeps_its_form_when_its_worker_dies(tmp_path, redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    data = tmp_path / "data"
    data.mkdir()
    port = tab.free_port()
    env = tab.backend_env(data, port, redis_url=redis_url, workers=2)
    subprocess.run([sys.executable, "-m", "sgd_app", "init"], cwd=tab.ROOT, env=env, check=True, capture_output=True)
    log = tmp_path / "app.log"
    pdf = make_pdf(1, "Solicitud")

    async def scenario() -> None:
        server = tab.start_backend(env, port, log)
        try:
            filing = tab.Citizen(server.base, "71234567", pdf)
            await filing.connect()
            await filing.fill()  # at step 4 (Enviar), the PDF uploaded
            copy = tab.Citizen(server.base, "71234567", pdf, token=filing.token)
            await copy.connect()
            assert copy.new_tokens == 1 and copy.token != filing.token, "a live tab's copy shares its state"
            assert not copy.state.get("attachments"), "the copy sees the other tab's form"
            await copy.close()
            tab.stop(server, kill=True)  # both workers die; their socket records stay in Redis
            await filing.close()
            server = tab.start_backend(env, port, log)
            filing.state.clear()
            await filing.connect()
            assert filing.new_tokens == 0, "the tab was given a new token: its form is lost"
            kept = filing.state.get("attachments") or []
            assert [a["role"] for a in kept] == ["principal"], filing.state.get("attachments")
            assert filing.state.get("doc_number") == "71234567"
            for _ in range(4):  # the reloaded page starts at step 1; Continuar up to Enviar
                if filing.state.get("step") == 4:
                    break
                step = filing.state.get("step")
                await filing.send("next", until=lambda st, step=step: st.get("step") != step)
            assert filing.state.get("step") == 4, filing.state.get("errors")
            await filing.send("set_privacy_ack", {"value": True}, until=lambda st: st.get("privacy_ack") is True)
            await filing.send("set_declaration", {"value": True}, until=lambda st: st.get("declaration") is True)
            assert await filing.submit()
        finally:
            tab.stop(server)

    asyncio.run(scenario())
