import ArgumentParser
import Foundation
import VigilStore

/// `vigil triage`: a decision or a note on alerts from the command line, through the same store calls as the
/// workbench's triage keys, each with its audit event.
struct Triage: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record a triage decision (or a note) on alerts, with its audit event.",
        discussion: """
            The alerts given are decided together, in one transaction, as when they are marked in the workbench:
            all of them or none. With --one-by-one each alert is its own decision, committed and reported before the
            next. An alert that already has the decided status is left alone and said so, so running the same
            command again (after an interruption, say) records nothing twice. A line on standard output reports each
            decision once it is committed. With --case, the decision applies to every open alert of the case (of a
            decided case, to every alert), in one transaction. Changing a status another analyst decided is overturning
            their decision: refused unless --overturn is given, with a --note saying why.
            """)

    enum Decision: String, CaseIterable, ExpressibleByArgument {
        case fraud
        case falsePositive = "false-positive"
        case escalate
        case needsInfo = "needs-info"
        case reopen

        var status: AlertStatus {
            switch self {
            case .fraud: return .confirmedFraud
            case .falsePositive: return .falsePositive
            case .escalate: return .escalated
            case .needsInfo: return .needsInfo
            case .reopen: return .open
            }
        }
    }

    @OptionGroup var storeOption: StoreOption

    @Option(name: .customLong("alert"), help: ArgumentHelp("An alert's id (repeat for several).", valueName: "ID"))
    var alerts: [Int64] = []

    @Option(name: .customLong("case"), help: ArgumentHelp("Decide a whole case (see `vigil cases`) instead of alerts.", valueName: "ID"))
    var caseID: Int64?

    @Option(name: .long, help: ArgumentHelp("fraud, false-positive, escalate, needs-info or reopen; without it, --note adds a note.",
                                            valueName: "DECISION"))
    var decision: Decision?

    @Option(name: .long, help: "A note recorded with the decision (or alone).")
    var note: String?

    @Option(name: .long, help: "Who is deciding, recorded in the audit trail (default: $USER).")
    var analyst: String?

    @Flag(name: .customLong("one-by-one"), help: "Decide each alert on its own, committing and reporting each before the next.")
    var oneByOne = false

    @Flag(name: .long, help: "Confirm overturning another analyst's decision (needs --note).")
    var overturn = false

    func validate() throws {
        if let caseID {
            guard alerts.isEmpty else { throw ValidationError("give --alert or --case, not both") }
            guard caseID >= 1 else { throw ValidationError("case ids are positive, not \(caseID)") }
            guard decision != nil else { throw ValidationError("--case needs --decision") }
            guard !oneByOne else { throw ValidationError("--one-by-one is for alerts; a case is decided whole") }
        }
        guard !alerts.isEmpty || caseID != nil else { throw ValidationError("name an alert with --alert ID (or a case with --case ID)") }
        if overturn && note == nil { throw ValidationError("--overturn needs a --note saying why") }
        if let bad = alerts.first(where: { $0 < 1 }) { throw ValidationError("alert ids are positive, not \(bad)") }
        guard decision != nil || note != nil else { throw ValidationError("give --decision, --note or both") }
        if let note, note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw ValidationError("--note is empty")
        }
        try Analyst.validate(analyst)
        if Set(alerts).count != alerts.count { throw ValidationError("an alert is named twice") }
    }

    func run() throws {
        let store = try storeOption.openExisting()
        let who = Analyst.name(analyst)
        if let caseID, let decision {
            let events = try refusing {
                try store.decideCase(id: caseID, status: decision.status, analyst: who, note: note, overturning: overturn)
            }
            for event in events { say("case #\(caseID): " + line(event, who)) }
            return
        }
        let groups = oneByOne ? alerts.map { [$0] } : [alerts]
        for group in groups {
            let seen = try store.alertSummaries(ids: group)
            if let missing = group.first(where: { id in !seen.contains { $0.id == id } }) {
                let why = try store.missingAlert(missing)
                if case .withdrawn = why { throw TriageCommandError(message: why.description) }
                throw TriageCommandError(message: "no alert #\(missing) in \(store.path); nothing was recorded for it")
            }
            let ordered = group.compactMap { id in seen.first { $0.id == id } }
            guard let decision else {
                for alert in ordered {
                    let event = try store.addNote(note ?? "", to: SeenAlert(id: alert.id, version: alert.version), analyst: who)
                    say("alert #\(alert.id): note added (event #\(event.id), \(who))")
                }
                continue
            }
            let pending = ordered.filter { $0.status != decision.status.rawValue }
            for alert in ordered where alert.status == decision.status.rawValue {
                say("alert #\(alert.id): already \(AlertStatus.words(alert.status)); nothing recorded")
            }
            guard !pending.isEmpty else { continue }
            let events = try refusing {
                try store.decide(pending.map { SeenAlert(id: $0.id, version: $0.version) }, status: decision.status,
                                 analyst: who, note: note, overturning: overturn)
            }
            for event in events { say(line(event, who)) }
        }
    }

    /// "alert #3: open → confirmed fraud (event #12, ana)".
    private func line(_ event: TriageEvent, _ who: String) -> String {
        "alert #\(event.alertID): \(AlertStatus.words(event.fromStatus ?? "open")) → \(AlertStatus.words(event.toStatus ?? "open")) "
            + "(event #\(event.id), \(who))"
    }

    /// Runs a decision, saying how to overturn when it was refused for overturning another analyst's decision.
    private func refusing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as TriageError {
            guard case .decidedByAnother = error else { throw error }
            throw TriageCommandError(message: error.description + " (to overturn it, give --overturn and --note)")
        }
    }

    /// Writes a line at once, unbuffered: a line on standard output means its decision is committed, even if the
    /// process is killed just after.
    private func say(_ line: String) {
        Output.write(Sanitize.line(line) + "\n")
    }
}

/// A failure that is not a usage mistake: printed without the usage text.
struct TriageCommandError: Error, CustomStringConvertible {
    var message: String
    var description: String { Sanitize.line(message) }
}
