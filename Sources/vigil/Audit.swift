import ArgumentParser
import VigilCore
import VigilStore

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify the triage audit trail: every event's hash and its link to the one before.")

    @OptionGroup var storeOption: StoreOption

    func run() throws {
        switch try storeOption.openExisting().verifyAuditChain() {
        case .intact(let events):
            print("audit trail intact: \(Formatting.grouped(events)) triage events, every hash and link verified")
        case .broken(let eventID, let reason):
            printError("audit trail BROKEN at triage event #\(eventID): \(reason)")
            throw ExitCode(1)
        }
    }
}
