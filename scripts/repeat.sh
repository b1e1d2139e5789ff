#!/usr/bin/env bash
# Run the given tests N times in a row, to show they are not flaky:
#   bash scripts/repeat.sh 20 tests/test_concurrency.py tests/test_flows.py tests/test_distributed.py
# Set-up and the throwaway PostgreSQL once, as in test.sh (test-env.sh); stops at the first
# round that fails (exit status: pytest's) and ends with a one-line summary.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 1 ] || ! [[ $1 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash scripts/repeat.sh N [pytest options and paths]" >&2
  exit 2
fi
rounds=$1
shift
what="the whole suite${*:+ ($*)}"  # what the summary names: the tests given, else the whole suite
for arg in "$@"; do
  if [[ $arg != -* && -e ${arg%%::*} ]]; then what=$*; break; fi
done
. scripts/test-env.sh
for ((round = 1; round <= rounds; round++)); do
  began=$SECONDS
  code=0
  .venv/bin/python -m pytest "$@" || code=$?
  if [ "$code" != 0 ]; then
    echo "$((round - 1)) of $rounds runs passed; run $round failed (pytest exit $code, $((SECONDS - began)) s): $what"
    exit "$code"
  fi
  echo "run $round of $rounds passed in $((SECONDS - began)) s"
done
echo "$rounds of $rounds runs passed: $what"
