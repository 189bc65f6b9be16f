"""``python -m sgd_app entidad add | list | import FILE.json | deactivate RUC | clave``: the
directory of entities of the exchange between institutions (docs/interop.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sgd_app.domain import interop
from sgd_app.domain.errors import DomainError

ACTOR = "cli"


def _entry(args: argparse.Namespace) -> interop.EntityInput:
    return interop.EntityInput(
        name=args.name,
        ruc=args.ruc,
        endpoint=args.endpoint,
        public_jwk=Path(args.jwk).read_text(),
        category=args.category,
        client_id=args.client_id,
        our_client_id=args.our_client_id,
    )


def _add(args: argparse.Namespace) -> int:
    try:
        entity = interop.add_entity(actor=ACTOR, data=_entry(args))
    except DomainError as exc:
        print(f"No se registró: {exc.message}", file=sys.stderr)
        return 1
    print(f"Entidad registrada: {entity.name} (RUC {entity.ruc}) — {entity.endpoint}")
    return 0


def _list(_args: argparse.Namespace) -> int:
    for e in interop.list_entities():
        state = "activa" if e.active else "desactivada"
        print(f"{e.ruc}\t{state}\t{e.category or '-'}\t{e.endpoint}\t{e.client_id or '-'}\t{e.name}")
    return 0


def _import(args: argparse.Namespace) -> int:
    try:
        added, updated = interop.import_entities(actor=ACTOR, text=Path(args.file).read_text())
    except DomainError as exc:
        print(f"No se importó nada: {exc.message}", file=sys.stderr)
        return 1
    print(f"Directorio importado: {added} entidad(es) nueva(s), {updated} actualizada(s).")
    return 0


def _deactivate(args: argparse.Namespace) -> int:
    try:
        entity = interop.deactivate_entity(actor=ACTOR, ruc=args.ruc)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"Entidad {entity.ruc} desactivada: sus envíos se rechazan.")
    return 0


def _key(_args: argparse.Namespace) -> int:
    print(json.dumps(interop.keys.public_jwk(), indent=2))
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("entidad", help="directory of entities for the exchange (docs/interop.md)")
    s = p.add_subparsers(dest="entidad_command", required=True)
    add = s.add_parser("add", help="add an entity")
    add.add_argument("name")
    add.add_argument("--ruc", required=True)
    add.add_argument("--endpoint", required=True, help="base URL of its SGD, e.g. https://sgd.entidad.gob.pe")
    add.add_argument("--jwk", required=True, help="file with the public key (JWK) that signs its manifests")
    add.add_argument("--category", default="")
    add.add_argument("--client-id", default="", help="the API client it uses with us")
    add.add_argument("--our-client-id", default="", help="the API client it registered for us")
    add.set_defaults(fn=_add)
    s.add_parser("list", help="list the entities").set_defaults(fn=_list)
    imp = s.add_parser("import", help="add or update the entities of a JSON file")
    imp.add_argument("file")
    imp.set_defaults(fn=_import)
    off = s.add_parser("deactivate", help="deactivate an entity")
    off.add_argument("ruc")
    off.set_defaults(fn=_deactivate)
    s.add_parser("clave", help="print this institution's public interop key (JWK)").set_defaults(fn=_key)
