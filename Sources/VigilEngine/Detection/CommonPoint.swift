import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// Common point of purchase (CPP): from the cards confirmed fraud, the merchants they shared in the days before each
/// card's first fraud, ranked, with the other cards that were there in the same weeks ("exposed"). `merchant_risk`
/// scores the transactions at such a merchant as they happen; this is the analyst's view of the same evidence, from
/// the same outcomes (`Store.outcomeEvents()`), windows and smoothing (`CrossCard.Parameters`).
public enum CommonPointOfPurchase {
    public struct Options: Sendable, Equatable {
        /// A fraud card's visits this many days before its first fraud (and that day's own) count: the cross-card
        /// risk window, a month, which holds one compromise's evidence.
        public var days: Double
        /// Only outcomes known at or before this instant count, and only transactions up to it: what was known then.
        /// Nil: everything the store holds.
        public var asOf: Int64?
        /// Evaluation on labelled data: the store's fraud labels taken as confirmed this many days after each
        /// transaction, as `vigil scan --feedback-delay` takes them.
        public var feedbackDelayDays: Double?
        /// Pseudo-cards at the chance rate a merchant's share is smoothed with, and the fraud cards a merchant needs
        /// (`merchant_risk`'s prior and minimum: one card's story at one shop is no common point).
        public var prior: Double
        public var minimumCards: Int
        /// A card there this many days either side of the fraud cards' visits counts as exposed (`card_exposure`'s span).
        public var exposureSpanDays: Double

        public init(days: Double? = nil, asOf: Int64? = nil, feedbackDelayDays: Double? = nil,
                    parameters: CrossCard.Parameters = CrossCard.Parameters()) {
            self.days = days ?? parameters.riskWindowDays
            self.asOf = asOf
            self.feedbackDelayDays = feedbackDelayDays
            prior = parameters.riskPrior
            minimumCards = parameters.riskMinimumCards
            exposureSpanDays = parameters.exposureSpanDays
        }
    }

    /// A card confirmed fraud that visited the merchant in the days before its first fraud.
    public struct FraudCard: Sendable, Equatable {
        public var card: String
        /// Its latest visit there before (or at) its first fraud.
        public var visited: Int64
        public var firstFraud: Int64
    }

    /// A card with no fraud known that was at the merchant while it was likely compromised.
    public struct ExposedCard: Sendable, Equatable {
        public var card: String
        /// Its latest visit there within the exposure window (the transaction and its instant), and how many
        /// visits it made there in it.
        public var transactionID: Int64
        public var visited: Int64
        public var visits: Int
    }

    /// One merchant the fraud cards shared.
    public struct Merchant: Sendable, Equatable {
        public var merchant: String
        /// By visit, earliest first.
        public var fraudCards: [FraudCard]
        public var exposedCards: [ExposedCard]
        /// Distinct cards there from the first fraud card's visit to the last: the likely compromise window.
        public var cardsThere: Int
        public var firstVisit: Int64
        public var lastVisit: Int64
        /// `fraudCards / cardsThere`; the chance a card seen on a day is within `days` of its first fraud; the
        /// smoothed share over that chance; the score the ranking is by.
        public var share: Double
        public var chance: Double
        public var lift: Double
        public var score: Double
    }

    public struct Report: Sendable, Equatable {
        public var options: Options
        /// Cards confirmed fraud (as of `options.asOf`), cards seen, and the chance rate.
        public var fraudCards: Int
        public var cards: Int
        public var chance: Double
        /// Ranked, highest score first.
        public var merchants: [Merchant]
    }

    /// The merchants `store`'s confirmed-fraud cards shared, ranked.
    public static func analyse(_ store: Store, options: Options = Options()) throws -> Report {
        analyse(try store.merchantVisits(), events: try store.outcomeEvents(), options: options)
    }

    /// The analysis over visits already read and outcome events in application order.
    ///
    /// With f fraud cards at a merchant in the `days` before their first fraud, n distinct cards there from the first
    /// of those visits to the last, and c the chance rate (fraud cards × `days` / (cards × days of data): the chance
    /// that a card seen on any day is within `days` of its first fraud), the merchant's share is smoothed towards
    /// chance as `merchant_risk`'s is, `r = (f + prior · c) / (n + prior)`, so that two fraud cards at a quiet shop are
    /// not a compromise; the lift is `r / c` and the score `f · ln(lift)`: the evidence each fraud card adds, so that
    /// many fraud cards at a merchant where nearly every card became fraud rank first. Merchants with fewer than
    /// `minimumCards` fraud cards, or a lift of 1 or less, are left out.
    public static func analyse(_ visits: MerchantVisits, events: [OutcomeEvent], options: Options) -> Report {
        let now = options.asOf ?? .max
        let lookback = Int64(options.days * 86_400)
        let span = Int64(options.exposureSpanDays * 86_400)

        // What is known now: each transaction's standing word, the labels joining as a late feed when asked.
        var known = events.filter { $0.knownAt <= now }
        if let delay = options.feedbackDelayDays {
            let seconds = Int64(delay * 86_400)
            for row in 0..<visits.count where visits.labels[row] == 1 && visits.instants[row] + seconds <= now {
                known.append(OutcomeEvent(transactionID: visits.ids[row], knownAt: visits.instants[row] + seconds,
                                          outcome: .fraud, source: .delayedLabel))
            }
            known = OutcomeEvent.inApplicationOrder(known)
        }
        let fraud = Set(Store.currentOutcomes(known).compactMap { $0.value == .fraud ? $0.key : nil })

        // Each card's first fraud, the cards seen and the days of data.
        var firstFraud = [Int64](repeating: .max, count: visits.clientIDs.count)
        var seen = [Bool](repeating: false, count: visits.clientIDs.count)
        var earliest = Int64.max, latest = Int64.min
        for row in 0..<visits.count where visits.instants[row] <= now {
            let client = Int(visits.clients[row]), instant = visits.instants[row]
            seen[client] = true
            earliest = min(earliest, instant)
            latest = max(latest, instant)
            if !fraud.isEmpty, fraud.contains(visits.ids[row]) { firstFraud[client] = min(firstFraud[client], instant) }
        }
        let fraudCards = firstFraud.reduce(0) { $0 + ($1 == .max ? 0 : 1) }
        let cards = seen.reduce(0) { $0 + ($1 ? 1 : 0) }
        let dataDays = max(options.days, cards == 0 ? 0 : Double(latest - earliest) / 86_400)
        let chance = cards == 0 ? 0 : min(1, Double(fraudCards) * options.days / (Double(cards) * dataDays))
        guard fraudCards > 0, chance > 0 else {
            return Report(options: options, fraudCards: fraudCards, cards: cards, chance: chance, merchants: [])
        }

        // The fraud cards' visits in the days before their first fraud, by merchant.
        var fraudVisits: [Int32: [(instant: Int64, client: Int32)]] = [:]
        for row in 0..<visits.count {
            let first = firstFraud[Int(visits.clients[row])], instant = visits.instants[row]
            guard first != .max, instant <= first, instant >= first - lookback else { continue }
            fraudVisits[visits.merchants[row], default: []].append((instant, visits.clients[row]))
        }
        // Each merchant's likely compromise window: the `days` in which the most fraud cards visited it (a card
        // visits its usual shops all year; the shop where it was skimmed shows as a crowd of them within weeks).
        struct Shared {
            var cards: [Int32: Int64] = [:]
            var first = Int64.max
            var last = Int64.min
        }
        var shared: [Int32: Shared] = [:]
        for (merchant, list) in fraudVisits {
            var distinct = Set<Int32>()
            for visit in list { distinct.insert(visit.client) }
            guard distinct.count >= options.minimumCards else { continue }
            let sorted = list.sorted { ($0.instant, $0.client) < ($1.instant, $1.client) }
            var inWindow: [Int32: Int] = [:]
            var left = 0, best = (cards: 0, from: 0, to: 0)
            for right in sorted.indices {
                inWindow[sorted[right].client, default: 0] += 1
                while sorted[right].instant - sorted[left].instant > lookback {
                    inWindow[sorted[left].client]! -= 1
                    if inWindow[sorted[left].client] == 0 { inWindow[sorted[left].client] = nil }
                    left += 1
                }
                if inWindow.count > best.cards { best = (inWindow.count, left, right) }
            }
            guard best.cards >= options.minimumCards else { continue }
            var s = Shared()
            for visit in sorted[best.from...best.to] {
                s.cards[visit.client] = max(s.cards[visit.client] ?? .min, visit.instant)
                s.first = min(s.first, visit.instant)
                s.last = max(s.last, visit.instant)
            }
            shared[merchant] = s
        }

        // Every card at those merchants in the compromise window (for the share) or near it (the exposed). A card
        // already confirmed fraud before its visit tells nothing of the merchant and is not counted.
        var windows = [(from: Int64, to: Int64)](repeating: (.max, .min), count: visits.merchantNames.count)
        for (merchant, s) in shared { windows[Int(merchant)] = (s.first - span, min(now, s.last + span)) }
        var there: [Int32: Set<Int32>] = [:]
        var exposed: [Int32: [Int32: (visited: Int64, transaction: Int64, visits: Int)]] = [:]
        for row in 0..<visits.count {
            let merchant = visits.merchants[row], instant = visits.instants[row]
            let window = windows[Int(merchant)]
            guard instant >= window.from, instant <= window.to else { continue }
            let client = visits.clients[row], first = firstFraud[Int(client)]
            let s = shared[merchant]!
            if instant >= s.first && instant <= s.last && first >= instant { there[merchant, default: []].insert(client) }
            if first == .max {
                let before = exposed[merchant]?[client]
                var card = before ?? (visited: instant, transaction: visits.ids[row], visits: 0)
                if instant >= card.visited { (card.visited, card.transaction) = (instant, visits.ids[row]) }
                card.visits += 1
                exposed[merchant, default: [:]][client] = card
            }
        }

        var merchants: [Merchant] = []
        for (merchant, s) in shared {
            let f = Double(s.cards.count), n = Double(there[merchant]?.count ?? s.cards.count)
            let lift = (f + options.prior * chance) / (n + options.prior) / chance
            guard lift > 1 else { continue }
            let fraudList = s.cards.map { FraudCard(card: visits.clientIDs[Int($0.key)], visited: $0.value, firstFraud: firstFraud[Int($0.key)]) }
                .sorted { ($0.visited, $0.card) < ($1.visited, $1.card) }
            let exposedList = (exposed[merchant] ?? [:]).map {
                ExposedCard(card: visits.clientIDs[Int($0.key)], transactionID: $0.value.transaction, visited: $0.value.visited,
                            visits: $0.value.visits)
            }.sorted { ($0.visited, $0.card) < ($1.visited, $1.card) }
            merchants.append(Merchant(merchant: visits.merchantNames[Int(merchant)], fraudCards: fraudList, exposedCards: exposedList,
                                      cardsThere: Int(n), firstVisit: s.first, lastVisit: s.last, share: f / n, chance: chance,
                                      lift: lift, score: f * log(lift)))
        }
        merchants.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.fraudCards.count != b.fraudCards.count { return a.fraudCards.count > b.fraudCards.count }
            return a.merchant < b.merchant
        }
        return Report(options: options, fraudCards: fraudCards, cards: cards, chance: chance, merchants: merchants)
    }

    /// "14 of the 15 cards there 2018-04-02 – 2018-04-20 were confirmed fraud within 30 days (93 % against 13 % by
    /// chance, 6.1×)": why a merchant ranks where it does, worded once for the command and the workbench.
    public static func reason(_ m: Merchant, days: Double) -> String {
        "\(m.fraudCards.count) of the \(m.cardsThere) cards there \(window(m)) were confirmed fraud within "
            + "\(Int(days.rounded())) days (\(CrossCard.percent(m.share)) against \(CrossCard.percent(m.chance)) by chance, "
            + String(format: "%.1f", m.lift) + "×)"
    }

    /// The detector name of the alerts raised on exposed cards' visits (`Store.raiseExposureAlerts`), as their
    /// reasons store it, and its title, as the case queue's leading reasons word it.
    public static let detector = "cpp"
    public static let title = "common point of purchase"

    /// What the alert on an exposed card's visit scores: the merchant's smoothed share of cards that turned out
    /// fraud (`lift × chance`), the chance that a card there was compromised.
    public static func exposureScore(_ m: Merchant) -> Double { min(1, m.lift * m.chance) }

    /// The alert reason on an exposed card's visit to `m`: "exposed at Fuel 9 on 2024-01-16, where 10 cards confirmed
    /// fraud shopped 2024-01-11 – 2024-01-20 before their fraud (83 % of the cards there, 4.0× chance)". Worded here
    /// alone: the alert, its case, the queue, the report and the audit event all carry it.
    public static func exposureReason(_ m: Merchant, card: ExposedCard) -> AlertReason {
        let visits = card.visits > 1 ? " (\(card.visits) visits)" : ""
        let text = "exposed at \(m.merchant) on \(CivilTime.formatDate(card.visited))\(visits), where \(m.fraudCards.count) "
            + "cards confirmed fraud shopped \(window(m)) before their fraud (\(CrossCard.percent(m.share)) of the cards there, "
            + String(format: "%.1f", m.lift) + "× chance)"
        let score = exposureScore(m)
        return AlertReason(detector: detector, score: score, contribution: score, text: text)
    }

    /// An alert for each of `m`'s exposed cards, on its latest visit there, for `Store.raiseExposureAlerts`.
    public static func exposureAlerts(_ m: Merchant) -> [AlertCandidate] {
        m.exposedCards.map { card in
            let reason = exposureReason(m, card: card)
            return AlertCandidate(transactionID: card.transactionID, score: reason.score, reasons: [reason])
        }
    }

    /// "open cases for 3 exposed cards at Fuel 9 (2 new alerts)? y/n": asked before the alerts are raised, by the
    /// command and the workbench alike.
    public static func openCasesQuestion(_ m: Merchant, raising: Int) -> String {
        "open cases for \(counted(m.exposedCards.count, "exposed card")) at \(m.merchant) (\(counted(raising, "new alert")))? y/n"
    }

    /// "3 exposed cards at Fuel 9: 3 cases, 2 alerts raised": what opening them did.
    public static func openedCases(_ m: Merchant, _ opened: ExposureCases) -> String {
        "\(counted(m.exposedCards.count, "exposed card")) at \(m.merchant): \(counted(opened.caseIDs.count, "case"))"
            + (opened.raised == 0 ? "" : ", \(counted(opened.raised, "alert")) raised")
    }

    /// The note of the audit event of each alert raised on them: "raised from the common point of purchase at Fuel 9
    /// (3 exposed cards)" (the alert's reason says the rest).
    public static func raisedNote(_ m: Merchant) -> String {
        "raised from the common point of purchase at \(m.merchant) (\(counted(m.exposedCards.count, "exposed card")))"
    }

    static func counted(_ count: Int, _ noun: String) -> String { "\(Formatting.grouped(count)) \(noun)\(count == 1 ? "" : "s")" }

    /// A share as the cross-card reasons write it ("13 %", "0.6 %").
    public static func percent(_ share: Double) -> String { CrossCard.percent(share) }

    /// "2018-04-02 – 2018-04-20", or one day.
    public static func window(_ m: Merchant) -> String {
        let first = CivilTime.formatDate(m.firstVisit), last = CivilTime.formatDate(m.lastVisit)
        return first == last ? first : "\(first) – \(last)"
    }
}
