import Foundation
import Testing
import VigilApp
import VigilCore
import VigilStore
import VigilTUI

/// `vigil --read-only`, and a reviewer: the workbench looks, says so in its title, offers only the keys that look, and
/// its decision keys (pressed all the same) say why they do nothing.
@Suite struct ReadOnlyWorkbenchTests {
    let directory: String
    let path: String
    static let me = OSIdentity(user: "rita-os", host: "ws-9")

    init() throws {
        directory = NSTemporaryDirectory() + "vigil-readonly-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/r.sqlite"
        let store = try Store(path: path, identity: Self.me)
        var rows: [Transaction] = []
        for i in 0..<3 {
            rows.append(Transaction(sourceKey: "k\(i)", clientID: "C\(i)", instant: 1_700_000_000 + Int64(i) * 3_600, originalTime: "t",
                                    amount: Money(minorUnits: Int64(1_000 * (i + 1))), merchant: "Shop \(i)", category: "grocery"))
        }
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        _ = try store.refreshAlerts((Int64(1)...3).map {
            AlertCandidate(transactionID: $0, score: 0.9 - Double($0) / 100,
                           reasons: [AlertReason(detector: "burst", score: 1, contribution: 1, text: "reason for \($0)")])
        }, at: 10)
        try store.refreshCases(gapSeconds: 3_600 * 72, now: 1_700_000_000 + 86_400)
        try store.addAnalyst("rita", osUser: Self.me.user, role: .reviewer, by: "rita", at: 30)
        try store.closeConnections()
    }

    /// Everything a decision could change.
    func contents(_ store: Store) throws -> [String] {
        try store.latestTriageEvents(limit: 100).map { "\($0.id) \($0.hash)" }
            + store.alertSummaries(ids: [1, 2, 3]).map { "\($0.id) \($0.status) \($0.version)" }
    }

    func pressEveryDecisionKey(_ queue: AlertQueueScreen) throws {
        for key in "fpeioau" {
            _ = try queue.handle(.character(key), size: ScreenSizes.classic)
        }
    }

    @Test func aStoreOpenedReadOnlyAnswersDecisionKeysOnTheStatusLineAndIsNeverWritten() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let store = try Store(path: path, readOnly: true, identity: Self.me)
        let queue = try AlertQueueScreen(store: store, analyst: "ana")
        try pressEveryDecisionKey(queue)
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — r.sqlite — open alerts                         analyst ana · read-only",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.890 11-14 22:13 C0                   $10.00 Shop 0    reason f… open",
            "    0.880 11-14 23:13 C1                   $20.00 Shop 1    reason f… open",
            "    0.870 11-15 00:13 C2                   $30.00 Shop 2    reason f… open",
        ] + blanks(17) + [
            " the store is open read-only: nothing can be decided",
            " ? keys · q quit · Enter detail · / find · v view · c client · Tab cases · F fi…",
        ])
        #expect(try contents(store).count == 4)
        try store.closeConnections()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
    }

    @Test func aReviewerLooksButCannotDecide() throws {
        let store = try Store(path: path, identity: Self.me)
        let before = try contents(store)
        let queue = try AlertQueueScreen(store: store, analyst: "rita")
        try pressEveryDecisionKey(queue)
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — r.sqlite — open alerts                        analyst rita · look only",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.890 11-14 22:13 C0                   $10.00 Shop 0    reason f… open",
            "    0.880 11-14 23:13 C1                   $20.00 Shop 1    reason f… open",
            "    0.870 11-15 00:13 C2                   $30.00 Shop 2    reason f… open",
        ] + blanks(17) + [
            " rita is a reviewer, who may look but not decide: nothing can be decided",
            " ? keys · q quit · Enter detail · / find · v view · c client · Tab cases · F fi…",
        ])
        // The case queue's keys too: take the next case, take, decide.
        let cases = try AlertQueueScreen(store: store, analyst: "rita", opensOnCases: true)
        cases.clock = { 1_700_000_000 + 3 * 86_400 }
        for key in "ntfp" { _ = try cases.handle(.character(key), size: ScreenSizes.classic) }
        expectScreen(try cases.frame(size: ScreenSizes.classic), [
            " Vigil — r.sqlite — open cases                         analyst rita · look only",
            "  Score ▼ Card      Alerts     At risk First       Reasons       Status      Age",
            "    0.890 C0             1      $10.00 11-14 22:13 burst         open         2d",
            "    0.880 C1             1      $20.00 11-14 23:13 burst         open         2d",
            "    0.870 C2             1      $30.00 11-15 00:13 burst         open         2d",
        ] + blanks(17) + [
            " rita is a reviewer, who may look but not decide: nothing can be decided",
            " ? keys · Enter open · Tab alerts · v view · / search · q quit",
        ])
        #expect(try contents(store) == before)
    }
}
