#!/usr/bin/env bash
# Set up (if needed), start a throwaway PostgreSQL on loopback, and run the whole test
# suite against SQLite and PostgreSQL (pytest's options and paths may be given). The server
# and the temporary files are the run's own and are removed at the end (test-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/test-env.sh
.venv/bin/python -m pytest "$@"
