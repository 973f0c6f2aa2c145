"""Judges a store's newest ensemble run by period of transaction time: the whole store, each half and each quarter.

Usage: bench/.venv/bin/python bench/quality_by_period.py STORE

It reads the ensemble's stored scores (blocks of ids and scores) and the transactions' labels, and prints ROC-AUC,
average precision and precision among the top 100 (scikit-learn's definitions) for each period, so that a figure
can be checked for resting on one part of the data. Labels are only read for judging.
"""
import argparse
import sqlite3

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def load(path):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    run = db.execute("SELECT max(id) FROM detector_runs WHERE detector = 'ensemble' AND status = 'complete'").fetchone()[0]
    if run is None:
        raise SystemExit(f"{path}: no finished ensemble run; run `vigil scan --store {path}` first")
    ids, scores = [], []
    for id_blob, score_blob in db.execute("SELECT ids, scores FROM score_blocks WHERE run_id = ?", (run,)):
        ids.append(np.frombuffer(id_blob, dtype="<i8"))
        scores.append(np.frombuffer(score_blob, dtype="<f8"))
    ids, scores = np.concatenate(ids), np.concatenate(scores)
    score_of = dict(zip(ids.tolist(), scores.tolist()))
    rows = db.execute("SELECT id, instant, label FROM transactions WHERE label IS NOT NULL ORDER BY id").fetchall()
    rows = [r for r in rows if r[0] in score_of]
    instants = np.array([r[1] for r in rows])
    labels = np.array([r[2] for r in rows])
    return run, instants, labels, np.array([score_of[r[0]] for r in rows])


def judge(labels, scores):
    order = np.argsort(-scores, kind="stable")
    return (len(labels), int(labels.sum()), roc_auc_score(labels, scores), average_precision_score(labels, scores),
            labels[order[:100]].mean())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store")
    args = parser.parse_args()
    run, instants, labels, scores = load(args.store)
    print(f"ensemble run {run}")
    print(f"{'period':<14}{'rows':>9}{'fraud':>7}{'ROC-AUC':>9}{'avg-prec':>10}{'prec@100':>10}")
    periods = [("all", np.ones(len(labels), bool))]
    for parts, name in ((2, "half"), (4, "quarter")):
        edges = np.quantile(instants, np.linspace(0, 1, parts + 1))
        for k in range(parts):
            upper = instants <= edges[k + 1] if k == parts - 1 else instants < edges[k + 1]
            periods.append((f"{name} {k + 1}", (instants >= edges[k]) & upper))
    for name, mask in periods:
        n, fraud, auc, ap, p100 = judge(labels[mask], scores[mask])
        print(f"{name:<14}{n:>9,}{fraud:>7,}{auc:>9.3f}{ap:>10.3f}{p100:>10.2f}")


if __name__ == "__main__":
    main()
