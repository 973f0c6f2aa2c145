import ArgumentParser
import Foundation
import VigilCore
import VigilEngine
import VigilStore

struct CPP: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        commandName: "cpp",
        abstract: "Common point of purchase: the merchants the confirmed-fraud cards shared before their first fraud, ranked, "
            + "with the other cards exposed there.",
        discussion: """
            Reads the outcomes known (triage decisions of confirmed fraud and imported feeds; see docs/outcomes.md). \
            For each merchant: the fraud cards that used it in the --days before their first fraud, against every card \
            there in the same weeks, smoothed towards chance; ranked by fraud cards × ln(lift). Exposed cards are those \
            with no fraud known that used it within 7 days of the fraud cards' visits. The text lists the first 8 cards \
            of each kind; --json lists them all. See docs/guide.md.
            """)

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: "Days before each card's first fraud its visits count.")
    var days: Double = CommonPointOfPurchase.Options().days

    @Option(name: .long, help: "Show at most this many merchants.")
    var limit: Int = 20

    @Option(name: .customLong("as-of"), help: ArgumentHelp("Only what was known by the end of this day (UTC).", valueName: "YYYY-MM-DD"))
    var asOf: String?

    @Option(name: .customLong("feedback-delay"),
            help: ArgumentHelp("Evaluation: take the store's fraud labels as confirmed this many days after each transaction.",
                               valueName: "DAYS"))
    var feedbackDelay: Double?

    @Flag(name: .long, help: "Print one JSON object, every card listed.")
    var json = false

    /// Cards of each kind the text lists under a merchant.
    static let cardsShown = 8

    func validate() throws {
        guard days >= 1 && days <= 365 else { throw ValidationError("--days must be from 1 to 365, not \(days)") }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        if let asOf, CivilTime.parseDay(asOf) == nil {
            throw ValidationError("--as-of must be a day, YYYY-MM-DD, not '\(Sanitize.line(asOf))'")
        }
        if let feedbackDelay, !(feedbackDelay >= 0 && feedbackDelay <= 3_650) {
            throw ValidationError("--feedback-delay must be a number of days from 0 to 3650, not \(feedbackDelay)")
        }
    }

    func run() throws {
        let store = try storeOption.openExisting()
        let options = CommonPointOfPurchase.Options(days: days, asOf: asOf.flatMap(CivilTime.parseDay).map { $0 + 86_399 },
                                                    feedbackDelayDays: feedbackDelay)
        let report = try CommonPointOfPurchase.analyse(store, options: options)
        let shown = report.merchants.prefix(limit)
        func day(_ t: Int64) -> String { CivilTime.formatDate(t) }
        if json {
            let merchants: [[String: Any]] = shown.enumerated().map { rank, m in
                ["rank": rank + 1, "merchant": m.merchant, "score": m.score, "lift": m.lift, "share": m.share,
                 "cards_there": m.cardsThere, "window": ["first": day(m.firstVisit), "last": day(m.lastVisit)],
                 "reason": CommonPointOfPurchase.reason(m, days: days),
                 "fraud_cards": m.fraudCards.map { ["card": CardNumber.masked($0.card), "visited": day($0.visited),
                                                    "first_fraud": day($0.firstFraud)] },
                 "exposed_cards": m.exposedCards.map { ["card": CardNumber.masked($0.card), "visited": day($0.visited),
                                                        "visits": $0.visits] }]
            }
            try Output.writeJSON(["days": days, "as_of": options.asOf.map(day) ?? NSNull(), "fraud_cards": report.fraudCards,
                                  "cards": report.cards, "chance": report.chance, "merchants_ranked": report.merchants.count,
                                  "merchants": merchants])
            return
        }
        guard report.fraudCards > 0 else {
            print("no card is confirmed fraud\(asOf.map { " by \($0)" } ?? ""): decide alerts in the workbench, or import a feed with "
                  + "`vigil outcomes import FILE --store \(Sanitize.line(storeOption.path))`")
            return
        }
        print("\(Formatting.grouped(report.fraudCards)) of \(Formatting.grouped(report.cards)) cards confirmed fraud"
              + (asOf.map { " by \($0)" } ?? "") + "; \(Formatting.grouped(report.merchants.count)) merchants shared in the "
              + "\(Int(days.rounded())) days before their first fraud (chance \(CommonPointOfPurchase.percent(report.chance)))")
        for (rank, m) in shown.enumerated() {
            print("")
            print(Sanitize.line("\(rank + 1). \(m.merchant)  score " + String(format: "%.1f", m.score) + "  fraud cards "
                                + "\(m.fraudCards.count)  exposed \(m.exposedCards.count)  window \(CommonPointOfPurchase.window(m))"))
            print("   " + CommonPointOfPurchase.reason(m, days: days))
            print(Sanitize.line("   fraud: " + Self.list(m.fraudCards.map { "\(CardNumber.masked($0.card)) \(day($0.visited))" })))
            print(Sanitize.line("   exposed: " + Self.list(m.exposedCards.map { "\(CardNumber.masked($0.card)) \(day($0.visited))" })))
        }
        if report.merchants.count > shown.count {
            print("")
            print("\(Formatting.grouped(report.merchants.count - shown.count)) more merchants (--limit shows more)")
        }
    }

    /// The first `cardsShown`, then how many more; "none" for none.
    static func list(_ items: [String]) -> String {
        guard !items.isEmpty else { return "none" }
        let more = items.count - cardsShown
        return items.prefix(cardsShown).joined(separator: ", ") + (more > 0 ? ", and \(more) more" : "")
    }
}
