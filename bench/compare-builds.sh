#!/usr/bin/env bash
# The same benchmarks run by two builds on the same data, alternately, and the ratio new/old of each one's best time:
# how a change that should not move speed (a refactor) is shown to be no slower.
#   bash bench/compare-builds.sh OLD_RELEASE_DIR NEW_RELEASE_DIR [ROUNDS]
# Each directory holds `vigil` and `vigil-bench` from `swift build -c release`. Needs python3.
set -euo pipefail
OLD="$1"; NEW="$2"; ROUNDS="${3:-2}"
HERE="$(cd "$(dirname "$0")" && pwd)"
DATA="${DATA:-$HERE/../../shared/data/cards-2023.csv.gz}"
W="${WORK:-$(mktemp -d)}"
CLIENTS="${CLIENTS:-2000}"
mkdir -p "$W"
echo "# work directory $W; $ROUNDS rounds; demo of $CLIENTS clients" >&2

# One store per build, so that each build's scan fits its own models (a second scan would reuse them).
"$OLD/vigil-bench" demo --clients "$CLIENTS" --days 365 --seed 42 --store "$W/base.sqlite" > /dev/null
"$OLD/vigil-bench" matrix --rows 200000 --columns 8 --seed 1 --out "$W/m" > /dev/null

run() {  # build "label=key,label=key" benchmark-args...: prints "label build value" for each metric of its JSON lines
  local build="$1" metrics="$2"; shift 2
  "$build/vigil-bench" "$@" 2>/dev/null | python3 -c '
import json, sys
metrics = dict(pair.split("=") for pair in sys.argv[1].split(","))
seen = {}
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"): continue
    o = json.loads(line)
    for label, key in metrics.items():
        bench, _, key = key.rpartition(".")
        if bench and o.get("benchmark") != bench: continue
        if key in o and label not in seen: seen[label] = o[key]
for label, value in seen.items(): print(label, sys.argv[2], value)
' "$metrics" "$build"
}

for round in $(seq "$ROUNDS"); do
  for build in "$OLD" "$NEW"; do
    S="$W/store-$round-$(basename "$(dirname "$build")")-$RANDOM.sqlite"
    cp "$W/base.sqlite" "$S"
    run "$build" demo_generate=demo_generate.seconds,demo_store=demo_store.seconds demo --clients 1000 --days 365 --seed 7 --store "$W/scratch.sqlite"
    run "$build" import=seconds import "$DATA" --store "$W/scratch.sqlite"
    run "$build" features=seconds features --store "$S"
    run "$build" rules=seconds rules --store "$S"
    run "$build" scan=seconds scan --store "$S" --with-lof
    run "$build" queue_first_frame_ms=first_frame_ms,queue_key_ms=key_ms_median,queue_sort_ms=sort_ms_median queue --store "$S" --keys 2000
    run "$build" client_ms=open_timeline_heatmaps_ms_median client --repeat 50
    run "$build" overview_frame_ms=first_frame_ms,overview_both_ms=draw_both_panes_ms overview --store "$S"
    run "$build" live_batch=batch_score_seconds,live_catch_up=catch_up_seconds live --clients 1000 --days 120 --arrival-days 10
    run "$build" iforest=seconds iforest --matrix "$W/m" --seed 1
    run "$build" lof=seconds lof --matrix "$W/m"
    rm -f "$S" "$S-wal" "$S-shm"
  done
done | python3 -c '
import sys, collections
best = collections.defaultdict(dict)
order = []
for line in sys.stdin:
    label, build, seconds = line.split()
    if label not in order: order.append(label)
    best[label][build] = min(float(seconds), best[label].get(build, float("inf")))
old, new = sys.argv[1], sys.argv[2]
print("%-22s %10s %10s %8s" % ("benchmark", "old s", "new s", "new/old"))
for label in order:
    o, n = best[label][old], best[label][new]
    print("%-22s %10.3f %10.3f %8.2f" % (label, o, n, n / o if o else float("nan")))
' "$OLD" "$NEW"
