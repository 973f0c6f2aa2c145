import Foundation
import VigilCore
import VigilDetect

/// Moves a client's state on by one transaction: the per-transaction work of live scoring, and of the replay that
/// builds the states. A value, so that clients can be replayed on several threads at once.
struct Stepper: Sendable {
    let extractor: FeatureExtractor
    let ruleSet: RuleSet
    let sequence: SequenceDetector.Saved?
    let isolation: IsolationForestModel?
    let lof: FittedLOF?
    /// The ensemble, the models' scales and the spree: what turns scores into evidence and reasons.
    let composer: EvidenceComposer
    var spree: Spree { composer.spree }
    /// The LSTM speaks as a reason only where it ranks a transaction in its top tenth: from this NLL up. Below it
    /// no `SequenceContext` is kept.
    let lstmReasonFrom: Double
    /// The category vocabulary: names, population shares and LSTM ids, by the states' category id.
    var categoryNames: [String] = []
    var categoryPriors: [Double] = []
    var sequenceCategory: [Int32] = []

    /// The ensemble's verdict on a transaction from its detectors' scores, moving the client's spree window on, with
    /// what the lists say about it (`ListVerdict`: suppressed detectors left out, a deny list's lift after the spree).
    func verdict(raw: DetectorScores, normalised: DetectorScores = DetectorScores(), hits: [RuleHit], transactionID: Int64,
                 clientID: String, late: Bool, instant: Int64, lists: ListVerdict? = nil,
                 spree state: inout Spree.State) -> LiveVerdict {
        var detectors = composer.parts(raw: raw, hits: hits, normalised: normalised)
        var hits = hits, lists = lists
        lists?.mask(&detectors, hits: &hits)
        let own = composer.evidence(detectors)
        var total = own
        var context: SpreeContext?
        if let finding = spree.step(&state, instant: instant, evidence: own, key: transactionID) {
            total += finding.boost
            context = SpreeContext(finding: finding, own: own, instant: instant)
        }
        if lists != nil { total = lists!.deny(total) }
        var result = LiveVerdict(transactionID: transactionID, clientID: clientID, score: Ensemble.score(evidence: total),
                                 detectors: detectors, raw: raw, hits: hits, late: late)
        result.spree = context
        result.lists = lists
        return result
    }

    /// The client's last steps an LSTM reason lays out before the scored one.
    static let reasonSteps = 50

    /// A thread's scratch for `advance`.
    static func scratch() -> SequenceSteps {
        var steps = SequenceSteps(inputWidth: SequenceEncoder.numericNames.count)
        steps.reserveCapacity(1)
        return steps
    }

    func newClient() -> LiveScorer.ClientState {
        var state = LiveScorer.ClientState()
        state.lstm = sequence?.model.streamState()
        return state
    }

    /// `advance`, with what a verdict needs besides the scores: whether the event came late, and the LSTM's view of it
    /// for its reason. Also returns the event's feature row.
    func step(_ state: inout LiveScorer.ClientState, event: TransactionEvent, transactionID: Int64, scoring: Bool,
              scratch: inout SequenceSteps) -> (LiveScorer.Stepped, features: [Float]) {
        var result = LiveScorer.Stepped()
        let previousInstant = state.lastInstant
        result.late = previousInstant.map { event.instant < $0 } ?? false
        let (raw, hits, lstm, step, row) = advance(&state, event: event, transactionID: transactionID, scoring: scoring,
                                                   scratch: &scratch)
        result.raw = raw
        result.hits = hits
        if let lstm, let step, !(Double(lstm.nll) < lstmReasonFrom) {
            // `advance` appended this step's km from home after the earlier ones.
            let earlierKmHome = Array(state.recentKmHome.dropLast().suffix(Self.reasonSteps))
            result.sequence = SequenceContext(scored: lstm, category: step.category, kmHome: step.kmHome,
                                              earlierKmHome: earlierKmHome, previousInstant: previousInstant,
                                              instant: event.instant)
        }
        return (result, row)
    }

    /// The scores of `event` (transaction `transactionID`) from `state`, which then takes the event in. Without
    /// `scoring` (replaying history) only the states move: the matrix models, which keep no state, are skipped.
    /// `scratch` holds the LSTM's encoded step; one per thread, reused, so that a step allocates no arrays of its own.
    func advance(_ state: inout LiveScorer.ClientState, event: TransactionEvent, transactionID: Int64, scoring: Bool,
                 scratch one: inout SequenceSteps) -> (raw: DetectorScores, hits: [RuleHit], lstm: LSTMStepScore?, step: (category: Int32, kmHome: Float)?,
            features: [Float]) {
        var raw = DetectorScores()
        let row = extractor.features(of: event, categoryPrior: categoryPriors[Int(event.category)], state: &state.features)
        if scoring && (isolation != nil || lof != nil) {
            let matrix = FeatureMatrix(rowCount: 1, columnCount: FeatureExtractor.columnCount, values: row)
            if let isolation { raw[.isolationForest] = isolation.scores(matrix, parallelism: .serial)[0] }
            if let lof { raw[.localOutlierFactor] = lof.factors(matrix, ids: [transactionID], parallelism: .serial)[0] }
        }
        let names = categoryNames
        let hits = ruleSet.hits(event, row: 0, state: &state.rules, categoryName: { names[Int($0)] })
        var lstm: LSTMStepScore?
        var step: (category: Int32, kmHome: Float)?
        if let sequence, state.lstm != nil {
            one.removeAll()
            sequence.encoder.encode(event, categoryID: sequenceCategory[Int(event.category)], state: &state.encoder, into: &one)
            one.starts.append(1)
            // In place: a copy of the stream state would copy its vectors on the first write.
            let scored = sequence.model.scoreNext(one.data, state: &state.lstm!)
            raw[.lstm] = Double(scored.nll)
            lstm = scored
            step = (one.categories[0], one.kmHome[0])
            // Trimmed now and then, keeping more than `reasonSteps` so that `step` finds them before this one.
            state.recentKmHome.append(one.kmHome[0])
            if state.recentKmHome.count > 64 { state.recentKmHome.removeFirst(state.recentKmHome.count - Self.reasonSteps - 1) }
        }
        state.lastInstant = max(state.lastInstant ?? event.instant, event.instant)
        return (raw, hits, lstm, step, row)
    }
}
