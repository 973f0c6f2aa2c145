import ArgumentParser
import VigilCore
import VigilStore

extension Audit {
    struct Verify: ParsableCommand, StoreOptionCommand {
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
}
