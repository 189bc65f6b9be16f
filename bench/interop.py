"""The exchange between two real instances on loopback (tests/integration/interop_pair.py): A and
B, each its own backend (``reflex run --env prod --backend-only``), data dir, SQLite database,
PKI and interop key, registered in each other's directory by the CLI.

``interop_roundtrip_p95_ms``: from the send act at A (``interop.send_to_entity``: CUO, signed
manifest, outbox row, case step, audit) to A's confirmation stored (``record_answer``: B's signed
answer verified, "Registrado como EXP-… en B", B's sealed receipt filed in A's case). In between,
over HTTP on loopback: a token at B (``private_key_jwt``), the multipart package, and at B the JWS
check, every SHA-256, the PAdES validation of the signed oficio, the case registered through B's
intake and its receipt sealed (PAdES), the answer signed. The sending side runs in a child process
with A's environment (A's data dir and database) and delivers the row itself, as A's outbox job
does: the job's polling interval (``SGD_INTEROP_EVERY_SECONDS``, 10 s by default) is not counted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import p95

N = 20
WARMUP = 2


def main() -> list[tuple[str, float, str]]:
    from tests.integration.interop_pair import RUC_A, RUC_B, make_instance, set_up

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        # A's own outbox job is idle: the child process delivers each package and times it.
        a = make_instance(tmp, "A", RUC_A, env={"SGD_INTEROP_EVERY_SECONDS": "3600"})
        b = make_instance(tmp, "B", RUC_B)
        set_up(a, b, tmp)
        b.start()
        try:
            r = subprocess.run(
                [sys.executable, "-m", "bench.interop", "--sender", str(N + WARMUP), RUC_B],
                cwd=Path(__file__).resolve().parent.parent,
                env=a.env,
                capture_output=True,
                text=True,
                timeout=900,
            )
            if r.returncode != 0:
                raise RuntimeError(r.stderr[-3000:])
            samples = json.loads(r.stdout.strip().splitlines()[-1])[WARMUP:]
        finally:
            b.stop()
    return [("interop_roundtrip_p95_ms", p95(samples), "ms")]


def sender(n: int, ruc: str) -> list[float]:
    """Inside A: ``n`` cases with a signed oficio, each sent to ``ruc`` and delivered; the times."""
    import httpx

    from sgd_app.domain import interop
    from sgd_app.domain.models import utcnow
    from tests.integration import interop_steps as steps

    out = []
    with httpx.Client(timeout=120) as http:
        for _ in range(n):
            made = steps.case()
            t = time.perf_counter()
            sent = interop.send_to_entity(who=steps._who("rop"), number=made["number"], version=made["version"],
                                          entity_ruc=ruc, document_ids=[made["document_id"]],
                                          subject="Remite constancia de afiliación")  # fmt: skip
            assert sent.id is not None
            assert interop.delivery.deliver_one(sent.id, now=utcnow(), http=http)
            out.append((time.perf_counter() - t) * 1000)
            assert interop.send_status(sent.cuo).status == "registrado"
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sender"]:
        print(json.dumps(sender(int(sys.argv[2]), sys.argv[3])))
    else:
        for name, value, unit in main():
            print(f"{name}: {value:.1f} {unit}")
