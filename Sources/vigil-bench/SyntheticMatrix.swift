import Foundation
import VigilDetect
import VigilEngine

/// The benchmark's data: inliers from five Gaussian clusters of different spreads, and 1 % outliers spread
/// uniformly over a wider box. Continuous values, so no two distances tie and LOF can be compared exactly.
enum SyntheticMatrix {
    static func make(rows: Int, columns: Int, seed: UInt64) -> (FeatureMatrix, [UInt8]) {
        var random = SeededRandom(seed: seed)
        let clusterCount = 5
        let centres = (0..<clusterCount).map { _ in (0..<columns).map { _ in random.nextUnitDouble() * 10 - 5 } }
        let spreads = (0..<clusterCount).map { _ in 0.5 + random.nextUnitDouble() }
        var values = [Float](repeating: 0, count: rows * columns)
        var labels = [UInt8](repeating: 0, count: rows)
        for row in 0..<rows {
            if random.nextUnitDouble() < 0.01 {
                labels[row] = 1
                for column in 0..<columns { values[row * columns + column] = Float(random.nextUnitDouble() * 20 - 10) }
            } else {
                let cluster = random.nextInt(below: clusterCount)
                for column in 0..<columns {
                    values[row * columns + column] = Float(centres[cluster][column] + spreads[cluster] * random.nextGaussian())
                }
            }
        }
        return (FeatureMatrix(rowCount: rows, columnCount: columns, values: values), labels)
    }

    /// Row-major little-endian float32 (numpy: `np.fromfile(p, dtype='<f4').reshape(-1, columns)`), labels as bytes.
    static func write(_ matrix: FeatureMatrix, labels: [UInt8], prefix: String) throws {
        try matrix.values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: prefix + ".f32")) }
        try Data(labels).write(to: URL(fileURLWithPath: prefix + ".labels"))
    }

    static func read(prefix: String, columns: Int) throws -> FeatureMatrix {
        let data = try Data(contentsOf: URL(fileURLWithPath: prefix + ".f32"))
        let count = data.count / MemoryLayout<Float>.size
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self).prefix(count)) }
        return FeatureMatrix(rowCount: count / columns, columnCount: columns, values: values)
    }
}
