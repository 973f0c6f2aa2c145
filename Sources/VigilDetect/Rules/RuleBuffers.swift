import VigilCore

extension Array where Element: Comparable {
    /// In an ascending array, the position of the first element not below `value` (`count` when every one is):
    /// where `value` would be inserted to keep the order, found by binary search.
    func firstIndex(notBelow value: Element) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if self[mid] < value { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

/// A behavioural rule that judges a client's transactions one at a time from a per-client `State`: live scoring steps
/// it as transactions arrive, and the batch pass is the same step over each client's rows.
public protocol ClientRule: Sendable {
    associatedtype State: ClientRuleState
    associatedtype Finding: Sendable, Equatable

    /// Judges `event` (the client's next transaction, in time order) against the client's earlier ones in `state`,
    /// then takes it into `state`; `row` is carried into the finding.
    func step(_ event: TransactionEvent, row: Int, state: inout State) -> Finding?
}

/// What a rule carries from one of a client's transactions to the next: savable (live scoring keeps it between
/// arrivals), and empty for a client with no transactions yet.
public protocol ClientRuleState: Sendable, Equatable, Codable {
    init()
}

extension ClientRule {
    /// Findings for client `client` of `columns` (rows in time order), one per flagged transaction: `step` over the
    /// client's rows from an empty state.
    public func findings(client: Int, of columns: TransactionColumns) -> [Finding] {
        var found: [Finding] = []
        var state = State()
        for row in columns.rows(ofClient: client) {
            if let finding = step(TransactionEvent(row: row, of: columns), row: row, state: &state) { found.append(finding) }
        }
        return found
    }
}

/// The last values of a stream (as many as the rule that owns it keeps), kept sorted for quantiles in O(count) per
/// value instead of a sort: the rules' bounded memory of a client's recent amounts, spends or distances.
///
/// Also the features' `RecentValues` (a fixed capacity over this). A value a rule's state can save and load: it
/// encodes the values oldest first and sorts them again when decoded, and two samples are equal when they hold
/// the same values in the same arrival order.
struct RecentSample: Sendable, Codable, Equatable {
    /// The values in arrival order (a ring once full), to know which one leaves next.
    private var arrivals: [Double] = []
    private var oldest = 0
    private(set) var sorted: [Double] = []

    init() {}

    var count: Int { sorted.count }

    /// Adds `value`; when `capacity` values are already kept, the oldest leaves.
    mutating func add(_ value: Double, capacity: Int) {
        if arrivals.count < capacity {
            if arrivals.isEmpty {
                arrivals.reserveCapacity(capacity)
                sorted.reserveCapacity(capacity)
            }
            arrivals.append(value)
        } else {
            let leaving = arrivals[oldest]
            arrivals[oldest] = value
            oldest = (oldest + 1) % arrivals.count
            sorted.remove(at: sorted.firstIndex(notBelow: leaving))
        }
        sorted.insert(value, at: sorted.firstIndex(notBelow: value))
    }

    /// The values oldest first.
    var inArrivalOrder: [Double] { Array(arrivals[oldest...] + arrivals[..<oldest]) }

    /// The `q`-quantile (0…1) by linear interpolation between order statistics (numpy's default); nil when empty.
    func quantile(_ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = min(1, max(0, q)) * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(sorted.count - 1, below + 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
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
        var right = sorted.firstIndex(notBelow: center)
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

    init(from decoder: any Decoder) throws {
        arrivals = try decoder.singleValueContainer().decode([Double].self)
        sorted = arrivals.sorted()
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(inArrivalOrder)
    }

    static func == (lhs: RecentSample, rhs: RecentSample) -> Bool {
        lhs.count == rhs.count && lhs.inArrivalOrder == rhs.inArrivalOrder
    }
}

/// A first-in first-out queue for a look-back window: a rule appends each transaction and drops the front as it
/// leaves the window, so the queue holds only the window. Encoded as its elements, front first.
struct WindowQueue<Element: Sendable & Codable & Equatable>: Sendable, Codable, Equatable {
    private var storage: [Element] = []
    /// Elements before `head` have left; they are dropped from the storage now and then, not one by one.
    private var head = 0

    init() {}

    var count: Int { storage.count - head }
    var isEmpty: Bool { head == storage.count }
    var first: Element? { head < storage.count ? storage[head] : nil }
    var elements: ArraySlice<Element> { storage[head...] }

    mutating func append(_ element: Element) {
        if head > 0 && head == storage.count {
            // Empty (as a quiet client's window mostly is): start again at the front of the storage.
            storage[0] = element
            if storage.count > 1 { storage.removeSubrange(1...) }
            head = 0
            return
        }
        if head >= 32 && head * 2 >= storage.count {
            storage.removeSubrange(..<head)
            head = 0
        }
        storage.append(element)
    }

    /// Drops elements from the front while `leaves` says they have left the window.
    mutating func dropFirst(while leaves: (Element) -> Bool) {
        while head < storage.count && leaves(storage[head]) { head += 1 }
    }

    init(from decoder: any Decoder) throws {
        storage = try decoder.singleValueContainer().decode([Element].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Array(elements))
    }

    static func == (lhs: WindowQueue, rhs: WindowQueue) -> Bool { lhs.elements.elementsEqual(rhs.elements) }
}
