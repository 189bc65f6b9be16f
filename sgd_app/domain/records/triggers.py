"""The freeze of a closed case, written by the database itself: while its file is frozen no
document, issued document, signature step or signature of the case can be added, changed or
removed, whoever writes. The one copy of this SQL: ``schema.create_all`` and migration 0015 both
run these lists."""

from __future__ import annotations

FROZEN_MESSAGE = "expediente cerrado: no admite cambios en sus documentos"

# (table, the column naming the case; for signature steps, through their issued document)
_GUARDED = {
    "document": "expediente_id",
    "internaldocument": "expediente_id",
    "signature": "expediente_id",
}
_STEP_CASE = "(SELECT expediente_id FROM internaldocument WHERE id = {row}.internal_document_id)"


def _frozen(case_expr: str) -> str:
    return f"EXISTS (SELECT 1 FROM casefile WHERE expediente_id = {case_expr} AND frozen)"


def _sqlite() -> list[str]:
    out = []
    tables = {**{t: "{row}." + c for t, c in _GUARDED.items()}, "signaturestep": _STEP_CASE}
    for table, expr in tables.items():
        for op, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD")):
            out.append(
                f"CREATE TRIGGER IF NOT EXISTS {table}_frozen_{op.lower()} BEFORE {op} ON {table} "
                f"WHEN {_frozen(expr.format(row=row))} BEGIN SELECT RAISE(ABORT, '{FROZEN_MESSAGE}'); END"
            )
    return out


def _pg() -> list[str]:
    out = []
    tables = {**{t: "{row}." + c for t, c in _GUARDED.items()}, "signaturestep": _STEP_CASE}
    for table, expr in tables.items():
        out += [
            f"""CREATE OR REPLACE FUNCTION sgd_{table}_frozen() RETURNS trigger AS $$
       BEGIN
         IF (TG_OP = 'INSERT' AND {_frozen(expr.format(row="NEW"))})
            OR (TG_OP <> 'INSERT' AND {_frozen(expr.format(row="OLD"))}) THEN
           RAISE EXCEPTION '{FROZEN_MESSAGE}';
         END IF;
         IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}",
            f"""CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table}
       FOR EACH ROW EXECUTE FUNCTION sgd_{table}_frozen()""",
        ]
    return out


FREEZE_SQLITE = _sqlite()
FREEZE_PG = _pg()
FREEZE_DROP_SQLITE = [
    f"DROP TRIGGER IF EXISTS {t}_frozen_{op}"
    for t in (*_GUARDED, "signaturestep")
    for op in ("insert", "update", "delete")
]
FREEZE_DROP_PG = [
    stmt
    for t in (*_GUARDED, "signaturestep")
    for stmt in (f"DROP TRIGGER IF EXISTS {t}_frozen ON {t}", f"DROP FUNCTION IF EXISTS sgd_{t}_frozen()")
]
