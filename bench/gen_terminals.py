#!/usr/bin/env python3
"""Customers and payment terminals on a map: a second labelled data set, unlike the card export.

After the transaction simulator of the Fraud Detection Handbook (Le Borgne, Siblini, Lebichot, Bontempi,
"Reproducible Machine Learning for Credit Card Fraud Detection - Practical Handbook", 2022, chapter "Transaction
data simulator"); the code here is our own, in numpy.

What it models (variant a, the handbook's settings):
- customers and terminals placed uniformly on a 100 x 100 grid, mapped onto about 100 km x 100 km around Columbus,
  Ohio (1 grid unit = 1 km), so that distances between home and terminal make sense;
- each customer: a mean amount uniform in [5, 100] (levels that differ twentyfold), std = mean / 2, a mean number of
  transactions per day uniform in [0, 4]; each day a Poisson number of transactions, at a time of day normal around
  noon (std 20,000 s, draws outside the day dropped), at a terminal drawn uniformly among those within radius 5 of
  home (a customer with none makes no transactions); an amount normal(mean, std), a negative draw redrawn uniform
  in [0, 2 mean);
- each terminal has a merchant category drawn from a small list (all card-present), so category rules have
  something to compare;
- fraud, applied in this order (a later scenario overwrites an earlier one's kind, as in the handbook):
  1. `large_amount`: every amount over 220 is fraud;
  2. `compromised_merchant`: every day 2 terminals are drawn; every transaction on them in the next 28 days
     (the day of the draw included) is fraud;
  3. `compromised_card`: every day 3 customers are drawn; over the next 14 days a third of their transactions
     (drawn at random) have their amount multiplied by 5 and are fraud.
Defaults (5,000 customers, 10,000 terminals, 183 days from 2018-04-01) give about 1.79 M transactions, 0.85 % fraud.

Variant b (`--variant b`), so that nobody tunes to one file: 3 compromised terminals a day for 14 days, compromised
customers' amounts multiplied by 3, a customer radius of 8, and a weekly rhythm (more transactions on Fridays and
Saturdays, fewer on Sundays).

Output: a CSV (gzip when the name ends in .gz), one row per transaction, sorted by time:
    TRANSACTION_ID, TX_DATETIME (UTC, ISO 8601), CUSTOMER_ID, TERMINAL_ID (T00042), MERCHANT_CATEGORY,
    TX_AMOUNT (dollars with cents), CUSTOMER_LAT, CUSTOMER_LON, TERMINAL_LAT, TERMINAL_LON, TX_FRAUD (0/1),
    TX_FRAUD_KIND (empty, large_amount, compromised_merchant or compromised_card)
and beside it the customers' table, OUT with `.customers.csv` for its extension:
    CUSTOMER_ID, MEAN_AMOUNT, STD_AMOUNT, MEAN_NB_TX_PER_DAY, X, Y, NB_TERMINALS

Import (see bench/README.md):
    vigil import OUT --store S --map time=TX_DATETIME --map amount=TX_AMOUNT --map merchant=TERMINAL_ID \\
        --map home_lat=CUSTOMER_LAT --map home_lon=CUSTOMER_LON --map merch_lat=TERMINAL_LAT \\
        --map merch_lon=TERMINAL_LON --map label=TX_FRAUD --map label_kind=TX_FRAUD_KIND
(TRANSACTION_ID, CUSTOMER_ID and MERCHANT_CATEGORY are recognised by name.)

Usage:
    python3 bench/gen_terminals.py [--customers N] [--terminals N] [--days N] [--seed N] [--variant a|b]
                                   [--small] --out FILE.csv[.gz]
"""
import argparse
import gzip
import math
import os
import sys

import numpy as np

CATEGORIES = ["grocery_pos", "gas_transport", "food_dining", "shopping_pos", "health_fitness",
              "home", "kids_pets", "personal_care", "entertainment", "misc_pos"]
CATEGORY_WEIGHTS = [0.22, 0.16, 0.14, 0.12, 0.06, 0.08, 0.06, 0.06, 0.05, 0.05]

START = np.datetime64("2018-04-01T00:00:00", "s")
# 1 grid unit = 1 km: latitude 0.009 degrees a km; longitude 1 / (111.32 cos 40 degrees) degrees a km.
LAT0, LON0 = 39.50, -83.60
LAT_PER_UNIT, LON_PER_UNIT = 1 / 111.0, 1 / (111.32 * math.cos(math.radians(39.95)))

VARIANTS = {
    # radius, terminals drawn a day, their window (days), customers drawn a day, their window, multiplier, weekly
    "a": dict(radius=5.0, terminals_a_day=2, terminal_days=28, customers_a_day=3, customer_days=14, multiplier=5,
              weekly=None),
    # Monday .. Sunday (2018-04-01 is a Sunday; the factors are indexed by numpy's weekday, Monday = 0)
    "b": dict(radius=8.0, terminals_a_day=3, terminal_days=14, customers_a_day=3, customer_days=14, multiplier=3,
              weekly=[0.90, 0.90, 0.95, 1.00, 1.20, 1.35, 0.70]),
}
KINDS = ["", "large_amount", "compromised_merchant", "compromised_card"]


def customers_and_terminals(rng, n_customers, n_terminals):
    cx, cy = rng.uniform(0, 100, n_customers), rng.uniform(0, 100, n_customers)
    mean_amount = rng.uniform(5, 100, n_customers)
    std_amount = mean_amount / 2
    mean_nb_tx = rng.uniform(0, 4, n_customers)
    tx_, ty = rng.uniform(0, 100, n_terminals), rng.uniform(0, 100, n_terminals)
    category = rng.choice(len(CATEGORIES), size=n_terminals, p=CATEGORY_WEIGHTS)
    return (cx, cy, mean_amount, std_amount, mean_nb_tx), (tx_, ty, category)


def terminals_in_reach(cx, cy, tx_, ty, radius):
    """For each customer, the terminals within `radius`: a flat array and each customer's offset and count."""
    lists, counts = [], np.zeros(len(cx), dtype=np.int64)
    chunk = 256
    for start in range(0, len(cx), chunk):
        dx = cx[start:start + chunk, None] - tx_[None, :]
        dy = cy[start:start + chunk, None] - ty[None, :]
        near = (dx * dx + dy * dy) < radius * radius
        rows, cols = np.nonzero(near)  # row-major: grouped by customer
        lists.append(cols)
        counts[start:start + chunk] = near.sum(axis=1)
    flat = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return flat, offsets, counts


def transactions(rng, customers, reach, n_days, weekly):
    cx, cy, mean_amount, std_amount, mean_nb_tx = customers
    flat, offsets, counts = reach
    rate = np.where(counts > 0, mean_nb_tx, 0.0)[:, None] * np.ones((1, n_days))
    if weekly is not None:
        weekday = ((START + np.arange(n_days) * 86400).astype("datetime64[D]").view("int64") + 3) % 7  # 1970-01-01 was a Thursday; Monday 0
        rate = rate * np.asarray(weekly)[weekday][None, :]
    per_day = rng.poisson(rate)
    customer = np.repeat(np.repeat(np.arange(len(cx)), n_days), per_day.ravel())
    day = np.repeat(np.tile(np.arange(n_days), len(cx)), per_day.ravel())
    seconds = np.rint(rng.normal(86400 / 2, 20000, len(customer)))
    keep = (seconds >= 0) & (seconds < 86400)
    customer, day, seconds = customer[keep], day[keep], seconds[keep].astype(np.int64)
    amount = rng.normal(mean_amount[customer], std_amount[customer])
    negative = amount < 0
    amount[negative] = rng.uniform(0, 2 * mean_amount[customer[negative]])
    amount = np.round(amount, 2)
    pick = np.minimum((rng.random(len(customer)) * counts[customer]).astype(np.int64), counts[customer] - 1)
    terminal = flat[offsets[customer] + pick]
    instant = day * 86400 + seconds
    order = np.lexsort((terminal, customer, instant))
    return customer[order], terminal[order], day[order], instant[order], amount[order]


def plant_fraud(rng, customer, terminal, day, amount, n_customers, n_terminals, n_days, v):
    kind = np.zeros(len(customer), dtype=np.int8)
    kind[amount > 220] = 1
    compromised = np.zeros((n_terminals, n_days), dtype=bool)
    for d in range(n_days):
        for t in rng.choice(n_terminals, size=v["terminals_a_day"], replace=False):
            compromised[t, d:d + v["terminal_days"]] = True
    kind[compromised[terminal, day]] = 2
    by_customer = np.argsort(customer, kind="stable")  # each customer's transactions, in time order
    starts = np.searchsorted(customer[by_customer], np.arange(n_customers + 1))
    for d in range(n_days):
        for c in rng.choice(n_customers, size=v["customers_a_day"], replace=False):
            mine = by_customer[starts[c]:starts[c + 1]]
            window = mine[(day[mine] >= d) & (day[mine] < d + v["customer_days"])]
            chosen = rng.choice(window, size=len(window) // 3, replace=False)
            amount[chosen] = np.round(amount[chosen] * v["multiplier"], 2)
            kind[chosen] = 3
    return kind


def write(path, rows_header, columns):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt", newline="") as f:
        f.write(",".join(rows_header) + "\n")
        chunk = 200_000
        n = len(columns[0])
        for start in range(0, n, chunk):
            parts = [c[start:start + chunk] for c in columns]
            f.write("".join(",".join(row) + "\n" for row in zip(*parts)))


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--customers", type=int)
    p.add_argument("--terminals", type=int)
    p.add_argument("--days", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--variant", choices=sorted(VARIANTS), default="a")
    p.add_argument("--small", action="store_true", help="a quick preset: 1,000 customers, 2,000 terminals, 91 days")
    p.add_argument("--out", required=True)
    a = p.parse_args(argv)
    preset = (1000, 2000, 91) if a.small else (5000, 10000, 183)
    n_customers = a.customers or preset[0]
    n_terminals = a.terminals or preset[1]
    n_days = a.days or preset[2]
    v = VARIANTS[a.variant]
    rng = np.random.default_rng([a.seed, ord(a.variant)])

    customers, terminals = customers_and_terminals(rng, n_customers, n_terminals)
    cx, cy, mean_amount, std_amount, mean_nb_tx = customers
    tx_, ty, category = terminals
    reach = terminals_in_reach(cx, cy, tx_, ty, v["radius"])
    customer, terminal, day, instant, amount = transactions(rng, customers, reach, n_days, v["weekly"])
    kind = plant_fraud(rng, customer, terminal, day, amount, n_customers, n_terminals, n_days, v)

    def coord(values, base, per_unit):
        return np.char.mod("%.6f", base + values * per_unit)

    c_lat, c_lon = coord(cy, LAT0, LAT_PER_UNIT), coord(cx, LON0, LON_PER_UNIT)
    t_lat, t_lon = coord(ty, LAT0, LAT_PER_UNIT), coord(tx_, LON0, LON_PER_UNIT)
    t_name = np.char.mod("T%05d", np.arange(n_terminals))
    n = len(customer)
    columns = [
        np.char.mod("%d", np.arange(n)),
        np.datetime_as_string(START + instant, unit="s"),
        np.char.mod("%d", customer),
        t_name[terminal],
        np.asarray(CATEGORIES)[category[terminal]],
        np.char.mod("%.2f", amount),
        c_lat[customer], c_lon[customer], t_lat[terminal], t_lon[terminal],
        np.where(kind > 0, "1", "0"),
        np.asarray(KINDS)[kind],
    ]
    header = ["TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "MERCHANT_CATEGORY", "TX_AMOUNT",
              "CUSTOMER_LAT", "CUSTOMER_LON", "TERMINAL_LAT", "TERMINAL_LON", "TX_FRAUD", "TX_FRAUD_KIND"]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    write(a.out, header, columns)

    base = a.out[:-3] if a.out.endswith(".gz") else a.out
    base = base[:-4] if base.endswith(".csv") else base
    write(base + ".customers.csv",
          ["CUSTOMER_ID", "MEAN_AMOUNT", "STD_AMOUNT", "MEAN_NB_TX_PER_DAY", "X", "Y", "NB_TERMINALS"],
          [np.char.mod("%d", np.arange(n_customers)), np.char.mod("%.4f", mean_amount),
           np.char.mod("%.4f", std_amount), np.char.mod("%.4f", mean_nb_tx), np.char.mod("%.4f", cx),
           np.char.mod("%.4f", cy), np.char.mod("%d", reach[2])])

    fraud = int((kind > 0).sum())
    by_kind = ", ".join(f"{KINDS[k]} {int((kind == k).sum()):,}" for k in (1, 2, 3))
    print(f"{a.out}: {n:,} transactions, {fraud:,} fraud ({100 * fraud / max(n, 1):.2f} %: {by_kind}); "
          f"variant {a.variant}, {n_customers:,} customers, {n_terminals:,} terminals, {n_days} days, seed {a.seed}",
          file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
