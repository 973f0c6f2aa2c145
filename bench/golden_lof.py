"""Prints the golden LOF values in Tests/VigilDetectTests/SklearnGoldenValueTests.swift, from scikit-learn.

    bench/.venv/bin/python bench/golden_lof.py      (bench/detect.sh creates bench/.venv)

The data follow from integer arithmetic, so the Swift test rebuilds them bit for bit; the test then checks both LOF
modes against these values offline, in CI, where scikit-learn is not installed.
"""
import numpy as np


def golden_matrix(rows, a, b, c):
    """Rows whose values follow from integer arithmetic, so Swift rebuilds them bit for bit."""
    values = np.zeros((rows, 3), dtype=np.float32)
    for i in range(rows):
        for j in range(3):
            values[i, j] = np.float32((i * a + j * b + i * i * c) % 2003) / np.float32(100) - np.float32(10)
    return values


def golden():
    from sklearn.neighbors import LocalOutlierFactor
    reference = golden_matrix(200, 7919, 104729, 31)
    queries = golden_matrix(40, 6091, 15013, 17)
    # The float32 values widened to float64: scikit-learn then computes in double precision, as we do.
    reference, queries = reference.astype(np.float64), queries.astype(np.float64)
    outlier = -LocalOutlierFactor(n_neighbors=20, algorithm="kd_tree").fit(reference).negative_outlier_factor_
    novelty = -LocalOutlierFactor(n_neighbors=20, algorithm="kd_tree", novelty=True).fit(reference) \
        .score_samples(queries)
    for name, values in (("outlierFactors", outlier), ("noveltyFactors", novelty)):
        print(f"    static let {name}: [Double] = [")
        for start in range(0, len(values), 4):
            print("        " + ", ".join(repr(float(v)) for v in values[start:start + 4]) + ",")
        print("    ]")


if __name__ == "__main__":
    golden()
