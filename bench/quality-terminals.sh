#!/usr/bin/env bash
# Issue 22's goals on the second data set (customers and terminals, bench/gen_terminals.py): generates it (cached in
# bench/out by its parameters), imports it (cached), scans with any extra arguments, evaluates, and prints the
# ensemble beside amount alone with the recall of each kind of fraud in the top 1 %.
#   bash bench/quality-terminals.sh [SCAN ARGS...]        e.g. bash bench/quality-terminals.sh --feedback-delay 7
# Environment: VARIANT=a|b (default a), SEED (default 0), SMALL=1 for the quick preset, NO_BUILD=1 to use the
# release binary as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
variant=${VARIANT:-a}
seed=${SEED:-0}
size=full; [ -n "${SMALL:-}" ] && size=small
name="terminals-$variant-s$seed-$size"
out=bench/out
mkdir -p "$out"
[ -n "${NO_BUILD:-}" ] || swift build -c release --product vigil >/dev/null
vigil=.build/release/vigil

csv="$out/$name.csv.gz"
if [ ! -f "$csv" ]; then
  python3 bench/gen_terminals.py --variant "$variant" --seed "$seed" ${SMALL:+--small} --out "$out/$name.part.csv.gz"
  mv "$out/$name.part.customers.csv" "$out/$name.customers.csv"
  mv "$out/$name.part.csv.gz" "$csv"
fi
store="$out/$name.sqlite"
if [ ! -f "$store.imported" ]; then  # a store whose import did not finish is made again
  rm -f "$store" "$store-wal" "$store-shm"
  "$vigil" import "$csv" --store "$store" --map time=TX_DATETIME --map amount=TX_AMOUNT \
    --map merchant=TERMINAL_ID --map home_lat=CUSTOMER_LAT --map home_lon=CUSTOMER_LON \
    --map merch_lat=TERMINAL_LAT --map merch_lon=TERMINAL_LON --map label=TX_FRAUD --map label_kind=TX_FRAUD_KIND
  touch "$store.imported"
fi
"$vigil" scan --store "$store" --seed 0 "$@" | tail -1
"$vigil" eval --store "$store" --json > "$out/$name-eval.json"
python3 bench/quality_goals.py "$store" "$out/$name-eval.json" --name "$name${*:+ ($*)}" \
  --customers "$out/$name.customers.csv" --goals terminals
