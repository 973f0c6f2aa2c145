#!/usr/bin/env bash
# Issue 23's team-work goal: two workbenches and two `vigil` command-line loops decide cases on one store for ten
# minutes (CaseSoakTests with VIGIL_SOAK_SECONDS), and the counts: decisions per analyst, cases taken, conflicts
# refused, audit events and the verify result. The command-line analysts run the release `vigil`; the workbenches are
# in the test process (a debug build), each on a store connection of its own.
#   bash bench/soak-cases.sh [SECONDS]        (default 600)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
mkdir -p bench/out
swift build -c release --product vigil >/dev/null
swift build --build-tests >/dev/null
log=bench/out/soak-cases.log
VIGIL_SOAK_SECONDS="$seconds" VIGIL_BINARY="$PWD/.build/release/vigil" \
  swift test --skip-build --filter CaseSoakTests > "$log" 2>&1 && status=0 || status=$?
sed -n '/^soak: /,/^  trail: /p' "$log"
grep -E '^(✔|✘) Test run' "$log" || tail -20 "$log"
exit "$status"
