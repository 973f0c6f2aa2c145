#!/bin/bash
# The audit trail's figures on a copy of a big store (default /work/big/d10k.sqlite: 109,500 alerts). Never writes the
# original: copies it (and its -wal) to a scratch folder first. Decides every alert (20,000 to a command) so that the
# trail holds an event per alert, then times `audit verify`, `audit anchor`, `key rotate`, and `vigil-bench audit`
# (the chain and the alerts check apart, without the whole file's integrity check). Results: bench/RESULTS.md, "Trust II".
# Needs release builds of vigil and vigil-bench.
set -e
ORIGINAL=${1:-/work/big/d10k.sqlite}
WORK=${2:-/tmp/vigil-audit-bench}
B=$PWD/.build/release
mkdir -p "$WORK"
S=$WORK/store.sqlite
rm -f "$S" "$S-wal" "$S-shm" "$S.key"
cp "$ORIGINAL" "$S"
[ -f "$ORIGINAL-wal" ] && cp "$ORIGINAL-wal" "$S-wal"
t() { local name=$1; shift; local s=$(date +%s.%N); "$@" > "$WORK/last.out" 2>&1 || true; local e=$(date +%s.%N)
      printf "%-40s %7.2f s\n" "$name" "$(echo "$e - $s" | bc)"; }
t "stats (migrates the copy)" "$B/vigil" stats --store "$S"
sqlite3 "$S" "select id from alerts order by id" | split -l 20000 - "$WORK/chunk."
for f in "$WORK"/chunk.*; do
  t "triage $(wc -l < "$f") alerts together" "$B/vigil" triage --store "$S" --decision escalate --analyst bench $(sed 's/^/--alert /' "$f")
done
rm -f "$WORK"/chunk.*
for i in 1 2 3; do t "audit verify" "$B/vigil" audit verify --store "$S"; done
t "audit anchor" "$B/vigil" audit anchor --store "$S"
t "key rotate" "$B/vigil" key rotate --store "$S"
cat "$WORK/last.out"
sqlite3 "$S" "update alerts set status='false_positive' where id=5000"
t "audit verify (one alert edited)" "$B/vigil" audit verify --store "$S"
cat "$WORK/last.out"
"$B/vigil-bench" audit --store "$S"
