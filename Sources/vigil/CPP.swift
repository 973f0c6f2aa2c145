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
            of each kind; --json lists them all. --open-cases MERCHANT raises an alert (detector `cpp`) on each of that \
            merchant's exposed cards' latest visit there that has none, each with its audit event, puts them in cases \
            and lists the cases of every exposed card; run again, it raises nothing new. See docs/guide.md.
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

    @Option(name: .customLong("open-cases"),
            help: ArgumentHelp("Open this merchant's exposed cards as cases, raising an alert on each one's visit that has none.",
                               valueName: "MERCHANT"))
    var openCases: String?

    @Flag(name: .long, help: "With --open-cases: raise the alerts without asking (needed when not at a terminal).")
    var yes = false

    @Option(name: .long, help: "With --open-cases: who raises the alerts (default: $USER).")
    var analyst: String?

    @OptionGroup var configOption: ConfigOption

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
        if openCases != nil, feedbackDelay != nil {
            throw ValidationError("--open-cases works on the outcomes known, not on labels taken as feedback (--feedback-delay)")
        }
        try Analyst.validate(analyst)
    }

    func run() throws {
        let store = try storeOption.openExisting()
        let options = CommonPointOfPurchase.Options(days: days, asOf: asOf.flatMap(CivilTime.parseDay).map { $0 + 86_399 },
                                                    feedbackDelayDays: feedbackDelay)
        let report = try CommonPointOfPurchase.analyse(store, options: options)
        if let openCases { return try open(openCases, report, store) }
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

    /// `--open-cases`: raises the alerts the merchant's exposed cards lack, after asking (or with `--yes`), and
    /// lists the cases of all of them.
    func open(_ name: String, _ report: CommonPointOfPurchase.Report, _ store: Store) throws {
        guard let merchant = report.merchants.first(where: { $0.merchant == name }) else {
            throw TriageCommandError(message: "'\(name)' is not among the \(report.merchants.count) merchants the fraud cards shared "
                                     + "(`vigil cpp` lists them)")
        }
        let alerts = CommonPointOfPurchase.exposureAlerts(merchant)
        let raising = try store.transactionsWithoutAlert(alerts.map(\.transactionID)).count
        if raising > 0, !yes {
            let question = CommonPointOfPurchase.openCasesQuestion(merchant, raising: raising)
            guard isatty(STDIN_FILENO) == 1 else {
                throw TriageCommandError(message: "not at a terminal to ask \"\(question)\": add --yes")
            }
            print(Sanitize.line(question) + " ", terminator: "")
            guard let answer = readLine(), answer.lowercased().hasPrefix("y") else { print("nothing was written"); return }
        }
        let opened = try store.raiseExposureAlerts(alerts, analyst: Analyst.name(analyst),
                                                   note: CommonPointOfPurchase.raisedNote(merchant),
                                                   gapSeconds: try configOption.load().caseGapSeconds)
        let now = Int64(Date().timeIntervalSince1970)
        let cases = try store.caseSummaries(ids: opened.caseIDs, now: now)
        if json {
            try Output.writeJSON(["merchant": name, "exposed_cards": alerts.count, "alerts_raised": opened.raised,
                                  "alerts_existing": opened.existing, "cases": cases.map(CaseText.json)])
            return
        }
        print(Sanitize.line(CommonPointOfPurchase.openedCases(merchant, opened)))
        for summary in cases { CaseText.show(summary, now: now) }
    }

    /// The first `cardsShown`, then how many more; "none" for none.
    static func list(_ items: [String]) -> String {
        guard !items.isEmpty else { return "none" }
        let more = items.count - cardsShown
        return items.prefix(cardsShown).joined(separator: ", ") + (more > 0 ? ", and \(more) more" : "")
    }
}
