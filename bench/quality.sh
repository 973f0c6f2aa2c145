#!/usr/bin/env bash
# Detection quality: `vigil scan` + `vigil eval` beside scikit-learn on the same exported features, on the real card
# export and on a demo store. Usage: bash bench/quality.sh [DEMO_CLIENTS]   (default 2000 clients x 365 days)
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-2000}
out=bench/out
mkdir -p "$out"
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install -q scikit-learn numpy scipy pandas isotree
fi
swift build -c release --product vigil >/dev/null
vigil=.build/release/vigil

judge() {  # name store
  "$vigil" scan --store "$2" --seed 0 >/dev/null
  "$vigil" eval --store "$2" --json > "$out/$1-eval.json"
  "$vigil" features --store "$2" --out "$out/$1-features.csv" >/dev/null
  echo "== $1 ($("$vigil" stats --store "$2" --json | bench/.venv/bin/python -c 'import json,sys; o=json.load(sys.stdin); print("{:,} transactions, {:,} fraud".format(o["transactions"], o["labelled_fraud"]))'))"
  bench/.venv/bin/python bench/quality.py "$out/$1-features.csv" "$out/$1-eval.json"
}

rm -f "$out"/cards.sqlite* "$out"/demo.sqlite*
"$vigil" import ../shared/data/cards-2023.csv.gz --store "$out/cards.sqlite" >/dev/null
judge cards "$out/cards.sqlite"
"$vigil" demo --store "$out/demo.sqlite" --clients "$clients" --days 365 >/dev/null
judge demo "$out/demo.sqlite"
