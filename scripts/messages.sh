#!/usr/bin/env bash
# The message catalogues (rules/locale): run it after adding or changing a user-facing sentence
# in rules/, notifications/ or the digest template, then translate and run it again.
#   1. extract  every message of the code and the template (babel.cfg) into rules/locale/rrf.pot;
#               kept as it is when only its creation date would change
#   2. update   each language's rules/locale/<lang>/LC_MESSAGES/rrf.po from it (created if missing):
#               new messages come in empty, changed ones fuzzy; translate them in lv's rrf.po and
#               drop the "fuzzy" flag. English is the source language: its msgstr stay empty.
#   3. compile  each rrf.po into the rrf.mo the engine loads (fails on broken placeholders)
# Commit the .pot, the .po and the .mo files together: tests/test_messages.py checks that every
# message is translated and that each .mo is what its .po compiles to.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pybabel=.venv/bin/pybabel
locale=rules/locale
pot=$locale/rrf.pot
version=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

"$pybabel" -q extract -F babel.cfg -o "$tmp" --project=rrf --version="$version" \
  --header-comment="# Messages of rrf, the RRF compliance engine (scripts/messages.sh)." \
  --add-comments=TRANSLATORS: --add-location=file --no-wrap --sort-by-file .
undated() { grep -v '^"POT-Creation-Date: ' "$1"; }
if [ ! -f "$pot" ] || ! cmp -s <(undated "$tmp") <(undated "$pot"); then
  mkdir -p "$locale" && cp "$tmp" "$pot"
fi
for lang in lv en; do
  "$pybabel" -q update -i "$pot" -d "$locale" -D rrf -l "$lang" --init-missing \
    --ignore-obsolete --ignore-pot-creation-date --no-wrap
done
"$pybabel" compile -d "$locale" -D rrf --statistics
