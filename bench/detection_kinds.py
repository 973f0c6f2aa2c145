#!/usr/bin/env python3
"""Per-kind detection figures from a scanned store (labels read for judging only): for the newest run of each
detector named (default: the ensemble) and for amount alone, ROC-AUC, average precision, P@100, and the share of
each fraud kind caught in the top 1 %; with the generator's customers table, the same for compromised small spenders
(customers whose mean amount is under $20).

Usage: python3 bench/detection_kinds.py STORE [CUSTOMERS.csv] [DETECTOR ...]
"""
import csv
import sqlite3
import sys

import numpy as np


def average_precision(scores, labels):
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order]
    # Ties share the precision of their whole group (as sklearn's step-wise definition does).
    distinct = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(y)[distinct]
    fp = (distinct + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / max(1, y.sum())
    return float(np.sum(np.diff(np.r_[0, recall]) * precision))


def roc_auc(scores, labels):
    from scipy.stats import rankdata
    ranks = rankdata(scores)
    pos = labels == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def run_scores(db, run_id, ids_index, n):
    out = np.zeros(n)
    rows = db.execute("SELECT ids, scores FROM score_blocks WHERE run_id = ? ORDER BY first_id", (run_id,)).fetchall()
    if rows:
        for ids, scores in rows:
            out[ids_index(np.frombuffer(ids, dtype="<i8"))] = np.frombuffer(scores, dtype="<f8")
    else:
        for tid, score in db.execute("SELECT transaction_id, score FROM scores WHERE run_id = ?", (run_id,)):
            out[ids_index(np.array([tid]))] = score
    return out


def main():
    store = sys.argv[1]
    customers = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2].endswith(".csv") else None
    detectors = [a for a in sys.argv[2:] if a != customers] or ["ensemble"]
    db = sqlite3.connect(store)
    rows = db.execute("SELECT id, client_id, amount_minor, label, COALESCE(label_kind, '') FROM transactions ORDER BY id").fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    clients = np.array([r[1] for r in rows])
    amount = np.array([r[2] for r in rows], dtype=float)
    labels = np.array([1 if r[3] == 1 else 0 for r in rows])
    kinds = np.array([r[4] for r in rows])
    index = lambda x: np.searchsorted(ids, x)
    n = len(ids)
    small = None
    if customers:
        with open(customers) as f:
            means = {row["CUSTOMER_ID"]: float(row["MEAN_AMOUNT"]) for row in csv.DictReader(f)}
        small = np.array([means.get(c, 1e9) < 20 for c in clients])
    columns = {"amount": amount}
    for d in detectors:
        run = db.execute("SELECT id FROM detector_runs WHERE detector = ? AND status = 'complete' ORDER BY id DESC LIMIT 1",
                         (d,)).fetchone()
        if run:
            columns[d] = run_scores(db, run[0], index, n)
    top = int(np.ceil(0.01 * n))
    kind_names = sorted(k for k in set(kinds) if k)
    head = ["scores", "ROC-AUC", "AP", "P@100"] + [f"{k} top1%" for k in kind_names]
    if small is not None:
        head.append("small-spender compromised_card top1%")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for name, s in columns.items():
        # Ties at the cut are broken by id (stable), as an analyst's queue would show them.
        order = np.argsort(-s, kind="stable")
        in_top = np.zeros(n, dtype=bool)
        in_top[order[:top]] = True
        cells = [name, f"{roc_auc(s, labels):.3f}", f"{average_precision(s, labels):.3f}", f"{labels[order[:100]].mean():.2f}"]
        for k in kind_names:
            m = kinds == k
            cells.append(f"{in_top[m].mean():.3f} of {m.sum():,}")
        if small is not None:
            m = (kinds == "compromised_card") & small
            cells.append(f"{in_top[m].mean():.3f} of {m.sum():,}")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
