import Foundation
import Testing
@testable import VigilDetect

/// Expected values are worked out by hand from the definitions (see `LocalOutlierFactor`), keeping scikit-learn's
/// 1e-10 in every density.
@Suite struct LocalOutlierFactorTests {
    static func density(meanReachability: Double) -> Double { 1 / (meanReachability + 1e-10) }

    /// 0, 1, 2, 10 on a line, k = 2. Neighbours: 0 → {1, 2}, 1 → {0, 2}, 2 → {1, 0}, 10 → {2, 1}; k-distances
    /// 2, 1, 2, 9. Mean reachabilities: 0: (max(1,1) + max(2,2))/2 = 1.5; 1: (max(2,1) + max(2,1))/2 = 2;
    /// 2: (max(1,1) + max(2,2))/2 = 1.5; 10: (max(2,8) + max(1,9))/2 = 8.5.
    static let line = FeatureMatrix(rows: [[0], [1], [2], [10]])
    static let lineDensities = [1.5, 2, 1.5, 8.5].map { density(meanReachability: $0) }

    @Test func outlierModeMatchesHandComputedValues() {
        let model = LocalOutlierFactor.fit(Self.line, .init(neighbourCount: 2))
        let d = Self.lineDensities
        #expect(model.kDistances == [2, 1, 2, 9])
        #expect(zip(model.localReachabilityDensities, d).allSatisfy { isClose($0, $1) })
        let expected = [(d[1] / d[0] + d[2] / d[0]) / 2, (d[0] / d[1] + d[2] / d[1]) / 2,
                        (d[1] / d[2] + d[0] / d[2]) / 2, (d[2] / d[3] + d[1] / d[3]) / 2]
        #expect(zip(model.referenceFactors, expected).allSatisfy { isClose($0, $1) })
        // In round numbers: 0.875, 4/3, 0.875, 59.5/12.
        #expect(isClose(model.referenceFactors[3], 59.5 / 12, relativeTolerance: 1e-9))
    }

    /// Novelty mode against the same line. 1.5 → {1, 2} at 0.5: reach max(1, .5), max(2, .5), mean 1.5.
    /// 20 → {10, 2} at 10 and 18: reach max(9, 10), max(2, 18), mean 14. 10 (equal to reference row 3, which now
    /// counts as its own neighbour) → {10, 2} at 0 and 8: reach max(9, 0), max(2, 8), mean 8.5.
    @Test func noveltyModeMatchesHandComputedValues() {
        let model = LocalOutlierFactor.fit(Self.line, .init(neighbourCount: 2))
        let d = Self.lineDensities
        let queryDensities = [1.5, 14, 8.5].map { Self.density(meanReachability: $0) }
        let expected = [(d[1] + d[2]) / 2 / queryDensities[0], (d[3] + d[2]) / 2 / queryDensities[1],
                        (d[3] + d[2]) / 2 / queryDensities[2]]
        let factors = model.factors(FeatureMatrix(rows: [[1.5], [20], [10]]))
        #expect(zip(factors, expected).allSatisfy { isClose($0, $1) })
        // Scored as a new row, the reference outlier sits in its own neighbourhood and looks less odd.
        #expect(factors[2] < model.referenceFactors[3])
    }

    /// 0, 0, 1, 3 with k = 2. Row 0's neighbours are its duplicate row 1 (distance 0) and row 2, never itself.
    /// Neighbours: 0 → {1, 2}, 1 → {0, 2}, 2 → {0, 1}, 3 → {2, 0} (rows 0 and 1 tie at 3; both give the same
    /// values). k-distances 1, 1, 1, 3. Mean reachabilities 1, 1, 1 and (max(1,2) + max(1,3))/2 = 2.5.
    @Test func duplicatesCountAsNeighboursAtDistanceZero() {
        let model = LocalOutlierFactor.fit(FeatureMatrix(rows: [[0], [0], [1], [3]]), .init(neighbourCount: 2))
        #expect(model.kDistances == [1, 1, 1, 3])
        #expect(Array(model.referenceFactors[0 ..< 3]) == [1, 1, 1])
        #expect(isClose(model.referenceFactors[3], (2.5 + 1e-10) / (1 + 1e-10)))
    }

    /// Three identical points and one apart, k = 2: each duplicate's neighbourhood is the other two at distance 0,
    /// so its density is 1/1e-10 and the lone point's factor is 1e10 · (5 + 1e-10), scikit-learn's huge value.
    @Test func aPointBesideAClumpOfDuplicatesGetsAnEnormousFactor() {
        let model = LocalOutlierFactor.fit(FeatureMatrix(rows: [[0, 0], [0, 0], [0, 0], [3, 4]]),
                                           .init(neighbourCount: 2))
        #expect(model.kDistances == [0, 0, 0, 5])
        #expect(Array(model.referenceFactors[0 ..< 3]) == [1, 1, 1])
        #expect(isClose(model.referenceFactors[3], 1e10 * (5 + 1e-10)))
    }

    @Test func neighbourCountIsClippedToTheOtherRows() {
        let model = LocalOutlierFactor.fit(Self.line)
        #expect(model.neighbourCount == 3)
        // With k = n − 1 every point's neighbourhood is all the others.
        #expect(model.kDistances == [10, 9, 8, 10])
    }

    @Test func anObviousOutlierRanksFirstAndInliersScoreNearOne() {
        let (matrix, labels) = TestData.clustersWithOutliers(rows: 2000, columns: 3, outliers: 1, seed: 5)
        let factors = LocalOutlierFactor.fit(matrix).referenceFactors
        #expect(labels[factors.indices.max { factors[$0] < factors[$1] }!])
        let sortedInliers = factors.dropLast().sorted()
        #expect(abs(sortedInliers[sortedInliers.count / 2] - 1) < 0.1)
    }

    @Test func factorsDoNotDependOnThreadsOrLeafSize() {
        let (matrix, _) = TestData.clustersWithOutliers(rows: 1500, columns: 6, outliers: 15, seed: 9)
        let (queries, _) = TestData.clustersWithOutliers(rows: 300, columns: 6, outliers: 3, seed: 10)
        let serial = LocalOutlierFactor.fit(matrix, .init(leafSize: 16, parallelism: .serial))
        let threaded = LocalOutlierFactor.fit(matrix, .init(leafSize: 7, parallelism: .init(threadCount: 3)))
        #expect(serial.referenceFactors == threaded.referenceFactors)
        #expect(serial.factors(queries, parallelism: .serial) == threaded.factors(queries))
    }

    @Test func aFitThatMayStopGivesTheSameModelUnlessItStops() throws {
        let (matrix, _) = TestData.clustersWithOutliers(rows: 3000, columns: 4, outliers: 10, seed: 12)
        let configuration = LocalOutlierFactor.Configuration(neighbourCount: 10, parallelism: .init(threadCount: 2))
        let plain = LocalOutlierFactor.fit(matrix, configuration)
        let watched = try LocalOutlierFactor.fit(matrix, configuration, shouldStop: { false })
        #expect(watched.referenceFactors == plain.referenceFactors)
        #expect(throws: CancellationError.self) { try LocalOutlierFactor.fit(matrix, configuration, shouldStop: { true }) }
        // Asked before every batch of 512 queries (6 here); once it says stop, it keeps saying so, and the fit throws.
        let asked = StopAfter(calls: 3)
        #expect(throws: CancellationError.self) { try LocalOutlierFactor.fit(matrix, configuration, shouldStop: asked.shouldStop) }
        #expect(asked.calls >= 3)
    }
}

/// Answers "stop" from its `calls`-th question on, from any thread.
private final class StopAfter: @unchecked Sendable {
    // Unchecked: `asked` is only touched under `lock`.
    private let lock = NSLock()
    private var asked = 0
    private let limit: Int

    init(calls: Int) { limit = calls }

    var calls: Int { lock.withLock { asked } }

    var shouldStop: @Sendable () -> Bool {
        { [self] in
            lock.withLock {
                asked += 1
                return asked >= limit
            }
        }
    }
}
