import CVigilKernels

/// Puts a model's raw scores (Isolation Forest's anomaly score, LOF's factor: scales that mean nothing side by side)
/// on the scale the rules use: how far into the detector's own upper tail a transaction lies.
///
/// A transaction scored higher than all but a fraction `p` of the scored transactions gets
/// `max(0, 1 − p / tail)`: 0 outside the top `tail` share, rising linearly with rank to 1 at the very top. Ranks
/// (not raw values) make two detectors comparable whatever their units, and ties share the best rank of their
/// group, so equal raw scores always get equal normalised ones.
public struct TailScale: Sendable, Equatable {
    /// The share of transactions, at the top of the detector's ranking, that get a score above 0.
    public let tail: Double
    /// Raw scores, ascending.
    let sorted: [Double]
    /// Every `Self.stride`-th of `sorted`. A scale fitted on millions of scores is tens of megabytes, and a plain
    /// binary search over it misses the cache at most of its ~23 steps; this index (1/32 the size: 1.6 MB for
    /// 6.6 M scores, which stays in the last-level cache) is searched first, and then one 256-byte stretch of
    /// `sorted`. Live scoring looks up every model's scale per transaction.
    let index: [Double]
    /// Every `Self.stride`-th of `index` (52 KB for 6.6 M scores, in the core's own cache), searched before it, so the
    /// index's search reads one 256-byte stretch too instead of missing the cache at its last steps.
    let top: [Double]
    static let stride = 32

    public init(fitting raw: [Double], tail: Double) {
        self.init(ascending: raw.filter { !$0.isNaN }.sorted(), tail: tail)
    }

    init(ascending sorted: [Double], tail: Double) {
        precondition(tail > 0 && tail <= 1, "tail must be in (0, 1]")
        self.tail = tail
        self.sorted = sorted
        let index = Swift.stride(from: 0, to: sorted.count, by: Self.stride).map { sorted[$0] }
        self.index = index
        top = Swift.stride(from: 0, to: index.count, by: Self.stride).map { index[$0] }
    }

    /// The share of fitted scores strictly above `value`.
    public func exceedance(_ value: Double) -> Double {
        guard !sorted.isEmpty, !value.isNaN else { return 1 }
        // The first entry of each level above `value`, each found between the entries the level above brackets it
        // with: after the previous one (at most `value`) and no later than the one found.
        let upper = Self.firstAbove(value, in: top, 0 ..< top.count)
        let entry = Self.firstAbove(value, in: index, Self.stretch(below: upper, count: index.count))
        let first = Self.firstAbove(value, in: sorted, Self.stretch(below: entry, count: sorted.count))
        return exceedance(first: first)
    }

    /// The exceedance of a value with `first` fitted scores at most it: the one formula every lookup ends in.
    @inline(__always)
    private func exceedance(first: Int) -> Double {
        Double(sorted.count - first) / Double(sorted.count)
    }

    /// The lowest value whose `exceedance` is at most `share`: `exceedance(v) <= share` exactly when
    /// `v >= lowestValue(withExceedanceAtMost: share)` (NaN aside, whose exceedance is 1). Infinity where no value's is;
    /// minus infinity where every value's is.
    public func lowestValue(withExceedanceAtMost share: Double) -> Double {
        let count = sorted.count
        guard count > 0 else { return share >= 1 ? -.infinity : .infinity }
        // `exceedance` is (count − first) / count, `first` being how many fitted scores are at most the value; it falls
        // as `first` rises, so the least `first` that meets `share` is found by bisection, with the same arithmetic.
        var low = 0, high = count + 1
        while low < high {
            let mid = (low + high) / 2
            if exceedance(first: mid) <= share { high = mid } else { low = mid + 1 }
        }
        // No `first` up to `count` meets it; `first == 0` means every value (at least `share >= 1`).
        if low > count { return .infinity }
        return low == 0 ? -.infinity : sorted[low - 1]
    }

    /// Where the first value above a probe lies in a level `count` long, given the first above it in the next level up.
    private static func stretch(below entry: Int, count: Int) -> Range<Int> {
        (entry == 0 ? 0 : (entry - 1) * stride + 1) ..< min(entry * stride, count)
    }

    /// The first position in `range` of ascending `values` whose value is above `value` (`range.upperBound` if none).
    private static func firstAbove(_ value: Double, in values: [Double], _ range: Range<Int>) -> Int {
        values.withUnsafeBufferPointer { firstAbove(value, in: $0, range) }
    }

    @inline(__always)
    private static func firstAbove(_ value: Double, in values: UnsafeBufferPointer<Double>, _ range: Range<Int>) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = (low + high) / 2
            if values[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    public func normalise(_ value: Double) -> Double {
        normalised(exceedance: exceedance(value))
    }

    @inline(__always)
    private func normalised(exceedance: Double) -> Double {
        max(0, 1 - exceedance / tail)
    }

    public func normalise(_ values: [Double]) -> [Double] {
        values.map(normalise)
    }

    /// `normalise` of each of `values`, into `output`: the same numbers, looked up `Self.lookahead` values at a time.
    /// A scale fitted on millions of scores misses the cache at each level of every lookup; here each level's stretch
    /// is fetched for all the values of a group before any is searched, so that their misses overlap.
    public func normalise(_ values: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        precondition(output.count >= values.count, "room for every value")
        guard !sorted.isEmpty else {
            for (position, value) in values.enumerated() { output[position] = normalise(value) }
            return
        }
        top.withUnsafeBufferPointer { top in
            index.withUnsafeBufferPointer { index in
                sorted.withUnsafeBufferPointer { sorted in
                    withUnsafeTemporaryAllocation(of: Int.self, capacity: Self.lookahead) { found in
                        var start = 0
                        while start < values.count {
                            let group = min(Self.lookahead, values.count - start)
                            for j in 0 ..< group where !values[start + j].isNaN {
                                let upper = Self.firstAbove(values[start + j], in: top, 0 ..< top.count)
                                found[j] = upper
                                Self.prefetch(index, Self.stretch(below: upper, count: index.count))
                            }
                            for j in 0 ..< group where !values[start + j].isNaN {
                                let entry = Self.firstAbove(values[start + j], in: index,
                                                            Self.stretch(below: found[j], count: index.count))
                                found[j] = entry
                                Self.prefetch(sorted, Self.stretch(below: entry, count: sorted.count))
                            }
                            for j in 0 ..< group {
                                let value = values[start + j]
                                var share = 1.0
                                if !value.isNaN {
                                    share = exceedance(first: Self.firstAbove(value, in: sorted,
                                                                              Self.stretch(below: found[j], count: sorted.count)))
                                }
                                output[start + j] = normalised(exceedance: share)
                            }
                            start += group
                        }
                    }
                }
            }
        }
    }

    /// Values a batched lookup works on at once.
    static let lookahead = 16

    /// Fetches the cache lines of `range` in `values` ahead of a search.
    private static func prefetch(_ values: UnsafeBufferPointer<Double>, _ range: Range<Int>) {
        guard !range.isEmpty, let base = values.baseAddress else { return }
        for offset in Swift.stride(from: range.lowerBound, to: range.upperBound, by: 8) { vigil_prefetch(base + offset) }
        vigil_prefetch(base + range.upperBound - 1)
    }
}
