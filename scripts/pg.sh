# Sourced by scripts/test.sh and bench/load.sh: a throwaway PostgreSQL cluster.
#   pg_find_bin            sets PG_BIN (empty when PostgreSQL's server is not installed)
#   pg_start DBNAME        starts a cluster in a temp dir on a free port; sets PG_URL
#   pg_stop                stops it and removes the directory
PG_BIN=""
PG_TMP=""
PG_AS=()

pg_find_bin() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    PG_BIN=$(dirname "$(command -v pg_ctl)")
  else
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || PG_BIN=""
  fi
}

pg_start() {
  local db=$1 py=${PY:-.venv/bin/python} port
  PG_TMP=$(mktemp -d)
  port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  PG_AS=()
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the unprivileged postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    chown postgres "$PG_TMP"
    PG_AS=(runuser -u postgres --)
  fi
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U ppid -A trust -E UTF8 --locale=C.UTF-8 >"$PG_TMP/initdb.log" 2>&1 \
    || "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_TMP/data" -U ppid -A trust -E UTF8 --no-locale >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log"; return 1; }
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -o \
    "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$PG_TMP/server.log"; return 1; }
  $py - "$port" "$db" <<'PYEOF' || return 1
import sys, psycopg
with psycopg.connect(f"postgresql://ppid@127.0.0.1:{sys.argv[1]}/postgres", autocommit=True) as c:
    c.execute(f'CREATE DATABASE "{sys.argv[2]}"')
PYEOF
  PG_URL="postgresql://ppid@127.0.0.1:$port/$db"
}

pg_stop() {
  [ -n "$PG_TMP" ] || return 0
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=""
}
