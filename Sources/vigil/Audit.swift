import ArgumentParser
import Foundation
import VigilCore
import VigilEngine
import VigilStore

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The triage audit trail: verify its hash chain, or list its events.",
        subcommands: [Verify.self, Log.self], defaultSubcommand: Verify.self)

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the store file's integrity, then every event's hash and its link to the one before; name the first broken event.")

        @OptionGroup var storeOption: StoreOption

        func run() throws {
            let store = try storeOption.openExisting()
            // A damaged file can hold a trail that reads as intact; the whole file is checked first.
            let problems = try store.integrityProblems()
            if !problems.isEmpty {
                printError("audit trail NOT VERIFIED: the store is damaged (\(problems[0])\(problems.count > 1 ? ", and other problems" : "")). "
                           + StoreError.damageAdvice(path: store.path))
                throw ExitCode(1)
            }
            switch try store.verifyAuditChain() {
            case .damaged(let found):
                printError("audit trail NOT VERIFIED: its pages are damaged (\(found[0])). " + StoreError.damageAdvice(path: store.path))
                throw ExitCode(1)
            case .intact(let events):
                print("audit trail intact: \(Formatting.grouped(events)) triage events, every hash and link verified")
            case .broken(let eventID, let reason):
                printError("audit trail BROKEN at triage event #\(eventID): \(reason)")
                throw ExitCode(1)
            }
        }
    }

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the triage events of an alert, or the latest ones.")

        @OptionGroup var storeOption: StoreOption

        @Option(name: .long, help: "Only this alert's events.")
        var alert: Int64?

        @Option(name: .long, help: "At most this many of the latest events (without --alert).")
        var limit: Int = 50

        func run() throws {
            let store = try storeOption.openExisting()
            let events = try alert.map { try store.triageEvents(ofAlert: $0) } ?? store.latestTriageEvents(limit: limit)
            for event in events {
                var line = "#\(event.id) \(CivilTime.format(event.at)) alert #\(event.alertID) \(event.analyst) \(event.action)"
                if let from = event.fromStatus, let to = event.toStatus { line += " \(from) → \(to)" }
                if let note = event.note { line += ": " + note }
                print(Sanitize.line(line))
            }
        }
    }
}
