import Foundation
import VigilCore

/// Flags a transaction at a time of day the client seldom uses: few of the client's earlier transactions fall
/// within an hour either side of it.
///
/// The client's hours are a causal histogram (24 one-hour bins, UTC) in which older transactions count for less
/// (`halfLifeDays`), so a client whose habits change stops being flagged. A client with little history borrows the
/// population's hours (`PopulationPrior.hourShare`, weighted as `priorWeight` transactions), and nothing fires
/// before `minimumHistory` earlier transactions: short history alone never makes an alert.
public struct UnusualHourRule: ClientRule {
    public struct Parameters: Sendable, Equatable, Codable {
        /// A share of the client's (decayed) transactions in the three-hour window below this is unusual.
        public var threshold: Double = 0.02
        public var halfLifeDays: Double = 90
        public var priorWeight: Double = 10
        public var minimumHistory: Int = 20

        public init() {}
    }

    public struct Finding: Sendable, Equatable {
        public var row: Int
        public var score: Double
        /// The (decayed, smoothed) share of the client's earlier transactions within an hour of this one's time.
        public var share: Double
        /// How many earlier transactions the client has, undecayed.
        public var history: Int
        /// Hour of day (UTC) and weekday (Monday 0) of the transaction, and its minute.
        public var hour: Int
        public var minute: Int
        public var weekday: Int
    }

    public var parameters: Parameters
    public var prior: PopulationPrior

    public init(parameters: Parameters = Parameters(), prior: PopulationPrior) {
        self.parameters = parameters
        self.prior = prior
    }

    /// Score from the share: 0 at or above the threshold, rising linearly to 1 at a share of 0.
    public func score(share: Double) -> Double {
        share >= parameters.threshold ? 0 : 1 - share / parameters.threshold
    }

    /// What the rule remembers of one client between transactions: their decayed hour histogram as of their last
    /// transaction, and how many transactions they have made.
    public struct State: ClientRuleState {
        /// 24 one-hour bins (UTC) and their total, decayed to `lastInstant`.
        var bins = [Double](repeating: 0, count: 24)
        var total = 0.0
        var history = 0
        var lastInstant: Int64?

        /// The state of a client with no transactions yet.
        public init() {}
    }

    /// Judges `event` (the client's transaction at `row`) against the client's hours in `state`, then takes it into
    /// account: the finding when few of the client's earlier transactions fall within an hour of its time.
    public func step(_ event: TransactionEvent, row: Int, state: inout State) -> Finding? {
        let instant = event.instant
        if let lastInstant = state.lastInstant, instant > lastInstant {
            let decayPerSecond = log(2) / (parameters.halfLifeDays * 86_400)
            let factor = exp(-decayPerSecond * Double(instant - lastInstant))
            for h in 0..<24 { state.bins[h] *= factor }
            state.total *= factor
        }
        let hour = FeatureExtractor.hourOfDay(instant)
        var finding: Finding?
        if state.history >= parameters.minimumHistory {
            // The hour either side, summed in this order from 0 (as the rule always has, for the same bits).
            let before = (hour + 23) % 24, after = (hour + 1) % 24
            let observed = 0.0 + state.bins[before] + state.bins[hour] + state.bins[after]
            let expected = 0.0 + prior.hourShare[before] + prior.hourShare[hour] + prior.hourShare[after]
            let share = (observed + parameters.priorWeight * expected) / (state.total + parameters.priorWeight)
            let score = score(share: share)
            if score > 0 {
                let secondOfDay = Int(((instant % 86_400) + 86_400) % 86_400)
                finding = Finding(row: row, score: score, share: share, history: state.history, hour: hour,
                                  minute: secondOfDay % 3_600 / 60, weekday: FeatureExtractor.weekday(instant))
            }
        }
        state.bins[hour] += 1
        state.total += 1
        state.history += 1
        state.lastInstant = instant
        return finding
    }


    private static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// "03:12 Tue (UTC) — 0.4 % of this client's 1,820 earlier transactions (recent ones weighted more) fall
    /// between 02:00 and 05:00".
    public func reason(for finding: Finding) -> String {
        func clock(_ hour: Int) -> String { String(format: "%02d:00", (hour + 24) % 24) }
        let percent = String(format: finding.share < 0.001 ? "%.2f" : "%.1f", finding.share * 100)
        return String(format: "%02d:%02d ", finding.hour, finding.minute) + Self.weekdays[finding.weekday]
            + " (UTC) — \(percent) % of this client's \(Formatting.grouped(finding.history)) earlier transactions "
            + "(recent ones weighted more) fall between \(clock(finding.hour - 1)) and \(clock(finding.hour + 2))"
    }
}
