#!/usr/bin/env bash
# Times the README's two commands as a newcomer meets them: a fresh clone of this repository's
# main branch, an empty HOME (so no Tern cache and no SwiftPM caches of one's own), and a python3
# with nothing but pip first on PATH. Prints one line per command; logs go to WORK/*.log.
#
#   scripts/fresh-clone-times.sh [WORK]        # WORK defaults to /tmp/tern-fresh; it is wiped
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/tern-fresh}"
rm -rf "$work" && mkdir -p "$work/home"
git clone -q --branch main "$repo" "$work/clone"
python3 -m venv "$work/python"   # pip only
cd "$work/clone"
export HOME="$work/home" PATH="$work/python/bin:$(dirname "$(command -v swift)"):/usr/local/bin:/usr/bin:/bin"
unset TERN_HOME TERN_PYTHON
start=$(date +%s)
swift run -c release tern generate "The capital of France is" > "$work/first.log" 2>&1 && status=0 || status=$?
echo "first command: exit $status in $(( $(date +%s) - start )) s"
start=$(date +%s)
swift test -c release --disable-testable-imports > "$work/test.log" 2>&1 && status=0 || status=$?
echo "test command: exit $status in $(( $(date +%s) - start )) s; $(grep -E 'Executed [0-9]+ tests' "$work/test.log" | tail -1 | sed 's/^[[:space:]]*//')"
