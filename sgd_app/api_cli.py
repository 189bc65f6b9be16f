"""``python -m sgd_app api-client add | list | deactivate``: API clients from the command line
(docs/api.md). The secret of a client_secret client is printed once and never again."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sgd_app import db
from sgd_app.domain import apiclients
from sgd_app.domain.errors import DomainError

ACTOR = "cli"


def _add(args: argparse.Namespace) -> int:
    jwk = Path(args.jwk).read_text() if args.jwk else ""
    method = "private_key_jwt" if args.jwk else "client_secret"
    try:
        with db.write_session() as s:
            reg = apiclients.register(s, actor=ACTOR, name=args.name, ruc=args.ruc, scopes=args.scopes,
                                      username=args.user, auth_method=method, public_jwk=jwk,
                                      rate_limit=args.limit)  # fmt: skip
    except DomainError as exc:
        print(f"No se registró: {exc.message}", file=sys.stderr)
        return 1
    print(f"client_id: {reg.client.client_id}")
    print(f"método: {method}; alcances: {reg.client.scopes}")
    if reg.secret:
        print(f"client_secret (guárdelo ahora, no se mostrará otra vez): {reg.secret}")
    return 0


def _list(_args: argparse.Namespace) -> int:
    with db.session() as s:
        for c in apiclients.list_clients(s):
            state = "activo" if c.active else "desactivado"
            print(f"{c.client_id}\t{state}\t{c.auth_method}\t{c.ruc}\t{c.name}\t{c.scopes}")
    return 0


def _deactivate(args: argparse.Namespace) -> int:
    try:
        with db.write_session() as s:
            apiclients.deactivate(s, actor=ACTOR, client_id=args.client_id)
    except DomainError as exc:
        print(exc.message, file=sys.stderr)
        return 1
    print(f"Cliente {args.client_id} desactivado: sus tokens ya no sirven.")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("api-client", help="OAuth2 API clients (docs/api.md)")
    s = p.add_subparsers(dest="api_command", required=True)
    add = s.add_parser("add", help="register a client (private_key_jwt with --jwk, else client_secret)")
    add.add_argument("name")
    add.add_argument("--ruc", required=True)
    add.add_argument("--scopes", required=True, help='e.g. "expedientes:leer documentos:leer"')
    add.add_argument("--user", required=True, help="the service account whose view the client gets")
    add.add_argument("--jwk", default="", help="file with the client's public key (JWK)")
    add.add_argument("--limit", default="", help='its own rate limit, e.g. "120/minute"')
    add.set_defaults(fn=_add)
    s.add_parser("list", help="list the clients").set_defaults(fn=_list)
    off = s.add_parser("deactivate", help="deactivate a client")
    off.add_argument("client_id")
    off.set_defaults(fn=_deactivate)
