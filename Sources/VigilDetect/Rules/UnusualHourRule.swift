import Foundation
import VigilCore

/// Flags a transaction at a time of day the client seldom uses: few of the client's earlier transactions fall
/// within an hour either side of it.
///
/// The client's hours are a causal histogram (24 one-hour bins, UTC) in which older transactions count for less
/// (`halfLifeDays`), so a client whose habits change stops being flagged. A client with little history borrows the
/// population's hours (`PopulationPrior.hourShare`, weighted as `priorWeight` transactions), and nothing fires
/// before `minimumHistory` earlier transactions: short history alone never makes an alert.
public struct UnusualHourRule: Sendable {
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

    /// Findings for client `client` of `columns` (rows in time order), one per flagged transaction.
    public func findings(client: Int, of columns: TransactionColumns) -> [Finding] {
        var found: [Finding] = []
        var bins = [Double](repeating: 0, count: 24)
        var total = 0.0
        var history = 0
        var lastInstant: Int64?
        let decayPerSecond = log(2) / (parameters.halfLifeDays * 86_400)
        for row in columns.rows(ofClient: client) {
            let instant = columns.instants[row]
            if let lastInstant, instant > lastInstant {
                let factor = exp(-decayPerSecond * Double(instant - lastInstant))
                for h in 0..<24 { bins[h] *= factor }
                total *= factor
            }
            let hour = FeatureExtractor.hourOfDay(instant)
            let window = [(hour + 23) % 24, hour, (hour + 1) % 24]
            if history >= parameters.minimumHistory {
                let observed = window.reduce(0.0) { $0 + bins[$1] }
                let expected = window.reduce(0.0) { $0 + prior.hourShare[$1] }
                let share = (observed + parameters.priorWeight * expected) / (total + parameters.priorWeight)
                let score = score(share: share)
                if score > 0 {
                    let secondOfDay = Int(((instant % 86_400) + 86_400) % 86_400)
                    found.append(Finding(row: row, score: score, share: share, history: history, hour: hour,
                                         minute: secondOfDay % 3_600 / 60, weekday: FeatureExtractor.weekday(instant)))
                }
            }
            bins[hour] += 1
            total += 1
            history += 1
            lastInstant = instant
        }
        return found
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
