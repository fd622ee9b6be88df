#!/usr/bin/env bash
# The whole suite on SQLite, then again on a throwaway PostgreSQL cluster when PostgreSQL's
# server binaries are on this machine. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
. scripts/pg.sh
status=0

echo "== Test suite on SQLite"
$PY -m pytest -q "$@" || status=$?
[ $status -eq 5 ] && status=0   # "no tests collected" is not a failure of the database

pg_find_bin
if [ -z "$PG_BIN" ]; then
  echo "== PostgreSQL skipped: no initdb/pg_ctl found (apt-get install postgresql to test it)"
  exit $status
fi
echo "== Test suite on PostgreSQL ($PG_BIN)"
trap pg_stop EXIT
pg_start ppid_test || exit 1
pg_status=0
PPID_TEST_DATABASE_URL="$PG_URL" $PY -m pytest -q -m "not e2e" "$@" || pg_status=$?
[ $pg_status -eq 5 ] && pg_status=0
[ $pg_status -ne 0 ] && status=$pg_status
exit $status
