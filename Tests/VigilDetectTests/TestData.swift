import VigilCore
@testable import VigilDetect

/// Seeded synthetic data for the detector tests.
enum TestData {
    /// `rows` points drawn from a few Gaussian clusters (unit spread) in `columns` dimensions, plus `outliers` points
    /// at the end, which labels mark: uniform over a box far wider than the clusters, or, with `outlierSpread`, drawn
    /// around the same centres with that spread, so that some overlap the clusters and detection is not trivial.
    static func clustersWithOutliers(rows: Int, columns: Int, outliers: Int = 0, outlierSpread: Double? = nil,
                                     seed: UInt64) -> (matrix: FeatureMatrix, labels: [Bool]) {
        var random = SeededRandom(seed: seed)
        let centres = (0 ..< 4).map { _ in (0 ..< columns).map { _ in random.nextGaussian() * 4 } }
        var values: [Float] = []
        values.reserveCapacity((rows + outliers) * columns)
        for _ in 0 ..< rows {
            let centre = centres[random.nextInt(below: centres.count)]
            for column in 0 ..< columns { values.append(Float(centre[column] + random.nextGaussian())) }
        }
        for _ in 0 ..< outliers {
            if let spread = outlierSpread {
                let centre = centres[random.nextInt(below: centres.count)]
                for column in 0 ..< columns { values.append(Float(centre[column] + random.nextGaussian() * spread)) }
            } else {
                for _ in 0 ..< columns { values.append(Float((random.nextUnitDouble() * 2 - 1) * 20)) }
            }
        }
        let labels = Array(repeating: false, count: rows) + Array(repeating: true, count: outliers)
        return (FeatureMatrix(rowCount: rows + outliers, columnCount: columns, values: values), labels)
    }

    /// Points on a small integer grid: many duplicates and many equal distances, the hard case for tie handling.
    static func grid(rows: Int, columns: Int, levels: Int, seed: UInt64) -> FeatureMatrix {
        var random = SeededRandom(seed: seed)
        let values = (0 ..< rows * columns).map { _ in Float(random.nextInt(below: levels)) }
        return FeatureMatrix(rowCount: rows, columnCount: columns, values: values)
    }
}

/// Whether `actual` is within `tolerance` of `expected`, relative to the larger magnitude.
func isClose(_ actual: Double, _ expected: Double, relativeTolerance tolerance: Double = 1e-12) -> Bool {
    abs(actual - expected) <= tolerance * max(abs(actual), abs(expected))
}

extension TransactionColumns {
    /// One client, "C", in one category and with no places or labels: a row per (instant, amount in minor units),
    /// ids from 1. The rule tests that need only times and amounts build their histories with it.
    static func oneClient(_ rows: [(instant: Int64, amountMinor: Int64)]) -> TransactionColumns {
        var c = TransactionColumns()
        c.categoryNames = ["x"]
        for (index, row) in rows.enumerated() {
            c.append(id: Int64(index + 1), instant: row.instant, amountMinor: row.amountMinor, category: 0,
                     home: (.nan, .nan), merchant: (.nan, .nan), label: 0)
        }
        c.endClient("C")
        return c
    }
}
