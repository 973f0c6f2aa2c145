#!/usr/bin/env python3
"""Precision of `vigil cpp`'s ranking on gen_terminals.py data: the share of the top K merchants that the generator
compromised (a terminal with any `compromised_merchant` transaction).

    python3 bench/cpp_precision.py STORE.sqlite VIGIL [vigil cpp options...]
    python3 bench/cpp_precision.py bench/out/t.sqlite .build/release/vigil --feedback-delay 7
"""
import json
import sqlite3
import subprocess
import sys

store, binary = sys.argv[1], sys.argv[2]
out = subprocess.run([binary, "cpp", "--store", store, "--json", "--limit", "100"] + sys.argv[3:],
                     capture_output=True, text=True, check=True).stdout
report = json.loads(out)
compromised = {m for (m,) in sqlite3.connect(store).execute(
    "SELECT DISTINCT merchant FROM transactions WHERE label_kind = 'compromised_merchant'")}
ranked = [m["merchant"] for m in report["merchants"]]
for k in (10, 20, 50, 100):
    top = ranked[:k]
    print(f"precision@{k}: {sum(m in compromised for m in top) / max(1, len(top)):.2f}")
print(f"merchants ranked {report['merchants_ranked']}, compromised terminals {len(compromised)}, "
      f"fraud cards {report['fraud_cards']} of {report['cards']}")
