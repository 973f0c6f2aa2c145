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
        return Double(sorted.count - first) / Double(sorted.count)
    }

    /// Where the first value above a probe lies in a level `count` long, given the first above it in the next level up.
    private static func stretch(below entry: Int, count: Int) -> Range<Int> {
        (entry == 0 ? 0 : (entry - 1) * stride + 1) ..< min(entry * stride, count)
    }

    /// The first position in `range` of ascending `values` whose value is above `value` (`range.upperBound` if none).
    private static func firstAbove(_ value: Double, in values: [Double], _ range: Range<Int>) -> Int {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = (low + high) / 2
            if values[mid] <= value { low = mid + 1 } else { high = mid }
        }
        return low
    }

    public func normalise(_ value: Double) -> Double {
        max(0, 1 - exceedance(value) / tail)
    }

    public func normalise(_ values: [Double]) -> [Double] {
        values.map(normalise)
    }
}
