import VigilCore

/// A k-d tree over the rows of a feature matrix, for exact Euclidean nearest-neighbour queries.
///
/// The tree is complete and balanced, stored implicitly: node `i` has children `2i + 1` and `2i + 2`, and every leaf
/// sits at the same depth. Each node splits its points at the median of the feature with the widest spread, so a leaf
/// holds at most `leafSize` points. Each node keeps the bounding box of its points, which prunes subtrees tighter than
/// the splitting plane alone would.
///
/// Points are copied leaf by leaf, and within a leaf feature by feature (all the leaf's values of feature 0, then of
/// feature 1, …), so a search measures eight points at once with two vector operations per feature, and neighbouring
/// queries, which visit the same leaves, reuse the same cache lines. A point's *position* is its place in this tree
/// order: leaf after leaf, then slot within the leaf.
///
/// Coordinates are stored as `Float`, as given; exact distances are computed in `Double` (exact widening), as
/// scikit-learn's trees do after converting their input to float64.
public struct KDTree: Sendable {
    /// Number of points (rows) indexed.
    public let pointCount: Int
    /// Number of coordinates per point.
    public let dimension: Int
    /// Depth of the leaves; the root is at depth 0.
    let leafDepth: Int
    /// `dimension` rounded up to a multiple of four, the stride of the bounding boxes.
    let paddedDimension: Int
    /// Slots per leaf: the largest leaf's point count rounded up to a multiple of eight.
    let leafCapacity: Int
    /// Leaf after leaf, `dimension × leafCapacity` values: for each feature, the leaf's points' values in slot order.
    /// Unused slots hold NaN, which no distance comparison accepts.
    let leafPoints: [Float]
    /// For each tree-order position, the point's row in the matrix the tree was built from.
    let rowOfPosition: [Int32]
    /// For each node, the range of tree-order positions its points occupy.
    let nodeStarts: [Int32]
    let nodeEnds: [Int32]
    /// For each node, `paddedDimension` lower then `paddedDimension` upper bounds of its points' bounding box (zero in
    /// the padding).
    let boxes: [Float]
    /// How searches scan leaves; the neighbours found do not depend on it.
    public var leafScan = LeafScan.preferred

    /// Indexes every row of `matrix` (finite values). `leafSize` trades pruning (small leaves) against per-node
    /// overhead (large leaves); it affects speed only. Scanning a leaf costs little per point, eight at a time, so
    /// large leaves pay (bench/RESULTS.md has the leaf sizes tried).
    public init(_ matrix: FeatureMatrix, leafSize: Int = 128, parallelism: Parallelism = .automatic) {
        precondition(leafSize >= 1, "leaves must hold at least one point")
        precondition(matrix.rowCount < Int(Int32.max), "at most 2³¹ − 2 points")
        let count = matrix.rowCount
        let dimension = matrix.columnCount
        let paddedDimension = (dimension + 3) / 4 * 4
        let leafDepth = Self.leafDepth(pointCount: count, leafSize: leafSize)
        let nodeCount = (1 << (leafDepth + 1)) - 1

        var nodeStarts = [Int32](repeating: 0, count: nodeCount)
        var nodeEnds = [Int32](repeating: 0, count: nodeCount)
        nodeEnds[0] = Int32(count)
        // Ranges follow from the median rule alone, so they are known before any point moves.
        for node in 0 ..< (nodeCount - 1) / 2 {
            let middle = Int(nodeStarts[node]) + (Int(nodeEnds[node]) - Int(nodeStarts[node])) / 2
            (nodeStarts[2 * node + 1], nodeEnds[2 * node + 1]) = (nodeStarts[node], Int32(middle))
            (nodeStarts[2 * node + 2], nodeEnds[2 * node + 2]) = (Int32(middle), nodeEnds[node])
        }

        var boxes = [Float](repeating: 0, count: nodeCount * 2 * paddedDimension)
        var rowOfPosition = (0 ..< count).map { Int32($0) }
        let (starts, ends) = (nodeStarts, nodeEnds)
        rowOfPosition.withUnsafeMutableBufferPointer { rowOfPosition in
            boxes.withUnsafeMutableBufferPointer { boxes in
                let order = DisjointWrites(rowOfPosition)
                let boxOutput = DisjointWrites(boxes)
                // Nodes of one level own disjoint ranges of `order`, so a level's nodes are split in parallel; the
                // result does not depend on scheduling because each node's split depends only on its own points.
                for depth in 0 ... leafDepth {
                    let firstNode = (1 << depth) - 1
                    parallelism.forEachChunk(of: 1 << depth, chunkSize: 1) { chunk in
                        for node in (firstNode + chunk.lowerBound) ..< (firstNode + chunk.upperBound) {
                            Self.boundAndSplit(node: node, range: Int(starts[node]) ..< Int(ends[node]),
                                               isLeaf: depth == leafDepth, matrix: matrix, order: order,
                                               boxes: boxOutput)
                        }
                    }
                }
            }
        }

        let firstLeaf = (1 << leafDepth) - 1
        let largestLeaf = (count + (1 << leafDepth) - 1) >> leafDepth
        let leafCapacity = (largestLeaf + 7) / 8 * 8
        var leafPoints = [Float](repeating: .nan, count: (1 << leafDepth) * dimension * leafCapacity)
        for leaf in 0 ..< (1 << leafDepth) {
            let block = leaf * dimension * leafCapacity
            let start = Int(nodeStarts[firstLeaf + leaf])
            for slot in 0 ..< Int(nodeEnds[firstLeaf + leaf]) - start {
                let row = Int(rowOfPosition[start + slot])
                for feature in 0 ..< dimension {
                    leafPoints[block + feature * leafCapacity + slot] = matrix.values[row * dimension + feature]
                }
            }
        }
        self.pointCount = count
        self.dimension = dimension
        self.paddedDimension = paddedDimension
        self.leafDepth = leafDepth
        self.leafCapacity = leafCapacity
        self.leafPoints = leafPoints
        self.rowOfPosition = rowOfPosition
        self.nodeStarts = nodeStarts
        self.nodeEnds = nodeEnds
        self.boxes = boxes
    }

    /// The shallowest depth at which halving `pointCount` points level by level leaves at most `leafSize` per leaf.
    static func leafDepth(pointCount: Int, leafSize: Int) -> Int {
        var depth = 0
        while (pointCount + (1 << depth) - 1) >> depth > leafSize { depth += 1 }
        return depth
    }

    /// Index of the first leaf in the implicit layout.
    var firstLeaf: Int { (1 << leafDepth) - 1 }

    /// The leaf (counted from 0) holding tree-order position `position`, and the position's slot in it.
    func leafAndSlot(ofPosition position: Int) -> (leaf: Int, slot: Int) {
        var low = 0
        var high = 1 << leafDepth
        // Leaves' ranges ascend with their index, so the leaf is the last whose range starts at or before `position`.
        while high - low > 1 {
            let middle = (low + high) / 2
            if Int(nodeStarts[firstLeaf + middle]) <= position { low = middle } else { high = middle }
        }
        return (low, position - Int(nodeStarts[firstLeaf + low]))
    }

    /// The tree-order positions of the leaf a search for `query` (`dimension` values) would reach first: from the root,
    /// always into the child whose bounding box is nearer. Its points are likely close to the query.
    func homeLeafPositions(of query: UnsafePointer<Float>) -> Range<Int> {
        var node = 0
        while node < firstLeaf {
            let left = 2 * node + 1
            node = squaredDistance(from: query, toBoxOf: left) <= squaredDistance(from: query, toBoxOf: left + 1)
                ? left : left + 1
        }
        return Int(nodeStarts[node]) ..< Int(nodeEnds[node])
    }

    private func squaredDistance(from query: UnsafePointer<Float>, toBoxOf node: Int) -> Float {
        let lower = node * 2 * paddedDimension
        var sum: Float = 0
        for feature in 0 ..< dimension {
            let outside = max(boxes[lower + feature] - query[feature], query[feature] - boxes[lower + paddedDimension + feature], 0)
            sum += outside * outside
        }
        return sum
    }

    /// The value of `feature` of the point at tree-order position `position`.
    func coordinate(ofPosition position: Int, feature: Int) -> Float {
        let (leaf, slot) = leafAndSlot(ofPosition: position)
        return leafPoints[(leaf * dimension + feature) * leafCapacity + slot]
    }

    /// Records the bounding box of `node`'s points and, for an inner node, moves the points so that the first half
    /// of its range holds those with the smallest values of the widest feature.
    private static func boundAndSplit(node: Int, range: Range<Int>, isLeaf: Bool, matrix: FeatureMatrix,
                                      order: DisjointWrites<Int32>, boxes: DisjointWrites<Float>) {
        let dimension = matrix.columnCount
        let paddedDimension = (dimension + 3) / 4 * 4
        let boxStart = node * 2 * paddedDimension
        var widestFeature = 0
        var widestSpread = -Float.infinity
        matrix.values.withUnsafeBufferPointer { values in
            for feature in 0 ..< dimension {
                var lower = Float.infinity
                var upper = -Float.infinity
                for position in range {
                    let value = values[Int(order[position]) * dimension + feature]
                    lower = min(lower, value)
                    upper = max(upper, value)
                }
                boxes[boxStart + feature] = lower
                boxes[boxStart + paddedDimension + feature] = upper
                if upper - lower > widestSpread {
                    widestSpread = upper - lower
                    widestFeature = feature
                }
            }
        }
        guard !isLeaf, range.count > 1 else { return }
        matrix.values.withUnsafeBufferPointer { values in
            // Selecting on a private copy of the keys keeps the partitioning loop in cache instead of chasing rows.
            var keys = range.map { values[Int(order[$0]) * dimension + widestFeature] }
            var rows = range.map { order[$0] }
            selectMedian(keys: &keys, rows: &rows, nth: range.count / 2)
            for (offset, row) in rows.enumerated() { order[range.lowerBound + offset] = row }
        }
    }

    /// Rearranges `keys` (and `rows` alike) so that `keys[nth]` is the value it would have if sorted, with no larger
    /// key before it and no smaller after it (Hoare's selection, median-of-three pivots; equal keys split evenly).
    static func selectMedian(keys: inout [Float], rows: inout [Int32], nth: Int) {
        var low = 0
        var high = keys.count - 1
        while low < high {
            let middle = low + (high - low) / 2
            let pivot = medianOfThree(keys[low], keys[middle], keys[high])
            var left = low
            var right = high
            while left <= right {
                while keys[left] < pivot { left += 1 }
                while keys[right] > pivot { right -= 1 }
                if left <= right {
                    keys.swapAt(left, right)
                    rows.swapAt(left, right)
                    left += 1
                    right -= 1
                }
            }
            if nth <= right {
                high = right
            } else if nth >= left {
                low = left
            } else {
                return
            }
        }
    }

    private static func medianOfThree(_ a: Float, _ b: Float, _ c: Float) -> Float {
        max(min(a, b), min(max(a, b), c))
    }
}
