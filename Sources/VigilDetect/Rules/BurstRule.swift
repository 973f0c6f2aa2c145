import Foundation
import VigilCore

/// Flags bursts: more transactions within an hour than the client's usual rate makes plausible (a Poisson tail),
/// and card-testing runs — several tiny charges in quick succession, then a large one.
///
/// The client's rate is their earlier transactions over the time since their first one, never below
/// `minimumDailyRate`; a burst needs `minimumHistory` earlier transactions, so short history alone never makes an
/// alert. Card testing is a pattern of its own and needs no history.
public struct BurstRule: ClientRule {
    public struct Parameters: Sendable, Equatable, Codable {
        public var windowSeconds: Int64 = 3_600
        /// A count this unlikely (or less) under the client's rate is a burst.
        public var tailProbability: Double = 1e-4
        /// Never fewer transactions in the window than this, whatever the rate.
        public var minimumCount: Int = 4
        /// Transactions a day assumed at least, for quiet clients.
        public var minimumDailyRate: Double = 1
        /// Earlier transactions a client needs before a burst can be judged against their rate.
        public var minimumHistory: Int = 10
        /// Card testing: at least `testCount` charges of at most `smallMinor` within `testWindowSeconds`, then one of
        /// at least `largeMinor`.
        public var testCount: Int = 3
        public var smallMinor: Int64 = 500
        public var largeMinor: Int64 = 10_000
        public var testWindowSeconds: Int64 = 1_800

        public init() {}
    }

    public enum Kind: String, Sendable, Equatable {
        case burst
        case cardTesting = "card_testing"
    }

    public struct Finding: Sendable, Equatable {
        public var row: Int
        public var kind: Kind
        public var score: Double
        /// Transactions in the window (this one included) and how many the client's rate expects there.
        public var count: Int
        public var expected: Double
        /// P(count or more) under the client's rate, for a burst.
        public var probability: Double
    }

    public var parameters: Parameters

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// P(X ≥ k) for X ~ Poisson(mean), summed in log space from k upward (the terms fall fast past the mean).
    public static func tail(atLeast k: Int, mean: Double) -> Double {
        guard k > 0 else { return 1 }
        guard mean > 0 else { return 0 }
        var total = 0.0
        var i = k
        while true {
            let term = exp(-mean + Double(i) * log(mean) - lgamma(Double(i) + 1))
            total += term
            if (Double(i) > mean && term < total * 1e-15) || i > k + 10_000 { break }
            i += 1
        }
        return min(1, total)
    }

    /// What the rule remembers of one client between transactions: when their first transaction was, how many they
    /// have made, and their transactions still inside the burst window (instants) and the card-testing window
    /// (instants and amounts), each dropped as it leaves its window.
    public struct State: ClientRuleState {
        struct Charge: Sendable, Equatable, Codable {
            var instant: Int64
            var amountMinor: Int64
        }

        var firstInstant: Int64?
        var earlier = 0
        var window = WindowQueue<Int64>()
        var testWindow = WindowQueue<Charge>()

        /// The state of a client with no transactions yet.
        public init() {}
    }

    /// Judges `event` (the client's transaction at `row`) against the client's earlier transactions in `state`, then
    /// takes it into account: card testing where it applies, else a burst, else nothing.
    public func step(_ event: TransactionEvent, row: Int, state: inout State) -> Finding? {
        let instant = event.instant
        state.window.dropFirst { $0 <= instant - parameters.windowSeconds }
        state.testWindow.dropFirst { $0.instant < instant - parameters.testWindowSeconds }
        let finding = judge(event, row: row, state: state)
        state.window.append(instant)
        state.testWindow.append(State.Charge(instant: instant, amountMinor: event.amountMinor))
        if state.firstInstant == nil { state.firstInstant = instant }
        state.earlier += 1
        return finding
    }

    /// The finding for `event`, its windows in `state` already brought up to its instant.
    @inline(__always)
    private func judge(_ event: TransactionEvent, row: Int, state: State) -> Finding? {
        let amount = event.amountMinor
        if amount >= parameters.largeMinor {
            var small = 0
            for charge in state.testWindow.elements where charge.amountMinor > 0 && charge.amountMinor <= parameters.smallMinor {
                small += 1
            }
            if small >= parameters.testCount {
                return Finding(row: row, kind: .cardTesting, score: 1, count: small + 1, expected: 0, probability: 0)
            }
        }

        let count = state.window.count + 1
        let earlier = state.earlier
        guard count >= parameters.minimumCount, earlier >= parameters.minimumHistory else { return nil }
        let days = Double(event.instant - (state.firstInstant ?? event.instant)) / 86_400
        let dailyRate = max(parameters.minimumDailyRate, days > 0 ? Double(earlier) / days : 0)
        let expected = dailyRate * Double(parameters.windowSeconds) / 86_400
        let probability = Self.tail(atLeast: count, mean: expected)
        guard probability < parameters.tailProbability else { return nil }
        // 0 at the threshold, 1 four orders of magnitude beyond it.
        let score = min(1, log10(parameters.tailProbability / max(probability, .leastNormalMagnitude)) / 4)
        return Finding(row: row, kind: .burst, score: score, count: count, expected: expected, probability: probability)
    }


    /// The finding in words, with its numbers.
    public func reason(for finding: Finding, currency: String = "USD") -> String {
        switch finding.kind {
        case .cardTesting:
            return "\(finding.count - 1) charges of at most \(Money(minorUnits: parameters.smallMinor, currency: currency)) in the "
                + "\(parameters.testWindowSeconds / 60) minutes before this one (card testing)"
        case .burst:
            return "\(finding.count) transactions within an hour where this client's rate expects "
                + String(format: "%.2f", finding.expected) + " (chance " + Self.chance(finding.probability) + ")"
        }
    }

    /// "1 in 2.3 million", "1 in 45,000".
    static func chance(_ probability: Double) -> String {
        guard probability > 0 else { return "nil" }
        let odds = 1 / probability
        if odds >= 1e6 { return String(format: "1 in %.1f million", odds / 1e6) }
        return "1 in " + Formatting.grouped(Int(odds.rounded()))
    }
}
