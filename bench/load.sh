#!/usr/bin/env bash
# Load and fault runs: SQLite (WAL) and a throwaway PostgreSQL, each without and with a
# worker killed mid-run, and each with submissions only against the bare-insert ceiling
# (the registry's share of it); then the durability faults (bench/durability.py): the whole
# application killed during writes on SQLite, and the PostgreSQL server itself killed on a
# cluster at production settings (once more with the page cache dropped after the kill,
# where that is permitted). Bounded: about 10 x (seconds + set-up) + 3 x 20 s. Only
# 127.0.0.1 is used. `bash bench/load.sh durability` runs the durability faults only.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
. scripts/pg.sh
SECONDS_PER_RUN=${SECONDS_PER_RUN:-20}
status=0
pg_find_bin
trap pg_stop EXIT
if [ "${1:-all}" != durability ]; then
  # The browsing mix (40 % submissions, 40 % agency pages, 20 % searches), then a
  # submission-heavy one; then faults: a worker killed, the search indexer killed.
  $PY bench/load.py --database sqlite --seconds "$SECONDS_PER_RUN" || status=1
  $PY bench/load.py --database sqlite --seconds "$SECONDS_PER_RUN" \
    --mix submit=0.7,page=0.2,search=0.1 || status=1
  # Submissions only, then the bare-insert ceiling loaded the same way (bench/ceiling.py).
  $PY bench/load.py --database sqlite --seconds "$SECONDS_PER_RUN" --mix submit=1 \
    --ceiling || status=1
  $PY bench/load.py --database sqlite --seconds "$SECONDS_PER_RUN" --kill-worker || status=1
  $PY bench/load.py --database sqlite --seconds "$SECONDS_PER_RUN" --kill-indexer || status=1
  if [ -n "$PG_BIN" ]; then
    # The fast cluster (fsync off): load figures only, nothing about durability.
    pg_start ppid_load || exit 1
    $PY bench/load.py --database "$PG_URL" --seconds "$SECONDS_PER_RUN" || status=1
    pg_stop; pg_start ppid_load3 || exit 1
    $PY bench/load.py --database "$PG_URL" --seconds "$SECONDS_PER_RUN" --mix submit=1 \
      --ceiling || status=1
    pg_stop; pg_start ppid_load2 || exit 1
    $PY bench/load.py --database "$PG_URL" --seconds "$SECONDS_PER_RUN" --kill-worker || status=1
    pg_stop
  fi
fi
# Durability: each run prints answered, stored, lost and duplicated, and exits non-zero
# when lost or duplicated is not 0 (or another of its checks fails).
$PY bench/durability.py --fault app-kill || status=1
if [ -n "$PG_BIN" ]; then
  for extra in "" --drop-caches; do
    pg_start ppid_durable durable || exit 1
    $PY bench/durability.py --fault pg-kill --database "$PG_URL" --pg-data "$PG_DATA" \
      --pg-bin "$PG_BIN" $extra || status=1
    pg_stop
  done
else
  echo "PostgreSQL skipped: no server binaries"
fi
exit $status
