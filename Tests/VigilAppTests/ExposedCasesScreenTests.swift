import Foundation
import Testing
import VigilApp
import VigilCore
import VigilStore
import VigilTestSupport
import VigilTUI

/// `x` on the common-point screen opens a merchant's exposed cards as a list of cases (`SkimmedStore`: Fuel 9's
/// exposed cards are C20, C21 and C23, none with an alert).
@Suite final class ExposedCasesScreenTests {
    let skimmed: SkimmedStore
    var store: Store { skimmed.store }
    let size = ScreenSizes.large
    static let now = SkimmedStore.day(60)

    init() throws { skimmed = try SkimmedStore() }

    func press(_ queue: AlertQueueScreen, _ keys: Key...) throws {
        for key in keys { _ = try queue.handle(key, size: size) }
    }

    /// The workbench on the case queue, the common-point screen opened over it and its ranking worked out.
    func opened() throws -> AlertQueueScreen {
        let queue = try AlertQueueScreen(store: store, analyst: "ana", opensOnCases: true)
        queue.clock = { Self.now }
        try press(queue, .character(":"), .character("c"), .character("p"), .character("p"), .enter)
        #expect(queue.mode == .commonPoints)
        try #require(queue.cppScreen).waitForReport()
        return queue
    }

    /// `x` asks before raising alerts; `n` writes nothing; `y` raises them (each audited) and shows their cases as
    /// "exposed at Fuel 9"; `q` goes back to the merchants; `x` again raises nothing and asks nothing.
    @Test func xAsksThenOpensTheExposedCardsAsCases() throws {
        let queue = try opened()
        try press(queue, .character("x"))
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — s.sqlite — open alerts                                     analyst ana",
            "",
            " Common point of purchase: 30 days before first fraud",
            " 10 of 40 cards confirmed fraud · 5 merchants · chance 13 %",
            "",
            "   # Merchant                                               Score Fraud Exposed",
            "   1 Fuel 9                                                  13.9    10       3",
            "   2 Grocer 0                                                 1.6     3       7",
            "   3 Grocer 1                                                 1.6     3       7",
            "   4 Grocer 2                                                 0.5     2       8",
            "   5 Grocer 3                                                 0.5     2       8",
        ] + blanks(11) + [
            " 0/0               open 0 · fraud 0 · false pos. 0 · escalated 0 · needs info 0",
            " open cases for 3 exposed cards at Fuel 9 (3 new alerts)? y/n",
        ])
        try press(queue, .character("n"))
        #expect(queue.mode == .commonPoints)
        #expect(queue.message == "no case opened: nothing was written")
        #expect(try store.alertCounts().values.reduce(0, +) == 0)

        try press(queue, .character("x"), .character("y"))
        #expect(queue.mode == .cases)
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — s.sqlite — exposed at Fuel 9                                                                       analyst ana",
            "  Score ▼ Card      Alerts     At risk First–last (UTC)  Leading reasons               Status     Assignee  Age      Due",
            "    0.512 *****0020      1      $25.00 01-16 12:00       common point of purchase      open       —          0m        —",
            "    0.512 *****0021      1      $25.00 01-19 12:00       common point of purchase      open       —          0m        —",
            "    0.512 *****0023      1      $25.00 01-23 12:00       common point of purchase      open       —          0m        —",
        ] + blanks(33) + [
            " 3 exposed cards at Fuel 9: 3 cases, 3 alerts raised · q back to the merchant  open 3 · snoozed 0 · decided 0 · 3 cases",
            " q back to the merchant · ? keys · Enter open · f fraud · p false pos. · e escalate · i snooze · m mine · d due",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — s.sqlite — exposed at Fuel 9                               analyst ana",
            "  Score ▼ Card      Alerts     At risk First       Reasons       Status      Age",
            "    0.512 *****0020      1      $25.00 01-16 12:00 common point… open         0m",
            "    0.512 *****0021      1      $25.00 01-19 12:00 common point… open         0m",
            "    0.512 *****0023      1      $25.00 01-23 12:00 common point… open         0m",
        ] + blanks(17) + [
            " 3 exposed cards at Fuel 9: 3 cases, 3 alerts raised · q back to the merchant",
            " q back · ? keys · Enter open · f p e decide · i snooze · m mine · d due",
        ])
        #expect(try store.latestTriageEvents().map(\.action) == ["raise", "raise", "raise"])
        #expect(try store.verifyAuditChain() == .intact(events: 3))

        // A case opens as ever, and q comes back to the list, then to the merchants, the case queue's view as it was.
        try press(queue, .enter)
        guard case .caseView = queue.mode else { Issue.record("no case: \(queue.mode)"); return }
        try press(queue, .character("q"))
        #expect(queue.mode == .cases)
        try press(queue, .character("q"))
        #expect(queue.mode == .commonPoints && queue.cppScreen?.opened == nil)

        // Asking again opens the same cases at once, and writes nothing.
        try press(queue, .character("x"))
        #expect(queue.mode == .cases)
        #expect(queue.message == "3 exposed cards at Fuel 9: 3 cases · q back to the merchant")
        #expect(try store.latestTriageEvents().count == 3)
        try press(queue, .character("q"), .character("q"))
        #expect(queue.mode == .cases)
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — s.sqlite — open cases                                      analyst ana",
            "  Score ▼ Card      Alerts     At risk First       Reasons       Status      Age",
            "    0.512 *****0020      1      $25.00 01-16 12:00 common point… open         0m",
            "    0.512 *****0021      1      $25.00 01-19 12:00 common point… open         0m",
            "    0.512 *****0023      1      $25.00 01-23 12:00 common point… open         0m",
        ] + blanks(17) + [
            " 1/3                                   open 3 · snoozed 0 · decided 0 · 3 cases",
            " ? keys · Enter open · n next · f p e decide · i snooze · Tab alerts · m mine ·…",
        ])
    }

    /// On a merchant's card list, `x` does the same.
    @Test func xOnTheCardListOpensTheSameCases() throws {
        let queue = try opened()
        try press(queue, .enter, .character("x"), .character("y"))
        #expect(queue.mode == .cases)
        try press(queue, .character("q"))
        #expect(queue.mode == .commonPoints && queue.cppScreen?.opened == 0)
        #expect(try store.cases(CaseFilter(statuses: nil), now: Self.now).map(\.clientID).sorted()
                == [20, 21, 23].map(SkimmedStore.card))
    }
}
