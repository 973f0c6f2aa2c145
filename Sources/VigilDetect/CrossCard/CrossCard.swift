import Foundation
import VigilCore

/// One transaction as the cross-card detectors see it. Merchant and client are ids in vocabularies the caller keeps
/// fixed for the life of the state that sees the event; only their equality matters.
public struct CrossCardEvent: Sendable, Equatable {
    /// The transaction's store id, which outcomes name it by.
    public var key: Int64
    public var instant: Int64
    public var amountMinor: Int64
    public var merchant: Int32
    public var client: Int32

    public init(key: Int64, instant: Int64, amountMinor: Int64, merchant: Int32, client: Int32) {
        self.key = key
        self.instant = instant
        self.amountMinor = amountMinor
        self.merchant = merchant
        self.client = client
    }
}

/// The detectors that look across cards, at one merchant (terminal) at a time: what no card's own history shows.
///
/// - **Risky merchant** (`merchant_risk`): several cards used at the merchant lately were confirmed fraud, far more
///   than across all merchants — the start of common-point-of-purchase analysis. Smoothed towards the population, so
///   one outcome at a quiet merchant is not certainty, and fading once the merchant's fraud stops.
/// - **Exposed card** (`card_exposure`): the card was used at a merchant where, within days of that visit, several
///   other cards were confirmed fraud: a skimmed terminal or breached shop exposes every card used there.
/// - **Merchant surge** (`merchant_surge`), label-free: a merchant suddenly seen by many cards new to it, or many cards
///   making tiny charges at it within the hour (card testing run through one merchant).
///
/// The first two learn from outcomes, and only causally: `learn(_:state:)` takes an outcome in, and the caller
/// applies an outcome before a transaction only when it became known before the transaction's instant. Transactions
/// are stepped in time order (a scan sorts them; live scoring takes them as they arrive).
public struct CrossCard: Sendable {
    public struct Parameters: Sendable, Equatable, Codable {
        /// How far back a merchant's confirmed fraud counts: compromises run for weeks and chargebacks take days to
        /// weeks to arrive, so a month holds the evidence of one compromise without remembering last season's.
        public var riskWindowDays = 30.0
        /// Fraud cards a merchant needs before it counts as risky: one card's spree at one shop is that card's story.
        public var riskMinimumCards = 2
        /// Pseudo-transactions at the population's rate that a merchant's share is smoothed with.
        public var riskPrior = 10.0
        /// The risk, as a multiple of the population's fraud rate, that scores 1 (log scale from `riskLift`).
        public var riskSaturation = 100.0
        /// The least multiple of the population's rate that flags.
        public var riskLift = 3.0
        /// Fraud found only this long after it happened is fresh (chargebacks take about a week); beyond it, the
        /// evidence halves every `riskHalfLifeDays` since the merchant's latest fraud, and again for each transaction
        /// there confirmed genuine since.
        public var riskFreshDays = 7.0
        public var riskHalfLifeDays = 7.0
        /// A card's visits this far back count for exposure.
        public var exposureLookbackDays = 30.0
        /// Other cards' fraud within this many days either side of the card's visit counts against that visit.
        public var exposureSpanDays = 7.0
        /// Other fraud cards needed around a visit before the card counts as exposed.
        public var exposureMinimumCards = 3
        /// Distinct merchants a card's exposure remembers (its most recent).
        public var exposureVisits = 64
        /// A charge at most this (minor units) is a test charge; this many distinct cards making one at a merchant
        /// within `testingWindowMinutes` is card testing through it.
        public var testingMaximumMinor: Int64 = 200
        public var testingMinimumCards = 5
        public var testingWindowMinutes = 60.0
        /// New cards at a merchant within a day: flagged when at least this many and improbable (Poisson tail below
        /// `surgeProbability`) against the merchant's daily rate of new cards over the `surgeBaselineDays` before.
        /// Only a merchant that has seen `surgeMatureCards` cards is judged: one still gathering its clientele
        /// (a new shop, or a data set's first months) gains new cards in leaps that are no surge.
        public var surgeMinimumCards = 10
        /// Counts of new cards are overdispersed (a merchant's busy days cluster), so a Poisson tail alone is too thin:
        /// the day must also bring `surgeFactor` times the usual rate.
        public var surgeProbability = 1e-6
        public var surgeFactor = 5.0
        public var surgeBaselineDays = 28.0
        public var surgeMatureCards = 100

        public init() {}
    }

    public let parameters: Parameters
    public let currency: String
    /// Which of the three run.
    public let enabled: Set<Detector>
    let runsRisk: Bool, runsExposure: Bool, runsSurge: Bool

    public static let detectors: [Detector] = [.merchantRisk, .merchantSurge, .cardExposure]

    public init(parameters: Parameters = Parameters(), currency: String = "USD", enabled: Set<Detector> = Set(CrossCard.detectors)) {
        self.parameters = parameters
        self.currency = currency
        self.enabled = enabled
        runsRisk = enabled.contains(.merchantRisk)
        runsExposure = enabled.contains(.cardExposure)
        runsSurge = enabled.contains(.merchantSurge)
    }

    var riskWindow: Int64 { Int64(parameters.riskWindowDays * 86_400) }
    var exposureSpan: Int64 { Int64(parameters.exposureSpanDays * 86_400) }
    /// How long a transaction is remembered for the outcomes that may name it.
    var horizon: Int64 { max(riskWindow, Int64(parameters.exposureLookbackDays * 86_400) + exposureSpan) }

    /// A confirmed fraud at a merchant.
    struct Fraud: Sendable, Equatable {
        var instant: Int64
        var client: Int32
        var key: Int64
    }

    struct MerchantState: Sendable {
        /// Instants of its transactions within the risk window, oldest first (from `head`).
        var recent: [Int64] = []
        var head = 0
        /// Its transactions with a fraud outcome known, by instant, within the horizon.
        var frauds: [Fraud] = []
        /// Its transactions with a genuine outcome known (instant, key), within the horizon, in the order learnt.
        var genuine: [(instant: Int64, key: Int64)] = []
        /// Cards ever seen there, and when it was first seen (set by its first transaction).
        var cards: Set<Int32> = []
        var firstInstant: Int64 = 0
        /// Instants at which a card new to it appeared within the baseline and the last day (from `newHead`), those
        /// of the last day from `dayHead`.
        var newCards: [Int64] = []
        var newHead = 0
        var dayHead = 0
        /// Test-sized charges within the testing window, oldest first (from `testHead`).
        var tests: [(instant: Int64, client: Int32)] = []
        var testHead = 0

        var recentCount: Int { recent.count - head }
    }

    struct Seen: Sendable {
        var merchant: Int32
        var client: Int32
        var instant: Int64
        var fraud = false
        var genuine = false
    }

    /// Everything the three detectors remember between transactions, across all merchants and cards.
    public struct State: Sendable {
        /// By merchant id, and each card's recent merchants with its latest visit there (oldest first) by client id:
        /// arrays, so that a step changes them in place.
        var merchants: [MerchantState] = []
        var visits: [[(merchant: Int32, instant: Int64)]] = []
        /// Transactions within the horizon, for the outcomes that name them; `order` keeps them by arrival to forget.
        var seen: [Int64: Seen] = [:]
        var order: [Int64] = []
        var orderHead = 0
        /// Of `seen`, how many have a fraud outcome: the population's rate is `knownFraud / seen.count`.
        var knownFraud = 0
        /// Outcomes taken in and ignored because they named a transaction unseen or forgotten.
        public internal(set) var ignoredOutcomes = 0

        public init() {}
    }

    /// Takes an outcome in: from now on the transaction counts as fraud (or not). An outcome for a transaction not
    /// seen, or seen longer ago than the detectors look back, is counted as ignored.
    public func learn(_ event: OutcomeEvent, state: inout State) {
        guard var seen = state.seen[event.transactionID] else {
            state.ignoredOutcomes += 1
            return
        }
        let fraud = event.outcome == .fraud, genuine = event.outcome == .genuine
        let m = Int(seen.merchant)
        if genuine != seen.genuine {
            if genuine {
                state.merchants[m].genuine.append((seen.instant, event.transactionID))
            } else {
                state.merchants[m].genuine.removeAll { $0.key == event.transactionID }
            }
            seen.genuine = genuine
            state.seen[event.transactionID] = seen
        }
        guard fraud != seen.fraud else { return }
        seen.fraud = fraud
        state.seen[event.transactionID] = seen
        state.knownFraud += fraud ? 1 : -1
        if fraud {
            let entry = Fraud(instant: seen.instant, client: seen.client, key: event.transactionID)
            let at = state.merchants[m].frauds.firstIndex { ($0.instant, $0.key) > (entry.instant, entry.key) }
                ?? state.merchants[m].frauds.count
            state.merchants[m].frauds.insert(entry, at: at)
        } else {
            state.merchants[m].frauds.removeAll { $0.key == event.transactionID }
        }
    }

    /// Judges `event` against what the state holds (transactions before it and outcomes known so far), then takes it
    /// in. The hits carry `row`, in detector order. `merchantName` names a merchant id for the reasons.
    public func step(_ event: CrossCardEvent, row: Int, state: inout State, merchantName: (Int32) -> String) -> [RuleHit] {
        forget(before: event.instant, state: &state)
        let m = Int(event.merchant)
        while state.merchants.count <= m { state.merchants.append(MerchantState()) }
        while state.visits.count <= Int(event.client) { state.visits.append([]) }
        if state.merchants[m].cards.isEmpty { state.merchants[m].firstInstant = event.instant }
        prune(&state.merchants[m], at: event.instant)
        var hits: [RuleHit] = []
        if runsRisk, let hit = risk(event, state: state, row: row, merchantName: merchantName) { hits.append(hit) }
        let isNew = state.merchants[m].cards.insert(event.client).inserted
        if isNew { state.merchants[m].newCards.append(event.instant) }
        if event.amountMinor > 0 && event.amountMinor <= parameters.testingMaximumMinor {
            state.merchants[m].tests.append((event.instant, event.client))
        }
        if runsSurge, let hit = surge(event, merchant: state.merchants[m], isNew: isNew, row: row, merchantName: merchantName) {
            hits.append(hit)
        }
        if runsExposure, let hit = exposure(event, state: state, row: row, merchantName: merchantName) { hits.append(hit) }
        state.merchants[m].recent.append(event.instant)
        remember(event, state: &state)
        return hits
    }

    /// Drops what has aged out of every window for this merchant.
    func prune(_ merchant: inout MerchantState, at instant: Int64) {
        while merchant.head < merchant.recent.count && merchant.recent[merchant.head] < instant - riskWindow { merchant.head += 1 }
        if merchant.head > 64 && merchant.head * 2 > merchant.recent.count {
            merchant.recent.removeFirst(merchant.head)
            merchant.head = 0
        }
        if let first = merchant.frauds.first, first.instant < instant - horizon {
            merchant.frauds.removeAll { $0.instant < instant - horizon }
        }
        if merchant.genuine.count > 64, merchant.genuine.contains(where: { $0.instant < instant - horizon }) {
            merchant.genuine.removeAll { $0.instant < instant - horizon }
        }
        let baseline = Int64(parameters.surgeBaselineDays * 86_400) + 86_400
        while merchant.newHead < merchant.newCards.count && merchant.newCards[merchant.newHead] <= instant - baseline {
            merchant.newHead += 1
        }
        merchant.dayHead = max(merchant.dayHead, merchant.newHead)
        while merchant.dayHead < merchant.newCards.count && merchant.newCards[merchant.dayHead] <= instant - 86_400 {
            merchant.dayHead += 1
        }
        if merchant.newHead > 64 && merchant.newHead * 2 > merchant.newCards.count {
            merchant.newCards.removeFirst(merchant.newHead)
            merchant.dayHead -= merchant.newHead
            merchant.newHead = 0
        }
        let testing = Int64(parameters.testingWindowMinutes * 60)
        while merchant.testHead < merchant.tests.count && merchant.tests[merchant.testHead].instant <= instant - testing {
            merchant.testHead += 1
        }
        if merchant.testHead > 64 && merchant.testHead * 2 > merchant.tests.count {
            merchant.tests.removeFirst(merchant.testHead)
            merchant.testHead = 0
        }
    }

    /// Forgets transactions older than the horizon: outcomes naming them are ignored from then on.
    func forget(before instant: Int64, state: inout State) {
        while state.orderHead < state.order.count {
            let key = state.order[state.orderHead]
            guard let seen = state.seen[key] else {
                state.orderHead += 1
                continue
            }
            guard seen.instant < instant - horizon else { break }
            if seen.fraud { state.knownFraud -= 1 }
            state.seen[key] = nil
            state.orderHead += 1
        }
        if state.orderHead > 4_096 && state.orderHead * 2 > state.order.count {
            state.order.removeFirst(state.orderHead)
            state.orderHead = 0
        }
    }

    func remember(_ event: CrossCardEvent, state: inout State) {
        if state.seen.updateValue(Seen(merchant: event.merchant, client: event.client, instant: event.instant), forKey: event.key) == nil {
            state.order.append(event.key)
        }
        guard runsExposure else { return }
        let c = Int(event.client)
        let lookback = Int64(parameters.exposureLookbackDays * 86_400)
        state.visits[c].removeAll { $0.merchant == event.merchant || $0.instant < event.instant - lookback }
        state.visits[c].append((event.merchant, event.instant))
        if state.visits[c].count > parameters.exposureVisits { state.visits[c].removeFirst(state.visits[c].count - parameters.exposureVisits) }
    }

    /// The population's share of transactions with a fraud outcome known, among those remembered.
    func populationRate(_ state: State) -> Double {
        Double(max(1, state.knownFraud)) / Double(max(1, state.seen.count))
    }

    /// What a risky merchant's reason quotes.
    public struct RiskFinding: Sendable, Equatable {
        public var fraudCards: Int
        public var transactions: Int
        public var share: Double
        public var population: Double
        public var latestFraud: Int64
        public var score: Double
    }

    func riskFinding(_ event: CrossCardEvent, state: State) -> RiskFinding? {
        let merchant = state.merchants[Int(event.merchant)]
        let from = event.instant - riskWindow
        var cards: Set<Int32> = []
        var latest = Int64.min
        for fraud in merchant.frauds where fraud.instant >= from && fraud.instant < event.instant {
            cards.insert(fraud.client)
            latest = max(latest, fraud.instant)
        }
        guard cards.count >= parameters.riskMinimumCards else { return nil }
        let population = populationRate(state)
        let transactions = merchant.recentCount
        let smoothed = (Double(cards.count) + parameters.riskPrior * population) / (Double(transactions) + parameters.riskPrior)
        let lift = smoothed / population
        guard lift >= parameters.riskLift else { return nil }
        let strength = min(1, log(lift) / log(parameters.riskSaturation))
        let staleDays = max(0, Double(event.instant - latest) / 86_400 - parameters.riskFreshDays)
        // Each transaction there confirmed genuine since its latest fraud halves the risk again: the merchant's
        // newest known outcomes say the compromise is over, sooner than its age alone can.
        let genuineSince = merchant.genuine.reduce(0) { $0 + ($1.instant > latest && $1.instant < event.instant ? 1 : 0) }
        let score = strength * pow(0.5, staleDays / parameters.riskHalfLifeDays + Double(genuineSince))
        guard score > 0.01 else { return nil }
        return RiskFinding(fraudCards: cards.count, transactions: transactions, share: Double(cards.count) / Double(max(1, transactions)),
                           population: population, latestFraud: latest, score: score)
    }

    func risk(_ event: CrossCardEvent, state: State, row: Int, merchantName: (Int32) -> String) -> RuleHit? {
        guard let finding = riskFinding(event, state: state) else { return nil }
        return RuleHit(row: row, detector: .merchantRisk, score: finding.score,
                       reason: Self.riskReason(finding, merchant: merchantName(event.merchant), windowDays: parameters.riskWindowDays))
    }

    /// "T03156: 5 cards used there in the last 30 days were confirmed fraud (5 of its 31 transactions, 16 % against
    /// 0.6 % across all merchants; the latest on 2026-04-02)".
    public static func riskReason(_ f: RiskFinding, merchant: String, windowDays: Double) -> String {
        "\(merchant): \(f.fraudCards) cards used there in the last \(Int(windowDays.rounded())) days were confirmed fraud "
            + "(of its \(f.transactions) transactions there; \(percent(f.share)) against \(percent(f.population)) across all "
            + "merchants; the latest on \(CivilTime.formatDate(f.latestFraud)))"
    }

    /// What an exposed card's reason quotes.
    public struct ExposureFinding: Sendable, Equatable {
        public var merchant: Int32
        public var visited: Int64
        public var fraudCards: Int
        public var score: Double
    }

    func exposure(_ event: CrossCardEvent, state: State, row: Int, merchantName: (Int32) -> String) -> RuleHit? {
        var best: ExposureFinding?
        for visit in state.visits[Int(event.client)] where visit.merchant != event.merchant && visit.instant < event.instant {
            let frauds = state.merchants[Int(visit.merchant)].frauds
            guard frauds.count >= parameters.exposureMinimumCards else { continue }
            var cards: Set<Int32> = []
            for fraud in frauds where fraud.client != event.client && abs(fraud.instant - visit.instant) <= exposureSpan {
                cards.insert(fraud.client)
            }
            guard cards.count >= parameters.exposureMinimumCards else { continue }
            if best == nil || cards.count > best!.fraudCards || (cards.count == best!.fraudCards && visit.instant > best!.visited) {
                best = ExposureFinding(merchant: visit.merchant, visited: visit.instant, fraudCards: cards.count,
                                       score: 1 - Double(parameters.exposureMinimumCards - 1) / Double(cards.count))
            }
        }
        guard let best else { return nil }
        return RuleHit(row: row, detector: .cardExposure, score: best.score,
                       reason: Self.exposureReason(best, merchant: merchantName(best.merchant), spanDays: parameters.exposureSpanDays))
    }

    /// "used at T03156 on 2026-04-02; 14 other cards used there within 7 days of that were confirmed fraud".
    public static func exposureReason(_ f: ExposureFinding, merchant: String, spanDays: Double) -> String {
        "used at \(merchant) on \(CivilTime.formatDate(f.visited)); \(f.fraudCards) other cards used there within "
            + "\(Int(spanDays.rounded())) days of that were confirmed fraud"
    }

    /// What a merchant surge's reason quotes.
    public struct SurgeFinding: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// `cards` new to the merchant within a day, against `usual` a day before.
            case newCards(cards: Int, usual: Double)
            /// `cards` making test-sized charges within the testing window.
            case testing(cards: Int)
        }
        public var kind: Kind
        public var score: Double
    }

    func surge(_ event: CrossCardEvent, merchant: MerchantState, isNew: Bool, row: Int, merchantName: (Int32) -> String) -> RuleHit? {
        var best: SurgeFinding?
        if event.amountMinor > 0 && event.amountMinor <= parameters.testingMaximumMinor {
            var cards: Set<Int32> = []
            for test in merchant.tests[merchant.testHead...] { cards.insert(test.client) }
            if cards.count >= parameters.testingMinimumCards {
                let excess = Double(cards.count - parameters.testingMinimumCards + 1)
                best = SurgeFinding(kind: .testing(cards: cards.count), score: 1 - exp(-excess / 3))
            }
        }
        let baselineDays = min(parameters.surgeBaselineDays, Double(event.instant - 86_400 - merchant.firstInstant) / 86_400)
        let recent = merchant.newCards.count - merchant.dayHead
        if isNew, baselineDays >= parameters.surgeBaselineDays, merchant.cards.count - recent >= parameters.surgeMatureCards,
           recent >= parameters.surgeMinimumCards {
            let usual = Double(merchant.dayHead - merchant.newHead) / baselineDays
            let tail = BurstRule.tail(atLeast: recent, mean: usual)
            if tail < parameters.surgeProbability && Double(recent) >= parameters.surgeFactor * usual {
                let score = min(1, (-log10(max(tail, 1e-300)) + log10(parameters.surgeProbability)) / 6 + 0.2)
                if best == nil || score > best!.score { best = SurgeFinding(kind: .newCards(cards: recent, usual: usual), score: score) }
            }
        }
        guard let best else { return nil }
        return RuleHit(row: row, detector: .merchantSurge, score: best.score,
                       reason: Self.surgeReason(best, merchant: merchantName(event.merchant), currency: currency,
                                                testingMaximumMinor: parameters.testingMaximumMinor,
                                                testingMinutes: parameters.testingWindowMinutes))
    }

    /// "T03156: 23 cards new to it in the last 24 hours, against 1.2 a day before" or "T03156: 7 cards made charges
    /// of $2.00 or less there in the last 60 minutes (card testing through one merchant)".
    public static func surgeReason(_ f: SurgeFinding, merchant: String, currency: String, testingMaximumMinor: Int64,
                                   testingMinutes: Double) -> String {
        switch f.kind {
        case .newCards(let cards, let usual):
            return "\(merchant): \(cards) cards new to it in the last 24 hours, against " + String(format: "%.1f", usual)
                + " a day before"
        case .testing(let cards):
            return "\(merchant): \(cards) cards made charges of \(Money(minorUnits: testingMaximumMinor, currency: currency)) or "
                + "less there in the last \(Int(testingMinutes.rounded())) minutes (card testing through one merchant)"
        }
    }

    /// "16 %", "0.6 %": a share as the cross-card reasons quote it.
    public static func percent(_ share: Double) -> String {
        share >= 0.1 ? String(format: "%.0f %%", share * 100) : String(format: "%.1f %%", share * 100)
    }
}
