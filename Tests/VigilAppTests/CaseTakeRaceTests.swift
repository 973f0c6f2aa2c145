import Foundation
import Testing
import VigilApp
import VigilCore
import VigilStore
import VigilTUI

/// `m` and `M` act on the case as the queue showed it: found by the soak (CaseSoakTests), where a workbench's `m` on a
/// case its queue showed unassigned took it from a `vigil cases next` that had just been given it, and both analysts
/// then worked the same case.
@Suite struct CaseTakeRaceTests {
    let fixture: ThreeCaseStore
    var store: Store { fixture.store }
    let size = ScreenSizes.large

    init() throws { fixture = try ThreeCaseStore() }

    func workbench(_ analyst: String) throws -> AlertQueueScreen {
        let queue = try AlertQueueScreen(store: store, analyst: analyst, opensOnCases: true)
        queue.clock = { ThreeCaseStore.now }
        _ = try queue.frame(size: size)
        return queue
    }

    @Test func mOnACaseTakenSinceItWasShownLeavesItWithWhoeverTookIt() throws {
        let ana = try workbench("ana")
        // Bo takes the top case after ana's queue was read and before it polls again.
        #expect(try store.claimNextCase(analyst: "bo", now: ThreeCaseStore.now)?.id == fixture.caseIDs[0])
        _ = try ana.handle(.character("m"), size: size)
        #expect(ana.message == "case #\(fixture.caseIDs[0]) is bo's now: it changed since it was shown; nothing was changed")
        let summary = try #require(try store.caseDetail(id: fixture.caseIDs[0], now: ThreeCaseStore.now)?.summary)
        #expect(summary.assignee == "bo")
        #expect(try store.caseEvents(id: fixture.caseIDs[0]).map(\.action) == ["case due", "case claim"])
        // Now that ana's queue shows it as bo's, she may take it on purpose.
        _ = try ana.handle(.character("m"), size: size)
        #expect(ana.message == "case #\(fixture.caseIDs[0]) assigned to ana")
        #expect(try store.caseEvents(id: fixture.caseIDs[0]).map(\.fromStatus) == [nil, nil, "bo"])
    }

    @Test func mOnACaseLetGoSinceItWasShownIsRefusedToo() throws {
        try store.assignCase(id: fixture.caseIDs[0], to: "bo", by: "bo", at: ThreeCaseStore.now)
        let ana = try workbench("ana")
        try store.assignCase(id: fixture.caseIDs[0], to: nil, by: "bo", at: ThreeCaseStore.now)
        _ = try ana.handle(.character("M"), size: size)
        #expect(ana.message == "case #\(fixture.caseIDs[0]) is unassigned now: it changed since it was shown; nothing was changed")
        #expect(try store.caseEvents(id: fixture.caseIDs[0]).count == 3)
    }
}
