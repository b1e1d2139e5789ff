#!/usr/bin/env bash
# Start a throwaway PostgreSQL server on 127.0.0.1 for the tests (installing Debian's
# package first if it is missing) and print `export RRF_TEST_POSTGRES_URL=...`.
# Usage: eval "$(bash scripts/postgres.sh start)"; bash scripts/postgres.sh stop
set -euo pipefail
port=${RRF_TEST_PG_PORT:-54329}
data=${RRF_TEST_PG_DATA:-/tmp/rrf-test-pg-$port}
action=${1:-start}

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_owner() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$action" = stop ]; then
  bin=$(pgbin)
  [ -n "$bin" ] && [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi

bin=$(pgbin)
if [ -z "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "postgres.sh: PostgreSQL is not installed; run as root or: sudo apt-get install postgresql" >&2
    exit 1
  fi
  echo "postgres.sh: installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq postgresql postgresql-contrib; } >/tmp/rrf-apt.log 2>&1 ||
    { tail -n 20 /tmp/rrf-apt.log >&2; exit 1; }
  bin=$(pgbin)
fi

if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  rm -rf "$data"
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres: "$data"
  as_owner "$bin/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$data.init.log" 2>&1 ||
    { cat "$data.init.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $data -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$data/server.log" >&2; exit 1; }
fi
echo "export RRF_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
