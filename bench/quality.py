"""scikit-learn on exactly the features vigil's detectors saw, judged the way `vigil eval` judges vigil's runs.

    python bench/quality.py FEATURES_CSV VIGIL_EVAL_JSON [LOF_REFERENCE]

FEATURES_CSV comes from `vigil features`, VIGIL_EVAL_JSON from `vigil eval --json` on the same store after
`vigil scan`. scikit-learn gets the same settings: Isolation Forest with 100 trees of min(256, n) rows; LOF with
k = 20 on standardised features, in outlier-detection mode up to LOF_REFERENCE rows (default 20,000), above that fitted
(novelty=True) on a random sample of that size and scoring the rest, the sample keeping its own outlier factors.
"""
import json
import math
import sys

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler


def figures(scores, labels):
    order = np.lexsort((np.arange(len(scores)), -scores))  # by score, ties by row: as vigil's metrics
    ranked = labels[order]
    top_rate = math.ceil(0.01 * len(scores))
    return {
        "roc_auc": roc_auc_score(labels, scores),
        "average_precision": average_precision_score(labels, scores),
        "precision_at_100": ranked[:100].mean(),
        "precision_at_1000": ranked[:1000].mean(),
        "recall_at_1pct": ranked[:top_rate].sum() / labels.sum(),
    }


def lof_scores(X, reference_limit, seed=0):
    if len(X) <= reference_limit:
        Z = StandardScaler().fit_transform(X)
        return -LocalOutlierFactor(n_neighbors=20).fit(Z).negative_outlier_factor_
    rng = np.random.default_rng(seed)
    reference = np.sort(rng.choice(len(X), size=reference_limit, replace=False))
    scaler = StandardScaler().fit(X[reference])
    model = LocalOutlierFactor(n_neighbors=20, novelty=True).fit(scaler.transform(X[reference]))
    scores = -model.score_samples(scaler.transform(X))
    scores[reference] = -model.negative_outlier_factor_
    return scores


def main(argv):
    frame = pd.read_csv(argv[1])
    vigil = json.load(open(argv[2]))
    reference_limit = int(argv[3]) if len(argv) > 3 else 20_000
    labelled = frame["label"].notna().to_numpy()
    labels = frame["label"].to_numpy()[labelled].astype(int)
    X = frame.drop(columns=["transaction_id", "label"]).to_numpy(dtype=np.float32)
    peers = {
        "iforest": -IsolationForest(n_estimators=100, random_state=0).fit(X).score_samples(X),
        "lof": lof_scores(X.astype(np.float64), reference_limit),
    }
    keys = ["roc_auc", "average_precision", "precision_at_100", "precision_at_1000", "recall_at_1pct"]
    print(f"{'detector':9} {'by':8} " + " ".join(f"{k:>18}" for k in keys))
    for name, scores in peers.items():
        theirs = figures(scores[labelled], labels)
        ours = vigil.get(name, {})
        print(f"{name:9} {'vigil':8} " + " ".join(f"{ours.get(k, float('nan')):18.3f}" for k in keys))
        print(f"{name:9} {'sklearn':8} " + " ".join(f"{theirs[k]:18.3f}" for k in keys))


if __name__ == "__main__":
    main(sys.argv)
