/// One node of a grown isolation tree: a row goes to `firstChild` when its value of `feature` is at most
/// `threshold`, else to `firstChild + 1`. A leaf has an infinite threshold and no children.
struct IsolationNode: Sendable, Hashable {
    var feature: Int32
    var threshold: Float
    var firstChild: Int32

    static let leaf = IsolationNode(feature: 0, threshold: .infinity, firstChild: -1)

    var isLeaf: Bool { threshold == .infinity }
}

/// One grown isolation tree: nodes in a flat array, the root at index 0.
struct IsolationTree: Sendable, Hashable {
    var nodes: [IsolationNode]
    /// For a leaf, its depth plus c(its sample count): the path length a row ending there contributes. Unused for
    /// inner nodes.
    var pathLengths: [Double]
    /// Depth of the deepest leaf.
    var height: Int

    /// Grows a tree on `sample` (every row of it), drawing features and thresholds from `random`.
    ///
    /// Nodes are split depth-first, left before right, so the draws each node receives depend only on the sample and
    /// the generator's state, as the seed contract requires.
    static func grow(on sample: FeatureMatrix, heightLimit: Int, using random: inout SeededRandom) -> IsolationTree {
        let columns = sample.columnCount
        var tree = IsolationTree(nodes: [.leaf], pathLengths: [0], height: 0)
        // The rows of each node occupy a contiguous range of `order`; splitting a node partitions its range.
        var order = Array(0 ..< sample.rowCount)
        var pending = [(node: 0, rows: 0 ..< sample.rowCount, depth: 0)]
        var nonConstantFeatures: [(feature: Int, minimum: Float, maximum: Float)] = []
        nonConstantFeatures.reserveCapacity(columns)

        while let (node, rows, depth) = pending.popLast() {
            nonConstantFeatures.removeAll(keepingCapacity: true)
            if rows.count > 1 && depth < heightLimit {
                for feature in 0 ..< columns {
                    var minimum = Float.infinity
                    var maximum = -Float.infinity
                    for position in rows {
                        let value = sample[order[position], feature]
                        minimum = min(minimum, value)
                        maximum = max(maximum, value)
                    }
                    if maximum > minimum + constantTolerance {
                        nonConstantFeatures.append((feature, minimum, maximum))
                    }
                }
            }
            guard !nonConstantFeatures.isEmpty else {
                tree.pathLengths[node] = Double(depth) + IsolationForest.averagePathLength(sampleCount: rows.count)
                tree.height = max(tree.height, depth)
                continue
            }
            let (feature, minimum, maximum) = nonConstantFeatures[random.nextInt(below: nonConstantFeatures.count)]
            let threshold = Self.threshold(between: minimum, and: maximum, unit: random.nextUnitDouble())

            var boundary = rows.lowerBound
            for position in rows where sample[order[position], feature] <= threshold {
                order.swapAt(position, boundary)
                boundary += 1
            }
            let firstChild = tree.nodes.count
            tree.nodes[node] = IsolationNode(feature: Int32(feature), threshold: threshold,
                                             firstChild: Int32(firstChild))
            tree.nodes.append(contentsOf: [.leaf, .leaf])
            tree.pathLengths.append(contentsOf: [0, 0])
            pending.append((firstChild + 1, boundary ..< rows.upperBound, depth + 1))
            pending.append((firstChild, rows.lowerBound ..< boundary, depth + 1))
        }
        return tree
    }

    /// scikit-learn's splitters treat a feature as constant over a node when max ≤ min + 1e-7, added in float32
    /// (`FEATURE_THRESHOLD`); for values beyond about ±2 the addition rounds away and only exact equality counts.
    static let constantTolerance: Float = 1e-7

    /// scikit-learn's random splitter draws the threshold in double precision, uniformly in [min, max), falling back
    /// to min when rounding lands on max, and then compares float32 values against it. Rounding the double threshold
    /// down to the nearest float makes `value <= threshold` in `Float` give exactly the same answer for every float,
    /// so trees can be stored and traversed in single precision.
    static func threshold(between minimum: Float, and maximum: Float, unit: Double) -> Float {
        var exact = Double(minimum) + (Double(maximum) - Double(minimum)) * unit
        if exact >= Double(maximum) { exact = Double(minimum) }
        var single = Float(exact)
        if Double(single) > exact { single = single.nextDown }
        return single
    }
}
