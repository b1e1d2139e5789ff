#!/usr/bin/env bash
# The main job on the embedded defaults: the shipped plan, a SQLite file (./rrf.db),
# the progress the seed documents themselves report, and the status of every item today.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/rrf validate
.venv/bin/rrf import examples/seed-progress.csv
.venv/bin/rrf status "$@"
