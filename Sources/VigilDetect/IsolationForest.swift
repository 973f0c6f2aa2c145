import Foundation
import VigilCore

/// Isolation Forest (Liu, Ting & Zhou 2008) with scikit-learn's semantics.
///
/// Anomalies are few and different, so random axis-parallel cuts isolate them in fewer steps than normal points. Each
/// tree is grown on a random subsample of ψ rows drawn without replacement; at every node a feature is drawn uniformly
/// among those not constant over the node's samples (range above 1e-7), and a threshold uniformly in [min, max) of
/// that feature there. Growth stops at height ⌈log₂ ψ⌉, at a single sample, or where every feature is constant. The
/// score of a row is `2^(−E[h(x)] / c(ψ))`, where h(x) is the depth of the leaf x reaches plus `c(leaf's sample
/// count)`, the average path length that the leaf's unbuilt subtree would have added.
///
/// Everything matches `sklearn.ensemble.IsolationForest(max_features=1.0, bootstrap=False)` except the random stream
/// itself: the same seed does not give scikit-learn's trees, but the same distribution over trees, so scores agree
/// closely in rank and converge as the number of trees grows. Thresholds compare as scikit-learn's float32 trees do.
///
/// ```swift
/// let model = IsolationForest.fit(matrix, .init(seed: 42))
/// let suspicion = model.scores(matrix)   // higher = more anomalous
/// ```
public enum IsolationForest {
    public struct Configuration: Sendable, Hashable {
        /// Number of trees (scikit-learn's `n_estimators`).
        public var treeCount: Int
        /// Rows per tree, ψ (scikit-learn's `max_samples`); `nil` means min(256, rows). Clipped to the row count.
        public var maxSamples: Int?
        /// Every random choice derives from this seed and the tree's index, so one seed gives one model.
        public var seed: UInt64
        /// Threads for growing trees and scoring; results do not depend on it.
        public var parallelism: Parallelism

        public init(treeCount: Int = 100, maxSamples: Int? = nil, seed: UInt64, parallelism: Parallelism = .automatic) {
            precondition(treeCount >= 1, "an isolation forest needs at least one tree")
            precondition(maxSamples.map { $0 >= 1 } ?? true, "each tree needs at least one sample")
            self.treeCount = treeCount
            self.maxSamples = maxSamples
            self.seed = seed
            self.parallelism = parallelism
        }
    }

    /// Grows a forest on `matrix`, which must have at least one row of finite values. (Missing values have no
    /// meaning here: recent scikit-learn versions send NaN down a random side of each split; this does not.)
    public static func fit(_ matrix: FeatureMatrix, _ configuration: Configuration) -> IsolationForestModel {
        precondition(matrix.rowCount >= 1, "an isolation forest needs at least one row to fit")
        let samplesPerTree = min(configuration.maxSamples ?? 256, matrix.rowCount)
        let heightLimit = heightLimit(samplesPerTree: samplesPerTree)
        var trees = [IsolationTree?](repeating: nil, count: configuration.treeCount)
        trees.withUnsafeMutableBufferPointer { slots in
            let output = DisjointWrites(slots)
            configuration.parallelism.forEachChunk(of: configuration.treeCount, chunkSize: 1) { indices in
                for treeIndex in indices {
                    var random = SeededRandom(seed: configuration.seed, stream: UInt64(treeIndex))
                    let sample = sampleWithoutReplacement(samplesPerTree, from: matrix.rowCount, using: &random)
                    output[treeIndex] = IsolationTree.grow(on: matrix.rows(sample), heightLimit: heightLimit,
                                                           using: &random)
                }
            }
        }
        return IsolationForestModel(trees: trees.map { $0! }, samplesPerTree: samplesPerTree,
                                    columnCount: matrix.columnCount)
    }

    /// c(n): the average path length of an unsuccessful search in a binary search tree of n nodes, which is also the
    /// average depth at which a random tree isolates one of n points. c(0) = c(1) = 0 and c(2) = 1, as scikit-learn's
    /// `_average_path_length`; otherwise 2H(n−1) − 2(n−1)/n with the harmonic number H(i) ≈ ln i + γ.
    public static func averagePathLength(sampleCount: Int) -> Double {
        if sampleCount <= 1 { return 0 }
        if sampleCount == 2 { return 1 }
        let n = Double(sampleCount)
        return 2 * (log(n - 1) + eulerGamma) - 2 * (n - 1) / n
    }

    /// The Euler–Mascheroni constant, to the precision of `numpy.euler_gamma`.
    static let eulerGamma = 0.5772156649015329

    /// ⌈log₂ ψ⌉ (at least 1): trees stop there because deeper nodes only separate normal points from each other.
    static func heightLimit(samplesPerTree: Int) -> Int {
        let samples = max(samplesPerTree, 2)
        // Integer arithmetic gives ⌈log₂⌉ exactly, where floating log2 could round across an integer.
        return Int.bitWidth - (samples - 1).leadingZeroBitCount
    }

    /// `count` distinct indices of `0 ..< population`, ascending (Floyd's algorithm: exactly `count` draws).
    static func sampleWithoutReplacement(_ count: Int, from population: Int,
                                         using random: inout SeededRandom) -> [Int] {
        precondition(count <= population)
        if count == population { return Array(0 ..< population) }
        var chosen = Set<Int>(minimumCapacity: count)
        for candidateBound in (population - count) ..< population {
            let pick = random.nextInt(in: 0 ... candidateBound)
            chosen.insert(chosen.contains(pick) ? candidateBound : pick)
        }
        // Sets iterate in a per-process order; sorting makes the tree independent of it.
        return chosen.sorted()
    }
}
