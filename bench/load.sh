#!/usr/bin/env bash
# Load and fault runs: SQLite (WAL) and a throwaway PostgreSQL, each without and with a
# worker killed mid-run. Bounded: about 6 x (seconds + set-up). Only 127.0.0.1 is used.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
. scripts/pg.sh
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
status=0
# The browsing mix (40 % submissions, 40 % agency pages, 20 % searches), then a
# submission-heavy one; then faults: a worker killed, the search indexer killed.
$PY bench/load.py --database sqlite --seconds "$SECONDS_PER_RUN" || status=1
$PY bench/load.py --database sqlite --seconds "$SECONDS_PER_RUN" \
  --mix submit=0.7,page=0.2,search=0.1 || status=1
$PY bench/load.py --database sqlite --seconds "$SECONDS_PER_RUN" --kill-worker || status=1
$PY bench/load.py --database sqlite --seconds "$SECONDS_PER_RUN" --kill-indexer || status=1
pg_find_bin
if [ -n "$PG_BIN" ]; then
  trap pg_stop EXIT
  pg_start ppid_load || exit 1
  $PY bench/load.py --database "$PG_URL" --seconds "$SECONDS_PER_RUN" || status=1
  pg_stop; pg_start ppid_load2 || exit 1
  $PY bench/load.py --database "$PG_URL" --seconds "$SECONDS_PER_RUN" --kill-worker || status=1
else
  echo "PostgreSQL skipped: no server binaries"
fi
exit $status
