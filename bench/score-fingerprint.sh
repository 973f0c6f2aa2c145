#!/usr/bin/env bash
# A hash of every detector's latest complete run (its score blocks and its score rows) and of the alert queue (id,
# transaction, score to 17 digits, reasons, status), one line each: run it on stores scanned by two builds with the
# same seed and `diff` the outputs to show that a change moved no score and no alert.
#   bash bench/score-fingerprint.sh STORE
set -euo pipefail
S="$1"
sqlite3 "$S" "SELECT detector, id FROM detector_runs d WHERE status = 'complete' AND id = (SELECT max(id) FROM detector_runs e WHERE e.detector = d.detector AND e.status = 'complete') ORDER BY detector" |
while IFS='|' read -r detector run; do
  blocks=$(sqlite3 "$S" "SELECT first_id, hex(ids), hex(scores) FROM score_blocks WHERE run_id = $run ORDER BY first_id" | sha256sum | cut -c1-16)
  rows=$(sqlite3 "$S" "SELECT transaction_id, printf('%!.17g', score), reasons FROM scores WHERE run_id = $run ORDER BY transaction_id" | sha256sum | cut -c1-16)
  echo "$detector blocks=$blocks rows=$rows"
done
echo "alerts $(sqlite3 "$S" "SELECT id, transaction_id, printf('%!.17g', score), reasons, status FROM alerts ORDER BY id" | sha256sum | cut -c1-16) n=$(sqlite3 "$S" 'SELECT count(*) FROM alerts')"
