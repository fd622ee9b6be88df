# Sourced by scripts/test.sh and bench/load.sh: a throwaway PostgreSQL cluster.
#   pg_find_bin            sets PG_BIN (empty when PostgreSQL's server is not installed)
#   pg_start DBNAME        starts a cluster in a temp dir on a free port; sets PG_URL and
#                          PG_DATA. Fast and not durable (fsync, synchronous_commit and
#                          full_page_writes off): for tests and load runs only.
#   pg_start DBNAME durable  the same at PostgreSQL's production settings (fsync,
#                          synchronous_commit and full_page_writes on, data checksums), for
#                          the durability runs (bench/durability.py)
#   pg_stop                stops it and removes the directory
# The settings are written to the cluster's postgresql.conf, so after a crash a plain
# `pg_ctl -D "$PG_DATA" -l LOG -w start` (as the cluster's owner) restarts it as it was.
PG_BIN=""
PG_TMP=""
PG_DATA=""
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
  local db=$1 mode=${2:-fast} py=${PY:-.venv/bin/python} port durable_sync=off initdb_opts=()
  case $mode in
    fast) ;;
    durable) durable_sync=on; initdb_opts=(--data-checksums) ;;
    *) echo "pg_start: unknown mode '$mode' (fast or durable)" >&2; return 1 ;;
  esac
  PG_TMP=$(mktemp -d)
  port=$($py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  PG_AS=()
  if [ "$(id -u)" = 0 ]; then
    # initdb refuses to run as root: the cluster belongs to the unprivileged postgres user.
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    chown postgres "$PG_TMP"
    PG_AS=(runuser -u postgres --)
  fi
  PG_DATA="$PG_TMP/data"
  "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U ppid -A trust -E UTF8 --locale=C.UTF-8 "${initdb_opts[@]}" >"$PG_TMP/initdb.log" 2>&1 \
    || "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U ppid -A trust -E UTF8 --no-locale "${initdb_opts[@]}" >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log"; return 1; }
  cat >>"$PG_DATA/postgresql.conf" <<CONFEOF
# scripts/pg.sh ($mode)
port = $port
unix_socket_directories = '$PG_TMP'
listen_addresses = '127.0.0.1'
max_connections = 200
fsync = $durable_sync
synchronous_commit = $durable_sync
full_page_writes = $durable_sync
CONFEOF
  "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_TMP/server.log" -w start >/dev/null \
    || { cat "$PG_TMP/server.log"; return 1; }
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
  PG_DATA=""
}
