#!/usr/bin/env bash
# Issue 22's goals on both data sets: the card export (label-free: ROC-AUC >= 0.97, AP >= 0.60, P@100 >= 0.90) and
# both variants of the customers-and-terminals generator (bench/quality-terminals.sh), each scanned with the same
# extra arguments.        bash bench/quality-goals.sh [SCAN ARGS...]        (SEED, SMALL, NO_BUILD as there)
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
[ -n "${NO_BUILD:-}" ] || swift build -c release --product vigil >/dev/null
vigil=.build/release/vigil

store="$out/goals-cards.sqlite"
if [ ! -f "$store.imported" ]; then  # a store whose import did not finish is made again
  rm -f "$store" "$store-wal" "$store-shm"
  "$vigil" import ../shared/data/cards-2023.csv.gz --store "$store"
  touch "$store.imported"
fi
"$vigil" scan --store "$store" --seed 0 "$@" | tail -1
"$vigil" eval --store "$store" --json > "$out/goals-cards-eval.json"
python3 bench/quality_goals.py "$store" "$out/goals-cards-eval.json" --name "cards-2023${*:+ ($*)}" --goals cards
for variant in a b; do
  VARIANT=$variant NO_BUILD=1 bash bench/quality-terminals.sh "$@"
done
