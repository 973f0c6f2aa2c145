#!/usr/bin/env bash
# Import speed: vigil import vs sqlite3's own .import of the same uncompressed CSV, in the same run.
# Usage: bash bench/import.sh [CLIENTS]   (CLIENTS for the multi-million-row demo export; default 10000)
# Each cards-2023 figure is the median of three runs; the demo export's, of one.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-10000}
out=bench/out
mkdir -p "$out"
swift build -c release --product vigil >/dev/null
swift build -c release --product vigil-bench >/dev/null
bin=.build/release
data=../shared/data/cards-2023.csv.gz
[ -f "$data" ] || { echo "missing $data" >&2; exit 1; }

zcat "$data" > "$out/cards-2023.csv"
"$bin/vigil" demo --csv-only --export-csv "$out/demo.csv" --clients "$clients" --days 365 >/dev/null

# Let the written files reach the disk first, so their writeback does not slow the first timed run.
sync

measure() {  # label, command...: prints seconds and peak RSS (KB); the median of $reps runs, each into a fresh store
  local label=$1; shift
  local runs=()
  for _ in $(seq "$reps"); do
    rm -f "$out"/v.sqlite* "$out"/s.sqlite*
    /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/err.txt" || { cat "$out/err.txt" >&2; exit 1; }
    runs+=("$(cat "$out/time.txt")")
  done
  local middle
  middle=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(( (reps + 1) / 2 ))p")
  echo "$label $middle"
}

rows_of() { python3 -c "import csv,sys; r=csv.reader(open(sys.argv[1], newline='')); next(r); print(sum(1 for _ in r))" "$1"; }

printf '%-34s %10s %9s %12s %12s\n' "run" "rows" "seconds" "rows/s" "peak MB"
for file in "$out/cards-2023.csv" "$data" "$out/demo.csv"; do
  name=$(basename "$file")
  case "$file" in *demo.csv) reps=1;; *) reps=3;; esac
  case "$file" in *.gz) rows=$(rows_of "$out/cards-2023.csv");; *) rows=$(rows_of "$file");; esac
  read -r _ vs vm <<<"$(measure vigil "$bin/vigil" import "$file" --store "$out/v.sqlite")"
  printf '%-34s %10d %9.2f %12.0f %12.1f\n' "vigil import $name" "$rows" "$vs" "$(echo "$rows / $vs" | bc -l)" "$(echo "$vm / 1024" | bc -l)"
  case "$file" in
    *.gz) ;;
    *)
      read -r _ ss sm <<<"$(measure sqlite3 sqlite3 "$out/s.sqlite" ".mode csv" ".import $file t")"
      printf '%-34s %10d %9.2f %12.0f %12.1f\n' "sqlite3 .import $name" "$rows" "$ss" "$(echo "$rows / $ss" | bc -l)" "$(echo "$sm / 1024" | bc -l)"
      printf '%-34s %10s %9.2f\n' "  ratio vigil/sqlite3 (time)" "" "$(echo "$vs / $ss" | bc -l)"
      ;;
  esac
done
rm -f "$out"/v.sqlite* "$out"/s.sqlite*
echo
echo "demo generation (vigil-bench, $clients clients x 365 days):"
"$bin/vigil-bench" demo --clients "$clients" --days 365
