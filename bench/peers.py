"""Peers for bench/detect.sh: scikit-learn and isotree on the matrix vigil-bench wrote, timed in this process.

    python bench/peers.py iforest-sklearn PREFIX COLUMNS SCORES_OUT [TREES [SEED]]
    python bench/peers.py iforest-isotree PREFIX COLUMNS
    python bench/peers.py lof-sklearn     PREFIX COLUMNS SCORES_OUT
    python bench/peers.py compare-iforest PREFIX VIGIL_SCORES SKLEARN_SCORES
    python bench/peers.py metrics         PREFIX SCORES      (scikit-learn's ROC-AUC and AP of given scores)
    python bench/peers.py compare-lof     VIGIL_FACTORS SKLEARN_FACTORS
    python bench/peers.py spearman        SCORES_A SCORES_B

Each timing prints one JSON object (seconds covers fit and score, not reading the file); peak memory is measured
from outside by /usr/bin/time. Scores are written as little-endian float64, higher = more anomalous, as vigil's.
"""
import json
import sys
import time

import numpy as np


def load(prefix, columns):
    return np.fromfile(prefix + ".f32", dtype="<f4").reshape(-1, int(columns))


def emit(**fields):
    print(json.dumps(fields, sort_keys=True))


def main(argv):
    what = argv[1]
    if what == "iforest-sklearn":
        from sklearn.ensemble import IsolationForest
        X = load(argv[2], argv[3])
        trees = int(argv[5]) if len(argv) > 5 else 100
        seed = int(argv[6]) if len(argv) > 6 else 1
        start = time.perf_counter()
        model = IsolationForest(n_estimators=trees, max_samples="auto", random_state=seed, n_jobs=1).fit(X)
        fit = time.perf_counter() - start
        scores = -model.score_samples(X)  # sklearn returns the negated anomaly score
        seconds = time.perf_counter() - start
        scores.astype("<f8").tofile(argv[4])
        emit(peer="sklearn", benchmark="iforest", rows=len(X), fit_seconds=fit, seconds=seconds)
    elif what == "iforest-isotree":
        from isotree import IsolationForest as IsoTree
        X = load(argv[2], argv[3])
        start = time.perf_counter()
        # isotree's closest settings to the classic algorithm: 100 trees of 256 rows, one random split per node.
        model = IsoTree(ntrees=100, sample_size=256, ndim=1, missing_action="fail", nthreads=1, random_seed=1).fit(X)
        fit = time.perf_counter() - start
        model.predict(X)
        seconds = time.perf_counter() - start
        emit(peer="isotree", benchmark="iforest", rows=len(X), fit_seconds=fit, seconds=seconds)
    elif what == "lof-sklearn":
        from sklearn.neighbors import LocalOutlierFactor
        X = load(argv[2], argv[3]).astype(np.float64)
        start = time.perf_counter()
        model = LocalOutlierFactor(n_neighbors=20, algorithm="kd_tree", n_jobs=1).fit(X)
        seconds = time.perf_counter() - start
        (-model.negative_outlier_factor_).astype("<f8").tofile(argv[4])
        emit(peer="sklearn", benchmark="lof", rows=len(X), seconds=seconds)
    elif what == "compare-iforest":
        from scipy.stats import spearmanr
        from sklearn.metrics import roc_auc_score
        labels = np.fromfile(argv[2] + ".labels", dtype=np.uint8)
        ours = np.fromfile(argv[3], dtype="<f8")
        theirs = np.fromfile(argv[4], dtype="<f8")
        emit(benchmark="iforest-agreement", rows=len(ours), spearman=float(spearmanr(ours, theirs).statistic),
             auc_vigil=float(roc_auc_score(labels, ours)), auc_sklearn=float(roc_auc_score(labels, theirs)))
    elif what == "metrics":
        from sklearn.metrics import average_precision_score, roc_auc_score
        labels = np.fromfile(argv[2] + ".labels", dtype=np.uint8)
        scores = np.fromfile(argv[3], dtype="<f8")
        emit(benchmark="metrics", roc_auc=float(roc_auc_score(labels, scores)),
             average_precision=float(average_precision_score(labels, scores)))
    elif what == "spearman":
        from scipy.stats import spearmanr
        a = np.fromfile(argv[2], dtype="<f8")
        b = np.fromfile(argv[3], dtype="<f8")
        emit(benchmark="spearman", rows=len(a), spearman=float(spearmanr(a, b).statistic))
    elif what == "compare-lof":
        ours = np.fromfile(argv[2], dtype="<f8")
        theirs = np.fromfile(argv[3], dtype="<f8")
        relative = np.abs(ours - theirs) / np.abs(theirs)
        emit(benchmark="lof-agreement", rows=len(ours), max_relative_error=float(relative.max()))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
