#!/usr/bin/env python3
"""Issue 22's goals for one scanned store: the ensemble beside amount alone, and the recall of each kind of fraud in
the top 1 %, compromised cards split by how much their client usually spends.

    python3 bench/quality_goals.py STORE EVAL_JSON --name NAME [--customers CSV] [--goals terminals|cards]

EVAL_JSON is `vigil eval --json` on STORE (its ROC-AUC, average precision, P@100 and recall by kind are vigil's own).
The small-spender split needs each transaction's ensemble score, read here from the store (the documented
`score_blocks` format, with `scores` rows for sparse runs) and ranked as `vigil eval` ranks (score descending, ties by
transaction id, the top ceil(1 % of labelled)). A client is a small spender when their mean amount is under $20: from
the generator's customer table when given (CUSTOMERS_CSV, column MEAN_AMOUNT), else their median amount in the store.
Prints one Markdown table row per ranking (the counts of each kind are checked against EVAL_JSON's), then whether
the ensemble meets the issue's goals for that kind of data.
Python 3 and numpy only.
"""
import argparse
import csv
import json
import sqlite3
import sys

import numpy as np

SMALL, LARGE = 2000, 8000  # cents: "under $20" and "over $80", the two ends


def run_scores(db, run_id, ids):
    """The run's score for each id in `ids` (sorted), 0 where it stored none."""
    scores = np.zeros(len(ids))
    got_ids, got = [], []
    for blob_ids, blob_scores in db.execute("SELECT ids, scores FROM score_blocks WHERE run_id = ? ORDER BY first_id",
                                            (run_id,)):
        got_ids.append(np.frombuffer(blob_ids, dtype="<i8"))
        got.append(np.frombuffer(blob_scores, dtype="<f8"))
    rows = db.execute("SELECT transaction_id, score FROM scores WHERE run_id = ?", (run_id,)).fetchall()
    if rows:
        got_ids.append(np.array([r[0] for r in rows], dtype=np.int64))
        got.append(np.array([r[1] for r in rows], dtype=np.float64))
    if got_ids:
        all_ids, all_scores = np.concatenate(got_ids), np.concatenate(got)
        where = np.searchsorted(ids, all_ids)
        inside = (where < len(ids)) & (ids[np.minimum(where, len(ids) - 1)] == all_ids)
        scores[where[inside]] = all_scores[inside]
    return scores


def top_one_percent(scores):
    order = np.lexsort((np.arange(len(scores)), -scores))  # by score, ties by row (= id order)
    flagged = np.zeros(len(scores), dtype=bool)
    flagged[order[:-(-len(scores) // 100)]] = True
    return flagged


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("store")
    p.add_argument("eval_json")
    p.add_argument("--name", required=True)
    p.add_argument("--customers")
    p.add_argument("--goals", choices=["terminals", "cards"])
    a = p.parse_args(argv)
    store, name, customers = a.store, a.name, a.customers
    figures = json.load(open(a.eval_json))
    db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
    rows = db.execute("SELECT id, client_id, amount_minor, label, COALESCE(label_kind, '') FROM transactions "
                      "WHERE label IS NOT NULL ORDER BY id").fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    clients = np.array([r[1] for r in rows])
    amounts = np.array([r[2] for r in rows], dtype=np.float64)
    kinds = np.array([r[4] for r in rows])
    client_names, client_index = np.unique(clients, return_inverse=True)
    if customers:
        with open(customers) as f:
            mean = {row["CUSTOMER_ID"]: float(row["MEAN_AMOUNT"]) * 100 for row in csv.DictReader(f)}
        level = np.array([mean[c] for c in client_names])
        level_source = "mean amount from the generator"
    else:
        order = np.argsort(client_index, kind="stable")
        bounds = np.searchsorted(client_index[order], np.arange(len(client_names) + 1))
        level = np.array([np.median(amounts[order[bounds[i]:bounds[i + 1]]]) for i in range(len(client_names))])
        level_source = "client's median amount"
    client_level = level[client_index]

    ensemble = db.execute("SELECT id FROM detector_runs WHERE detector = 'ensemble' AND status = 'complete' "
                          "ORDER BY id DESC LIMIT 1").fetchone()
    rankings = {"amount_alone": amounts}
    if ensemble:
        rankings = {"ensemble": run_scores(db, ensemble[0], ids), **rankings}
    card = kinds == "compromised_card"
    small, large = card & (client_level < SMALL), card & (client_level > LARGE)
    print(f"{name}: {len(ids):,} labelled, {int((kinds != '').sum()):,} with a kind; compromised cards of small "
          f"spenders (under $20, {level_source}): {int(small.sum()):,}, of clients over $80: {int(large.sum()):,}")
    print("| data | ranking | ROC-AUC | AP | P@100 | recall@1% | card <$20 @1% | card >$80 @1% | card @1% "
          "| merchant @1% | large amount @1% |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    result = {}
    for ranking, scores in rankings.items():
        f = figures[ranking]
        flagged = top_one_percent(scores)
        by_kind = f.get("recall_by_kind_at_1pct", {})
        for kind, counts in by_kind.items():  # the same rows as vigil's own breakdown
            mine = int((flagged & (kinds == kind)).sum())
            if mine != counts["found"]:
                sys.exit(f"{name} {ranking} {kind}: {mine} in the top 1 % here, {counts['found']} by vigil eval")

        def share(mask):
            total = int(mask.sum())
            return (int((flagged & mask).sum()) / total if total else None), total

        def kind_recall(kind):
            k = by_kind.get(kind)
            return k["recall"] if k else None

        def cell(x):
            return "–" if x is None else f"{x:.3f}"

        row = {
            "roc_auc": f["roc_auc"], "average_precision": f["average_precision"],
            "precision_at_100": f["precision_at_100"], "recall_at_1pct": f["recall_at_1pct"],
            "card_small_at_1pct": share(small)[0], "card_large_at_1pct": share(large)[0],
            "card_at_1pct": kind_recall("compromised_card"), "merchant_at_1pct": kind_recall("compromised_merchant"),
            "large_amount_at_1pct": kind_recall("large_amount"),
        }
        result[ranking] = row
        print(f"| {name} | {ranking} | " + " | ".join(cell(v) for v in row.values()) + " |")
    if "ensemble" in result and a.goals:
        e, base = result["ensemble"], result["amount_alone"]

        def at_least(x, bound):
            return x is not None and x >= bound

        goals = {
            "terminals": [
                ("ranks fraud better than amount alone (AP and ROC-AUC)",
                 e["average_precision"] > base["average_precision"] and e["roc_auc"] > base["roc_auc"]),
                ("compromised small-spender cards in the top 1 % >= 0.85", at_least(e["card_small_at_1pct"], 0.85)),
                ("compromised-merchant fraud in the top 1 % >= 0.50 (with outcomes 7 days late)",
                 at_least(e["merchant_at_1pct"], 0.50)),
                ("average precision >= 0.50 (with outcomes 7 days late)", at_least(e["average_precision"], 0.50)),
            ],
            "cards": [
                ("ROC-AUC >= 0.97", at_least(e["roc_auc"], 0.97)),
                ("average precision >= 0.60", at_least(e["average_precision"], 0.60)),
                ("precision@100 >= 0.90", at_least(e["precision_at_100"], 0.90)),
            ],
        }[a.goals]
        for goal, met in goals:
            print(f"  {name}: {'met    ' if met else 'NOT met'}  {goal}")


if __name__ == "__main__":
    main(sys.argv[1:])
