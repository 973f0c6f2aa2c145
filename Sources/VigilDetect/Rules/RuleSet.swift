import Dispatch
import Foundation
import VigilCore

/// One transaction a rule flagged: its row in the chunk, the rule's score in (0, 1] and the reason in words.
public struct RuleHit: Sendable, Equatable {
    public var row: Int
    public var detector: Detector
    public var score: Double
    public var reason: String
}

/// Every behavioural rule, with its parameters, run together over chunks of whole clients.
public struct RuleSet: Sendable {
    public struct Parameters: Sendable, Equatable {
        public var impossibleTravel = ImpossibleTravelRule.Parameters()
        public var unusualPlace = UnusualPlaceRule.Parameters()
        public var unusualHour = UnusualHourRule.Parameters()
        public var unusualAmount = UnusualAmountRule.Parameters()
        public var overDailySpend = OverSpendRule.Parameters(period: .day)
        public var overMonthlySpend = OverSpendRule.Parameters(period: .month)
        /// Bursts and card-testing runs (one rule, two kinds of finding).
        public var burst = BurstRule.Parameters()

        public init() {}
    }

    public let parameters: Parameters
    /// The currency amounts in reasons are written in.
    public let currency: String
    /// Which rules run (all by default).
    public let enabled: Set<Detector>
    let travel: ImpossibleTravelRule
    let place: UnusualPlaceRule
    let hour: UnusualHourRule
    let amount: UnusualAmountRule
    let daySpend: OverSpendRule
    let monthSpend: OverSpendRule
    let bursts: BurstRule

    public init(parameters: Parameters = Parameters(), prior: PopulationPrior, currency: String = "USD",
                enabled: Set<Detector> = Set(Detector.rules)) {
        self.parameters = parameters
        self.currency = currency
        self.enabled = enabled
        travel = ImpossibleTravelRule(parameters: parameters.impossibleTravel, populationRadiusKm: prior.localRadiusKm)
        place = UnusualPlaceRule(parameters: parameters.unusualPlace)
        hour = UnusualHourRule(parameters: parameters.unusualHour, prior: prior)
        amount = UnusualAmountRule(parameters: parameters.unusualAmount)
        daySpend = OverSpendRule(parameters: parameters.overDailySpend)
        monthSpend = OverSpendRule(parameters: parameters.overMonthlySpend)
        bursts = BurstRule(parameters: parameters.burst)
    }

    /// The hits of every enabled rule on client `client` of `columns`, by row then detector order.
    public func hits(client: Int, of columns: TransactionColumns) -> [RuleHit] {
        var hits: [RuleHit] = []
        if enabled.contains(.impossibleTravel) {
            for f in travel.findings(client: client, of: columns) {
                hits.append(RuleHit(row: f.row, detector: .impossibleTravel, score: f.score, reason: travel.reason(for: f)))
            }
        }
        if enabled.contains(.unusualPlace) {
            for f in place.findings(client: client, of: columns) {
                hits.append(RuleHit(row: f.row, detector: .unusualPlace, score: f.score, reason: place.reason(for: f)))
            }
        }
        if enabled.contains(.unusualHour) {
            for f in hour.findings(client: client, of: columns) {
                hits.append(RuleHit(row: f.row, detector: .unusualHour, score: f.score, reason: hour.reason(for: f)))
            }
        }
        if enabled.contains(.unusualAmount) {
            for f in amount.findings(client: client, of: columns) {
                hits.append(RuleHit(row: f.row, detector: .unusualAmount, score: f.score,
                                    reason: amount.reason(for: f, categoryNames: columns.categoryNames, currency: currency)))
            }
        }
        if enabled.contains(.overDailySpend) {
            for f in daySpend.findings(client: client, of: columns) {
                hits.append(RuleHit(row: f.row, detector: .overDailySpend, score: f.score,
                                    reason: daySpend.reason(for: f, currency: currency)))
            }
        }
        if enabled.contains(.overMonthlySpend) {
            for f in monthSpend.findings(client: client, of: columns) {
                hits.append(RuleHit(row: f.row, detector: .overMonthlySpend, score: f.score,
                                    reason: monthSpend.reason(for: f, currency: currency)))
            }
        }
        if enabled.contains(.burst) || enabled.contains(.cardTesting) {
            for f in bursts.findings(client: client, of: columns) {
                let detector: Detector = f.kind == .cardTesting ? .cardTesting : .burst
                guard enabled.contains(detector) else { continue }
                hits.append(RuleHit(row: f.row, detector: detector, score: f.score, reason: bursts.reason(for: f, currency: currency)))
            }
        }
        hits.sort { $0.row != $1.row ? $0.row < $1.row : $0.detector < $1.detector }
        return hits
    }

    /// The hits on every client of `columns`, clients worked on in parallel; the result does not depend on the
    /// thread count.
    public func hits(_ columns: TransactionColumns, parallelism: Parallelism = .automatic) -> [RuleHit] {
        let clientCount = columns.clientCount
        var perClient = [[RuleHit]](repeating: [], count: clientCount)
        perClient.withUnsafeMutableBufferPointer { buffer in
            let output = DisjointWrites(buffer)
            parallelism.forEachChunk(of: clientCount, chunkSize: 64) { clients in
                for client in clients { output.base[client] = hits(client: client, of: columns) }
            }
        }
        return perClient.flatMap { $0 }
    }
}
