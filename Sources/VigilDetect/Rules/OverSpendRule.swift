import Foundation
import VigilCore

/// Flags a transaction that takes the client's spend for the day (or the calendar month, UTC) well past what the
/// client usually spends in one: above `factor` times a high quantile of the client's own earlier periods, and above
/// `medianFactor` times their median period. Both scale with the client, so a small spender's doubled day is seen as
/// readily as a large spender's; only `floorMinor`, a few dollars, is absolute, so that pennies never alert.
///
/// A flagged period is remembered at the limit it passed, not at its spend, so that a compromised card's days do not
/// become its own yardstick; a client whose spending really grows still moves the limit up by `factor` each time.
///
/// The yardstick is the client's last `window` periods with any spend, so it follows changed habits; nothing fires
/// before `minimumPeriods` such periods (short history alone never makes an alert). Refunds count as no spend.
public struct OverSpendRule: ClientRule {
    public enum Period: String, Sendable, Codable {
        case day
        case month
    }

    public struct Parameters: Sendable, Equatable, Codable {
        public var period: Period
        /// Which quantile of earlier periods' spend is the client's "usual busiest".
        public var quantile: Double = 0.95
        /// How far above that quantile the spend must go.
        public var factor: Double = 1.5
        /// How far above the client's median period the spend must go.
        public var medianFactor: Double
        /// Minor units the period's spend must exceed in any case ($10 a day, $20 a month by default).
        public var floorMinor: Int64
        public var window: Int
        public var minimumPeriods: Int
        /// The score reaches 1 at this many times the limit.
        public var saturation: Double = 4

        public init(period: Period) {
            self.period = period
            switch period {
            case .day:
                medianFactor = 3
                floorMinor = 1_000
                window = 60
                minimumPeriods = 10
            case .month:
                // A month's spend is a sum of many charges and varies far less than a day's.
                medianFactor = 2
                floorMinor = 2_000
                window = 12
                minimumPeriods = 3
            }
        }
    }

    public struct Finding: Sendable, Equatable {
        public var row: Int
        public var score: Double
        /// The period's spend up to and including this transaction, and the limit it passed.
        public var spendMinor: Int64
        public var limitMinor: Int64
        /// The client's usual busiest period (the quantile) and over how many periods it was measured.
        public var usualMinor: Int64
        public var periods: Int
    }

    public var parameters: Parameters

    public init(parameters: Parameters) {
        self.parameters = parameters
    }

    /// The period an instant falls in: days since the epoch, or months since January 1970.
    func period(of instant: Int64) -> Int {
        let day = Int(CivilTime.dayNumber(instant))
        switch parameters.period {
        case .day: return day
        case .month:
            let civil = CivilTime.civilFromDays(day)
            return (civil.year - 1970) * 12 + civil.month - 1
        }
    }

    /// What the rule remembers of one client between transactions: the spend of their last `window` periods with
    /// any, and the period of their last transaction with its spend so far.
    public struct State: ClientRuleState {
        var earlier = RecentSample()
        var current: Int?
        var spend: Int64 = 0
        /// The limit the current period passed, if it did: what it is remembered as.
        var passed: Int64?

        /// The state of a client with no transactions yet.
        public init() {}
    }

    /// Takes `event` (the client's transaction at `row`) into the spend of its period, then judges that spend
    /// against the client's earlier periods in `state`: the finding when a charge takes the period past the limit.
    public func step(_ event: TransactionEvent, row: Int, state: inout State) -> Finding? {
        let period = period(of: event.instant)
        if period != state.current {
            if state.current != nil, state.spend > 0 {
                state.earlier.add(Double(min(state.spend, state.passed ?? .max)), capacity: parameters.window)
            }
            state.current = period
            state.spend = 0
            state.passed = nil
        }
        state.spend = Money.saturatingSum(state.spend, max(0, event.amountMinor))
        guard event.amountMinor > 0, state.earlier.count >= parameters.minimumPeriods,
              let usual = state.earlier.quantile(parameters.quantile), let median = state.earlier.median else { return nil }
        let limit = max(Double(parameters.floorMinor), usual * parameters.factor, median * parameters.medianFactor)
        guard Double(state.spend) > limit else { return nil }
        state.passed = min(state.passed ?? .max, Money.minorUnits(clamping: limit))
        let score = RuleScore.logarithmic(Double(state.spend), limit: limit, saturation: parameters.saturation)
        return Finding(row: row, score: score, spendMinor: state.spend, limitMinor: Money.minorUnits(clamping: limit),
                       usualMinor: Money.minorUnits(clamping: usual), periods: state.earlier.count)
    }


    /// "this day's spend so far, $1,240.00, is 3.1× the client's usual busiest day ($400.00, the 95th percentile of
    /// 58 days with spend)".
    public func reason(for finding: Finding, currency: String = "USD") -> String {
        let noun = parameters.period == .day ? "day" : "month"
        let ratio = finding.usualMinor > 0 ? Double(finding.spendMinor) / Double(finding.usualMinor) : .infinity
        let times = ratio.isFinite ? String(format: "%.1f× ", ratio) : "above "
        return "this \(noun)'s spend so far, \(Money(minorUnits: finding.spendMinor, currency: currency)), is \(times)"
            + "the client's usual busiest \(noun) (\(Money(minorUnits: finding.usualMinor, currency: currency)), the "
            + "\(Int((parameters.quantile * 100).rounded()))th percentile of \(finding.periods) \(noun)s with spend)"
    }
}
