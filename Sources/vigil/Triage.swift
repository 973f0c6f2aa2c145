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
            decision once it is committed.
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

    @Option(name: .long, help: ArgumentHelp("fraud, false-positive, escalate, needs-info or reopen; without it, --note adds a note.",
                                            valueName: "DECISION"))
    var decision: Decision?

    @Option(name: .long, help: "A note recorded with the decision (or alone).")
    var note: String?

    @Option(name: .long, help: "Who is deciding, recorded in the audit trail (default: $USER).")
    var analyst: String?

    @Flag(name: .customLong("one-by-one"), help: "Decide each alert on its own, committing and reporting each before the next.")
    var oneByOne = false

    func validate() throws {
        guard !alerts.isEmpty else { throw ValidationError("name an alert with --alert ID") }
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
                say("alert #\(alert.id): already \(Self.words(alert.status)); nothing recorded")
            }
            guard !pending.isEmpty else { continue }
            let events = try store.decide(pending.map { SeenAlert(id: $0.id, version: $0.version) }, status: decision.status,
                                          analyst: who, note: note)
            for event in events {
                say("alert #\(event.alertID): \(Self.words(event.fromStatus ?? "open")) → \(Self.words(event.toStatus ?? "open")) "
                    + "(event #\(event.id), \(who))")
            }
        }
    }

    static func words(_ status: String) -> String {
        status == AlertStatus.confirmedFraud.rawValue ? "confirmed fraud" : status.replacingOccurrences(of: "_", with: " ")
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
