import Foundation
import VigilCore

/// A fitted isolation forest: an immutable value that scores rows.
public struct IsolationForestModel: Sendable, Hashable {
    /// ψ, the number of rows each tree was grown on.
    public let samplesPerTree: Int
    /// The number of features the model was fitted on; rows to score must have as many.
    public let columnCount: Int
    /// The trees as grown, for inspection.
    let trees: [IsolationTree]
    /// The same trees laid out for fast scoring.
    let layout: CompleteForest

    init(trees: [IsolationTree], samplesPerTree: Int, columnCount: Int) {
        self.samplesPerTree = samplesPerTree
        self.columnCount = columnCount
        self.trees = trees
        self.layout = CompleteForest(trees)
    }

    /// Number of trees.
    public var treeCount: Int { trees.count }

    /// The anomaly score s(x) = 2^(−E[h(x)] / c(ψ)) of every row, in (0, 1]: higher is more anomalous, about 0.5 and
    /// below is normal. scikit-learn's `score_samples` returns the negation, −s(x), and its `decision_function` is
    /// `score_samples − offset_`, which is 0.5 − s(x) by default (`offset_ = −0.5`).
    public func scores(_ matrix: FeatureMatrix, parallelism: Parallelism = .automatic) -> [Double] {
        // With one sample per tree c(ψ) = 0; scikit-learn defines the ratio as 1 then, giving every row 0.5.
        let normaliser = Double(treeCount) * IsolationForest.averagePathLength(sampleCount: samplesPerTree)
        // exp2 rather than pow(2, …): optimised builds rewrite the latter into the former, and the two can differ in
        // the last bit, so debug and release builds would not agree.
        return summedPathLengths(matrix, parallelism: parallelism).map {
            exp2(normaliser == 0 ? -1 : -$0 / normaliser)
        }
    }

    /// E[h(x)] for every row: the path length averaged over trees.
    public func expectedPathLengths(_ matrix: FeatureMatrix, parallelism: Parallelism = .automatic) -> [Double] {
        summedPathLengths(matrix, parallelism: parallelism).map { $0 / Double(treeCount) }
    }

    /// Σ over trees of h(x), summed in tree order for each row, so the result does not depend on how rows are split
    /// across threads.
    private func summedPathLengths(_ matrix: FeatureMatrix, parallelism: Parallelism) -> [Double] {
        precondition(matrix.columnCount == columnCount,
                     "the model was fitted on \(columnCount) features, the matrix has \(matrix.columnCount)")
        var sums = [Double](repeating: 0, count: matrix.rowCount)
        let (layout, columns) = (layout, columnCount)
        sums.withUnsafeMutableBufferPointer { sums in
            let output = DisjointWrites(sums)
            let blockRows = CompleteForest.blockRows
            parallelism.forEachChunk(of: matrix.rowCount, chunkSize: blockRows) { rows in
                withUnsafeTemporaryAllocation(of: Float.self, capacity: blockRows * columns) { block in
                    matrix.values.withUnsafeBufferPointer { values in
                        for (offset, row) in rows.enumerated() {
                            for column in 0 ..< columns {
                                block[column * blockRows + offset] = values[row * columns + column]
                            }
                        }
                    }
                    layout.accumulatePathLengths(rowCount: rows.count, block: UnsafePointer(block.baseAddress!),
                                                 into: output.base + rows.lowerBound)
                }
            }
        }
        return sums
    }
}
