import Foundation
import Testing
import VigilApp
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// The due-date key, `]`/`[` in an alert opened from a case, and the case queue's columns at a wide terminal, over
/// `ThreeCaseStore`.
@Suite struct CaseWorkbenchKeysTests {
    let fixture: ThreeCaseStore
    var store: Store { fixture.store }
    let size = ScreenSizes.large

    init() throws { fixture = try ThreeCaseStore() }

    func workbench() throws -> AlertQueueScreen {
        let queue = try AlertQueueScreen(store: store, analyst: "ana", opensOnCases: true)
        queue.clock = { ThreeCaseStore.now }
        return queue
    }

    func press(_ queue: AlertQueueScreen, _ keys: Key...) throws {
        for key in keys { _ = try queue.handle(key, size: size) }
    }

    func type(_ queue: AlertQueueScreen, _ text: String) throws {
        for character in text { try press(queue, .character(character)) }
    }

    func due(_ id: Int64) throws -> Int64? { try #require(try store.caseDetail(id: id, now: ThreeCaseStore.now)?.summary).dueAt }

    /// `d` asks for a due date: a day, +3d or +12h from now, or nothing to clear it; each change is an audit event.
    /// A date that does not read leaves the prompt open, saying so.
    @Test func dSetsTheDueDate() throws {
        let queue = try workbench()
        let first = fixture.caseIDs[0]
        try press(queue, .character("d"))
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — cases.sqlite — open cases                                  analyst ana",
            "  Score ▼ Card      Alerts     At risk First       Reasons       Status      Age",
            "    0.970 *****1111      3   $3,949.00 11-15 08:13 card testing… open         5h",
            "    0.820 C2             2     $920.00 11-15 18:13 unusual amou… open         5h",
            "    0.550 C3             1      $50.00 11-16 04:13 unusual hour  open         5h",
        ] + blanks(17) + [
            " 1/3                                   open 3 · snoozed 0 · decided 0 · 3 cases",
            " #1 due YYYY-MM-DD, +3d or +12h; empty clears; Enter sets, Esc cancels",
        ])
        try type(queue, "+3d")
        try press(queue, .enter)
        #expect(try due(first) == ThreeCaseStore.now + 3 * 86_400)
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — cases.sqlite — open cases                                                                          analyst ana",
            "  Score ▼ Card      Alerts     At risk First–last (UTC)  Leading reasons               Status     Assignee  Age      Due",
            "    0.970 *****1111      3   $3,949.00 11-15 08:13–10:13 card testing, unusual amount  open       —          5h    in 3d",
            "    0.820 C2             2     $920.00 11-15 18:13–11-16 unusual amount, unusual hour  open       —          5h  1h late",
            "    0.550 C3             1      $50.00 11-16 04:13       unusual hour                  open       —          5h        —",
        ] + blanks(33) + [
            " case #1: due 2023-11-20 03:13 UTC                                             open 3 · snoozed 0 · decided 0 · 3 cases",
            " ? keys · q quit · Enter open · n next case · f fraud · p false pos. · e escalate · i snooze · m mine · Tab alerts",
        ])

        // In the case, the same key; a word that is no date keeps the prompt.
        try press(queue, .enter, .character("d"))
        try type(queue, "soon")
        try press(queue, .enter)
        #expect(queue.message == "due: type a date (YYYY-MM-DD), +3d or +12h from now; empty clears it")
        #expect(try due(first) == ThreeCaseStore.now + 3 * 86_400)
        for _ in 0..<4 { try press(queue, .backspace) }
        try type(queue, "+12h")
        try press(queue, .enter)
        #expect(queue.mode == .caseView(caseID: first))
        #expect(try due(first) == ThreeCaseStore.now + 12 * 3_600)
        try press(queue, .character("d"))
        try type(queue, "2023-11-20")
        try press(queue, .enter)
        #expect(try due(first) == CivilTime.parseDay("2023-11-20"))
        try press(queue, .character("d"), .enter)
        #expect(try due(first) == nil)
        #expect(queue.message == "case #\(first): no due date")
        // Esc leaves it as it was.
        try press(queue, .character("d"))
        try type(queue, "+1d")
        try press(queue, .escape)
        #expect(try due(first) == nil)
        let events = try store.caseEvents(id: first).filter { $0.action == "case due" }
        #expect(events.map(\.toStatus) == [CivilTime.format(ThreeCaseStore.created + 86_400), CivilTime.format(ThreeCaseStore.now + 3 * 86_400),
                                          CivilTime.format(ThreeCaseStore.now + 12 * 3_600), CivilTime.format(CivilTime.parseDay("2023-11-20")!), nil])
        #expect(events.dropFirst().allSatisfy { $0.analyst == "ana" })
        #expect(try store.verifyAuditChain() == .intact(events: 6))
    }

    /// In an alert opened from a case, `]` and `[` step through the case's alerts (not the queue's), moving the
    /// case's cursor with them; at either end they say so; `q` goes back to the case.
    @Test func bracketsInAnAlertOfACaseStepThroughTheCase() throws {
        let queue = try workbench()
        let alerts = try #require(try store.caseDetail(id: fixture.caseIDs[0], now: ThreeCaseStore.now)).alerts.map(\.id)
        try press(queue, .enter, .character("j"), .character("j"), .enter)
        #expect(queue.mode.alertID == alerts[2])
        try press(queue, .character("["))
        #expect(queue.mode.alertID == alerts[1])
        try press(queue, .character("]"))
        #expect(queue.mode.alertID == alerts[2])
        try press(queue, .character("]"))
        #expect(queue.mode.alertID == alerts[2])
        #expect(queue.message == "the case's last alert")
        try press(queue, .character("["), .character("["), .character("["))
        #expect(queue.mode.alertID == alerts[0])
        #expect(queue.message == "the case's first alert")
        try press(queue, .character("]"), .character("q"))
        #expect(queue.mode == .caseView(caseID: fixture.caseIDs[0]))
        let rows = try queue.frame(size: ScreenSizes.classic).rows
        #expect(rows[22].hasPrefix(" alert 2/3 "))
        // Back from a note's prompt, the detail still steps through the case.
        try press(queue, .enter, .character("a"), .escape)
        #expect(queue.mode.alertID == alerts[1])
        try press(queue, .character("]"))
        #expect(queue.mode.alertID == alerts[2])
        try press(queue, .character("]"))
        #expect(queue.message == "the case's last alert")
    }

    /// At 200 columns every column has its full width and the reasons the rest.
    @Test func theCaseQueueAt200Columns() throws {
        let queue = try workbench()
        expectScreen(try queue.frame(size: TerminalSize(width: 200, height: 50)), [
            " Vigil — cases.sqlite — open cases                                                                                                                                                          analyst ana",
            "  Score ▼ Card             Alerts     At risk First–last (UTC)  Leading reasons                                                                                       Status     Assignee   Age      Due",
            "    0.970 411111******1111      3   $3,949.00 11-15 08:13–10:13 card testing, unusual amount                                                                          open       —           5h   in 19h",
            "    0.820 C2                    2     $920.00 11-15 18:13–11-16 unusual amount, unusual hour                                                                          open       —           5h  1h late",
            "    0.550 C3                    1      $50.00 11-16 04:13       unusual hour                                                                                          open       —           5h        —",
        ] + blanks(43) + [
            " 1/3                                                                                                                                                           open 3 · snoozed 0 · decided 0 · 3 cases",
            " ? keys · q quit · Enter open · n next case · f fraud · p false pos. · e escalate · i snooze · m mine · Tab alerts",
        ])
    }
}

extension AlertQueueScreen.Mode {
    /// The alert whose detail is shown, if one is.
    var alertID: Int64? {
        if case .detail(let id, _) = self { return id }
        return nil
    }
}
