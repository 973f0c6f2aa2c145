import Testing
@testable import VigilDetect

@Suite struct IsolationForestTests {
    @Test func averagePathLengthMatchesHandComputedValues() {
        #expect(IsolationForest.averagePathLength(sampleCount: 0) == 0)
        #expect(IsolationForest.averagePathLength(sampleCount: 1) == 0)
        #expect(IsolationForest.averagePathLength(sampleCount: 2) == 1)
        // c(3) = 2(ln 2 + γ) − 4/3; c(256) = 2(ln 255 + γ) − 510/256.
        #expect(isClose(IsolationForest.averagePathLength(sampleCount: 3), 1.207392357589623))
        #expect(isClose(IsolationForest.averagePathLength(sampleCount: 256), 10.244770920119917))
    }

    @Test func heightLimitIsTheCeilingOfLog2() {
        #expect(IsolationForest.heightLimit(samplesPerTree: 1) == 1)
        #expect(IsolationForest.heightLimit(samplesPerTree: 2) == 1)
        #expect(IsolationForest.heightLimit(samplesPerTree: 3) == 2)
        #expect(IsolationForest.heightLimit(samplesPerTree: 256) == 8)
        #expect(IsolationForest.heightLimit(samplesPerTree: 257) == 9)
    }

    @Test func subsamplesAreDistinctSortedAndInRange() {
        var random = SeededRandom(seed: 5)
        let sample = IsolationForest.sampleWithoutReplacement(256, from: 1000, using: &random)
        #expect(sample.count == 256 && Set(sample).count == 256)
        #expect(sample == sample.sorted() && sample.first! >= 0 && sample.last! < 1000)
        #expect(IsolationForest.sampleWithoutReplacement(4, from: 4, using: &random) == [0, 1, 2, 3])
    }

    /// The threshold is rounded down to a float, so `value <= threshold` in Float agrees with scikit-learn's
    /// comparison of the float value against the double threshold, for every float.
    @Test func thresholdsRoundDownAndStayInsideTheRange() {
        var random = SeededRandom(seed: 11)
        for _ in 0 ..< 10000 {
            let a = Float(random.nextGaussian() * 100)
            let b = Float(random.nextGaussian() * 100)
            guard a != b else { continue }
            let (minimum, maximum) = (min(a, b), max(a, b))
            let unit = random.nextUnitDouble()
            let exact = Double(minimum) + (Double(maximum) - Double(minimum)) * unit
            let threshold = IsolationTree.threshold(between: minimum, and: maximum, unit: unit)
            #expect(threshold >= minimum && threshold < maximum)
            if exact < Double(maximum) {
                #expect(Double(threshold) <= exact && Double(threshold.nextUp) > exact)
            }
        }
        #expect(IsolationTree.threshold(between: 1, and: 2, unit: 0) == 1)
        #expect(IsolationTree.threshold(between: 1, and: 2, unit: 1 - 0x1p-53) < 2)
    }

    /// Three points on a line with ψ = 3 (height limit 2): the first cut isolates either 0 or 2, with equal odds, and
    /// the second cut separates the other two. So the middle point always has path length 2, and each end has 1 or 2.
    @Test func aTreeOnThreePointsIsolatesThemAsReasoned() {
        let line = FeatureMatrix(rows: [[0], [1], [2]])
        let model = IsolationForest.fit(line, .init(treeCount: 2000, seed: 1))
        #expect(model.samplesPerTree == 3 && model.trees.allSatisfy { $0.height == 2 })
        let perTree = model.trees.map { tree in
            IsolationForestModel(trees: [tree], samplesPerTree: 3, columnCount: 1)
                .expectedPathLengths(line, parallelism: .serial)
        }
        #expect(perTree.allSatisfy { $0[1] == 2 && $0.sorted() == [1, 2, 2] })
        let endIsolatedFirst = perTree.filter { $0[0] == 1 }.count
        #expect(abs(endIsolatedFirst - 1000) < 120)
        let expected = model.expectedPathLengths(line)
        #expect(expected[1] == 2 && abs(expected[0] - 1.5) < 0.06 && isClose(expected[0] + expected[2], 3))
    }

    /// Growing a tree on every row, each leaf's stored path length must equal its depth plus c(number of rows
    /// that reach it), and no leaf may be deeper than ⌈log₂ ψ⌉.
    @Test func leafPathLengthsAreDepthPlusAveragePathOfTheirSamples() {
        let (matrix, _) = TestData.clustersWithOutliers(rows: 200, columns: 3, seed: 4)
        var random = SeededRandom(seed: 8)
        let tree = IsolationTree.grow(on: matrix, heightLimit: 8, using: &random)
        var leafRows: [Int: Int] = [:]
        var leafDepth: [Int: Int] = [:]
        for row in 0 ..< matrix.rowCount {
            var node = 0
            var depth = 0
            while !tree.nodes[node].isLeaf {
                let split = tree.nodes[node]
                node = Int(split.firstChild) + (matrix[row, Int(split.feature)] <= split.threshold ? 0 : 1)
                depth += 1
            }
            leafRows[node, default: 0] += 1
            leafDepth[node] = depth
        }
        #expect(tree.height <= 8 && tree.height == leafDepth.values.max())
        for (leaf, rows) in leafRows {
            let expected = Double(leafDepth[leaf]!) + IsolationForest.averagePathLength(sampleCount: rows)
            #expect(tree.pathLengths[leaf] == expected)
        }
        #expect(tree.nodes.count == 2 * tree.nodes.filter(\.isLeaf).count - 1)
    }

    /// The complete-tree layout used for scoring must send every row to the leaf the grown tree sends it to.
    @Test func completeLayoutScoresRowsAsTheGrownTreesDo() {
        let (matrix, _) = TestData.clustersWithOutliers(rows: 700, columns: 3, outliers: 7, seed: 13)
        let model = IsolationForest.fit(matrix, .init(treeCount: 30, maxSamples: 100, seed: 2))
        let (queries, _) = TestData.clustersWithOutliers(rows: 300, columns: 3, outliers: 30, seed: 14)
        let walked = (0 ..< queries.rowCount).map { row in
            model.trees.reduce(0.0) { sum, tree in
                var node = 0
                while !tree.nodes[node].isLeaf {
                    let split = tree.nodes[node]
                    node = Int(split.firstChild) + (queries[row, Int(split.feature)] <= split.threshold ? 0 : 1)
                }
                return sum + tree.pathLengths[node]
            } / 30
        }
        #expect(model.expectedPathLengths(queries) == walked)
    }

    /// Features constant over a node are never chosen; a node where every feature is constant is a leaf.
    @Test func constantFeaturesAreNeverSplitAndIdenticalRowsFormALeaf() {
        let rows = (0 ..< 64).map { [Float(7), Float($0 % 9), Float(-1)] }
        let model = IsolationForest.fit(FeatureMatrix(rows: rows), .init(treeCount: 20, seed: 3))
        #expect(model.trees.allSatisfy { $0.nodes.allSatisfy { $0.isLeaf || $0.feature == 1 } })

        let identical = FeatureMatrix(rows: Array(repeating: [1, 2, 3], count: 50))
        let flat = IsolationForest.fit(identical, .init(treeCount: 10, seed: 3))
        #expect(flat.trees.allSatisfy { $0.nodes.count == 1 && $0.height == 0 })
        // Every row stops at the root with path length c(50) = c(ψ): the score is 2^−1.
        #expect(flat.scores(identical).allSatisfy { isClose($0, 0.5) })
    }

    @Test func scoresAreIdenticalForOneSeedWhateverTheThreadCount() {
        let (matrix, _) = TestData.clustersWithOutliers(rows: 3000, columns: 5, outliers: 10, seed: 2)
        let serial = IsolationForest.fit(matrix, .init(treeCount: 50, seed: 99, parallelism: .serial))
        let threaded = IsolationForest.fit(matrix, .init(treeCount: 50, seed: 99, parallelism: .init(threadCount: 3)))
        let automatic = IsolationForest.fit(matrix, .init(treeCount: 50, seed: 99))
        #expect(serial == threaded && serial == automatic)
        let scores = serial.scores(matrix, parallelism: .serial)
        #expect(scores == threaded.scores(matrix, parallelism: .init(threadCount: 4)))
        #expect(scores == automatic.scores(matrix))
        #expect(scores == IsolationForest.fit(matrix, .init(treeCount: 50, seed: 99)).scores(matrix))
        #expect(scores != IsolationForest.fit(matrix, .init(treeCount: 50, seed: 100)).scores(matrix))
    }

    @Test func anObviousOutlierRanksFirst() {
        let (inliers, _) = TestData.clustersWithOutliers(rows: 1000, columns: 4, seed: 6)
        var values = inliers.values
        values.insert(contentsOf: [40, -40, 40, -40], at: 4 * 500)
        let matrix = FeatureMatrix(rowCount: 1001, columnCount: 4, values: values)
        let scores = IsolationForest.fit(matrix, .init(seed: 1)).scores(matrix)
        #expect(scores.indices.max { scores[$0] < scores[$1] } == 500)
        #expect(scores[500] > 0.7 && scores.allSatisfy { $0 > 0 && $0 <= 1 })
    }

    @Test func samplesPerTreeDefaultsTo256AndIsClippedToTheRows() {
        let (matrix, _) = TestData.clustersWithOutliers(rows: 1000, columns: 2, seed: 1)
        #expect(IsolationForest.fit(matrix, .init(treeCount: 3, seed: 1)).samplesPerTree == 256)
        #expect(IsolationForest.fit(matrix, .init(treeCount: 3, maxSamples: 5000, seed: 1)).samplesPerTree == 1000)
        let single = IsolationForest.fit(matrix, .init(treeCount: 3, maxSamples: 1, seed: 1))
        #expect(single.scores(matrix).allSatisfy { $0 == 0.5 })
    }
}
