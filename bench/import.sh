#!/usr/bin/env bash
# Import speed: vigil import vs sqlite3's own .import of the same uncompressed CSV, in the same run.
# Usage: bash bench/import.sh [CLIENTS]   (CLIENTS for the multi-million-row demo export; default 10000)
# Each figure is a median of alternating vigil/sqlite3 pairs: five for cards-2023, three for the demo export.
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

timed() {  # command...: prints "seconds peak-RSS-KB" of one run into a fresh store, after sync
  rm -f "$out"/v.sqlite* "$out"/s.sqlite*
  sync
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/err.txt" || { cat "$out/err.txt" >&2; exit 1; }
  cat "$out/time.txt"
}

median() { sort -n | sed -n "$(( ($1 + 1) / 2 ))p"; }

rows_of() { python3 -c "import csv,sys; r=csv.reader(open(sys.argv[1], newline='')); next(r); print(sum(1 for _ in r))" "$1"; }

# This VM's speed drifts by ±15 % within minutes, so vigil and sqlite3 run in alternating pairs, and the figure is
# the median of the pairs' ratios (each pair ran at nearly the same speed), beside each side's median time.
printf '%-34s %10s %9s %12s %12s\n' "run" "rows" "seconds" "rows/s" "peak MB"
for file in "$out/cards-2023.csv" "$data" "$out/demo.csv"; do
  name=$(basename "$file")
  case "$file" in *demo.csv) reps=3;; *) reps=5;; esac
  case "$file" in *.gz) rows=$(rows_of "$out/cards-2023.csv");; *) rows=$(rows_of "$file");; esac
  vruns=(); sruns=(); ratios=()
  for _ in $(seq "$reps"); do
    read -r vs vm <<<"$(timed "$bin/vigil" import "$file" --store "$out/v.sqlite")"
    vruns+=("$vs $vm")
    case "$file" in
      *.gz) ;;
      *)
        read -r ss _ <<<"$(timed sqlite3 "$out/s.sqlite" ".mode csv" ".import $file t")"
        sruns+=("$ss")
        ratios+=("$(echo "$vs / $ss" | bc -l)")
        ;;
    esac
  done
  read -r vs vm <<<"$(printf '%s\n' "${vruns[@]}" | median "$reps")"
  printf '%-34s %10d %9.2f %12.0f %12.1f\n' "vigil import $name" "$rows" "$vs" "$(echo "$rows / $vs" | bc -l)" "$(echo "$vm / 1024" | bc -l)"
  if [ ${#sruns[@]} -gt 0 ]; then
    ss=$(printf '%s\n' "${sruns[@]}" | median "$reps")
    printf '%-34s %10d %9.2f %12.0f\n' "sqlite3 .import $name" "$rows" "$ss" "$(echo "$rows / $ss" | bc -l)"
    printf '%-34s %10s %9.2f   (pairs: %s)\n' "  ratio vigil/sqlite3 (median)" "" \
      "$(printf '%s\n' "${ratios[@]}" | median "$reps")" "$(printf '%.2f ' "${ratios[@]}")"
  fi
done
rm -f "$out"/v.sqlite* "$out"/s.sqlite*
echo
echo "demo generation (vigil-bench, $clients clients x 365 days):"
"$bin/vigil-bench" demo --clients "$clients" --days 365
