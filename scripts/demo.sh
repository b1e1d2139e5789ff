#!/usr/bin/env bash
# The main job on the embedded defaults: the compliance check (a Prefect flow on a temporary
# server started for it) on the shipped plan, a SQLite file (./rrf.db) and the progress the
# seed documents themselves report: the status of every item today, the log, the messages.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/rrf validate
.venv/bin/rrf import examples/seed-progress.csv
.venv/bin/rrf check "$@"
