import Testing
@testable import VigilDetect

@Suite struct KDTreeTests {
    /// The k nearest rows of `points` to `query` by sorting every distance, computed with the same rounding steps
    /// as the tree, ties broken by row.
    static func bruteForce(_ points: FeatureMatrix, query: [Float], count: Int, excluding excluded: Int? = nil)
        -> (rows: [Int32], distances: [Double]) {
        let candidates = (0 ..< points.rowCount).filter { $0 != excluded }.map { row in
            var squaredDistance = 0.0
            for column in 0 ..< points.columnCount {
                let difference = Double(query[column]) - Double(points[row, column])
                squaredDistance += difference * difference
            }
            return (row: row, squaredDistance: squaredDistance)
        }
        let nearest = candidates.sorted {
            $0.squaredDistance < $1.squaredDistance || ($0.squaredDistance == $1.squaredDistance && $0.row < $1.row)
        }.prefix(count)
        return (nearest.map { Int32($0.row) }, nearest.map { $0.squaredDistance.squareRoot() })
    }

    static func row(_ matrix: FeatureMatrix, _ row: Int) -> [Float] {
        Array(matrix.values[row * matrix.columnCount ..< (row + 1) * matrix.columnCount])
    }

    @Test(arguments: [(leafSize: 1, k: 1), (4, 3), (8, 10), (16, 20), (40, 7), (2000, 5)])
    func neighboursOfIndexedPointsEqualBruteForce(leafSize: Int, k: Int) {
        let (points, _) = TestData.clustersWithOutliers(rows: 400, columns: 4, outliers: 5, seed: UInt64(leafSize))
        let tree = KDTree(points, leafSize: leafSize)
        let table = tree.nearestNeighboursOfIndexedPoints(count: k)
        for row in 0 ..< points.rowCount {
            let expected = Self.bruteForce(points, query: Self.row(points, row), count: k, excluding: row)
            #expect(Array(table.neighbourRows(ofQuery: row)) == expected.rows)
            #expect(Array(table.neighbourDistances(ofQuery: row)) == expected.distances)
        }
    }

    /// A small integer grid is full of duplicates and equal distances: ties must go to the lower row, and a point's
    /// duplicates (but never the point itself) must count as neighbours at distance 0.
    @Test(arguments: [1, 2, 5, 12, 30])
    func tiesAndDuplicatesResolveExactlyAsBruteForce(k: Int) {
        let points = TestData.grid(rows: 300, columns: 3, levels: 4, seed: UInt64(k))
        let table = KDTree(points, leafSize: 6)
            .nearestNeighboursOfIndexedPoints(count: k, parallelism: .init(threadCount: 3))
        for row in 0 ..< points.rowCount {
            let expected = Self.bruteForce(points, query: Self.row(points, row), count: k, excluding: row)
            #expect(Array(table.neighbourRows(ofQuery: row)) == expected.rows)
            #expect(!table.neighbourRows(ofQuery: row).contains(Int32(row)))
        }
    }

    @Test(arguments: [1, 6, 25])
    func neighboursOfNewQueriesEqualBruteForce(k: Int) {
        let (points, _) = TestData.clustersWithOutliers(rows: 700, columns: 5, seed: 21)
        let (queries, _) = TestData.clustersWithOutliers(rows: 150, columns: 5, outliers: 20, seed: 22)
        let table = KDTree(points, leafSize: 10).nearestNeighbours(of: queries, count: k)
        for query in 0 ..< queries.rowCount {
            let expected = Self.bruteForce(points, query: Self.row(queries, query), count: k)
            #expect(Array(table.neighbourRows(ofQuery: query)) == expected.rows)
            #expect(Array(table.neighbourDistances(ofQuery: query)) == expected.distances)
        }
        // A query equal to an indexed point finds it first, at distance 0.
        let own = KDTree(points).nearestNeighbours(of: points.rows([3, 400]), count: 1)
        #expect(own.rows == [3, 400] && own.distances == [0, 0])
    }

    /// Candidates are screened in single precision before the exact comparison; the screen must never drop a true
    /// neighbour, whatever the scale: differences tiny next to the values, values whose squares are subnormal in
    /// single precision, values whose squares overflow it, and many features.
    @Test(arguments: [(offset: Float(10000), scale: Float(0.001), columns: 6), (0, 1e-21, 3), (0, 1e19, 4),
                      (0, 1, 37)])
    func screeningNeverDropsATrueNeighbour(offset: Float, scale: Float, columns: Int) {
        let grid = TestData.grid(rows: 300, columns: columns, levels: 9, seed: UInt64(columns))
        let (noise, _) = TestData.clustersWithOutliers(rows: 300, columns: columns, seed: 4)
        let values = zip(grid.values, noise.values).map { offset + scale * ($0 + $1 / 4) }
        let points = FeatureMatrix(rowCount: 300, columnCount: columns, values: values)
        let table = KDTree(points, leafSize: 12).nearestNeighboursOfIndexedPoints(count: 9)
        for row in 0 ..< points.rowCount {
            let expected = Self.bruteForce(points, query: Self.row(points, row), count: 9, excluding: row)
            #expect(Array(table.neighbourRows(ofQuery: row)) == expected.rows)
            #expect(Array(table.neighbourDistances(ofQuery: row)) == expected.distances)
        }
    }

    /// Each leaf scan this processor runs (the portable one and the SIMD kernels) finds exactly the brute-force
    /// neighbours: leaf capacities below, at and past the kernels' 32- and 64-slot blocks, one to 37 features, ties
    /// from a coarse grid, and a query exactly on the points.
    @Test(arguments: LeafScan.available)
    func everyLeafScanFindsTheBruteForceNeighbours(scan: LeafScan) {
        for (rows, columns, leafSize) in [(300, 1, 3), (500, 15, 40), (700, 15, 64), (900, 8, 72), (600, 37, 130),
                                          (64, 15, 64), (33, 2, 32)] {
            let grid = TestData.grid(rows: rows, columns: columns, levels: 5, seed: UInt64(rows))
            let (noise, _) = TestData.clustersWithOutliers(rows: rows, columns: columns, outliers: 4, seed: 9)
            // Half the rows on the grid (ties and duplicates), half off it.
            let values = (0 ..< rows * columns).map { $0 / columns % 2 == 0 ? grid.values[$0] : noise.values[$0] }
            let points = FeatureMatrix(rowCount: rows, columnCount: columns, values: values)
            var tree = KDTree(points, leafSize: leafSize)
            tree.leafScan = scan
            let k = min(12, rows - 1)
            let table = tree.nearestNeighboursOfIndexedPoints(count: k)
            let (queries, _) = TestData.clustersWithOutliers(rows: 40, columns: columns, outliers: 5, seed: 10)
            let novel = tree.nearestNeighbours(of: queries, count: k)
            for row in 0 ..< rows {
                let expected = Self.bruteForce(points, query: Self.row(points, row), count: k, excluding: row)
                #expect(Array(table.neighbourRows(ofQuery: row)) == expected.rows, "\(scan) \(columns)×\(leafSize)")
                #expect(Array(table.neighbourDistances(ofQuery: row)) == expected.distances)
            }
            for query in 0 ..< queries.rowCount {
                let expected = Self.bruteForce(points, query: Self.row(queries, query), count: k)
                #expect(Array(novel.neighbourRows(ofQuery: query)) == expected.rows, "\(scan) \(columns)×\(leafSize)")
                #expect(Array(novel.neighbourDistances(ofQuery: query)) == expected.distances)
            }
        }
    }

    @Test func resultsDoNotDependOnThreadsOrLeafSize() {
        let (points, _) = TestData.clustersWithOutliers(rows: 1200, columns: 8, seed: 3)
        let reference = KDTree(points, leafSize: 16, parallelism: .serial)
            .nearestNeighboursOfIndexedPoints(count: 20, parallelism: .serial)
        for (leafSize, threads) in [(16, 4), (5, 2), (64, 3)] {
            let tree = KDTree(points, leafSize: leafSize, parallelism: .init(threadCount: threads))
            #expect(tree.nearestNeighboursOfIndexedPoints(count: 20, parallelism: .init(threadCount: threads))
                == reference)
        }
    }

    @Test func leavesHoldAtMostLeafSizePointsAndBoxesBoundThem() {
        let (points, _) = TestData.clustersWithOutliers(rows: 1001, columns: 3, seed: 8)
        let tree = KDTree(points, leafSize: 10)
        #expect(KDTree.leafDepth(pointCount: 1001, leafSize: 10) == tree.leafDepth)
        for leaf in tree.firstLeaf ..< tree.nodeStarts.count {
            #expect(tree.nodeEnds[leaf] - tree.nodeStarts[leaf] <= 10)
        }
        #expect(Set(tree.rowOfPosition).count == 1001)
        for position in [0, 5, 500, 1000] {
            let row = Int(tree.rowOfPosition[position])
            #expect((0 ..< 3).allSatisfy { tree.coordinate(ofPosition: position, feature: $0) == points[row, $0] })
        }
        for node in 0 ..< tree.nodeStarts.count {
            for position in Int(tree.nodeStarts[node]) ..< Int(tree.nodeEnds[node]) {
                for feature in 0 ..< 3 {
                    let value = tree.coordinate(ofPosition: position, feature: feature)
                    // Boxes are padded to four features.
                    #expect(value >= tree.boxes[node * 8 + feature] && value <= tree.boxes[node * 8 + 4 + feature])
                }
            }
        }
    }

    @Test func medianSelectionPartitionsAroundTheMedian() {
        var random = SeededRandom(seed: 12)
        for count in [1, 2, 3, 10, 101, 1000] {
            var keys = (0 ..< count).map { _ in Float(random.nextInt(below: 7)) }
            var rows = (0 ..< count).map { Int32($0) }
            let original = keys
            let nth = count / 2
            KDTree.selectMedian(keys: &keys, rows: &rows, nth: nth)
            #expect(keys[nth] == original.sorted()[nth])
            #expect(keys[..<nth].allSatisfy { $0 <= keys[nth] } && keys[nth...].allSatisfy { $0 >= keys[nth] })
            #expect(zip(keys, rows).allSatisfy { $0 == original[Int($1)] })
        }
    }
}
