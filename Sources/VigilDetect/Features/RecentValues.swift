/// The last `capacity` values of a stream, kept sorted, for a median and MAD of recent history in O(capacity)
/// per value instead of a sort.
struct RecentValues {
    let capacity: Int
    /// The same values in arrival order (a ring), to know which one leaves next.
    private var arrivals: [Double] = []
    private var oldest = 0
    private(set) var sorted: [Double] = []

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        arrivals.reserveCapacity(capacity)
        sorted.reserveCapacity(capacity)
    }

    var count: Int { sorted.count }

    mutating func add(_ value: Double) {
        if arrivals.count < capacity {
            arrivals.append(value)
        } else {
            let leaving = arrivals[oldest]
            arrivals[oldest] = value
            oldest = (oldest + 1) % capacity
            sorted.remove(at: Self.firstIndex(notBelow: leaving, in: sorted))
        }
        sorted.insert(value, at: Self.firstIndex(notBelow: value, in: sorted))
    }

    /// Median of the values (mean of the middle two for an even count); nil when empty.
    var median: Double? {
        guard !sorted.isEmpty else { return nil }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Median absolute deviation from `center`: the deviations on either side of it are already in order, so
    /// merging the two runs outward finds the middle ones without sorting.
    func medianAbsoluteDeviation(from center: Double) -> Double {
        let n = sorted.count
        guard n > 0 else { return 0 }
        var right = Self.firstIndex(notBelow: center, in: sorted)
        var left = right - 1
        var taken = 0
        var previous = 0.0
        let wanted = n / 2  // 0-based index of the upper middle deviation
        while true {
            let leftDeviation = left >= 0 ? center - sorted[left] : .infinity
            let rightDeviation = right < n ? sorted[right] - center : .infinity
            let next: Double
            if leftDeviation <= rightDeviation { next = leftDeviation; left -= 1 } else { next = rightDeviation; right += 1 }
            if taken == wanted { return n % 2 == 1 ? next : (previous + next) / 2 }
            previous = next
            taken += 1
        }
    }

    private static func firstIndex(notBelow value: Double, in values: [Double]) -> Int {
        var low = 0
        var high = values.count
        while low < high {
            let mid = (low + high) / 2
            if values[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

extension RecentValues {
    /// The `q`-quantile (0…1) of the values by linear interpolation between order statistics (numpy's default);
    /// nil when empty.
    func quantile(_ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = min(1, max(0, q)) * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(sorted.count - 1, below + 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }
}
