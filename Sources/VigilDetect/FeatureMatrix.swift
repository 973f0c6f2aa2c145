/// A dense row-major matrix of features: one row per transaction, one column per feature.
///
/// Values are `Float`, as scikit-learn's tree models use: half the memory of `Double` at millions of rows, and
/// split thresholds compare in the same precision. Distance-based detectors widen to `Double` as they compute.
public struct FeatureMatrix: Sendable, Equatable {
    public let rowCount: Int
    public let columnCount: Int
    /// `rowCount * columnCount` values, row after row.
    public var values: [Float]

    public init(rowCount: Int, columnCount: Int, values: [Float]) {
        precondition(rowCount >= 0 && columnCount >= 0 && values.count == rowCount * columnCount,
                     "a \(rowCount)×\(columnCount) matrix needs \(rowCount * columnCount) values, got \(values.count)")
        self.rowCount = rowCount
        self.columnCount = columnCount
        self.values = values
    }

    /// Builds a matrix from rows of equal length.
    public init(rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "rows of unequal length")
        self.init(rowCount: rows.count, columnCount: columns, values: rows.flatMap { $0 })
    }

    @inlinable public subscript(row: Int, column: Int) -> Float {
        get { values[row * columnCount + column] }
        set { values[row * columnCount + column] = newValue }
    }

    /// The rows at `indices`, in that order.
    public func rows(_ indices: [Int]) -> FeatureMatrix {
        var picked: [Float] = []
        picked.reserveCapacity(indices.count * columnCount)
        for row in indices {
            picked.append(contentsOf: values[(row * columnCount)..<((row + 1) * columnCount)])
        }
        return FeatureMatrix(rowCount: indices.count, columnCount: columnCount, values: picked)
    }
}
