import Testing
@testable import VigilDetect

/// The brute-force tile search (`PointTiles`) against the k-d tree and a double-precision brute force: it must find
/// exactly the same neighbours, ties included, whatever the data's scale.
@Suite(.enabled(if: LeafScan.supported == .avx2, "the tile search runs on the AVX2 kernel only"))
struct PointTilesTests {
    /// Rows half on a coarse grid (ties, duplicates) and half scattered, with outliers, scaled by `scale`.
    static func points(rows: Int, columns: Int, scale: Float, seed: UInt64) -> FeatureMatrix {
        let grid = TestData.grid(rows: rows, columns: columns, levels: 4, seed: seed)
        let (noise, _) = TestData.clustersWithOutliers(rows: rows, columns: columns, outliers: 5, seed: seed + 1)
        let values = (0 ..< rows * columns).map { ($0 / columns % 2 == 0 ? grid.values[$0] : noise.values[$0]) * scale }
        return FeatureMatrix(rowCount: rows, columnCount: columns, values: values)
    }

    @Test(arguments: [(rows: 40, columns: 1, k: 5), (300, 8, 20), (517, 15, 20), (1_000, 15, 1), (257, 37, 30),
                      (64, 15, 64), (33, 2, 33)])
    func findsTheBruteForceNeighbours(rows: Int, columns: Int, k: Int) {
        for scale: Float in [1, 1e6, 1e-20] {
            let points = Self.points(rows: rows, columns: columns, scale: scale, seed: UInt64(rows))
            let tree = KDTree(points, leafSize: 40)
            guard let tiles = PointTiles(tree) else {
                Issue.record("no tiles for \(rows)×\(columns) at scale \(scale)")
                continue
            }
            // Novel queries, queries exactly on points (distance 0, tied with duplicates) and a block left part-full.
            let (novel, _) = TestData.clustersWithOutliers(rows: 23, columns: columns, outliers: 3, seed: 77)
            let onPoints = (0 ..< 14).flatMap { KDTreeTests.row(points, $0 * 7 % rows) }
            let values = novel.values.map { $0 * scale } + onPoints
            let queries = FeatureMatrix(rowCount: novel.rowCount + 14, columnCount: columns, values: values)
            #expect(PointTiles.accepts(queries))
            for parallelism in [Parallelism.serial, .init(threadCount: 3)] {
                let found = tiles.nearestNeighbours(of: queries, count: k, tree: tree, parallelism: parallelism)
                #expect(found == tree.nearestNeighbours(of: queries, count: k), "\(rows)×\(columns) ×\(scale)")
                for query in 0 ..< queries.rowCount {
                    let expected = KDTreeTests.bruteForce(points, query: KDTreeTests.row(queries, query), count: k)
                    #expect(Array(found.neighbourRows(ofQuery: query)) == expected.rows, "\(rows)×\(columns) ×\(scale)")
                    #expect(Array(found.neighbourDistances(ofQuery: query)) == expected.distances)
                }
            }
        }
    }

    /// Points that differ in the last bits of large coordinates: the screen's rounding margin must keep every one of
    /// the true nearest, which single precision alone cannot order.
    @Test func keepsNeighboursThatSinglePrecisionCannotTellApart() {
        let rows = 400, columns = 15
        var random = SeededRandom(seed: 4)
        let base: [Float] = (0 ..< columns).map { _ in Float(random.nextInt(below: 1000)) * 1000 }
        let values = (0 ..< rows).flatMap { _ in base.map { $0 + Float(random.nextInt(below: 9)) * $0.ulp } }
        let points = FeatureMatrix(rowCount: rows, columnCount: columns, values: values)
        let tree = KDTree(points, leafSize: 32)
        let tiles = PointTiles(tree)!
        let queries = FeatureMatrix(rowCount: 6, columnCount: columns, values: Array(values[0 ..< 6 * columns]))
        let found = tiles.nearestNeighbours(of: queries, count: 25, tree: tree, parallelism: .serial)
        for query in 0 ..< queries.rowCount {
            let expected = KDTreeTests.bruteForce(points, query: KDTreeTests.row(queries, query), count: 25)
            #expect(Array(found.neighbourRows(ofQuery: query)) == expected.rows)
        }
    }

    @Test func coordinatesBeyondTheScreensRangeGoToTheTree() {
        let points = Self.points(rows: 100, columns: 8, scale: 1, seed: 2)
        var values = points.values
        values[17] = 1e20
        #expect(PointTiles(KDTree(FeatureMatrix(rowCount: 100, columnCount: 8, values: values))) == nil)
        #expect(!PointTiles.accepts(FeatureMatrix(rowCount: 100, columnCount: 8, values: values)))

        // LOF then answers through the tree, with the same factors.
        var model = LocalOutlierFactor.fit(points, .init(neighbourCount: 10))
        let queries = FeatureMatrix(rowCount: 2, columnCount: 8, values: Array(values[8 ..< 24]))
        model.search = .tiles
        let tiled = model.factors(queries)
        model.search = .tree
        #expect(tiled == model.factors(queries))
    }

    /// LOF's factors for new rows are the same bits whichever search finds their neighbours.
    @Test func lofFactorsDoNotDependOnTheSearch() {
        let (reference, _) = TestData.clustersWithOutliers(rows: 2_000, columns: 15, outliers: 20, seed: 12)
        let (queries, _) = TestData.clustersWithOutliers(rows: 301, columns: 15, outliers: 30, seed: 13)
        var model = LocalOutlierFactor.fit(reference, .init(neighbourCount: 20))
        #expect(model.search == .tiles)
        let tiled = model.factors(queries)
        model.search = .tree
        #expect(tiled == model.factors(queries))
    }
}
