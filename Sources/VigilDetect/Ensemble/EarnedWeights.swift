import Foundation

/// How much of its configured weight each detector has earned on a store, without labels: the share of it that the
/// detector's own top tail agrees with the other detectors' evidence beyond chance.
///
/// A detector that carries signal on a store flags transactions that other, independent detectors also find
/// suspicious far more often than chance; one that carries none (a model on features that tell nothing there, a
/// rule whose pattern the store's genuine clients follow) flags transactions the others find ordinary. For each
/// detector `d`:
/// - its top tail `T` is the rows where it scores above 0 and within the top `topShare` of its own ranking;
/// - the reference `A` is the rows within the top `topShare` of the evidence of the detectors that judge `d`, with
///   their configured weights: for a rule every other detector, for a model the rules only (the models read one
///   feature matrix and agree with each other whatever it holds, so they cannot vouch for each other);
/// - its lift is `(|T ∩ A| + c · fullLift) / (|T| · |A| / n + c)`: how many times more of its tail lies in the
///   reference than chance puts there, starting from `c` rows' worth of chance at full lift, so that the configured
///   weight stands until the store shows otherwise: a rule that fired a dozen times touches too few rows to dilute
///   anything and too few to be judged, and keeps most of its weight;
/// - its share is `ln(lift) / ln(fullLift)` clamped to [0, 1]: none at chance or below, all of it from `fullLift` up.
///
/// A detector's weight in the ensemble is its configured weight times its share, so weights are only ever lowered
/// and a reason's contribution is still its weight times its score. A detector that never scored above 0, or that
/// has no reference (nothing else ran), keeps its whole weight: there is nothing to judge it by. The fit is pure and
/// deterministic (no sampling, no threads), so the same scores always earn the same shares.
public struct EarnedWeights: Sendable, Equatable {
    public struct Parameters: Sendable, Equatable {
        /// The share of rows, from the top, that makes a detector's tail and its reference.
        public var topShare = 0.01
        /// The lift at which a detector keeps its whole weight; at 1 (chance) it keeps none.
        public var fullLift = 10.0
        /// Rows' worth of chance agreement, at full lift, that every detector starts from (see the type's notes).
        public var pseudoCount = 1.0

        public init() {}
    }

    /// What was found for one detector.
    public struct Fit: Sendable, Equatable {
        public var detector: Detector
        /// Rows in its top tail, and how many of them are in its reference.
        public var tail: Int
        public var agreeing: Int
        /// Rows in its reference.
        public var reference: Int
        public var lift: Double
        /// The share of its configured weight it keeps, in [0, 1].
        public var share: Double
    }

    /// Each judged detector's share of its weight, in detector order.
    public var fits: [Fit]

    public init(fits: [Fit] = []) {
        self.fits = fits.sorted { $0.detector < $1.detector }
    }

    /// The share of its weight `detector` keeps: 1 where it was not judged.
    public func share(_ detector: Detector) -> Double {
        fits.first { $0.detector == detector }?.share ?? 1
    }

    /// Each judged detector's share: what the fitted detectors store.
    public var shares: [Detector: Double] {
        Dictionary(uniqueKeysWithValues: fits.map { ($0.detector, $0.share) })
    }

    /// `ensemble` with each detector's weight times its share.
    public func applied(to ensemble: Ensemble) -> Ensemble {
        Self.applying(shares, to: ensemble)
    }

    /// `ensemble` with each detector's weight times its share in `shares` (1 where it has none): the one place a scan
    /// and live scoring turn configured weights into earned ones.
    public static func applying(_ shares: [Detector: Double], to ensemble: Ensemble) -> Ensemble {
        var weights = ensemble.weights
        for (detector, weight) in ensemble.weights { weights[detector] = weight * (shares[detector] ?? 1) }
        return Ensemble(weights: weights)
    }

    /// One detector's scores over a scan's rows: every row's (`dense`, a model's normalised scores) or the rows it
    /// flagged (`rows` ascending, with `values`).
    public struct Column: Sendable {
        var rows: [Int]?
        var values: [Double]

        public init(dense: [Double]) {
            rows = nil
            values = dense
        }

        public init(rows: [Int], values: [Double]) {
            precondition(rows.count == values.count, "one value per row")
            self.rows = rows
            self.values = values
        }

        /// Calls `body(row, value)` for every row with a value above 0, in row order.
        func forEachPositive(_ body: (Int, Double) -> Void) {
            if let rows {
                for (row, value) in zip(rows, values) where value > 0 { body(row, value) }
            } else {
                for (row, value) in values.enumerated() where value > 0 { body(row, value) }
            }
        }
    }

    /// The columns of a scan: each model's normalised scores, and each rule's hits.
    public static func columns(dense: [Detector: [Double]], hits: [RuleHit]) -> [Detector: Column] {
        var columns: [Detector: Column] = [:]
        for (detector, values) in dense { columns[detector] = Column(dense: values) }
        let ordered = zip(hits, hits.dropFirst()).allSatisfy { $0.row <= $1.row } ? hits : hits.sorted { $0.row < $1.row }
        for (detector, mine) in Dictionary(grouping: ordered, by: \.detector) {
            columns[detector] = Column(rows: mine.map(\.row), values: mine.map(\.score))
        }
        return columns
    }

    /// Fits the shares of the detectors in `columns` over `rowCount` rows, judged with `ensemble`'s weights; detectors
    /// without weight are not judged.
    public static func fit(rowCount: Int, columns: [Detector: Column], ensemble: Ensemble,
                           parameters: Parameters = Parameters()) -> EarnedWeights {
        let weighted = columns.keys.filter { ensemble.weight($0) > 0 }.sorted()
        guard rowCount > 0 else { return EarnedWeights() }
        let top = max(1, Int((parameters.topShare * Double(rowCount)).rounded(.up)))
        var fits: [Fit] = []
        var reference = [Double](repeating: 0, count: rowCount)
        for detector in weighted {
            // The reference evidence: the detectors that judge this one, added in detector order.
            for row in reference.indices { reference[row] = 0 }
            var judges = 0
            for other in weighted where other != detector && (detector.isModel ? !other.isModel : true) {
                let weight = ensemble.weight(other)
                columns[other]!.forEachPositive { row, value in reference[row] += weight * value }
                judges += 1
            }
            let own = columns[detector]!
            var tailValues: [Double] = []
            own.forEachPositive { _, value in tailValues.append(value) }
            guard judges > 0, !tailValues.isEmpty else { continue }
            let tailFrom = largest(top, of: &tailValues)
            var positives = reference.filter { $0 > 0 }
            guard !positives.isEmpty else { continue }
            let referenceFrom = largest(top, of: &positives)
            let referenceCount = reference.reduce(0) { $0 + ($1 >= referenceFrom && $1 > 0 ? 1 : 0) }
            var tail = 0, agreeing = 0
            own.forEachPositive { row, value in
                guard value >= tailFrom else { return }
                tail += 1
                if reference[row] >= referenceFrom && reference[row] > 0 { agreeing += 1 }
            }
            let chance = Double(tail) * Double(referenceCount) / Double(rowCount)
            let lift = (Double(agreeing) + parameters.pseudoCount * parameters.fullLift) / (chance + parameters.pseudoCount)
            let share = min(1, max(0, log(lift) / log(parameters.fullLift)))
            fits.append(Fit(detector: detector, tail: tail, agreeing: agreeing, reference: referenceCount, lift: lift, share: share))
        }
        return EarnedWeights(fits: fits)
    }

    /// The `k`-th largest of `values` (the smallest when there are fewer), found by selection; `values` is reordered.
    static func largest(_ k: Int, of values: inout [Double]) -> Double {
        precondition(!values.isEmpty)
        // The (count − k)-th smallest, by quickselect with a median-of-three pivot: deterministic, linear on average.
        let target = max(0, values.count - k)
        var low = 0, high = values.count - 1
        while low < high {
            let mid = low + (high - low) / 2
            let pivot = Swift.max(Swift.min(values[low], values[mid]), Swift.min(Swift.max(values[low], values[mid]), values[high]))
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if target <= j { high = j } else if target >= i { low = i } else { break }
        }
        return values[target]
    }
}
