import Foundation
import VigilCore

/// Flags a charge above the client's usual level on a card whose recent charges have gone over the client's limit
/// (`UnusualAmountRule`'s) more often than the client's own history makes plausible: a compromised card used for a
/// third of its charges at a few times the client's level, each jump on its own no stranger than a client's rare big
/// purchase. After two or three such jumps in a week, a charge half-way to the client's usual largest is suspect too.
///
/// The run is judged against the client, not against a fixed count: a client whose charges vary widely by category
/// goes over their limit often, and for them three in a week is ordinary. Its score is the product of
/// - how improbable the run is: the count of flagged charges in the `windowDays` before, against a Poisson count at
///   the client's own rate of flagged charges (smoothed towards `priorFlags` in `priorCharges`), from 0 at
///   `startProbability` to 1 at `fullProbability`;
/// - how high the charge stands: from 0 at `position` of the way from the client's median to their usual largest
///   charge, to 1 a whole such step further.
///
/// It is a lead, not an alert (`Detector.isLead`): its evidence draws a transaction towards the alert threshold but
/// never past it, so it orders what the queue does not show and never floods the queue. Causal: each charge is judged
/// against earlier ones only.
public struct AmountRunRule: Sendable {
    public struct Parameters: Sendable, Equatable, Codable {
        /// How far back a flagged charge counts towards the run, in days.
        public var windowDays: Double = 7
        /// Where between the client's median (0) and usual largest charge (1) a charge starts to score.
        public var position: Double = 0.3
        /// The run's probability under the client's rate at which it starts to count, and at which it counts fully.
        public var startProbability: Double = 0.1
        public var fullProbability: Double = 0.003
        /// The prior on the client's rate of flagged charges: this many flagged in `priorCharges` judged ones.
        public var priorFlags: Double = 0.5
        public var priorCharges: Double = 100

        public init() {}

        var windowSeconds: Int64 { Int64((windowDays * 86400).rounded()) }
    }

    public struct Finding: Sendable, Equatable {
        public var row: Int
        public var score: Double
        public var amountMinor: Int64
        public var medianMinor: Int64
        public var usualMinor: Int64
        /// Flagged charges in the window before this one, and how many the client's rate expects there.
        public var flagged: Int
        public var expected: Double
        /// P(`flagged` or more) at the client's rate.
        public var probability: Double
    }

    /// What the rule remembers of one client: the instants of their charges and of their flagged charges in the
    /// window, and how many charges were judged and flagged in all.
    public struct State: ClientRuleState {
        var charges = WindowQueue<Int64>()
        var flags = WindowQueue<Int64>()
        var judged = 0
        var flagged = 0

        public init() {}
    }

    public var parameters: Parameters

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// Judges a positive charge of the client, as `UnusualAmountRule` judged it (`judgement`, nil while the client had
    /// too little history), against the run of flagged charges before it in `state`, then takes it into `state`.
    public func step(_ event: TransactionEvent, row: Int, judgement: UnusualAmountRule.Judgement?,
                     state: inout State) -> Finding? {
        guard event.amountMinor > 0 else { return nil }
        let window = parameters.windowSeconds
        state.charges.dropFirst { event.instant - $0 > window }
        state.flags.dropFirst { event.instant - $0 > window }
        var finding: Finding?
        if let judgement {
            let k = state.flags.count
            let amount = Double(event.amountMinor)
            let spread = max(judgement.usualMinor - judgement.medianMinor, judgement.medianMinor * 1e-3, 1)
            let height = ((amount - judgement.medianMinor) / spread - parameters.position).clamped(to: 0 ... 1)
            if k > 0 && height > 0 {
                let rate = (Double(state.flagged) + parameters.priorFlags) / (Double(state.judged) + parameters.priorCharges)
                let expected = Double(max(1, state.charges.count)) * rate
                let probability = BurstRule.tail(atLeast: k, mean: expected)
                let span = log(parameters.startProbability / parameters.fullProbability)
                let surprise = log(parameters.startProbability / max(probability, .leastNormalMagnitude))
                let run = span > 0 ? (surprise / span).clamped(to: 0 ... 1) : (surprise >= 0 ? 1 : 0)
                if run > 0 {
                    finding = Finding(row: row, score: height * run, amountMinor: event.amountMinor,
                                      medianMinor: Money.minorUnits(clamping: judgement.medianMinor),
                                      usualMinor: Money.minorUnits(clamping: judgement.usualMinor),
                                      flagged: k, expected: expected, probability: probability)
                }
            }
            state.judged += 1
            if judgement.flagged {
                state.flagged += 1
                state.flags.append(event.instant)
            }
        }
        state.charges.append(event.instant)
        return finding
    }

    /// "$39.35 is 2.9× this client's median charge ($13.42; usually at most $35.25) on a card with 4 charges over
    /// their usual limit in the 7 days before (0.9 expected from their history; 1 in 79)".
    public func reason(for finding: Finding, currency: String = "USD") -> String {
        let times = String(format: "%.1f×", Double(finding.amountMinor) / Double(max(1, finding.medianMinor)))
        let days = parameters.windowDays == parameters.windowDays.rounded()
            ? String(Int(parameters.windowDays)) : String(format: "%.1f", parameters.windowDays)
        let charges = finding.flagged == 1 ? "1 charge" : "\(finding.flagged) charges"
        let odds = finding.probability >= 1e-6
            ? "1 in " + Formatting.grouped(Int64((1 / finding.probability).rounded())) : "under 1 in a million"
        return "\(Money(minorUnits: finding.amountMinor, currency: currency)) is \(times) this client's median charge "
            + "(\(Money(minorUnits: finding.medianMinor, currency: currency)); usually at most "
            + "\(Money(minorUnits: finding.usualMinor, currency: currency))) on a card with \(charges) over their usual "
            + "limit in the \(days) days before (" + String(format: "%.1f", finding.expected)
            + " expected from their history; \(odds))"
    }
}

private extension Double {
    func clamped(to range: ClosedRange<Double>) -> Double { Swift.min(range.upperBound, Swift.max(range.lowerBound, self)) }
}
