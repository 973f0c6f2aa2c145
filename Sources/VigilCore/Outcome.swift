/// What became known about a transaction after it happened: an analyst's decision, a chargeback, the customer's word.
public enum Outcome: String, Sendable, Hashable, CaseIterable, Codable {
    case fraud
    case genuine
}

/// One moment at which a transaction's outcome became known (or, with `outcome` nil, stopped being known: a decision
/// undone). Detectors that learn from outcomes see an event only from `knownAt` on, so that no score depends on what
/// was learnt after its transaction.
public struct OutcomeEvent: Sendable, Hashable {
    /// The transaction's store id.
    public var transactionID: Int64
    /// UTC epoch seconds at which it became known.
    public var knownAt: Int64
    /// nil: what was known before is withdrawn (a triage decision undone or reopened).
    public var outcome: Outcome?
    public var source: OutcomeSource

    public init(transactionID: Int64, knownAt: Int64, outcome: Outcome?, source: OutcomeSource) {
        self.transactionID = transactionID
        self.knownAt = knownAt
        self.outcome = outcome
        self.source = source
    }

    /// The order events are applied in: by the instant they became known, then by transaction, then by source, so
    /// that every reader applies the same events in the same order.
    public static func applicationOrder(_ a: OutcomeEvent, _ b: OutcomeEvent) -> Bool {
        if a.knownAt != b.knownAt { return a.knownAt < b.knownAt }
        if a.transactionID != b.transactionID { return a.transactionID < b.transactionID }
        return a.source.rank < b.source.rank
    }

    /// `events` in application order, stably: events that compare equal (two decisions on one alert in the same
    /// second) keep the order they were given in.
    public static func inApplicationOrder<Events: Sequence>(_ events: Events) -> [OutcomeEvent] where Events.Element == OutcomeEvent {
        events.enumerated().sorted { a, b in
            applicationOrder(a.element, b.element) || (!applicationOrder(b.element, a.element) && a.offset < b.offset)
        }.map(\.element)
    }
}

/// Where an outcome came from.
public enum OutcomeSource: String, Sendable, Hashable, CaseIterable, Codable {
    /// An analyst's triage decision (confirmed fraud, false positive).
    case triage
    /// An imported feed (chargebacks, customer-confirmed fraud): `vigil outcomes import`.
    case feed
    /// The store's own labels, taken as known a fixed delay after each transaction (`vigil scan --feedback-delay`), for
    /// evaluation on labelled data.
    case delayedLabel = "delayed_label"

    /// Its place when two events fall on the same instant for the same transaction: an analyst's decision last, so it wins.
    var rank: Int {
        switch self {
        case .delayedLabel: return 0
        case .feed: return 1
        case .triage: return 2
        }
    }
}
