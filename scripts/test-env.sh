# Sourced by test.sh and repeat.sh (from the repository's root): set up, then give this run
# things of its own, removed when the script exits however it exits: a throwaway PostgreSQL on
# a free port (postgres.sh) and a private temporary folder as TMPDIR, which holds pytest's
# folders, Prefect's home and logs and the browser's profiles. So two runs on one host do not
# share or stop each other's servers, and nothing is left in /tmp.
bash scripts/setup.sh --browser
rrf_test_tmp=$(mktemp -d "${TMPDIR:-/tmp}/rrf-test-XXXXXX")
rrf_test_pg=""
rrf_test_cleanup() {
  if [ -n "$rrf_test_pg" ]; then bash scripts/postgres.sh stop; fi
  rm -rf -- "$rrf_test_tmp"
}
trap rrf_test_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
rrf_test_env=$(bash scripts/postgres.sh start)
rrf_test_pg=started
eval "$rrf_test_env"
export TMPDIR=$rrf_test_tmp PREFECT_HOME=$rrf_test_tmp/prefect-home PREFECT_SERVER_ANALYTICS_ENABLED=false
