import CVigilKernels
import VigilCore

/// Every point of a k-d tree laid out for exact brute-force neighbour searches of new queries, four queries at a time.
///
/// In many dimensions a k-d tree prunes little, and a query pays for a large share of the leaves plus the tree walk.
/// Screening every point instead, through the expansion |x − q|² = |x|² − 2 q·x + |q|², takes one fused multiply-add
/// per feature with each loaded point serving four queries (`vigil_screen_tiles4`), so a whole pass is cheaper than
/// the tree's partial one (bench/RESULTS.md has the figures).
///
/// Screening is in single precision, and the expansion loses more to rounding than the direct form does, so the
/// screening threshold is widened by a margin that bounds that error from the norms involved; every point that passes
/// is measured exactly, in double precision, as the tree does, and offered to the same (distance, row)-ordered heap.
/// The neighbours are therefore exactly those of the tree (and of a double-precision brute force).
struct PointTiles: Sendable {
    static let tileSize = 16

    let dimension: Int
    let pointCount: Int
    let tileCount: Int
    /// Tile after tile, as `vigil_screen_tiles4` reads them: `dimension` groups of 16 values, then 16 squared norms.
    /// Padding slots hold zeros with a NaN norm, which never passes.
    let tiles: [Float]
    /// Per tile: the margin coefficient times the largest squared norm in the tile, rounded up.
    let slack: [Float]
    /// For each tile-order slot (`tile * 16 + slot`), the point's row; -1 in padding.
    let rows: [Int32]
    /// Relative margin: the expansion summed over `dimension + 2` single-precision roundings errs by at most
    /// (dimension + 2)·2⁻²⁴·(2|x|² + |q|²); this is four times that, per unit of |x|² + |q|².
    let marginCoefficient: Double

    /// Largest coordinate magnitude either side may have: sums of squares then stay far from single precision's range.
    static let largestCoordinate: Float = 1e15

    /// The tree's points in tile order, or nil when a coordinate is beyond `largestCoordinate` (the tree serves).
    init?(_ tree: KDTree) {
        let dimension = tree.dimension
        let tileSize = Self.tileSize
        let tileCount = (tree.pointCount + tileSize - 1) / tileSize
        let stride = (dimension + 1) * tileSize
        var tiles = [Float](repeating: 0, count: tileCount * stride)
        var slack = [Float](repeating: 0, count: tileCount)
        var rows = [Int32](repeating: -1, count: tileCount * tileSize)
        let coefficient = 8 * Double(dimension + 2) * 0x1p-24
        for tile in 0 ..< tileCount {
            var largestNorm = 0.0
            for slot in 0 ..< tileSize {
                let position = tile * tileSize + slot
                let normIndex = tile * stride + dimension * tileSize + slot
                guard position < tree.pointCount else { tiles[normIndex] = .nan; continue }
                var norm = 0.0
                let (leaf, leafSlot) = tree.leafAndSlot(ofPosition: position)
                for feature in 0 ..< dimension {
                    let value = tree.leafPoints[(leaf * dimension + feature) * tree.leafCapacity + leafSlot]
                    guard abs(value) <= Self.largestCoordinate else { return nil }
                    tiles[tile * stride + feature * tileSize + slot] = value
                    norm += Double(value) * Double(value)
                }
                tiles[normIndex] = Float(norm)
                largestNorm = max(largestNorm, norm)
                rows[position] = tree.rowOfPosition[position]
            }
            slack[tile] = Float(coefficient * largestNorm).nextUp
        }
        self.dimension = dimension
        self.pointCount = tree.pointCount
        self.tileCount = tileCount
        self.tiles = tiles
        self.slack = slack
        self.rows = rows
        marginCoefficient = coefficient
    }

    /// Whether every coordinate of `queries` is small enough for the screening bounds to hold.
    static func accepts(_ queries: FeatureMatrix) -> Bool {
        queries.values.allSatisfy { abs($0) <= largestCoordinate }
    }

    /// The `count` points nearest to each row of `queries` (which `accepts`), exactly as `KDTree.nearestNeighbours`
    /// finds them. Needs the AVX2 kernel (`LeafScan.supported == .avx2`).
    ///
    /// Each query first screens the points of its home leaf in `tree` (where the tree's search would start), so its
    /// threshold is nearly final before the pass over every other point and few of those need measuring. Queries are
    /// grouped four by four in order of home leaf, so the four share their seeds.
    func nearestNeighbours(of queries: FeatureMatrix, count: Int, tree: KDTree, parallelism: Parallelism) -> NeighbourTable {
        precondition(queries.columnCount == dimension, "the index holds \(dimension) features, the queries \(queries.columnCount)")
        precondition(count >= 1 && count <= pointCount, "cannot find \(count) neighbours among \(pointCount) points")
        let queryCount = queries.rowCount
        let homes: [Range<Int>] = queries.values.withUnsafeBufferPointer { values in
            (0 ..< queryCount).map { tree.homeLeafPositions(of: values.baseAddress! + $0 * dimension) }
        }
        let order = (0 ..< queryCount).sorted { (homes[$0].lowerBound, $0) < (homes[$1].lowerBound, $1) }
        let index = self
        return NeighbourTable.filling(queryCount: queryCount, neighbourCount: count) { answers in
            parallelism.forEachChunk(of: (queryCount + 3) / 4, chunkSize: 16) { blocks in
                index.withSearcher(neighbourCount: count) { searcher in
                    for block in blocks {
                        let members = Array(order[(block * 4) ..< min(block * 4 + 4, queryCount)])
                        let tileSize = PointTiles.tileSize
                        let seeds = members.map { homes[$0].lowerBound / tileSize ..< (homes[$0].upperBound + tileSize - 1) / tileSize }
                        searcher.search(queries, members: members, seeds: seeds)
                        for (j, query) in members.enumerated() { answers.drain(&searcher.heaps[j], intoQuery: query) }
                    }
                }
            }
        }
    }

    private func withSearcher(neighbourCount: Int, _ body: (inout TileSearcher) -> Void) {
        tiles.withUnsafeBufferPointer { tiles in
            slack.withUnsafeBufferPointer { slack in
                rows.withUnsafeBufferPointer { rows in
                    withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * neighbourCount) { heapDistances in
                        withUnsafeTemporaryAllocation(of: Int32.self, capacity: 4 * neighbourCount) { heapRows in
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * dimension) { minusTwo in
                                withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * dimension) { exact in
                                    withUnsafeTemporaryAllocation(of: UInt16.self,
                                                                  capacity: 4 * TileSearcher.tilesPerCall) { masks in
                                        withUnsafeTemporaryAllocation(of: BoundedNeighbourHeap.self, capacity: 4) { heaps in
                                            for j in 0 ..< 4 {
                                                (heaps.baseAddress! + j).initialize(to: BoundedNeighbourHeap(
                                                    capacity: neighbourCount,
                                                    squaredDistances: heapDistances.baseAddress! + j * neighbourCount,
                                                    rows: heapRows.baseAddress! + j * neighbourCount))
                                            }
                                            withUnsafeTemporaryAllocation(of: Float.self, capacity: 4) { thresholds in
                                                var searcher = TileSearcher(
                                                    index: self, tiles: tiles.baseAddress!, slack: slack.baseAddress!,
                                                    rows: rows.baseAddress!, minusTwo: minusTwo.baseAddress!,
                                                    exact: exact.baseAddress!, masks: masks.baseAddress!,
                                                    heaps: heaps.baseAddress!, thresholds: thresholds.baseAddress!)
                                                body(&searcher)
                                            }
                                            heaps.baseAddress!.deinitialize(count: 4)
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

/// One worker's scratch for `PointTiles` searches: four queries' heaps, their coordinates and screening thresholds.
struct TileSearcher {
    /// Most tiles screened per kernel call; the thresholds tighten between calls.
    static let tilesPerCall = 8

    let tiles: UnsafePointer<Float>
    let slack: UnsafePointer<Float>
    let rows: UnsafePointer<Int32>
    let dimension: Int
    let tileCount: Int
    let marginCoefficient: Double
    /// −2 × each query's coordinates, query after query, as the kernel reads them.
    let minusTwo: UnsafeMutablePointer<Float>
    /// Each query's coordinates, widened to double.
    let exact: UnsafeMutablePointer<Double>
    let masks: UnsafeMutablePointer<UInt16>
    /// The four queries' heaps.
    let heaps: UnsafeMutablePointer<BoundedNeighbourHeap>
    /// The four queries' screening thresholds, as the kernel reads them.
    let thresholds: UnsafeMutablePointer<Float>
    private var squaredNorms: SIMD4<Double> = .zero
    /// Tiles the next kernel call screens. Until the heaps are full every point passes, so a search starts with
    /// just enough tiles to fill them and doubles the call as the thresholds tighten.
    private var callSize = 1

    init(index: PointTiles, tiles: UnsafePointer<Float>, slack: UnsafePointer<Float>, rows: UnsafePointer<Int32>,
         minusTwo: UnsafeMutablePointer<Float>, exact: UnsafeMutablePointer<Double>, masks: UnsafeMutablePointer<UInt16>,
         heaps: UnsafeMutablePointer<BoundedNeighbourHeap>, thresholds: UnsafeMutablePointer<Float>) {
        self.tiles = tiles
        self.slack = slack
        self.rows = rows
        self.dimension = index.dimension
        self.tileCount = index.tileCount
        self.marginCoefficient = index.marginCoefficient
        self.minusTwo = minusTwo
        self.exact = exact
        self.masks = masks
        self.heaps = heaps
        self.thresholds = thresholds
    }

    /// Fills `heaps[j]` with the nearest points to query `members[j]` (at most four). Tiles in `seeds` are screened
    /// first, then every other tile once. Unused places of the four screen nothing.
    mutating func search(_ queries: FeatureMatrix, members: [Int], seeds: [Range<Int>]) {
        queries.values.withUnsafeBufferPointer { values in
            for j in 0 ..< 4 {
                heaps[j].removeAll()
                var norm = 0.0
                for feature in 0 ..< dimension {
                    let value = j < members.count ? values[members[j] * dimension + feature] : 0
                    minusTwo[j * dimension + feature] = -2 * value
                    exact[j * dimension + feature] = Double(value)
                    norm += Double(value) * Double(value)
                }
                squaredNorms[j] = norm
                thresholds[j] = j < members.count ? .infinity : -.infinity
            }
        }
        // The seeds, merged into disjoint ascending ranges.
        var seeded: [Range<Int>] = []
        for range in seeds.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = seeded.last, range.lowerBound <= last.upperBound {
                seeded[seeded.count - 1] = last.lowerBound ..< max(last.upperBound, range.upperBound)
            } else {
                seeded.append(range)
            }
        }
        callSize = min((heaps[0].capacity + PointTiles.tileSize - 1) / PointTiles.tileSize, Self.tilesPerCall)
        for range in seeded { screen(range) }
        var tile = 0
        for range in seeded {
            screen(tile ..< range.lowerBound)
            tile = range.upperBound
        }
        screen(tile ..< tileCount)
    }

    /// Screens `range` of tiles, `callSize` at a time, measuring and offering the points that pass.
    private mutating func screen(_ range: Range<Int>) {
        let stride = (dimension + 1) * PointTiles.tileSize
        var tile = range.lowerBound
        while tile < range.upperBound {
            let count = min(callSize, range.upperBound - tile)
            callSize = min(2 * callSize, Self.tilesPerCall)
            if vigil_screen_tiles4(tiles + tile * stride, count, dimension, minusTwo, thresholds, slack + tile, masks) != 0 {
                // A tile's four 16-bit masks read as one word (the kernel is x86's, little-endian): bit 16 j + s is
                // point s for query j. Unused places screen against minus infinity, so their bits are never set.
                let words = UnsafeRawPointer(masks)
                for t in 0 ..< count {
                    var bits = words.loadUnaligned(fromByteOffset: 8 * t, as: UInt64.self)
                    while bits != 0 {
                        let bit = bits.trailingZeroBitCount
                        bits &= bits &- 1
                        consider(query: bit >> 4, tile: tile + t, slot: bit & 15, stride: stride)
                    }
                }
            }
            tile += count
        }
    }

    /// Measures a screened point exactly (`exactSquaredDistance`, as the tree does) and offers it to query `j`'s heap.
    private mutating func consider(query j: Int, tile: Int, slot: Int, stride: Int) {
        let squaredDistance = exactSquaredDistance(exact + j * dimension, tiles + tile * stride + slot,
                                                   stride: PointTiles.tileSize, dimension: dimension)
        guard squaredDistance <= heaps[j].worstSquaredDistance else { return }
        heaps[j].offer(squaredDistance: squaredDistance, row: rows[tile * PointTiles.tileSize + slot])
        let worst = heaps[j].worstSquaredDistance
        guard worst.isFinite else { return }
        // Passing means |x|² − 2 q·x ≤ worst − |q|², widened by the rounding margin's query part (and the worst's, which
        // covers the kernel's own rounding of threshold + slack); the tile part is `slack`.
        let threshold = worst - squaredNorms[j] + marginCoefficient * (squaredNorms[j] + worst) + 1e-30
        thresholds[j] = Float(threshold).nextUp
    }
}
