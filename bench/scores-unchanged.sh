#!/usr/bin/env bash
# Builds two stores with one binary (the card export, and a 150-client demo), scans each with a fixed seed, and prints
# their fingerprints (bench/score-fingerprint.sh). Run it with the binaries of two commits and `diff` the outputs to
# show that a change moved no score and no alert.
#   bash bench/scores-unchanged.sh BIN WORKDIR > fingerprints.txt
set -euo pipefail
BIN="$1"; W="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${DATA:-$HERE/../../shared/data/cards-2023.csv.gz}"
mkdir -p "$W"; rm -f "$W"/cards.sqlite* "$W"/demo.sqlite*
"$BIN" import "$DATA" --store "$W/cards.sqlite" > /dev/null
"$BIN" scan --store "$W/cards.sqlite" --seed 7 > /dev/null
"$BIN" demo --store "$W/demo.sqlite" --clients 150 --days 120 --seed 5 > /dev/null
"$BIN" scan --store "$W/demo.sqlite" --seed 7 > /dev/null
echo "# card export"; bash "$HERE/score-fingerprint.sh" "$W/cards.sqlite"
echo "# demo, 150 clients"; bash "$HERE/score-fingerprint.sh" "$W/demo.sqlite"
