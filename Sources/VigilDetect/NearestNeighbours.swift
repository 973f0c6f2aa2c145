import CVigilKernels
import Foundation
import VigilCore

/// How a search scans the points of a k-d tree leaf. Every choice finds the same neighbours; they differ in speed only.
public enum LeafScan: Int, Sendable, CaseIterable, Comparable {
    /// Swift's four-lane vectors, on any processor.
    case portable = 0
    /// 256-bit vectors with fused multiply-add (`CVigilKernels`).
    case avx2 = 1

    /// What this processor supports.
    public static let supported = LeafScan(rawValue: Int(vigil_screen_level())) ?? .portable

    /// The scan searches use: the widest supported, or `portable` when `VIGIL_LEAF_SCAN=portable` (for benchmarks
    /// and for checking one against the other).
    public static let preferred: LeafScan = {
        guard let name = ProcessInfo.processInfo.environment["VIGIL_LEAF_SCAN"],
              let chosen = allCases.first(where: { "\($0)" == name }) else { return supported }
        return min(chosen, supported)
    }()

    /// Every scan this processor can run, narrowest first.
    public static var available: [LeafScan] { allCases.filter { $0 <= supported } }

    public static func < (lhs: LeafScan, rhs: LeafScan) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The k nearest neighbours of each of a set of queries.
public struct NeighbourTable: Sendable, Hashable {
    public let queryCount: Int
    /// k: neighbours per query.
    public let neighbourCount: Int
    /// `queryCount × neighbourCount` rows of the indexed matrix, query after query, nearest first. Equal distances
    /// are ordered by row.
    public let rows: [Int32]
    /// Euclidean distances matching `rows`.
    public let distances: [Double]

    /// The neighbours of query `query`, nearest first.
    public func neighbourRows(ofQuery query: Int) -> ArraySlice<Int32> {
        rows[query * neighbourCount ..< (query + 1) * neighbourCount]
    }

    /// The distances to the neighbours of query `query`, ascending.
    public func neighbourDistances(ofQuery query: Int) -> ArraySlice<Double> {
        distances[query * neighbourCount ..< (query + 1) * neighbourCount]
    }

    /// The table `fill` writes, in parallel workers, through the `Answers` it is given; a query not answered is left
    /// as zeros.
    static func filling(queryCount: Int, neighbourCount: Int, _ fill: (Answers) -> Void) -> NeighbourTable {
        var rows = [Int32](repeating: 0, count: queryCount * neighbourCount)
        var distances = [Double](repeating: 0, count: queryCount * neighbourCount)
        rows.withUnsafeMutableBufferPointer { rows in
            distances.withUnsafeMutableBufferPointer { distances in
                fill(Answers(neighbourCount: neighbourCount, rows: DisjointWrites(rows),
                             distances: DisjointWrites(distances)))
            }
        }
        return NeighbourTable(queryCount: queryCount, neighbourCount: neighbourCount, rows: rows,
                              distances: distances)
    }

    /// Where the searches of `filling` put their answers; each query is answered by one worker.
    struct Answers: Sendable {
        let neighbourCount: Int
        let rows: DisjointWrites<Int32>
        let distances: DisjointWrites<Double>

        /// Empties `heap` into query `query`'s neighbours, nearest first.
        @inline(__always)
        func drain(_ heap: inout BoundedNeighbourHeap, intoQuery query: Int) {
            let slot = query * neighbourCount
            heap.drain(distances: distances.base + slot, neighbourRows: rows.base + slot)
        }
    }
}

extension KDTree {
    /// The `count` indexed points nearest to each row of `queries`.
    ///
    /// Ties at equal distance go to the lower row, so the answer is exactly that of a brute-force sort by
    /// (distance, row), whatever the tree's shape. `count` must not exceed the number of indexed points.
    public func nearestNeighbours(of queries: FeatureMatrix, count: Int,
                                  parallelism: Parallelism = .automatic) -> NeighbourTable {
        precondition(queries.columnCount == dimension,
                     "the tree indexes \(dimension) features, the queries have \(queries.columnCount)")
        let dimension = dimension
        return search(queryCount: queries.rowCount, neighbourCount: count, parallelism: parallelism) { query, into in
            for feature in 0 ..< dimension { into[feature] = queries.values[query * dimension + feature] }
            return nil
        }
    }

    /// For every indexed point, the `count` other indexed points nearest to it: the point itself is excluded by its
    /// row, but duplicates of it (other rows at distance 0) are neighbours like any other. This is the neighbourhood
    /// scikit-learn's `kneighbors()` (no argument) returns. `count` must be less than the number of points.
    ///
    /// Points are queried in tree order, so consecutive queries visit the same leaves and find them in cache.
    public func nearestNeighboursOfIndexedPoints(count: Int, parallelism: Parallelism = .automatic) -> NeighbourTable {
        nearestNeighboursOfIndexedPoints(count: count, parallelism: parallelism, shouldStop: nil)
    }

    /// As the public method; a batch of queries is skipped, its answers left as zeros, once `shouldStop` (which must
    /// stay true once it is) answers true, so the caller must ask it again afterwards and discard the table then.
    func nearestNeighboursOfIndexedPoints(count: Int, parallelism: Parallelism,
                                          shouldStop: (@Sendable () -> Bool)?) -> NeighbourTable {
        precondition(count < max(pointCount, 1), "each of \(pointCount) points has only \(pointCount - 1) others")
        let tree = self
        return search(queryCount: pointCount, neighbourCount: count, parallelism: parallelism, shouldStop: shouldStop,
                      outputSlot: { rowOfPosition[$0] }) { position, into in
            let (leaf, slot) = tree.leafAndSlot(ofPosition: position)
            for feature in 0 ..< tree.dimension {
                into[feature] = tree.leafPoints[(leaf * tree.dimension + feature) * tree.leafCapacity + slot]
            }
            return position
        }
    }

    /// Runs one query per index in `0 ..< queryCount`, in parallel chunks.
    ///
    /// `fillQuery(i, coordinates)` writes query i's `dimension` coordinates and returns the tree-order position to
    /// exclude, if any. `outputSlot(i)` is the row of the table where query i's answer goes.
    /// `shouldStop`, when given, is asked before each batch of 512 queries; the batch is skipped once it answers true.
    private func search(queryCount: Int, neighbourCount: Int, parallelism: Parallelism,
                        shouldStop: (@Sendable () -> Bool)? = nil,
                        outputSlot: @escaping @Sendable (Int) -> Int32 = { Int32($0) },
                        fillQuery: @escaping @Sendable (Int, UnsafeMutablePointer<Float>) -> Int?) -> NeighbourTable {
        precondition(neighbourCount >= 1 && neighbourCount <= pointCount,
                     "cannot find \(neighbourCount) neighbours among \(pointCount) points")
        let tree = self
        return NeighbourTable.filling(queryCount: queryCount, neighbourCount: neighbourCount) { answers in
            parallelism.forEachChunk(of: queryCount, chunkSize: 512) { chunk in
                if let shouldStop, shouldStop() { return }
                tree.withSearcher(neighbourCount: neighbourCount) { searcher in
                    for index in chunk {
                        let excluded = searcher.setQuery { fillQuery(index, $0) }
                        searcher.findNearest(excluding: excluded)
                        answers.drain(&searcher.heap, intoQuery: Int(outputSlot(index)))
                    }
                }
            }
        }
    }

    /// Lends a searcher over this tree whose scratch memory lives for the duration of `body`.
    private func withSearcher(neighbourCount: Int, _ body: (inout NeighbourSearcher) -> Void) {
        leafPoints.withUnsafeBufferPointer { leafPoints in
            boxes.withUnsafeBufferPointer { boxes in
                nodeStarts.withUnsafeBufferPointer { starts in
                    nodeEnds.withUnsafeBufferPointer { ends in
                        rowOfPosition.withUnsafeBufferPointer { rowOfPosition in
                            withUnsafeTemporaryAllocation(of: Double.self, capacity: neighbourCount) { heapDistances in
                                withUnsafeTemporaryAllocation(of: Int32.self, capacity: neighbourCount) { heapRows in
                                    withUnsafeTemporaryAllocation(of: Double.self, capacity: dimension) { exact in
                                        withUnsafeTemporaryAllocation(of: Float.self,
                                                                      capacity: paddedDimension) { padded in
                                            withUnsafeTemporaryAllocation(of: SIMD4<Float>.self,
                                                                          capacity: dimension) { broadcast in
                                                withUnsafeTemporaryAllocation(of: UInt8.self,
                                                                              capacity: leafCapacity / 8) { masks in
                                                    let heap = BoundedNeighbourHeap(
                                                        capacity: neighbourCount,
                                                        squaredDistances: heapDistances.baseAddress!,
                                                        rows: heapRows.baseAddress!)
                                                    var searcher = NeighbourSearcher(
                                                        tree: self, leafPoints: leafPoints.baseAddress!,
                                                        boxes: boxes.baseAddress!, starts: starts.baseAddress!,
                                                        ends: ends.baseAddress!,
                                                        rowOfPosition: rowOfPosition.baseAddress!,
                                                        query: exact.baseAddress!, paddedQuery: padded.baseAddress!,
                                                        broadcastQuery: broadcast.baseAddress!, heap: heap,
                                                        leafScan: leafScan, masks: masks.baseAddress!)
                                                    body(&searcher)
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The squared distance that decides every neighbour search: from `query` (widened to double) to the point whose
/// coordinates lie `stride` apart from `point` on, summed in double precision feature by feature in order. The k-d
/// tree and `PointTiles` both measure with this, so they find the same neighbours to the last bit.
@inline(__always)
func exactSquaredDistance(_ query: UnsafePointer<Double>, _ point: UnsafePointer<Float>, stride: Int, dimension: Int) -> Double {
    var squaredDistance = 0.0
    for feature in 0 ..< dimension {
        let difference = query[feature] - Double(point[feature * stride])
        squaredDistance += difference * difference
    }
    return squaredDistance
}

/// Depth-first branch-and-bound search for one query at a time.
///
/// At each inner node the child whose bounding box is nearer is searched first, which finds close candidates early;
/// a subtree is skipped when its box is farther than the current k-th candidate. A box at exactly that distance is
/// still searched, since it may hold a point at the same distance with a lower row.
///
/// Most candidates are far, so they are first screened in single precision, eight points at a time, against the k-th
/// distance widened by a margin larger than any single-precision rounding error; only survivors get the exact
/// double-precision distance that decides. Box distances are screened the same way, so the answer is exactly that
/// of a double-precision brute force, only faster.
struct NeighbourSearcher {
    let leafPoints: UnsafePointer<Float>
    let boxes: UnsafePointer<Float>
    let starts: UnsafePointer<Int32>
    let ends: UnsafePointer<Int32>
    let rowOfPosition: UnsafePointer<Int32>
    let dimension: Int
    let paddedDimension: Int
    let leafCapacity: Int
    let firstLeaf: Int
    /// The query's coordinates, widened to double.
    let query: UnsafeMutablePointer<Double>
    /// The query's coordinates, zero-padded to `paddedDimension` like the boxes.
    let paddedQuery: UnsafeMutablePointer<Float>
    /// Each of the query's coordinates repeated in four lanes, to compare with four points at once.
    let broadcastQuery: UnsafeMutablePointer<SIMD4<Float>>
    var heap: BoundedNeighbourHeap
    /// How leaves are scanned.
    let leafScan: LeafScan
    /// One byte per eight slots of a leaf: the kernel's screening result.
    let masks: UnsafeMutablePointer<UInt8>
    private var excludedPosition = -1
    /// Single-precision squared distance above which a point or box is certainly farther than the k-th candidate.
    private var screeningBound = Float.infinity
    /// Relative margin of `screeningBound`: a squared distance summed over n single-precision terms is within
    /// (n + 2)·2⁻²⁴ of exact (relative, as all terms are positive); this is four times that.
    private let screeningMargin: Double

    init(tree: KDTree, leafPoints: UnsafePointer<Float>, boxes: UnsafePointer<Float>, starts: UnsafePointer<Int32>,
         ends: UnsafePointer<Int32>, rowOfPosition: UnsafePointer<Int32>, query: UnsafeMutablePointer<Double>,
         paddedQuery: UnsafeMutablePointer<Float>, broadcastQuery: UnsafeMutablePointer<SIMD4<Float>>,
         heap: BoundedNeighbourHeap, leafScan: LeafScan, masks: UnsafeMutablePointer<UInt8>) {
        self.leafPoints = leafPoints
        self.boxes = boxes
        self.starts = starts
        self.ends = ends
        self.rowOfPosition = rowOfPosition
        self.dimension = tree.dimension
        self.paddedDimension = tree.paddedDimension
        self.leafCapacity = tree.leafCapacity
        self.firstLeaf = tree.firstLeaf
        self.query = query
        self.paddedQuery = paddedQuery
        self.broadcastQuery = broadcastQuery
        self.heap = heap
        self.leafScan = leafScan
        self.masks = masks
        screeningMargin = Double(tree.paddedDimension + 2) * 0x1p-22
    }

    /// Sets the query from the coordinates `fill` writes, passing on what it returns.
    func setQuery(_ fill: (UnsafeMutablePointer<Float>) -> Int?) -> Int? {
        paddedQuery.update(repeating: 0, count: paddedDimension)
        let result = fill(paddedQuery)
        for feature in 0 ..< dimension {
            query[feature] = Double(paddedQuery[feature])
            broadcastQuery[feature] = SIMD4(repeating: paddedQuery[feature])
        }
        return result
    }

    /// Fills the heap with the nearest points to the query, skipping tree-order position `excluded`.
    mutating func findNearest(excluding excluded: Int?) {
        heap.removeAll()
        excludedPosition = excluded ?? -1
        screeningBound = .infinity
        search(node: 0)
    }

    private mutating func search(node: Int) {
        if node >= firstLeaf {
            scanLeaf(node)
            return
        }
        let left = 2 * node + 1
        let right = left + 1
        let leftDistance = screenedSquaredDistanceToBox(of: left)
        let rightDistance = screenedSquaredDistanceToBox(of: right)
        let (near, nearDistance, far, farDistance) = leftDistance <= rightDistance
            ? (left, leftDistance, right, rightDistance) : (right, rightDistance, left, leftDistance)
        if nearDistance <= screeningBound { search(node: near) }
        if farDistance <= screeningBound { search(node: far) }
    }

    @inline(__always) private mutating func scanLeaf(_ node: Int) {
        let block = leafPoints + (node - firstLeaf) * dimension * leafCapacity
        let start = Int(starts[node])
        let count = Int(ends[node]) - start
        if leafScan == .avx2 {
            scanLeafWithKernel(block: block, start: start, count: count)
            return
        }
        var slot = 0
        while slot < count {
            var first = SIMD4<Float>()
            var second = SIMD4<Float>()
            var values = block + slot
            for feature in 0 ..< dimension {
                let coordinate = broadcastQuery[feature]
                let firstDifference = load4(values) - coordinate
                let secondDifference = load4(values + 4) - coordinate
                first += firstDifference * firstDifference
                second += secondDifference * secondDifference
                values += leafCapacity
            }
            let bound = SIMD4(repeating: screeningBound)
            let firstClose = first .<= bound
            let secondClose = second .<= bound
            if any(firstClose) || any(secondClose) {
                for lane in 0 ..< min(8, count - slot) where lane < 4 ? firstClose[lane] : secondClose[lane - 4] {
                    consider(slot: slot + lane, of: block, position: start + slot + lane)
                }
            }
            slot &+= 8
        }
    }

    /// The leaf scan through the widest SIMD kernel the processor has: every slot is screened against the bound as it
    /// stands when the leaf is reached (the portable scan tightens it between groups of eight), then the survivors
    /// are measured exactly in order, so the answer is the same.
    private mutating func scanLeafWithKernel(block: UnsafePointer<Float>, start: Int, count: Int) {
        let slots = (count + 7) & ~7
        guard vigil_screen_leaf(block, leafCapacity, dimension, paddedQuery, slots, screeningBound, masks) != 0
        else { return }
        for group in 0 ..< slots / 8 {
            var bits = masks[group]
            while bits != 0 {
                let lane = bits.trailingZeroBitCount
                bits &= bits &- 1
                let slot = group * 8 + lane
                // A later survivor may have been passed before an earlier one tightened the bound: `consider` checks.
                consider(slot: slot, of: block, position: start + slot)
            }
        }
    }

    /// Measures a screened point exactly and offers it to the heap.
    private mutating func consider(slot: Int, of block: UnsafePointer<Float>, position: Int) {
        guard position != excludedPosition else { return }
        let squaredDistance = exactSquaredDistance(query, block + slot, stride: leafCapacity, dimension: dimension)
        guard squaredDistance <= heap.worstSquaredDistance else { return }
        heap.offer(squaredDistance: squaredDistance, row: rowOfPosition[position])
        let worst = heap.worstSquaredDistance
        // The absolute term covers subnormal results, whose rounding error is absolute rather than relative. A bound
        // beyond single precision becomes infinite and screens nothing out.
        screeningBound = worst.isFinite ? Float(worst * (1 + screeningMargin) + 1e-30) : .infinity
    }

    @inline(__always) private func screenedSquaredDistanceToBox(of node: Int) -> Float {
        let lower = boxes + node * 2 * paddedDimension
        let upper = lower + paddedDimension
        var sum = SIMD4<Float>()
        var feature = 0
        while feature < paddedDimension {
            let coordinate = load4(paddedQuery + feature)
            let below = load4(lower + feature) - coordinate
            let above = coordinate - load4(upper + feature)
            // At most one of the two is positive: the distance outside the box along this feature, or 0 inside.
            let outside = below.replacing(with: above, where: above .> below)
            let difference = outside.replacing(with: 0, where: outside .< 0)
            sum += difference * difference
            feature &+= 4
        }
        return sum.sum()
    }

    @inline(__always) private func load4(_ pointer: UnsafePointer<Float>) -> SIMD4<Float> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Float>.self)
    }
}
