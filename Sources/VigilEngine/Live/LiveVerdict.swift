import VigilDetect

/// What live scoring gave one transaction.
public struct LiveVerdict: Sendable {
    public var transactionID: Int64
    public var clientID: String
    /// The ensemble's score, 0 to 1.
    public var score: Double
    /// Each detector's part on the ensemble's scale (models normalised by their fitted scale, rules' own scores).
    public var detectors: DetectorScores
    /// Models' raw scores (Isolation Forest's anomaly score, LOF's factor, the LSTM's NLL).
    public var raw: DetectorScores
    /// Rule hits, in detector order.
    public var hits: [RuleHit]
    /// Whether the transaction is older than its client's newest one scored before it.
    public var late: Bool
    /// What the LSTM's reason quotes: its prediction, and the client's steps just before. Kept only where the LSTM
    /// ranks the transaction in its top tenth, the only place it speaks as a reason (`Stepper.lstmReasonFrom`).
    var sequence: SequenceContext?
    /// The spree's part, when an earlier suspicious transaction of the client's added evidence.
    var spree: SpreeContext?
    /// What the suppressions and allow and deny lists said about it, where any names its card or merchant.
    public var lists: ListVerdict?
}

/// A spree's finding for one transaction, with what its reason quotes.
struct SpreeContext: Sendable {
    var finding: Spree.Finding
    /// The transaction's own evidence, before the spree.
    var own: Double
    var instant: Int64

    /// The spree's part as the composer words it.
    var part: EvidenceComposer.SpreePart {
        EvidenceComposer.SpreePart(after: finding.after, count: finding.earlier, own: own, boosted: own + finding.boost,
                                   instant: instant)
    }
}

/// The LSTM's view of one scored transaction, for its reason: the prediction, what its reason reads of the
/// transaction's encoded step (its category and km from home) and the km from home of the client's last steps before it.
struct SequenceContext: Sendable {
    var scored: LSTMStepScore
    var category: Int32
    var kmHome: Float
    var earlierKmHome: [Float]
    var previousInstant: Int64?
    var instant: Int64
}
