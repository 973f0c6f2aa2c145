/// The last `capacity` values of a stream, kept sorted, for a median and MAD of recent history in O(capacity)
/// per value instead of a sort: a `RecentSample` with its capacity fixed.
struct RecentValues: Sendable {
    let capacity: Int
    private(set) var sample = RecentSample()

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    var count: Int { sample.count }
    var sorted: [Double] { sample.sorted }

    mutating func add(_ value: Double) { sample.add(value, capacity: capacity) }

    var median: Double? { sample.median }

    func medianAbsoluteDeviation(from center: Double) -> Double { sample.medianAbsoluteDeviation(from: center) }

    func quantile(_ q: Double) -> Double? { sample.quantile(q) }
}
