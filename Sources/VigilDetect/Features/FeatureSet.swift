/// A feature matrix with, for each row, the transaction it describes and that transaction's ground truth.
public struct FeatureSet: Sendable {
    public var matrix: FeatureMatrix
    public var ids: [Int64]
    /// 1 fraud, 0 legitimate, -1 unknown: for evaluation only, never for fitting.
    public var labels: [Int8]

    public init(matrix: FeatureMatrix, ids: [Int64], labels: [Int8]) {
        precondition(matrix.rowCount == ids.count && ids.count == labels.count, "one id and one label per row")
        self.matrix = matrix
        self.ids = ids
        self.labels = labels
    }

    public static var empty: FeatureSet {
        FeatureSet(matrix: FeatureMatrix(rowCount: 0, columnCount: FeatureExtractor.columnCount, values: []), ids: [], labels: [])
    }

    public var count: Int { ids.count }

    /// Appends the rows of `other` (which must have the same columns).
    public mutating func append(_ other: FeatureSet) {
        precondition(other.matrix.columnCount == matrix.columnCount, "column counts differ")
        var values = matrix.values
        matrix = FeatureMatrix(rowCount: 0, columnCount: matrix.columnCount, values: [])  // let `values` be unique
        values.append(contentsOf: other.matrix.values)
        matrix = FeatureMatrix(rowCount: ids.count + other.count, columnCount: other.matrix.columnCount, values: values)
        ids.append(contentsOf: other.ids)
        labels.append(contentsOf: other.labels)
    }
}
