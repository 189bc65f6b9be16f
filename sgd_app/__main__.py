"""Command line: ``python -m sgd_app init | migrate | makemigration MSG | demo-data | summaries rebuild |
audit verify | backup DEST | restore SRC [--force] | verify-backup SRC | verify-package FILE.zip | sso link USER SUBJECT |
scale | api-client add|list|deactivate | entidad add|list|import|deactivate|clave`` (docs/operations.md,
docs/sso.md, docs/deploy.md, docs/api.md, docs/interop.md)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sgd_app import api_cli, backup, db, demo_data, interop_cli, scale, schema, seed, settings
from sgd_app.domain import audit, dossier, interop, summaries

_SCHEMA_DONE = {
    "created": "Esquema de la base de datos creado.",
    "adopted": "Base de datos de la versión anterior reconocida y actualizada en su lugar.",
    "upgraded": "Esquema de la base de datos actualizado.",
    "current": "Esquema de la base de datos al día.",
}


def _migrate(_args: argparse.Namespace | None = None) -> int:
    try:
        outcome = schema.upgrade()
    except schema.SchemaMismatch as exc:
        print(exc, file=sys.stderr)
        return 2
    print(_SCHEMA_DONE[outcome])
    return 0


def _init(_args: argparse.Namespace) -> int:
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    for d in (settings.files_dir(), settings.staging_dir()):
        d.mkdir(parents=True, exist_ok=True)
    if status := _migrate():
        return status
    interop.keys.ensure()  # the interop key (docs/interop.md), like the API token key, under the data dir
    with db.write_session() as s:
        seed.seed_catalogue(s)
    with db.write_session() as s:
        creds = seed.seed_demo_staff(s, settings.DATA_DIR / "credenciales-demo.txt")
    if summaries.missing(db.engine()):
        counts = summaries.rebuild(db.engine())
        print(f"Resúmenes del tablero reconstruidos ({sum(counts.values())} filas).")
    where = settings.DATABASE_URL.split("@")[-1]
    print(f"Base de datos lista: {where}")
    print("Cuentas de demostración (usuario / contraseña):")
    for user, pw in creds.items():
        print(f"  {user:<16} {pw}")
    return 0


def _makemigration(args: argparse.Namespace) -> int:
    if status := _migrate():  # the new revision is the difference from the newest one
        return status
    for path in schema.make_revision(args.message):
        print(f"Nueva revisión: {path} (revísela antes de confirmarla)")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    if status := _migrate():
        return status
    t = time.perf_counter()
    last = demo_data.generate(db.engine(), args.n, year=args.year)
    print(f"{args.n} expedientes generados en {time.perf_counter() - t:.1f} s (último número del año: {last}).")
    return 0


def _summaries_rebuild(_args: argparse.Namespace) -> int:
    t = time.perf_counter()
    counts = summaries.rebuild(db.engine())
    print(
        f"Resúmenes del tablero reconstruidos en {time.perf_counter() - t:.1f} s: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    return 0


def _audit_verify(_args: argparse.Namespace) -> int:
    with db.session() as s:
        report = audit.verify(s)
    if report.ok:
        print(f"Cadena de auditoría íntegra: {report.checked} eventos verificados.")
        return 0
    print(
        f"Cadena de auditoría ROTA en el evento {report.first_broken_seq}: {report.reason} "
        f"({report.checked} eventos correctos antes)."
    )
    return 1


def _backup(args: argparse.Namespace) -> int:
    try:
        manifest = backup.backup(Path(args.dest))
    except backup.BackupError as exc:
        print(f"Copia de seguridad NO realizada: {exc}", file=sys.stderr)
        return 1
    print(f"Copia de seguridad completa en {Path(args.dest).resolve()}: {backup.describe(manifest)}.")
    return 0


def _restore(args: argparse.Namespace) -> int:
    try:
        manifest = backup.restore(Path(args.src), force=args.force)
    except backup.BackupError as exc:
        print(f"Restauración NO realizada: {exc}", file=sys.stderr)
        return 1
    print(f"Restaurado desde {args.src} (copia del {manifest['created_at']}): {backup.describe(manifest)}.")
    print("Compruebe la cadena de auditoría con: python -m sgd_app audit verify")
    return 0


def _verify_backup(args: argparse.Namespace) -> int:
    try:
        manifest = backup.verify(Path(args.src))
    except backup.BackupError as exc:
        print(f"Copia de seguridad NO válida: {exc}", file=sys.stderr)
        return 1
    print(f"Copia íntegra (todos los SHA-256 coinciden): {backup.describe(manifest)}.")
    return 0


def _verify_package(args: argparse.Namespace) -> int:
    """Check an export package offline: hashes, the manifest's seal, the index's seal, the audit chain."""
    path = Path(args.file)
    if not path.is_file():
        print(f"No existe el archivo {path}.", file=sys.stderr)
        return 2
    report = dossier.verify_package(path.read_bytes())
    print(report.verdict())
    return 0 if report.valid else 1


def _scale(args: argparse.Namespace) -> int:
    if not 1 <= args.workers <= 64:
        print("El número de trabajadores debe estar entre 1 y 64.", file=sys.stderr)
        return 2
    layout = scale.Layout(
        workers=args.workers,
        https_port=args.port,
        http_port=args.http_port,
        listen=args.listen,
        first_worker_port=args.first_worker_port,
        scale_dir=Path(args.dir) if args.dir else None,
    )
    if args.render_only or args.build_only:
        try:
            main_conf = scale.build_only(layout) if args.build_only else scale.write_configs(layout)
        except scale.ScaleError as exc:
            print(exc, file=sys.stderr)
            return 1
        if args.build_only:
            print(f"Interfaz construida en {layout.static_dir} para {layout.public_url}")
        print(f"Configuración de nginx escrita: {main_conf} y {layout.dir / 'nginx-site.conf'}")
        return 0
    return scale.run(layout, build=not args.no_build)


def _sso_link(args: argparse.Namespace) -> int:
    """Link the provider account ``subject`` (its ``sub``) to a staff user: the operator's mapping."""
    from sgd_app.domain import sso
    from sgd_app.domain.errors import DomainError

    if not settings.OIDC_ISSUER:
        print("SGD_OIDC_ISSUER no está configurado: el ingreso institucional está apagado.", file=sys.stderr)
        return 2
    try:
        sso.link_identity(by=None, username=args.user, subject=args.subject, issuer=settings.OIDC_ISSUER)
    except DomainError as exc:
        print(f"No se vinculó: {exc.message}", file=sys.stderr)
        return 1
    print(f"Cuenta institucional {args.subject} vinculada al usuario {args.user} ({settings.OIDC_ISSUER}).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sgd_app")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create or upgrade the database, the catalogue and the demo accounts").set_defaults(
        fn=_init
    )
    sub.add_parser("migrate", help="upgrade the database schema to the newest revision").set_defaults(fn=_migrate)
    makemig = sub.add_parser("makemigration", help="write a new revision from the models (developers)")
    makemig.add_argument("message")
    makemig.set_defaults(fn=_makemigration)
    demo = sub.add_parser("demo-data", help="generate a realistic year of cases (demos, benchmarks)")
    demo.add_argument("--n", type=int, default=10000)
    demo.add_argument("--year", type=int, default=2026)
    demo.set_defaults(fn=_demo_data)
    sums = sub.add_parser("summaries", help="dashboard summary tables")
    sums_sub = sums.add_subparsers(dest="summaries_command", required=True)
    sums_sub.add_parser("rebuild", help="recompute them from the cases").set_defaults(fn=_summaries_rebuild)
    audit_p = sub.add_parser("audit", help="audit trail tools")
    audit_sub = audit_p.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="recompute the hash chain").set_defaults(fn=_audit_verify)
    backup_p = sub.add_parser("backup", help="back up the database, the file store and the signing keys")
    backup_p.add_argument("dest", help="a new directory")
    backup_p.set_defaults(fn=_backup)
    restore_p = sub.add_parser("restore", help="restore a backup into this installation (stop the app first)")
    restore_p.add_argument("src")
    restore_p.add_argument("--force", action="store_true", help="replace a target that already holds data")
    restore_p.set_defaults(fn=_restore)
    verify_p = sub.add_parser("verify-backup", help="check every file of a backup against its manifest")
    verify_p.add_argument("src")
    verify_p.set_defaults(fn=_verify_backup)
    package_p = sub.add_parser("verify-package", help="verify a case's export package offline (hashes and seals)")
    package_p.add_argument("file")
    package_p.set_defaults(fn=_verify_package)
    scale_p = sub.add_parser("scale", help="N workers + Redis behind nginx over HTTPS (docs/deploy.md)")
    scale_p.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    scale_p.add_argument("--port", type=int, default=8443, help="HTTPS port of nginx (default 8443)")
    scale_p.add_argument("--http-port", type=int, default=8080, help="HTTP port, redirected to HTTPS (8080)")
    scale_p.add_argument("--listen", default="127.0.0.1", help="address nginx listens on (0.0.0.0: every one)")
    scale_p.add_argument("--first-worker-port", type=int, default=8001, help="port of the first worker (8001)")
    scale_p.add_argument("--no-build", action="store_true", help="reuse the frontend built by the last start")
    scale_p.add_argument("--render-only", action="store_true", help="write the nginx files and stop")
    scale_p.add_argument("--build-only", action="store_true", help="build the frontend, write the nginx files, stop")
    scale_p.add_argument("--dir", help="where the configuration, build and logs go (default SGD_DATA_DIR/scale)")
    scale_p.set_defaults(fn=_scale)

    sso_p = sub.add_parser("sso", help="single sign-on (OpenID Connect, docs/sso.md)")
    sso_sub = sso_p.add_subparsers(dest="sso_command", required=True)
    link_p = sso_sub.add_parser("link", help="link a provider account (its sub claim) to a staff user")
    link_p.add_argument("user", help="the staff username")
    link_p.add_argument("subject", help="the provider's sub claim of that person")
    link_p.set_defaults(fn=_sso_link)
    api_cli.add_parsers(sub)
    interop_cli.add_parsers(sub)
    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
