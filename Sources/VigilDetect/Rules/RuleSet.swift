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
        public var amountRun = AmountRunRule.Parameters()
        public var categoryAmount = CategoryAmountRule.Parameters()
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
    let amountRun: AmountRunRule
    let categoryAmount: CategoryAmountRule
    let daySpend: OverSpendRule
    let monthSpend: OverSpendRule
    let bursts: BurstRule
    /// `enabled` as flags, read once per transaction.
    let runs: Runs

    struct Runs: Sendable {
        var travel, place, hour, amount, amountRun, categoryAmount, daySpend, monthSpend, burst, cardTesting: Bool

        init(_ enabled: Set<Detector>) {
            travel = enabled.contains(.impossibleTravel)
            place = enabled.contains(.unusualPlace)
            hour = enabled.contains(.unusualHour)
            amount = enabled.contains(.unusualAmount)
            amountRun = enabled.contains(.amountRun)
            categoryAmount = enabled.contains(.categoryAmount)
            daySpend = enabled.contains(.overDailySpend)
            monthSpend = enabled.contains(.overMonthlySpend)
            burst = enabled.contains(.burst)
            cardTesting = enabled.contains(.cardTesting)
        }
    }

    public init(parameters: Parameters = Parameters(), prior: PopulationPrior, currency: String = "USD",
                enabled: Set<Detector> = Set(Detector.rules)) {
        self.parameters = parameters
        self.currency = currency
        self.enabled = enabled
        travel = ImpossibleTravelRule(parameters: parameters.impossibleTravel, populationRadiusKm: prior.localRadiusKm)
        place = UnusualPlaceRule(parameters: parameters.unusualPlace)
        hour = UnusualHourRule(parameters: parameters.unusualHour, prior: prior)
        amount = UnusualAmountRule(parameters: parameters.unusualAmount)
        amountRun = AmountRunRule(parameters: parameters.amountRun)
        categoryAmount = CategoryAmountRule(parameters: parameters.categoryAmount, prior: prior)
        daySpend = OverSpendRule(parameters: parameters.overDailySpend)
        monthSpend = OverSpendRule(parameters: parameters.overMonthlySpend)
        bursts = BurstRule(parameters: parameters.burst)
        runs = Runs(enabled)
    }

    /// What every rule remembers of one client between transactions, for scoring the client's next transaction
    /// without their history: the rule set's `hits(_:row:state:categoryName:)` judges a transaction against it and
    /// then takes the transaction into account.
    ///
    /// A state belongs to the rule set that built it: the rules' parameters size its windows, and the rules that
    /// are not enabled leave their parts empty. Category ids are ids in a vocabulary the caller keeps fixed for the
    /// state's life. It holds only finite numbers, so it encodes as JSON (`JSONEncoder`) and decodes to an equal
    /// state that goes on exactly as the original would have.
    public struct ClientState: Sendable, Equatable, Codable {
        public var impossibleTravel = ImpossibleTravelRule.State()
        public var unusualPlace = UnusualPlaceRule.State()
        public var unusualHour = UnusualHourRule.State()
        public var unusualAmount = UnusualAmountRule.State()
        public var amountRun = AmountRunRule.State()
        public var overDailySpend = OverSpendRule.State()
        public var overMonthlySpend = OverSpendRule.State()
        /// Bursts and card testing (one rule).
        public var burst = BurstRule.State()

        /// The state of a client with no transactions yet.
        public init() {}
    }

    /// The hits of every enabled rule on one transaction of a client (`row` is only carried into the hits), judged
    /// against the client's earlier transactions in `state`, which then takes it into account; in detector order,
    /// exactly the hits `hits(client:of:)` gives for that row when `state` has seen the client's earlier rows.
    /// `categoryName` names a category id for the reasons (nil for an id it does not know).
    public func hits(_ event: TransactionEvent, row: Int, state: inout ClientState,
                     categoryName: (Int32) -> String?) -> [RuleHit] {
        var hits: [RuleHit] = []
        step(event, row: row, state: &state, categoryName: categoryName, into: &hits)
        return hits
    }

    /// `hits(_:row:state:categoryName:)`, appending to `hits`.
    func step(_ event: TransactionEvent, row: Int, state: inout ClientState, categoryName: (Int32) -> String?,
              into hits: inout [RuleHit]) {
        let start = hits.count
        if runs.travel, let f = travel.step(event, row: row, state: &state.impossibleTravel) {
            hits.append(RuleHit(row: row, detector: .impossibleTravel, score: f.score, reason: travel.reason(for: f)))
        }
        if runs.place, let f = place.step(event, row: row, state: &state.unusualPlace) {
            hits.append(RuleHit(row: row, detector: .unusualPlace, score: f.score, reason: place.reason(for: f)))
        }
        if runs.hour, let f = hour.step(event, row: row, state: &state.unusualHour) {
            hits.append(RuleHit(row: row, detector: .unusualHour, score: f.score, reason: hour.reason(for: f)))
        }
        // The client's usual largest charge before this one, for the population's rule (only for a charge it may flag).
        let usual = runs.categoryAmount && runs.amount && categoryAmount.mayFlag(event.amountMinor)
            ? state.unusualAmount.usualLargest(amount.parameters) : nil
        if runs.amount || runs.amountRun {
            // The run of large charges builds on how the amount rule judged this one.
            var judgement: UnusualAmountRule.Judgement?
            if let f = amount.step(event, row: row, state: &state.unusualAmount, judgement: &judgement), runs.amount {
                hits.append(RuleHit(row: row, detector: .unusualAmount, score: f.score,
                                    reason: amount.reason(for: f, categoryName: categoryName, currency: currency)))
            }
            if runs.amountRun, let f = amountRun.step(event, row: row, judgement: judgement, state: &state.amountRun) {
                hits.append(RuleHit(row: row, detector: .amountRun, score: f.score,
                                    reason: amountRun.reason(for: f, currency: currency)))
            }
        }
        if runs.categoryAmount, let f = categoryAmount.judge(event, row: row, clientUsual: usual, categoryName: categoryName) {
            hits.append(RuleHit(row: row, detector: .categoryAmount, score: f.score,
                                reason: categoryAmount.reason(for: f, categoryName: categoryName, currency: currency)))
        }
        if runs.daySpend, let f = daySpend.step(event, row: row, state: &state.overDailySpend) {
            hits.append(RuleHit(row: row, detector: .overDailySpend, score: f.score,
                                reason: daySpend.reason(for: f, currency: currency)))
        }
        if runs.monthSpend, let f = monthSpend.step(event, row: row, state: &state.overMonthlySpend) {
            hits.append(RuleHit(row: row, detector: .overMonthlySpend, score: f.score,
                                reason: monthSpend.reason(for: f, currency: currency)))
        }
        if runs.burst || runs.cardTesting,
           let f = bursts.step(event, row: row, state: &state.burst) {
            let detector: Detector = f.kind == .cardTesting ? .cardTesting : .burst
            if f.kind == .cardTesting ? runs.cardTesting : runs.burst {
                hits.append(RuleHit(row: row, detector: detector, score: f.score, reason: bursts.reason(for: f, currency: currency)))
            }
        }
        // One hit per detector at most: put this transaction's in detector order.
        if hits.count - start > 1 { hits[start...].sort { $0.detector < $1.detector } }
    }

    /// The hits of every enabled rule on client `client` of `columns`, by row then detector order: the client's rows
    /// stepped through one `ClientState` from empty.
    public func hits(client: Int, of columns: TransactionColumns) -> [RuleHit] {
        var hits: [RuleHit] = []
        var state = ClientState()
        let names = columns.categoryNames
        let categoryName = { (id: Int32) -> String? in id >= 0 && Int(id) < names.count ? names[Int(id)] : nil }
        for row in columns.rows(ofClient: client) {
            step(TransactionEvent(row: row, of: columns), row: row, state: &state, categoryName: categoryName, into: &hits)
        }
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
