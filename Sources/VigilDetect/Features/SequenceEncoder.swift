import Foundation
import VigilCore

/// Turns client-ordered transactions into the LSTM's steps: one sequence per client, one step per transaction, each
/// step's numeric inputs and category, and the targets the step before it is asked to predict.
///
/// Every transform is fixed (no statistics fitted to the data), so a model trained on one store encodes another
/// store's, or a live transaction, the same way; only the category vocabulary is learned, and it is saved with the
/// model. Unknown categories share one extra id.
///
/// Inputs, in `numericNames` order: log1p of the amount in major units over 5; 1 for a refund; log1p of the minutes
/// since the client's previous transaction over 10 (0 at the first); sine and cosine of the UTC hour and of the
/// weekday; log1p of the km from home and from the previous placed transaction, over 5 (0 where unknown); 1 when the
/// merchant's place is known; 1 for an online transaction. Targets: log1p of the amount in major units, and log1p of
/// the minutes since the previous transaction over 4 (NaN at a client's first transaction, which has none).
public struct SequenceEncoder: Codable, Sendable, Equatable {
    public static let numericNames = [
        "log_amount", "refund", "log_gap", "hour_sin", "hour_cos", "weekday_sin", "weekday_cos",
        "log_km_home", "log_km_previous", "placed", "online",
    ]
    /// The most category names a vocabulary keeps; the rest share the "other" id.
    public static let maximumCategories = 255
    static let gapTargetScale: Float = 4

    /// The vocabulary: category `i` is `categoryNames[i]`; id `categoryNames.count` is every other category.
    public var categoryNames: [String]

    public init(categoryNames: [String]) {
        self.categoryNames = Array(categoryNames.prefix(Self.maximumCategories))
    }

    /// A vocabulary of `names` in name order (deterministic whatever order a store lists them in).
    public static func fitting(_ names: [String]) -> SequenceEncoder {
        SequenceEncoder(categoryNames: Array(Set(names)).sorted())
    }

    /// Category ids, the "other" id included.
    public var categoryCount: Int { categoryNames.count + 1 }

    /// The id of each of `names` in this vocabulary.
    func ids(of names: [String]) -> [Int32] {
        let index = Dictionary(categoryNames.enumerated().map { ($1, Int32($0)) }, uniquingKeysWith: { first, _ in first })
        return names.map { index[$0] ?? Int32(categoryNames.count) }
    }

    /// The name of category id `id` ("other" for the shared id).
    public func categoryName(_ id: Int32) -> String {
        categoryNames.indices.contains(Int(id)) ? categoryNames[Int(id)] : "other"
    }

    public static func amountTarget(minorUnits: Int64) -> Float { Float(log1p(Double(minorUnits.magnitude) / 100)) }
    /// The amount in major units a `logAmount` target stands for.
    public static func amount(fromTarget value: Float) -> Double { expm1(Double(max(0, value))) }
    public static func gapTarget(seconds: Int64) -> Float { Float(log1p(Double(max(0, seconds)) / 60)) / gapTargetScale }
    /// The seconds a `logGap` target stands for.
    public static func gapSeconds(fromTarget value: Float) -> Double { expm1(Double(max(0, value * gapTargetScale))) * 60 }

    /// The steps of every client in `columns`, one sequence each, in row order.
    public func encode(_ columns: TransactionColumns) -> SequenceSteps {
        let width = Self.numericNames.count
        var steps = SequenceSteps(inputWidth: width)
        steps.reserveCapacity(columns.count)
        let categoryIDs = ids(of: columns.categoryNames)
        for client in 0..<columns.clientCount {
            var state = ClientState()
            for row in columns.rows(ofClient: client) {
                let category = columns.categories[row]
                let id = categoryIDs.indices.contains(Int(category)) ? categoryIDs[Int(category)] : Int32(categoryNames.count)
                encode(TransactionEvent(row: row, of: columns), categoryID: id, state: &state, into: &steps)
            }
            steps.starts.append(steps.logAmount.count)
        }
        return steps
    }

    /// What a client's earlier transactions leave behind for the encoding of the next one.
    public struct ClientState: Sendable, Equatable, Codable {
        var previousInstant: Int64?
        var previousLatitude: Double?
        var previousLongitude: Double?

        public init() {}
    }

    /// The id of category `name` in this vocabulary (the "other" id when it is not in it).
    public func id(ofCategory name: String) -> Int32 {
        categoryNames.firstIndex(of: name).map { Int32($0) } ?? Int32(categoryNames.count)
    }

    /// Appends the step of `event` (the client's next transaction, whose category has id `categoryID` in this
    /// vocabulary) to `steps`, without ending a sequence, and takes `event` into `state`.
    public func encode(_ event: TransactionEvent, categoryID: Int32, state: inout ClientState, into steps: inout SequenceSteps) {
        let minor = event.amountMinor
        let instant = event.instant
        let gap = state.previousInstant.map { instant - $0 }
        let c = CivilTime.components(instant)
        let hour = Double(c.hour) + Double(c.minute) / 60
        let home = (event.homeLatitude, event.homeLongitude)
        let place = (event.merchantLatitude, event.merchantLongitude)
        let placed = place.0.isFinite && place.1.isFinite
        let kmHome = placed && home.0.isFinite && home.1.isFinite ? Self.km(home, place) : nil
        var kmPrevious: Double?
        if placed, let latitude = state.previousLatitude, let longitude = state.previousLongitude {
            kmPrevious = Self.km((latitude, longitude), place)
        }
        let amountTarget = Self.amountTarget(minorUnits: minor)
        // One append per input: an array literal per row would allocate millions of times.
        steps.numeric.append(amountTarget / 5)
        steps.numeric.append(minor < 0 ? 1 : 0)
        steps.numeric.append(gap.map { Float(log1p(Double(max(0, $0)) / 60)) / 10 } ?? 0)
        steps.numeric.append(Float(sin(2 * .pi * hour / 24)))
        steps.numeric.append(Float(cos(2 * .pi * hour / 24)))
        steps.numeric.append(Float(sin(2 * .pi * Double(c.weekday) / 7)))
        steps.numeric.append(Float(cos(2 * .pi * Double(c.weekday) / 7)))
        steps.numeric.append(kmHome.map { Float(log1p($0)) / 5 } ?? 0)
        steps.numeric.append(kmPrevious.map { Float(log1p($0)) / 5 } ?? 0)
        steps.numeric.append(placed ? 1 : 0)
        steps.numeric.append(event.channel == .online ? 1 : 0)
        steps.categories.append(categoryID)
        steps.logAmount.append(amountTarget)
        steps.logGap.append(gap.map { Self.gapTarget(seconds: $0) } ?? .nan)
        steps.kmHome.append(kmHome.map(Float.init) ?? .nan)
        state.previousInstant = instant
        if placed {
            state.previousLatitude = place.0
            state.previousLongitude = place.1
        }
    }

    static func km(_ a: (Double, Double), _ b: (Double, Double)) -> Double {
        GeoPoint(latitude: a.0, longitude: a.1).distanceKm(to: GeoPoint(latitude: b.0, longitude: b.1))
    }
}

/// Encoded steps of many sequences, concatenated: the LSTM's `SequenceData` plus what reasons need.
public struct SequenceSteps: Sendable, Equatable {
    public var inputWidth: Int
    public var numeric: [Float] = []
    public var categories: [Int32] = []
    public var logAmount: [Float] = []
    public var logGap: [Float] = []
    /// Km from home of each step's merchant, NaN where unknown (for reasons: how far the client usually goes).
    public var kmHome: [Float] = []
    public var starts: [Int] = [0]

    public init(inputWidth: Int) { self.inputWidth = inputWidth }

    public var count: Int { logAmount.count }
    public var sequenceCount: Int { starts.count - 1 }

    /// Empties the steps, keeping the arrays' storage for the next ones.
    public mutating func removeAll() {
        numeric.removeAll(keepingCapacity: true)
        categories.removeAll(keepingCapacity: true)
        logAmount.removeAll(keepingCapacity: true)
        logGap.removeAll(keepingCapacity: true)
        kmHome.removeAll(keepingCapacity: true)
        starts.removeAll(keepingCapacity: true)
        starts.append(0)
    }

    public mutating func reserveCapacity(_ steps: Int) {
        numeric.reserveCapacity(steps * inputWidth)
        categories.reserveCapacity(steps)
        logAmount.reserveCapacity(steps)
        logGap.reserveCapacity(steps)
        kmHome.reserveCapacity(steps)
    }

    /// Appends `other`'s sequences after these.
    public mutating func append(_ other: SequenceSteps) {
        precondition(other.inputWidth == inputWidth, "steps of different widths")
        let offset = count
        numeric += other.numeric
        categories += other.categories
        logAmount += other.logAmount
        logGap += other.logGap
        kmHome += other.kmHome
        starts += other.starts.dropFirst().map { $0 + offset }
    }

    /// The sequences `indices` (in that order), as their own steps.
    public func sequences(_ indices: [Int]) -> SequenceSteps {
        var out = SequenceSteps(inputWidth: inputWidth)
        for s in indices {
            let range = starts[s]..<starts[s + 1]
            out.numeric += numeric[(range.lowerBound * inputWidth)..<(range.upperBound * inputWidth)]
            out.categories += categories[range]
            out.logAmount += logAmount[range]
            out.logGap += logGap[range]
            out.kmHome += kmHome[range]
            out.starts.append(out.count)
        }
        return out
    }

    /// The LSTM's view of these steps.
    public var data: SequenceData {
        SequenceData(numeric: numeric, categories: categories, logAmount: logAmount, logGap: logGap, starts: starts)
    }

    /// Whole sequences, chosen by `seed`, until about `limit` steps, in index order: what a model trains on.
    public func sequences(upTo limit: Int, seed: UInt64) -> [Int] {
        var order = Array(0..<sequenceCount)
        var random = SeededRandom(seed: seed, stream: 0x4C53544D)  // "LSTM"
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, random.nextInt(below: i + 1)) }
        var chosen: [Int] = []
        var total = 0
        for s in order where total < limit {
            chosen.append(s)
            total += starts[s + 1] - starts[s]
        }
        return chosen.sorted()
    }

    /// The first step of the sequence holding `step` (the last start at or before it).
    public func sequenceStart(of step: Int) -> Int {
        var low = 0, high = starts.count - 1
        while low < high - 1 {
            let mid = (low + high) / 2
            if starts[mid] <= step { low = mid } else { high = mid }
        }
        return starts[low]
    }

    /// The median km from home over up to `last` placed steps before `step` in its sequence, nil without any.
    public func usualKmHome(before step: Int, last: Int = 50) -> Double? {
        let first = max(sequenceStart(of: step), step - last)
        let values = kmHome[first..<step].filter { !$0.isNaN }.sorted()
        guard !values.isEmpty else { return nil }
        return Double(values[values.count / 2])
    }
}
