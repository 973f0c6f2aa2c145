/// One reason an alert was raised: which detector, how strongly, and what it saw, in words with numbers.
public struct AlertReason: Sendable, Equatable, Codable {
    /// The detector's stored name (`impossible_travel`, `iforest`, ...).
    public var detector: String
    /// The detector's normalised score in [0, 1].
    public var score: Double
    /// Evidence this reason added to the alert's score (the detector's weight times its score).
    public var contribution: Double
    public var text: String

    public init(detector: String, score: Double, contribution: Double, text: String) {
        self.detector = detector
        self.score = score
        self.contribution = contribution
        self.text = text
    }
}

extension AlertReason {
    /// The detector name of the spree's boost, which rides on the other reasons of a run of alerts on one card.
    public static let spreeDetector = "spree"

    /// The reason that says what the detectors found: the largest that is not the spree's boost (which leads most
    /// alerts of a run and tells them apart by nothing), else the first. The queue's "Top reason" column shows it
    /// and sorts by it (`Store`'s `topReasonSQL` picks the same one).
    public static func top(of reasons: [AlertReason]) -> AlertReason? {
        reasons.first { $0.detector != spreeDetector } ?? reasons.first
    }
}

/// An alert as the queue lists it: the alert, its transaction, and its reasons ordered by contribution.
public struct AlertSummary: Sendable, Equatable {
    public var id: Int64
    public var transactionID: Int64
    public var clientID: String
    /// UTC epoch seconds of the transaction.
    public var instant: Int64
    public var amountMinor: Int64
    public var currency: String
    public var merchant: String
    public var category: String
    public var score: Double
    public var reasons: [AlertReason]
    public var status: String
    public var assignee: String?
    public var updatedAt: Int64
    /// Bumped by every change to the alert; a decision is made against the version shown.
    public var version: Int64

    public init(id: Int64, transactionID: Int64, clientID: String, instant: Int64, amountMinor: Int64, currency: String,
                merchant: String, category: String, score: Double, reasons: [AlertReason], status: String,
                assignee: String?, updatedAt: Int64, version: Int64 = 1) {
        self.version = version
        self.id = id
        self.transactionID = transactionID
        self.clientID = clientID
        self.instant = instant
        self.amountMinor = amountMinor
        self.currency = currency
        self.merchant = merchant
        self.category = category
        self.score = score
        self.reasons = reasons
        self.status = status
        self.assignee = assignee
        self.updatedAt = updatedAt
    }
}
