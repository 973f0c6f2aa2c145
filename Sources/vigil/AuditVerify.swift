import ArgumentParser
import VigilCore
import VigilStore

extension Audit {
    struct Verify: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the store file's integrity, every event's hash, link and seal, and every alert against its events; name what is wrong.")

        @OptionGroup var storeOption: StoreOption

        @Option(name: .long, help: ArgumentHelp("A head printed earlier by `vigil audit anchor`: the trail must still extend it.",
                                                valueName: "COUNT:ID:HASH"))
        var anchor: String?

        func validate() throws {
            if let anchor, AuditAnchor(anchor) == nil {
                throw ValidationError("--anchor \(anchor) is not what `vigil audit anchor` prints (COUNT:ID:HASH, the hash 64 hex digits)")
            }
        }

        func run() throws {
            let store = try storeOption.openExisting()
            // A damaged file can hold a trail that reads as intact; the whole file is checked first.
            let problems = try store.integrityProblems()
            if !problems.isEmpty {
                printError("audit trail NOT VERIFIED: the store is damaged (\(problems[0])\(problems.count > 1 ? ", and other problems" : "")). "
                           + StoreError.damageAdvice(path: store.path))
                throw ExitCode(1)
            }
            var failed = false
            switch try store.verifyAuditChain(anchor: anchor.flatMap(AuditAnchor.init)) {
            case .damaged(let found):
                printError("audit trail NOT VERIFIED: its pages are damaged (\(found[0])). " + StoreError.damageAdvice(path: store.path))
                throw ExitCode(1)
            case .intact(let events):
                print("audit trail intact: \(Formatting.grouped(events)) triage events, every hash, link and seal verified"
                      + (anchor.map { ", and it extends the anchor \($0)" } ?? ""))
            case .sealsUnchecked(let events, let reason):
                printError("audit trail NOT VERIFIED: the hashes and links of its \(Formatting.grouped(events)) triage events are intact, "
                           + "but their seals could not be checked: \(reason)")
                failed = true
            case .broken(let eventID, let reason):
                printError("audit trail BROKEN at triage event #\(eventID): \(reason)")
                failed = true
            }
            let alerts = try store.alertsAgainstTrail()
            if alerts.total == 0 {
                print("alerts agree with the trail: every status and analyst is what its events say, and every alert they name is stored")
            } else {
                printError("\(Formatting.grouped(alerts.total)) alert\(alerts.total == 1 ? " DISAGREES" : "s DISAGREE") with the trail:")
                for problem in alerts.problems { printError("  \(Sanitize.line(problem))") }
                if alerts.total > alerts.problems.count {
                    printError("  … and \(Formatting.grouped(alerts.total - alerts.problems.count)) more")
                }
                failed = true
            }
            if failed { throw ExitCode(1) }
        }
    }
}
