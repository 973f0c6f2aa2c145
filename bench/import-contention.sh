#!/usr/bin/env bash
# Imports beside other work on the same store:
#  (a) a file of new clients' rows imported into a scanned store against the same store unscanned;
#  (b) how long triage decisions take (waiting for the write lock included) while an import runs.
# Usage: bash bench/import-contention.sh [CLIENTS] [DAYS] [NEW_ROWS]   (defaults 2000 365 200000)
# SCAN_DETECTORS=rules scans with the rules only (they write the `scores` rows). BIN=.build/debug uses an existing debug build instead of building a release one.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-2000}
days=${2:-365}
new_rows=${3:-200000}
out=bench/out/contention
mkdir -p "$out"
if [ -z "${BIN:-}" ]; then
  swift build -c release --product vigil >/dev/null
  swift build -c release --product vigil-bench >/dev/null
  BIN=.build/release
fi
rm -f "$out"/*.sqlite* "$out"/*.csv

"$BIN/vigil" demo --store "$out/unscanned.sqlite" --clients "$clients" --days "$days" >/dev/null
cp "$out/unscanned.sqlite" "$out/scanned.sqlite"
"$BIN/vigil" scan --store "$out/scanned.sqlite" --detectors "${SCAN_DETECTORS:-all}" >/dev/null
rows=$(sqlite3 "$out/scanned.sqlite" 'SELECT COUNT(*) FROM transactions')
scores=$(sqlite3 "$out/scanned.sqlite" 'SELECT COUNT(*) FROM scores')

# Rows of clients the store has never seen, in a layout matched by column names.
python3 - "$out/new.csv" "$new_rows" <<'EOF'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("id,client,time,amount,merchant,category\n")
    for i in range(n):
        f.write(f"NEW{i},NEWCLIENT{i % 500},{1735689600 + i * 31},{i % 300 + 1}.25,Shop{i % 40},misc_pos\n")
EOF
cp "$out/scanned.sqlite" "$out/scanned-2.sqlite"

timed_import() {  # store: seconds of one import of new.csv
  local start end
  start=$(date +%s.%N)
  "$BIN/vigil" import "$out/new.csv" --store "$1" >/dev/null
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}
unscanned=$(timed_import "$out/unscanned.sqlite")
scanned=$(timed_import "$out/scanned.sqlite")
echo "store: $rows transactions, $scores rule scores; new clients' rows: $new_rows"
echo "(a) import into unscanned: ${unscanned} s; into scanned: ${scanned} s; ratio $(python3 -c "print(f'{$scanned / $unscanned:.2f}')")"

# (b) Decisions while the same file imports into a fresh copy of the scanned store.
"$BIN/vigil" import "$out/new.csv" --store "$out/scanned-2.sqlite" >/dev/null &
importer=$!
sleep 0.5
"$BIN/vigil-bench" triage-wait --store "$out/scanned-2.sqlite" --decisions 50 --interval-ms 20
if kill -0 "$importer" 2>/dev/null; then echo "(the import was still running after the last decision)"; else echo "(the import ended before the last decision: use more NEW_ROWS)"; fi
wait "$importer"
