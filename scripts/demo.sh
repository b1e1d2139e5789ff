#!/usr/bin/env bash
# The main job on the embedded defaults: the compliance check (a Prefect flow on a temporary
# server started for it) on the shipped plan, a SQLite file (./rrf.db) and the progress the
# seed documents themselves report: the status of every item today, the log, the messages.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/rrf validate
.venv/bin/rrf test
.venv/bin/rrf import examples/seed-progress.csv
.venv/bin/rrf check "$@"
echo
echo "The same in the web portal: add yourself an account, then start it and open http://127.0.0.1:8000/"
echo "  .venv/bin/rrf users add $(id -un | tr -cd 'a-z0-9._-' | cut -c1-60 | sed 's/^$/me/') --role coordinator"
echo "  .venv/bin/rrf web"
