/// Isolation trees re-laid as complete binary trees, for scoring.
///
/// A tree of height h becomes 2^h − 1 splits in level order (the children of split i are 2i + 1 and 2i + 2) and 2^h
/// leaf slots. A leaf shallower than h is extended by splits that send every row left, down to a slot holding its
/// path length. Walking a row is then exactly h steps of `i = 2i + 1 + (value > threshold)`: no child pointers to
/// load, no test for having arrived, no branch to mispredict. The growth rule bounds h by ⌈log₂ ψ⌉, so 2^h < 2ψ and
/// the layout is no larger than the grown tree's own nodes.
struct CompleteForest: Sendable, Hashable {
    struct Split: Sendable, Hashable {
        /// Where the split's feature starts in a column-major block: feature × `blockRows`.
        var featureOffset: Int32
        var threshold: Float
    }

    /// Rows scored together: small enough that their values (column-major, so all rows' values of one feature are
    /// contiguous) stay in L1 while every tree passes over them.
    static let blockRows = 256

    /// Every tree's splits, tree after tree.
    let splits: [Split]
    /// Every tree's leaf slots (its depth plus c(sample count), repeated across the slots a shallow leaf covers).
    let pathLengths: [Double]
    let splitStarts: [Int]
    let leafStarts: [Int]
    let heights: [Int]

    init(_ trees: [IsolationTree]) {
        var splits: [Split] = []
        var pathLengths: [Double] = []
        var splitStarts: [Int] = []
        var leafStarts: [Int] = []
        for tree in trees {
            splitStarts.append(splits.count)
            leafStarts.append(pathLengths.count)
            let splitCount = (1 << tree.height) - 1
            var treeSplits = [Split](repeating: Split(featureOffset: 0, threshold: .infinity), count: splitCount)
            var treePathLengths = [Double](repeating: 0, count: splitCount + 1)
            // (node in the grown tree, slot in the complete tree); an extended leaf occupies its whole subtree.
            var pending = [(node: 0, slot: 0)]
            while let (node, slot) = pending.popLast() {
                if slot >= splitCount {
                    treePathLengths[slot - splitCount] = tree.pathLengths[node]
                    continue
                }
                let grown = tree.nodes[node]
                if grown.isLeaf {
                    pending.append((node, 2 * slot + 1))
                    pending.append((node, 2 * slot + 2))
                } else {
                    treeSplits[slot] = Split(featureOffset: grown.feature * Int32(Self.blockRows),
                                             threshold: grown.threshold)
                    pending.append((Int(grown.firstChild), 2 * slot + 1))
                    pending.append((Int(grown.firstChild) + 1, 2 * slot + 2))
                }
            }
            splits.append(contentsOf: treeSplits)
            pathLengths.append(contentsOf: treePathLengths)
        }
        self.splits = splits
        self.pathLengths = pathLengths
        self.splitStarts = splitStarts
        self.leafStarts = leafStarts
        self.heights = trees.map(\.height)
    }

    var treeCount: Int { heights.count }

    /// Adds every tree's h(x), in tree order, to `sums` for each of `rowCount` (at most `blockRows`) rows whose values
    /// are stored column-major in `block`, feature after feature, `blockRows` apart.
    ///
    /// Trees are the outer loop so that one tree's few kilobytes stay in L1 while it passes over the block. Eight
    /// rows walk a tree together with their positions in registers: each step waits on two dependent loads (the
    /// split, then the row's value of its feature), and eight independent walks let the processor overlap those
    /// waits. Column-major values let all eight address their value from one base and the split's stored offset,
    /// leaving enough registers that nothing spills.
    func accumulatePathLengths(rowCount: Int, block: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Double>) {
        splits.withUnsafeBufferPointer { allSplits in
            pathLengths.withUnsafeBufferPointer { allPathLengths in
                for tree in 0 ..< treeCount {
                    let splits = allSplits.baseAddress! + splitStarts[tree]
                    let leaves = allPathLengths.baseAddress! + leafStarts[tree] - ((1 << heights[tree]) - 1)
                    let height = heights[tree]
                    @inline(__always) func step(_ slot: Int, _ row: UnsafePointer<Float>) -> Int {
                        let split = splits[slot]
                        // value > threshold exactly when threshold − value is negative: for distinct floats the
                        // difference is never zero, and rounding keeps its sign. Taking the sign bit keeps the
                        // step free of comparisons, which the compiler would otherwise turn into a branch that
                        // mispredicts half the time. (Under a padding split, +∞ − +∞ is NaN and may go right,
                        // but both sides of a padding split lead to the same path length.)
                        let difference = split.threshold - row[Int(split.featureOffset)]
                        return 2 &* slot &+ 1 &+ Int(difference.bitPattern >> 31)
                    }
                    var row = 0
                    while row + 8 <= rowCount {
                        let rows = block + row
                        var (s0, s1, s2, s3, s4, s5, s6, s7) = (0, 0, 0, 0, 0, 0, 0, 0)
                        for _ in 0 ..< height {
                            s0 = step(s0, rows)
                            s1 = step(s1, rows + 1)
                            s2 = step(s2, rows + 2)
                            s3 = step(s3, rows + 3)
                            s4 = step(s4, rows + 4)
                            s5 = step(s5, rows + 5)
                            s6 = step(s6, rows + 6)
                            s7 = step(s7, rows + 7)
                        }
                        sums[row] += leaves[s0]
                        sums[row + 1] += leaves[s1]
                        sums[row + 2] += leaves[s2]
                        sums[row + 3] += leaves[s3]
                        sums[row + 4] += leaves[s4]
                        sums[row + 5] += leaves[s5]
                        sums[row + 6] += leaves[s6]
                        sums[row + 7] += leaves[s7]
                        row += 8
                    }
                    while row < rowCount {
                        var slot = 0
                        for _ in 0 ..< height { slot = step(slot, block + row) }
                        sums[row] += leaves[slot]
                        row += 1
                    }
                }
            }
        }
    }
}
