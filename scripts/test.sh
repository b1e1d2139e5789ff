#!/usr/bin/env bash
# Set up (if needed), start a throwaway PostgreSQL on loopback, and run the whole test
# suite against SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
eval "$(bash scripts/postgres.sh start)"
PREFECT_HOME=$(mktemp -d /tmp/rrf-test-prefect-XXXXXX)  # Prefect's servers in the tests keep their state here
export PREFECT_HOME PREFECT_SERVER_ANALYTICS_ENABLED=false
trap 'bash scripts/postgres.sh stop; rm -rf "$PREFECT_HOME"' EXIT
.venv/bin/python -m pytest "$@"
