#!/usr/bin/env bash
# Create .venv with Python 3.11 and install the project with the pinned, tested versions
# (constraints.txt). Skipped when nothing that matters changed since the last install.
# With --browser (the tests: scripts/test-env.sh), also installs Debian's chromium and
# chromium-driver (the browser tests' headless browser, tests/browser.py) when /usr/bin/chromium
# or /usr/bin/chromedriver is missing; the demo and the program itself need no browser.
set -euo pipefail
cd "$(dirname "$0")/.."

# The browser for the browser tests: nothing to do (and nothing printed) when both are there.
install_chromium() {
  [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && return 0
  local as_root=()
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup: /usr/bin/chromium or /usr/bin/chromedriver is missing; install Debian's" \
           "chromium and chromium-driver as root (apt-get install chromium chromium-driver)" >&2
      return 1
    fi
    as_root=(sudo)
  fi
  echo "setup: installing chromium and chromium-driver with apt-get" >&2
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/rrf-setup-apt-XXXXXX.log")
  local apt=("${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y)
  if ! { "${apt[@]}" install --no-install-recommends chromium chromium-driver ||
         { "${apt[@]}" update && "${apt[@]}" install --no-install-recommends chromium chromium-driver; }
       } >"$log" 2>&1 ||
     ! [ -x /usr/bin/chromium ] || ! [ -x /usr/bin/chromedriver ]; then
    tail -n 30 "$log" >&2
    echo "setup: installing chromium and chromium-driver failed (full log: $log)" >&2
    return 1
  fi
  rm -f "$log"
}
if [ "${1:-}" = "--browser" ]; then
  install_chromium
fi

py=""
for candidate in python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
    py="$candidate"; break
  fi
done
if [ -z "$py" ]; then
  echo "setup: Python 3.11 is required (python3.11 not found)" >&2
  exit 1
fi

stamp=.venv/.rrf-installed
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ -x .venv/bin/rrf ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "setup: installing into .venv (Python $("$py" -c 'import platform; print(platform.python_version())'))" >&2
[ -x .venv/bin/python ] || "$py" -m venv .venv
log=.venv/install.log
if ! { .venv/bin/python -m pip install --upgrade pip &&
       .venv/bin/python -m pip install -c constraints.txt -e '.[test]'; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "setup: installation failed (full log: $log)" >&2
  exit 1
fi
echo "$want" > "$stamp"
