import ArgumentParser
import Foundation
import VigilCore
import VigilEngine
import VigilStore

/// `vigil cases`: the case queue from the command line, through the same store calls as the workbench, each change
/// with its audit event.
struct Cases: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List cases (a card's alerts close together, worked as one), take the next, assign or snooze one.",
        discussion: """
            A case holds a card's alerts until one comes more than cases.gap_hours (72 by default) after the last;
            scans and live scoring put new alerts into cases. Decide a whole case with `vigil triage --case ID`.
            """,
        subcommands: [List.self, Next.self, Assign.self, Snooze.self, Due.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List cases, highest alert score first (the default command of `vigil cases`).")

        @OptionGroup var storeOption: StoreOption

        @Option(name: .long, help: "Cases of this status: open, snoozed, decided, or all.")
        var status: String = "open"

        @Option(name: .long, help: "Who is asking (default: $USER); with --mine, whose cases.")
        var analyst: String?

        @Flag(name: .long, help: "Only the cases assigned to the analyst.")
        var mine = false

        @Option(name: .long, help: "Show at most this many cases.")
        var limit: Int = 50

        @Flag(name: .long, help: "Print a JSON array.")
        var json = false

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
            guard status == "all" || CaseStatus(rawValue: status) != nil else {
                throw ValidationError("unknown status '\(Sanitize.line(status))'; choose from "
                                      + (CaseStatus.allCases.map(\.rawValue) + ["all"]).joined(separator: ", "))
            }
            try Analyst.validate(analyst)
        }

        func run() throws {
            let store = try storeOption.openExisting()
            let filter = CaseFilter(statuses: CaseStatus(rawValue: status).map { [$0] }, assignee: mine ? Analyst.name(analyst) : nil,
                                    limit: limit)
            let now = Int64(Date().timeIntervalSince1970)
            let cases = try store.cases(filter, now: now)
            if json { return try Output.writeJSON(cases.map(CaseText.json)) }
            guard !cases.isEmpty else {
                let counts = try store.alertCounts()
                print(counts.isEmpty ? "no alerts yet; run `vigil scan --store \(Sanitize.line(store.path))`"
                                     : "no \(status == "all" ? "" : status + " ")cases" + (mine ? " assigned to \(Analyst.name(analyst))" : ""))
                return
            }
            for summary in cases { CaseText.show(summary, now: now) }
        }
    }

    struct Next: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take the next case: the open, unassigned, not snoozed case with the highest alert, assigned to you.",
            discussion: "Two analysts taking at once never get the same case. With none left it says so (JSON: null).")

        @OptionGroup var storeOption: StoreOption

        @Option(name: .long, help: "Who takes it, recorded in the audit trail (default: $USER).")
        var analyst: String?

        @Flag(name: .long, help: "Print the case as a JSON object.")
        var json = false

        func validate() throws { try Analyst.validate(analyst) }

        func run() throws {
            let store = try storeOption.openExisting()
            let now = Int64(Date().timeIntervalSince1970)
            let claimed = try store.claimNextCase(analyst: Analyst.name(analyst), now: now)
            if json {
                guard let claimed else { return Output.write("null\n") }
                return try Output.writeJSON(CaseText.json(claimed))
            }
            guard let claimed else { return print("no open, unassigned case to take") }
            CaseText.show(claimed, now: now)
        }
    }

    struct Assign: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(
            abstract: "Assign a case to an analyst (yourself by default), or unassign it with --none.")

        @OptionGroup var storeOption: StoreOption

        @Argument(help: "The case's id.")
        var id: Int64

        @Option(name: .long, help: "Who assigns, recorded in the audit trail (default: $USER).")
        var analyst: String?

        @Option(name: .long, help: "Whom to assign it to (default: the analyst).")
        var to: String?

        @Flag(name: .long, help: "Unassign the case.")
        var none = false

        func validate() throws {
            try Analyst.validate(analyst)
            if let to, to.trimmingCharacters(in: .whitespaces).isEmpty || to.contains(where: \.isNewline) {
                throw ValidationError("--to needs a name on one line")
            }
            if none && to != nil { throw ValidationError("give --to or --none, not both") }
        }

        func run() throws {
            let store = try storeOption.openExisting()
            let who = Analyst.name(analyst)
            let assignee = none ? nil : (to?.trimmingCharacters(in: .whitespaces) ?? who)
            let event = try CaseText.refusing { try store.assignCase(id: id, to: assignee, by: who) }
            print(Sanitize.line("case #\(id): " + (assignee.map { "assigned to \($0)" } ?? "unassigned") + " (event #\(event.id), \(who))"))
        }
    }

    struct Snooze: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(
            abstract: "Snooze a case (it needs information) until a day: it leaves the open queue and comes back by itself.")

        @OptionGroup var storeOption: StoreOption

        @Argument(help: "The case's id.")
        var id: Int64

        @Option(name: .long, help: "The day it comes back, YYYY-MM-DD (at midnight UTC).")
        var until: String

        @Option(name: .long, help: "Why it waits, recorded in the audit trail.")
        var note: String

        @Option(name: .long, help: "Who snoozes it (default: $USER).")
        var analyst: String?

        func validate() throws {
            try Analyst.validate(analyst)
            guard CivilTime.parseDay(until) != nil else {
                throw ValidationError("--until must be a day like 2026-03-01, not '\(Sanitize.line(until))'")
            }
            if note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--note is empty") }
        }

        func run() throws {
            let store = try storeOption.openExisting()
            let who = Analyst.name(analyst)
            let day = CivilTime.parseDay(until) ?? 0
            let event = try CaseText.refusing { try store.snoozeCase(id: id, until: day, by: who, note: note) }
            print(Sanitize.line("case #\(id): snoozed until \(CivilTime.formatDate(day)) (event #\(event.id), \(who))"))
        }
    }

    struct Due: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(abstract: "Set the day a case is due by, or clear it with --none.")

        @OptionGroup var storeOption: StoreOption

        @Argument(help: "The case's id.")
        var id: Int64

        @Option(name: .long, help: "The day it is due, YYYY-MM-DD (midnight UTC).")
        var at: String?

        @Flag(name: .long, help: "Clear the due date.")
        var none = false

        @Option(name: .long, help: "Who sets it (default: $USER).")
        var analyst: String?

        func validate() throws {
            try Analyst.validate(analyst)
            guard (at == nil) == none else { throw ValidationError("give --at DAY or --none") }
            if let at, CivilTime.parseDay(at) == nil {
                throw ValidationError("--at must be a day like 2026-03-01, not '\(Sanitize.line(at))'")
            }
        }

        func run() throws {
            let store = try storeOption.openExisting()
            let who = Analyst.name(analyst)
            let day = at.flatMap(CivilTime.parseDay)
            let event = try CaseText.refusing { try store.setCaseDue(id: id, at: day, by: who) }
            print(Sanitize.line("case #\(id): " + (day.map { "due \(CivilTime.formatDate($0))" } ?? "no due date") + " (event #\(event.id), \(who))"))
        }
    }
}

/// How the commands show a case: one line (card numbers masked) and its leading reasons, or a JSON object.
enum CaseText {
    static func show(_ summary: CaseSummary, now: Int64) {
        let money = Money(minorUnits: summary.amountAtRiskMinor, currency: summary.currency)
        var line = "case #\(summary.id)  " + String(format: "%.3f", summary.topScore) + "  card \(CardNumber.masked(summary.clientID))"
            + "  \(summary.alertCount) alert\(summary.alertCount == 1 ? "" : "s") (\(summary.openAlertCount) open)  at risk \(money)"
            + "  \(CivilTime.format(summary.firstInstant)) – \(CivilTime.format(summary.lastInstant))  \(status(summary))"
            + "  \(summary.assignee ?? "unassigned")  age \(age(now - summary.createdAt))"
        if let due = summary.dueAt { line += "  due \(CivilTime.formatDate(due))" }
        print(Sanitize.line(line))
        if !summary.leadingReasons.isEmpty { print("    " + Sanitize.line(summary.leadingReasons.joined(separator: ", "))) }
    }

    static func status(_ summary: CaseSummary) -> String {
        switch summary.status {
        case .open: return "open"
        case .snoozed: return "snoozed until \(CivilTime.formatDate(summary.snoozedUntil ?? 0))"
        case .decided: return "decided" + (summary.decision.map { ": " + AlertStatus.words($0.rawValue) } ?? "")
        }
    }

    /// A duration as its largest unit: "40m", "5h", "3d".
    static func age(_ seconds: Int64) -> String {
        let seconds = max(0, seconds)
        if seconds < 3_600 { return "\(seconds / 60)m" }
        if seconds < 86_400 { return "\(seconds / 3_600)h" }
        return "\(seconds / 86_400)d"
    }

    static func json(_ summary: CaseSummary) -> [String: Any] {
        [
            "id": summary.id, "client": CardNumber.masked(summary.clientID), "status": summary.status.rawValue,
            "assignee": summary.assignee as Any? ?? NSNull(), "alerts": summary.alertCount, "open_alerts": summary.openAlertCount,
            "top_score": summary.topScore, "amount_at_risk_minor": summary.amountAtRiskMinor, "currency": summary.currency,
            "first_time": CivilTime.format(summary.firstInstant), "last_time": CivilTime.format(summary.lastInstant),
            "leading_reasons": summary.leadingReasons, "leading_detectors": summary.leadingDetectors,
            "created_at": CivilTime.format(summary.createdAt), "due_at": summary.dueAt.map(CivilTime.format) as Any? ?? NSNull(),
            "snoozed_until": summary.snoozedUntil.map(CivilTime.format) as Any? ?? NSNull(),
            "decision": summary.decision?.rawValue as Any? ?? NSNull(), "version": summary.version,
        ]
    }

    /// Runs a store call, turning a refusal (no such case, a snooze in the past) into a message without usage text.
    static func refusing<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as TriageError { throw TriageCommandError(message: error.description) }
    }
}
