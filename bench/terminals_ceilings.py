#!/usr/bin/env python3
"""What any detector could reach on a data set of bench/gen_terminals.py: the ceilings issue 22's goals are read against.

    python3 bench/terminals_ceilings.py DATA.csv[.gz] [--delay-days 7]

Reads the generator's CSV and, beside it, its customers' table (`.customers.csv`), and prints:

1. **Small spenders' jumps, one transaction at a time.** An oracle that knows each customer's true mean and standard
   deviation ranks every transaction by how far its amount lies above that mean, in standard deviations, and takes
   the top 1 %: the share of compromised-card fraud of small spenders (mean under $20) it catches there. No detector
   that judges a charge by its amount against the client's level can do better on average, since the generator draws
   a fraud amount as the multiplier times an ordinary draw: a low draw makes a fraud no larger than a genuine charge.
   Also the share of those jumps above k × the mean, beside the share of genuine charges there.
2. **Compromised merchants, with outcomes known `--delay-days` late.** For each compromised-merchant fraud, whether
   at its instant at least one (two) cards with fraud at the same terminal in the 30 days before had their outcome
   known already (fraud instant + delay before it). No causal detector can flag a compromised terminal's transactions
   before any fraud there is known: they are ordinary for their cards, amounts and hours. `merchant_risk` asks for two.
Python 3 and numpy only.
"""
import argparse
import csv
import gzip
import sys

import numpy as np


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        col = {name: header.index(name) for name in
               ["TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD", "TX_FRAUD_KIND"]}
        data = {name: [] for name in col}
        for row in rows:
            for name, i in col.items():
                data[name].append(row[i])
    return data


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("data")
    p.add_argument("--delay-days", type=float, default=7)
    a = p.parse_args(argv)
    customers_path = a.data.removesuffix(".gz").removesuffix(".csv") + ".customers.csv"
    with open(customers_path) as f:
        table = {r["CUSTOMER_ID"]: (float(r["MEAN_AMOUNT"]), float(r["STD_AMOUNT"])) for r in csv.DictReader(f)}
    d = read(a.data)
    amount = np.array(d["TX_AMOUNT"], dtype=float)
    kind = np.array(d["TX_FRAUD_KIND"])
    fraud = np.array(d["TX_FRAUD"]) == "1"
    customer = np.array(d["CUSTOMER_ID"])
    mean = np.array([table[c][0] for c in customer])
    std = np.array([table[c][1] for c in customer])
    n = len(amount)
    top = -(-n // 100)

    small = (kind == "compromised_card") & (mean < 20)
    z = (amount - mean) / std
    flagged = np.zeros(n, dtype=bool)
    flagged[np.lexsort((np.arange(n), -z))[:top]] = True
    print(f"{a.data}: {n:,} transactions, {int(fraud.sum()):,} fraud")
    print(f"1. small spenders' jumps (compromised cards, mean under $20): {int(small.sum()):,}; the oracle's top 1 % "
          f"(true mean and std) holds {flagged[small].mean():.3f} of them")
    genuine = ~fraud
    for k in [1.5, 2.0, 2.5, 3.0]:
        print(f"   above {k} x the mean: {(amount[small] > k * mean[small]).mean():.3f} of the jumps, "
              f"{(amount[genuine] > k * mean[genuine]).mean():.4f} of genuine charges")

    instant = np.array(d["TX_DATETIME"], dtype="datetime64[s]").astype(np.int64)
    terminal = np.array(d["TERMINAL_ID"])
    delay, window = a.delay_days * 86400, 30 * 86400
    order = np.lexsort((instant, terminal))
    fraud_rows = order[fraud[order]]
    by_terminal = {}
    for row in fraud_rows:
        by_terminal.setdefault(terminal[row], []).append(row)
    merchant = np.where(kind == "compromised_merchant")[0]
    one = two = 0
    for row in merchant:
        known = {customer[j] for j in by_terminal.get(terminal[row], [])
                 if instant[j] + delay < instant[row] and instant[row] - instant[j] <= window}
        one += len(known) >= 1
        two += len(known) >= 2
    print(f"2. compromised-merchant fraud: {len(merchant):,}; with outcomes {a.delay_days:g} days late, a fraud card at "
          f"its terminal already known for {one / len(merchant):.3f} of them, two for {two / len(merchant):.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
