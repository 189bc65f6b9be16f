"""Size of one citizen's state after hydrating /mesa-de-partes: what the Redis state manager
pickles per tab (``BaseState._serialize``, each state apart), and the SQL run by the page's
on_load once the catalogue cache is warm.

    .venv/bin/python -m bench.state_size
"""

from __future__ import annotations

import asyncio
import inspect
import os
import tempfile
from pathlib import Path

from sqlalchemy import event


def _drive(result) -> None:
    if inspect.isawaitable(result):
        asyncio.run(result)


def _walk(tree: dict):
    yield tree
    for value in tree.values():
        if isinstance(value, dict):
            yield from _walk(value)


def main() -> list[tuple[str, float, str]]:
    import reflex as rx
    from reflex.istate.data import RouterData

    import sgd_app.sgd_app  # noqa: F401  (registers every page and state)
    from sgd_app import db, routes, schema, seed
    from sgd_app.components.page import PAGES

    folder = Path(tempfile.mkdtemp(prefix="sgd-bench-state-"))
    eng = db.make_engine(f"sqlite:///{folder / 'state.db'}")
    schema.create_all(eng)
    os.environ.setdefault("SGD_DEMO_PASSWORD", "bench-password-123")
    with db.write_session(eng) as s:
        seed.seed_catalogue(s)
    db.use_engine(eng)

    (page,) = [p for p in PAGES if p.route == routes.MESA_DE_PARTES]
    statements: list[str] = []
    event.listen(eng, "before_cursor_execute", lambda *a: statements.append(a[2]))
    sizes: dict[str, int] = {}
    for round_ in ("first", "warm"):
        root = rx.State(_reflex_internal_init=True)
        root.router_data = {"headers": {}, "ip": "10.0.0.9", "pathname": routes.MESA_DE_PARTES}
        root.router = RouterData.from_router_data(root.router_data)
        statements.clear()
        for spec in page.on_load:
            handler = getattr(spec, "handler", spec)  # an EventSpec (with arguments) or an EventHandler
            state = root.get_substate(handler.state_full_name.split(".")[1:])
            args = [v._var_value if hasattr(v, "_var_value") else v for _k, v in getattr(spec, "args", ())]
            _drive(handler.fn(state, *args))
        sent = root.dict()  # what the hydrate sends to the browser (computed vars computed)
        sizes[round_] = len(statements)
    touched = {getattr(spec, "handler", spec).state_full_name for spec in page.on_load}
    per_state = {}
    for full in touched:
        state = root.get_substate(full.split(".")[1:])
        per_state[type(state).__name__] = len(state._serialize())
    db.use_engine(None)
    rows = [(f"state_{name}_bytes", float(n), "bytes") for name, n in sorted(per_state.items())]
    rows.append(("state_mesa_de_partes_total_bytes", float(sum(per_state.values())), "bytes"))
    rows.append(("mesa_de_partes_load_sql_warm", float(sizes["warm"]), "statements"))
    shown = sum(len(v) for t in _walk(sent) for k, v in t.items() if k.startswith("procedures") and isinstance(v, list))
    rows.append(("mesa_de_partes_procedures_shown", float(shown), "procedures"))
    return rows


if __name__ == "__main__":
    for name, value, unit in main():
        print(f"{name}: {value:.0f} {unit}")
