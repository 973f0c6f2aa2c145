/// Centres and scales each column to mean 0 and standard deviation 1 (scikit-learn's `StandardScaler`; a
/// constant column is left unscaled), so that no feature dominates a distance by its units alone.
/// Distance-based detectors (LOF) need it; tree-based ones (Isolation Forest) are indifferent to it.
public struct Standardizer: Sendable, Equatable, Codable {
    public var means: [Double]
    public var scales: [Double]

    /// Column means and (population) standard deviations of `matrix`, accumulated in Double.
    public init(fitting matrix: FeatureMatrix) {
        let width = matrix.columnCount
        var sums = [Double](repeating: 0, count: width)
        for row in 0..<matrix.rowCount {
            for column in 0..<width { sums[column] += Double(matrix.values[row * width + column]) }
        }
        let n = Double(max(1, matrix.rowCount))
        means = sums.map { $0 / n }
        var squares = [Double](repeating: 0, count: width)
        for row in 0..<matrix.rowCount {
            for column in 0..<width {
                let d = Double(matrix.values[row * width + column]) - means[column]
                squares[column] += d * d
            }
        }
        scales = squares.map { total in
            let deviation = (total / n).squareRoot()
            return deviation > 0 ? deviation : 1
        }
    }

    public func transform(_ matrix: FeatureMatrix) -> FeatureMatrix {
        precondition(matrix.columnCount == means.count, "the matrix has \(matrix.columnCount) columns, fitted on \(means.count)")
        let width = matrix.columnCount
        var values = matrix.values
        for index in values.indices {
            let column = index % width
            values[index] = Float((Double(values[index]) - means[column]) / scales[column])
        }
        return FeatureMatrix(rowCount: matrix.rowCount, columnCount: width, values: values)
    }
}
