#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the tests, installing Debian's package first
# if it is missing (as root).
#
#   env=$(bash scripts/postgres.sh start) && eval "$env"   # ... run the tests ...
#   bash scripts/postgres.sh stop
#
# `start` picks a free port (or RRF_TEST_PG_PORT) and a private data folder made with
# mktemp -d (or RRF_TEST_PG_DATA), starts the server and prints the export lines the tests and
# `stop` need: RRF_TEST_POSTGRES_URL, RRF_TEST_PG_PORT, RRF_TEST_PG_DATA and, for a private
# folder, RRF_TEST_PG_TMP. `stop` (with those variables set) stops the server and removes the
# private folder, data, logs and socket alike. So two runs on one host never share or stop each
# other's server, and nothing is left in /tmp. A server already answering on a given
# RRF_TEST_PG_PORT is used as it is and left running.
set -euo pipefail
action=${1:-start}

pgbin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_owner() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local py
  for py in python3 python3.11 "$(dirname "$0")/../.venv/bin/python"; do
    if command -v "$py" >/dev/null 2>&1; then
      "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
      return
    fi
  done
  echo "postgres.sh: no python3 to pick a free port; set RRF_TEST_PG_PORT" >&2
  return 1
}

stop_server() {  # $1: data folder
  local bin
  bin=$(pgbin)
  if [ -n "$1" ] && [ -n "$bin" ] && [ -f "$1/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$1" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
}

remove_private() {  # $1: a folder made by `start`; refuses anything else
  case "$(basename -- "${1:-}")" in
    rrf-test-pg-??????*) rm -rf -- "$1" ;;
    "") ;;
    *) echo "postgres.sh: not removing $1 (not a folder made by postgres.sh start)" >&2 ;;
  esac
}

if [ "$action" = stop ]; then
  stop_server "${RRF_TEST_PG_DATA:-}"
  remove_private "${RRF_TEST_PG_TMP:-}"
  exit 0
elif [ "$action" != start ]; then
  echo "usage: bash scripts/postgres.sh start|stop" >&2
  exit 2
fi

bin=$(pgbin)
if [ -z "$bin" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "postgres.sh: PostgreSQL is not installed; run as root or: sudo apt-get install postgresql" >&2
    exit 1
  fi
  echo "postgres.sh: installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt_log=$(mktemp /tmp/rrf-apt-XXXXXX.log)
  { apt-get update -qq && apt-get install -y -qq postgresql postgresql-contrib; } >"$apt_log" 2>&1 ||
    { tail -n 20 "$apt_log" >&2; rm -f "$apt_log"; exit 1; }
  rm -f "$apt_log"
  bin=$(pgbin)
fi

url() { echo "postgresql+psycopg://postgres@127.0.0.1:$1/postgres"; }

if [ -n "${RRF_TEST_PG_PORT:-}" ] && "$bin/pg_isready" -q -h 127.0.0.1 -p "$RRF_TEST_PG_PORT"; then
  # somebody's server: use it, and give `stop` nothing to stop or remove
  echo "export RRF_TEST_POSTGRES_URL=$(url "$RRF_TEST_PG_PORT") RRF_TEST_PG_PORT=$RRF_TEST_PG_PORT"
  echo "export RRF_TEST_PG_DATA= RRF_TEST_PG_TMP="
  exit 0
fi

private=""
if [ -n "${RRF_TEST_PG_DATA:-}" ]; then
  data=$RRF_TEST_PG_DATA
  logs=$data.init.log
  sockets=$data
  rm -rf "$data"
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres: "$data"
else
  # under /tmp, not $TMPDIR: as root, the postgres user must be able to reach it
  private=$(mktemp -d /tmp/rrf-test-pg-XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$private"
  data=$private/data
  logs=$private/init.log
  sockets=$private
fi
started=""
cleanup() {  # a start that fails or is interrupted leaves nothing behind
  [ -n "$started" ] && stop_server "$data"
  remove_private "$private"
}
trap 'cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_owner "$bin/initdb" -D "$data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 >"$logs" 2>&1 ||
  { cat "$logs" >&2; exit 1; }
# A free port may be taken by someone else before the server binds it: then try another one.
for attempt in 1 2 3 4 5; do
  port=${RRF_TEST_PG_PORT:-$(free_port)}
  started=yes
  if as_owner "$bin/pg_ctl" -D "$data" -w -t 60 -l "$data/server.log" \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $sockets -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null; then
    break
  fi
  stop_server "$data"  # in case it came up too late for pg_ctl
  started=""
  if [ -n "${RRF_TEST_PG_PORT:-}" ] || [ "$attempt" = 5 ]; then
    cat "$data/server.log" >&2
    exit 1
  fi
done
trap - EXIT INT TERM
echo "export RRF_TEST_POSTGRES_URL=$(url "$port") RRF_TEST_PG_PORT=$port"
echo "export RRF_TEST_PG_DATA=$data RRF_TEST_PG_TMP=$private"
