#!/usr/bin/env bash
# The whole suite on SQLite, then again on a throwaway PostgreSQL cluster when PostgreSQL's
# server binaries are on this machine. Extra arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
status=0

echo "== Test suite on SQLite"
$PY -m pytest -q "$@" || status=$?
[ $status -eq 5 ] && status=0   # "no tests collected" is not a failure of the database

pg_bin=""
if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
  pg_bin=$(dirname "$(command -v pg_ctl)")
else
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -x "$pg_bin/initdb" ] || pg_bin=""
fi
if [ -z "$pg_bin" ]; then
  echo "== PostgreSQL skipped: no initdb/pg_ctl found (apt-get install postgresql to test it)"
  exit $status
fi

echo "== Test suite on PostgreSQL ($pg_bin)"
tmp=$(mktemp -d)
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: the cluster belongs to the unprivileged postgres user.
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
  chown postgres "$tmp"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
"${as_pg[@]}" "$pg_bin/initdb" -D "$tmp/data" -U ppid -A trust -E UTF8 --locale=C.UTF-8 >"$tmp/initdb.log" 2>&1 \
  || "${as_pg[@]}" "$pg_bin/initdb" -D "$tmp/data" -U ppid -A trust -E UTF8 --no-locale >"$tmp/initdb.log" 2>&1 \
  || { cat "$tmp/initdb.log"; exit 1; }
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -o \
  "-p $port -k $tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$tmp/server.log"; exit 1; }
$PY - "$port" <<'PYEOF' || exit 1
import sys, psycopg
with psycopg.connect(f"postgresql://ppid@127.0.0.1:{sys.argv[1]}/postgres", autocommit=True) as c:
    c.execute("CREATE DATABASE ppid_test")
PYEOF
pg_status=0
PPID_TEST_DATABASE_URL="postgresql://ppid@127.0.0.1:$port/ppid_test" \
  $PY -m pytest -q -m "not e2e" "$@" || pg_status=$?
[ $pg_status -eq 5 ] && pg_status=0
[ $pg_status -ne 0 ] && status=$pg_status
exit $status
