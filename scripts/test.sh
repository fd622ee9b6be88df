#!/usr/bin/env bash
# The whole suite on SQLite and again on a throwaway PostgreSQL cluster (when PostgreSQL's
# server binaries are on this machine), the two passes side by side: each pass is one
# single-threaded pytest process (and its database), so on a machine of two cores or more
# the pair takes about as long as the longer one. The SQLite pass prints as it goes; the
# PostgreSQL pass's output is kept in a file and printed when it ends. PPID_TEST_SERIAL=1
# runs them one after the other instead (less memory, output in order). Extra arguments go to
# pytest, for both passes. The exit status is the first non-zero of the two.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
. scripts/pg.sh
status=0
pg_status=0
TMP_ROOT=$(mktemp -d)
# Each pass its own pytest base directory: two pytest runs sharing the default one may remove
# each other's temporary directories.
cleanup() { pg_stop; rm -rf "$TMP_ROOT"; }
trap cleanup EXIT

pg_find_bin
pg_pass() {
  PPID_TEST_DATABASE_URL="$PG_URL" $PY -m pytest -q -m "not e2e" --basetemp="$TMP_ROOT/pg" "$@"
}
pg_pid=""
if [ -z "$PG_BIN" ]; then
  echo "== PostgreSQL skipped: no initdb/pg_ctl found (apt-get install postgresql to test it)"
else
  pg_start ppid_test || exit 1
  if [ "${PPID_TEST_SERIAL:-0}" != 1 ]; then
    echo "== Test suite on PostgreSQL ($PG_BIN), alongside; its output follows the SQLite pass"
    pg_pass "$@" >"$TMP_ROOT/pg.log" 2>&1 &
    pg_pid=$!
  fi
fi

echo "== Test suite on SQLite"
$PY -m pytest -q --basetemp="$TMP_ROOT/sqlite" "$@" || status=$?
[ $status -eq 5 ] && status=0   # "no tests collected" is not a failure of the database

if [ -n "$PG_BIN" ]; then
  if [ -n "$pg_pid" ]; then
    wait "$pg_pid" || pg_status=$?
    echo "== Test suite on PostgreSQL ($PG_BIN)"
    cat "$TMP_ROOT/pg.log"
  else
    echo "== Test suite on PostgreSQL ($PG_BIN)"
    pg_pass "$@" || pg_status=$?
  fi
  [ $pg_status -eq 5 ] && pg_status=0
  [ $status -eq 0 ] && status=$pg_status
fi
exit $status
