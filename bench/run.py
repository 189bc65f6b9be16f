"""`make bench`: prints one `name: value unit` line per figure."""

from __future__ import annotations

import sys

from bench import api, bulk, dashboard, intake, interop, push, signing, state_size, workspace


def _print(rows) -> None:
    for name, value, unit in rows:
        print(f"{name}: {value:.1f} {unit}", flush=True)


def main() -> int:
    print(
        f"# api: OAuth2 client (private_key_jwt, ES256) over ASGI in process, {api.N_CASES} cases, SQLite, p95 of {api.N}"
    )
    _print(api.main())
    print(f"# intake: {intake.N} sequential filings of a 1-page PDF, SQLite (WAL), one process")
    _print(intake.main())
    print("# signing: PAdES B-T, RSA-2048, local TSA, one process, 1-page PDF")
    _print(signing.main())
    print("# state: one citizen tab after hydrating /mesa-de-partes (pickled per state, as Redis keeps it)")
    _print(state_size.main())
    print(f"# workspace: {workspace.N_CASES} generated cases, SQLite, first inbox page with tab counts, case page")
    _print(workspace.main())
    print(f"# bulk: {bulk.N} cases received at once in /bandeja (routing.bulk, one transaction each), SQLite")
    _print(bulk.main())
    print(
        f"# dashboard: {dashboard.N_CASES} generated cases, SQLite, full refresh from the summary tables "
        "vs the same figures from the case table"
    )
    _print(dashboard.main())
    print(
        f"# push: {push.N_CLIENTS} dashboard clients (Socket.IO, Reflex protocol), 2 workers + Redis, "
        f"{push.N_CHANGES} filings, time from commit to each client's update"
    )
    _print(push.main())
    print(
        f"# interop: two instances on loopback (backend + SQLite each), {interop.N} packages of one signed oficio, "
        "send act -> confirmation stored at the sender"
    )
    _print(interop.main())
    return 0


if __name__ == "__main__":
    sys.exit(main())
