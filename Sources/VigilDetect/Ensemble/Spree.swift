/// Fraud on a compromised card comes in sprees: once a card is in the wrong hands it is used several times within a
/// day or two. A transaction that is itself suspicious, on a card that had a suspicious transaction shortly before,
/// is more likely fraud than either alone.
///
/// The spree adds evidence to the ensemble: `weight × min(own − floor, earlier − floor)`, where `own` is the
/// transaction's evidence from every detector, `earlier` the largest such evidence among the same client's
/// transactions in the `window` before it, and `floor` the evidence an alert needs (the alert threshold's). So only
/// transactions that would alert on their own evidence take part: the spree reorders alerts, putting those in a
/// spree first, and never raises an alert by itself (every transaction scores some evidence from the models, and
/// without the floor a spree would double the evidence of ordinary transactions). Taking the smaller excess means a
/// transaction gains at most its own excess again (weight 1). Only the detectors' own evidence is remembered, never
/// a boosted one, so a spree cannot feed on itself. Causal: each transaction is judged against earlier ones only, so
/// a scan and live scoring give the same boost.
public struct Spree: Sendable, Equatable {
    /// How far back an earlier transaction counts, in seconds; 0 turns the spree off.
    public var windowSeconds: Int64
    /// The share of the smaller excess added.
    public var weight: Double
    /// The evidence a transaction needs before it takes part: the alert threshold's.
    public var floor: Double

    public init(hours: Double, weight: Double, floor: Double) {
        windowSeconds = Int64((hours * 3600).rounded())
        self.weight = weight
        self.floor = floor
    }

    public var isOn: Bool { windowSeconds > 0 && weight > 0 }

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

    /// A transaction's spree evidence and the earlier transaction it follows.
    public struct Finding: Sendable, Equatable {
        public var boost: Double
        public var after: Earlier
    }

    /// The spree evidence of a transaction at `instant` whose detectors gave `evidence`, judged against `state`,
    /// which then remembers it if its evidence is above the floor. Nil when the spree is off, the transaction's evidence is not above the floor, or no
    /// earlier transaction within the window had evidence above it.
    public func step(_ state: inout State, instant: Int64, evidence: Double, key: Int64) -> Finding? {
        guard isOn else { return nil }
        // Forget what fell out of the window (the client's transactions come in time order).
        var expired = 0
        while expired < state.recent.count && instant - state.recent[expired].instant > windowSeconds { expired += 1 }
        if expired > 0 { state.recent.removeFirst(expired) }
        // The most suspicious earlier one; of equals, the latest.
        var best: Earlier?
        for earlier in state.recent where earlier.evidence >= (best?.evidence ?? floor) { best = earlier }
        guard evidence > floor else { return nil }
        state.recent.append(Earlier(instant: instant, evidence: evidence, key: key))
        guard let best else { return nil }
        return Finding(boost: boost(own: evidence, earlier: best.evidence), after: best)
    }

    /// The evidence a transaction with `own` evidence gains after one with `earlier` (both above the floor).
    public func boost(own: Double, earlier: Double) -> Double {
        weight * min(own - floor, earlier - floor)
    }

    /// Evidence with the spree added, over rows grouped by client (`clientStarts`: each client's first row, then the
    /// row count) and in time order within a client, as a scan holds them. Also returns, per row, the row it
    /// follows (-1 for none).
    public func apply(evidence: [Double], instants: [Int64], clientStarts: [Int]) -> (evidence: [Double], after: [Int32]) {
        var boosted = evidence
        var after = [Int32](repeating: -1, count: evidence.count)
        guard isOn else { return (boosted, after) }
        for client in 0 ..< max(0, clientStarts.count - 1) {
            var state = State()
            for row in clientStarts[client] ..< clientStarts[client + 1] {
                if let finding = step(&state, instant: instants[row], evidence: evidence[row], key: Int64(row)) {
                    boosted[row] += finding.boost
                    after[row] = Int32(finding.after.key)
                }
            }
        }
        return (boosted, after)
    }

    /// The reason an alert quotes: "2.4 h after transaction #81234 on this card, which scored 0.93 on its own".
    public static func reason(after earlier: Earlier, instant: Int64, transactionID: Int64) -> String {
        let hours = Double(instant - earlier.instant) / 3600
        let gap = hours < 1 ? "\(max(1, Int((hours * 60).rounded()))) min" : String(format: "%.1f h", hours)
        return "\(gap) after transaction #\(transactionID) on this card, which scored "
            + String(format: "%.2f", Ensemble.score(evidence: earlier.evidence)) + " on its own"
    }
}
