import Foundation

/// Fraud on a compromised card comes in sprees: once a card is in the wrong hands it is used several times within a
/// day or two. A transaction that is itself suspicious, on a card that had suspicious transactions shortly before,
/// is more likely fraud than either alone; so is a quiet one that follows them.
///
/// `own` is a transaction's evidence from every detector, and `floor` the evidence an alert needs (the alert
/// threshold's). The spree remembers the same client's transactions above the floor in the `window` before it:
/// - A transaction above the floor gains `weight × Σ min(own − floor, earlier − floor)` over the `most` (3) most
///   suspicious remembered ones. Each adds at most the transaction's own excess again (weight 1), so a card with
///   several alert-worthy transactions in a day outranks one with a single pair; the cap keeps a client who is
///   always busy (dozens of middling transactions a day) from outranking every clear case.
/// - A transaction at or below the floor (the spree's context) is drawn towards the floor but never reaches it:
///   `floor − (floor − own) × exp(−g / (floor − own))` with `g = context × min(own, earlier − floor)`, `earlier` the
///   largest remembered evidence. It ranks above ordinary transactions with the same evidence of their own, and never becomes an
///   alert by the spree alone (every transaction has some evidence from the models, so lifting them past the floor
///   would flood the queue); with no evidence of its own it gains nothing.
///
/// So the set of alert-worthy transactions never changes, only their order and that of the rest. Only the detectors'
/// own evidence is remembered, never a boosted one, so a spree cannot feed on itself. Causal: each transaction is
/// judged against earlier ones only, so a scan and live scoring give the same boost.
public struct Spree: Sendable, Equatable {
    /// How far back an earlier transaction counts, in seconds; 0 turns the spree off.
    public var windowSeconds: Int64
    /// The share of each smaller excess added to a transaction above the floor.
    public var weight: Double
    /// How strongly a transaction at or below the floor is drawn towards it (0: not at all).
    public var context: Double
    /// How many earlier transactions, the most suspicious, add to one above the floor.
    public var most: Int
    /// The evidence a transaction needs before it takes part: the alert threshold's.
    public var floor: Double

    /// The most a transaction at or below the floor can reach: just under it, on the score's scale as well (the
    /// alert score `1 − exp(−evidence)` of `floor` itself is the threshold, and one ulp below could round onto it).
    public var contextCeiling: Double { floor - max(1e-9, floor * 1e-9) }

    public init(hours: Double, weight: Double, floor: Double, context: Double = 0, most: Int = 3) {
        precondition(most >= 1, "at least one earlier transaction counts")
        windowSeconds = Int64((hours * 3600).rounded())
        self.weight = weight
        self.floor = floor
        self.context = context
        self.most = most
    }

    public var isOn: Bool { windowSeconds > 0 && (weight > 0 || context > 0) }

    /// One of the client's earlier transactions, as the spree remembers it.
    public struct Earlier: Sendable, Equatable, Codable {
        public var instant: Int64
        /// Its evidence from every detector, before any spree.
        public var evidence: Double
        /// What the caller knows it by (a transaction id, or a row).
        public var key: Int64

        public init(instant: Int64, evidence: Double, key: Int64) {
            self.instant = instant
            self.evidence = evidence
            self.key = key
        }
    }

    /// What the spree remembers of one client: their transactions above the floor in the window before the newest,
    /// in order (no other can ever be the one a later transaction follows).
    public struct State: Sendable, Equatable, Codable {
        public var recent: [Earlier] = []
        public init() {}
    }

    /// A transaction's spree evidence and the earlier transactions it follows.
    public struct Finding: Sendable, Equatable {
        public var boost: Double
        /// The most suspicious of them (of equals, the latest): the one a reason quotes.
        public var after: Earlier
        /// How many suspicious transactions of the client's it follows within the window.
        public var earlier: Int
        /// Whether the transaction is itself above the floor (otherwise the boost is the context's).
        public var aboveFloor: Bool
    }

    /// The spree evidence of a transaction at `instant` whose detectors gave `evidence`, judged against `state`,
    /// which then remembers it if its evidence is above the floor. Nil when the spree is off, no earlier transaction
    /// within the window had evidence above the floor, or the part that would apply (weight above the floor, context
    /// at or below it) is 0.
    public func step(_ state: inout State, instant: Int64, evidence: Double, key: Int64) -> Finding? {
        guard isOn else { return nil }
        // Forget what fell out of the window (the client's transactions come in time order).
        var expired = 0
        while expired < state.recent.count && instant - state.recent[expired].instant > windowSeconds { expired += 1 }
        if expired > 0 { state.recent.removeFirst(expired) }
        // The most suspicious earlier one; of equals, the latest.
        var best: Earlier?
        for earlier in state.recent where earlier.evidence >= (best?.evidence ?? floor) { best = earlier }
        let count = state.recent.count
        guard evidence > floor else {
            guard let best, context > 0 else { return nil }
            let gain = contextGain(own: evidence, earlier: best.evidence)
            return gain > 0 ? Finding(boost: gain, after: best, earlier: count, aboveFloor: false) : nil
        }
        var boost = 0.0
        if count <= most {
            for earlier in state.recent { boost += self.boost(own: evidence, earlier: earlier.evidence) }
        } else {
            // The `most` largest earlier evidences, summed largest first (whatever their order in time).
            let largest = state.recent.map(\.evidence).sorted(by: >).prefix(most)
            for earlier in largest { boost += self.boost(own: evidence, earlier: earlier) }
        }
        state.recent.append(Earlier(instant: instant, evidence: evidence, key: key))
        guard let best, weight > 0 else { return nil }
        return Finding(boost: boost, after: best, earlier: count, aboveFloor: true)
    }

    /// The evidence a transaction with `own` evidence gains from one earlier transaction with `earlier` (both above
    /// the floor).
    public func boost(own: Double, earlier: Double) -> Double {
        weight * min(own - floor, earlier - floor)
    }

    /// The evidence a transaction with `own` evidence at or below the floor gains after an earlier one with
    /// `earlier` above it: it is drawn towards the floor, never past `contextCeiling`.
    public func contextGain(own: Double, earlier: Double) -> Double {
        let gap = floor - own
        guard gap > 0, own > 0, context > 0 else { return 0 }
        let pull = context * min(own, earlier - floor)
        let lifted = min(contextCeiling, floor - gap * exp(-pull / gap))
        return max(0, lifted - own)
    }

    /// Evidence with the spree added, over rows grouped by client (`clientStarts`: each client's first row, then the
    /// row count) and in time order within a client, as a scan holds them. Also returns, per row, the row of the
    /// most suspicious earlier transaction it follows (-1 for none) and how many it follows.
    public func apply(evidence: [Double], instants: [Int64], clientStarts: [Int])
        -> (evidence: [Double], after: [Int32], earlier: [Int32]) {
        var boosted = evidence
        var after = [Int32](repeating: -1, count: evidence.count)
        var earlier = [Int32](repeating: 0, count: evidence.count)
        guard isOn else { return (boosted, after, earlier) }
        for client in 0 ..< max(0, clientStarts.count - 1) {
            var state = State()
            for row in clientStarts[client] ..< clientStarts[client + 1] {
                if let finding = step(&state, instant: instants[row], evidence: evidence[row], key: Int64(row)) {
                    boosted[row] += finding.boost
                    after[row] = Int32(finding.after.key)
                    earlier[row] = Int32(finding.earlier)
                }
            }
        }
        return (boosted, after, earlier)
    }

    /// The reason an alert quotes: "2.4 h after transaction #81234 on this card, which scored 0.93 on its own", and
    /// when it follows more than one, "; 3 suspicious transactions on this card in the 48 h before".
    public static func reason(after earlier: Earlier, instant: Int64, transactionID: Int64, count: Int = 1,
                              windowHours: Double = 48) -> String {
        let hours = Double(instant - earlier.instant) / 3600
        let gap = hours < 1 ? "\(max(1, Int((hours * 60).rounded()))) min" : String(format: "%.1f h", hours)
        var text = "\(gap) after transaction #\(transactionID) on this card, which scored "
            + String(format: "%.2f", Ensemble.score(evidence: earlier.evidence)) + " on its own"
        if count > 1 {
            let window = windowHours == windowHours.rounded() ? String(Int(windowHours)) : String(format: "%.1f", windowHours)
            text += "; \(count) suspicious transactions on this card in the \(window) h before"
        }
        return text
    }
}
