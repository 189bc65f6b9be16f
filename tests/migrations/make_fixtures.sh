#!/usr/bin/env bash
# Rebuild the "previous release" fixtures: a data dir made by release $1 (a commit), with demo data.
#   tests/migrations/make_fixtures.sh 59db773
# Writes tests/migrations/fixtures/<commit>-sqlite.db.gz (the SQLite database file) and
# <commit>-postgresql.sql.gz (a plain-SQL pg_dump of one schema, named sgd_prev_release; the test
# loads it under another name). PostgreSQL comes from $SGD_TEST_DATABASE_URL (default: the CI server).
# Each release adds its own pair and a line to RELEASES in test_upgrade.py.
set -euo pipefail
COMMIT=${1:?usage: make_fixtures.sh <release commit>}
N=${N:-300}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(git -C "$HERE" rev-parse --show-toplevel)
PY=${PY:-$REPO/.venv/bin/python}
[ -x "$PY" ] || PY=/work/main/.venv/bin/python
PG_URL=${SGD_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}
SCHEMA=sgd_prev_release
OUT="$HERE/fixtures"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"; psql -q "$PG_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true' EXIT

mkdir -p "$WORK/src" "$OUT"
git -C "$REPO" archive "$COMMIT" | tar -x -C "$WORK/src"
cd "$WORK/src"
export SGD_DEMO_PASSWORD=clave-demo-123 REFLEX_TELEMETRY_ENABLED=false

# SQLite: the default data dir layout (SGD_DATA_DIR/sgd.db).
env -u DATABASE_URL SGD_DATA_DIR="$WORK/data" "$PY" -m sgd_app init >/dev/null
env -u DATABASE_URL SGD_DATA_DIR="$WORK/data" "$PY" -m sgd_app demo-data --n "$N"
"$PY" - "$WORK/data/sgd.db" "$WORK/sqlite.db" <<'PY'
import sqlite3, sys
src = sqlite3.connect(sys.argv[1])
src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
dst.execute("PRAGMA journal_mode=DELETE")
dst.execute("VACUUM")
dst.close()
PY
gzip -9 -n -c "$WORK/sqlite.db" > "$OUT/$COMMIT-sqlite.db.gz"

# PostgreSQL: a fresh schema of the test database.
psql -q -v ON_ERROR_STOP=1 "$PG_URL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" -c "CREATE SCHEMA $SCHEMA"
case "$PG_URL" in *\?*) SEP='&' ;; *) SEP='?' ;; esac
URL="$PG_URL${SEP}options=-csearch_path%3D$SCHEMA"
DATABASE_URL="$URL" SGD_DATA_DIR="$WORK/pgdata" "$PY" -m sgd_app init >/dev/null
DATABASE_URL="$URL" SGD_DATA_DIR="$WORK/pgdata" "$PY" -m sgd_app demo-data --n "$N"
pg_dump --no-owner --no-privileges --schema="$SCHEMA" "$PG_URL" | gzip -9 -n > "$OUT/$COMMIT-postgresql.sql.gz"
ls -l "$OUT"
