#!/usr/bin/env bash
# Set up (if needed), start a throwaway PostgreSQL on loopback, and run the whole test
# suite against SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
eval "$(bash scripts/postgres.sh start)"
trap 'bash scripts/postgres.sh stop' EXIT
.venv/bin/python -m pytest "$@"
