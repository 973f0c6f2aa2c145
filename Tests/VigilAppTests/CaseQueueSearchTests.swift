import Foundation
import Testing
import VigilApp
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// The case queue's search (`/`, then `]` and `[`), and its paging over more cases than a screen holds.
@Suite struct CaseQueueSearchTests {
    let fixture: ThreeCaseStore
    let size = ScreenSizes.large

    init() throws { fixture = try ThreeCaseStore() }

    func workbench(_ store: Store, analyst: String = "ana") throws -> AlertQueueScreen {
        let queue = try AlertQueueScreen(store: store, analyst: analyst, opensOnCases: true)
        queue.clock = { ThreeCaseStore.now }
        return queue
    }

    func press(_ queue: AlertQueueScreen, _ keys: Key...) throws {
        for key in keys { _ = try queue.handle(key, size: size) }
    }

    func search(_ queue: AlertQueueScreen, _ text: String) throws {
        try press(queue, .character("/"))
        for character in text { try press(queue, .character(character)) }
        try press(queue, .enter)
    }

    /// The three cases as the queue lists them, over `status` and the key hint.
    func screen(status: String) -> [String] {
        [
            " Vigil — cases.sqlite — open cases                                                                          analyst ana",
            "  Score ▼ Card      Alerts     At risk First–last (UTC)  Leading reasons               Status     Assignee  Age      Due",
            "    0.970 *****1111      3   $3,949.00 11-15 08:13–10:13 card testing, unusual amount  open       —          5h   in 19h",
            "    0.820 C2             2     $920.00 11-15 18:13–11-16 unusual amount, unusual hour  open       —          5h  1h late",
            "    0.550 C3             1      $50.00 11-16 04:13       unusual hour                  open       —          5h        —",
        ] + blanks(33) + [
            status,
            " ? keys · q quit · Enter open · n next case · f fraud · p false pos. · e escalate · i snooze · m mine · Tab alerts",
        ]
    }

    /// `/` asks on the key-hint line; Enter moves the cursor to the first case after it that the text finds: here by
    /// a merchant of its alerts.
    @Test func slashFindsACaseByItsAlertsMerchant() throws {
        let queue = try workbench(fixture.store)
        try press(queue, .character("/"))
        for character in "Night Owl" { try press(queue, .character(character)) }
        let typing = try queue.frame(size: size)
        #expect(typing.rowText(39).hasPrefix(" / Night Owl"), "\(typing.rowText(39))")
        try press(queue, .enter)
        expectScreen(try queue.frame(size: size),
                     screen(status: " /Night Owl: case 3 of 3                                                       open 3 · snoozed 0 · decided 0 · 3 cases"))
        try press(queue, .enter)
        #expect(queue.mode == .caseView(caseID: fixture.caseIDs[2]), "the cursor is on the case found")
    }

    /// A card's digits (typed in groups or not) find it though the queue shows it masked; a reason's words find the
    /// cases whose alerts gave it, `]` and `[` stepping through them round the ends; a text that finds nothing says
    /// so and leaves the cursor where it was.
    @Test func cardDigitsReasonWordsAndNoHit() throws {
        let queue = try workbench(fixture.store)
        try search(queue, "1111 1111")
        expectScreen(try queue.frame(size: size),
                     screen(status: " /1111 1111: case 1 of 3                                                       open 3 · snoozed 0 · decided 0 · 3 cases"))
        try search(queue, "unusual amount")
        expectScreen(try queue.frame(size: size),
                     screen(status: " /unusual amount: case 2 of 3 (] next, [ previous)                             open 3 · snoozed 0 · decided 0 · 3 cases"))
        try press(queue, .character("]"))
        expectScreen(try queue.frame(size: size),
                     screen(status: " /unusual amount: case 1 of 3 (] next, [ previous)                             open 3 · snoozed 0 · decided 0 · 3 cases"))
        try press(queue, .character("["))
        #expect(queue.message == "/unusual amount: case 2 of 3 (] next, [ previous)")
        try search(queue, "zzq")
        expectScreen(try queue.frame(size: size),
                     screen(status: " /zzq: no case in this view                                                    open 3 · snoozed 0 · decided 0 · 3 cases"))
        try press(queue, .down)
        #expect(try queue.frame(size: size).rowText(38).hasPrefix(" 3/3"), "the cursor stayed on case 2")
    }

    /// An assignee finds the cases assigned to them; Enter on an empty prompt searches again for the last text.
    @Test func anAssigneeAndTheLastSearchAgain() throws {
        let queue = try workbench(fixture.store)
        try press(queue, .down, .character("m"))
        try press(queue, .up)
        try search(queue, "ANA")
        #expect(queue.message == "/ANA: case 2 of 3")
        try press(queue, .up)
        try search(queue, "")
        #expect(queue.message == "/ANA: case 2 of 3")
        try press(queue, .character("]"))
        #expect(queue.message == "/ANA: case 2 of 3")
    }
}

/// A queue of more cases than a screen holds: only the rows on screen are read, yet every page, a decision and its
/// undo show what the store holds.
@Suite struct CaseQueuePagingTests {
    let directory = NSTemporaryDirectory() + "vigil-case-pages-" + UUID().uuidString
    /// Wide enough for the status line to keep the counts beside a decision's message.
    let size = TerminalSize(width: 120, height: 24)

    /// 60 clients C00…C59, one alert each, C00's the highest.
    func store() throws -> Store {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = try Store(path: directory + "/pages.sqlite")
        let rows = (0..<60).map { i in
            Transaction(sourceKey: "k\(i)", clientID: String(format: "C%02d", i), instant: ThreeCaseStore.start + Int64(i) * 60,
                        originalTime: "t", amount: Money(minorUnits: 1_000 + Int64(i)), merchant: "Shop \(i)", category: "shopping")
        }
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        _ = try store.refreshAlerts((0..<60).map { i in
            AlertCandidate(transactionID: Int64(i + 1), score: 0.99 - Double(i) / 100, reasons: [
                AlertReason(detector: "burst", score: 1, contribution: 1, text: "a burst"),
            ])
        }, at: ThreeCaseStore.created)
        try store.refreshCases(gapSeconds: 3 * 86_400, now: ThreeCaseStore.created)
        return store
    }

    /// The card column of each row of the table on screen.
    func clients(_ buffer: CellBuffer) -> [String] {
        (2..<22).map { String(buffer.rowText($0).dropFirst(10).prefix(9)).trimmingCharacters(in: .whitespaces) }
    }

    @Test func pagesDecisionsAndUndoShowTheStore() throws {
        let store = try store()
        defer { try? store.closeConnections(); try? FileManager.default.removeItem(atPath: directory) }
        let queue = try AlertQueueScreen(store: store, analyst: "ana", opensOnCases: true)
        queue.clock = { ThreeCaseStore.now }
        #expect(clients(try queue.frame(size: size)) == (0..<20).map { String(format: "C%02d", $0) })
        _ = try queue.handle(.character("G"), size: size)
        let last = try queue.frame(size: size)
        #expect(clients(last) == (40..<60).map { String(format: "C%02d", $0) })
        #expect(last.rowText(22).hasPrefix(" 60/60"))
        // Up a page from the end, then decide the case under the cursor: the next case takes its row.
        _ = try queue.handle(.pageUp, size: size)
        let cursorRow = try queue.frame(size: size).rowText(22)
        let position = try #require(Int(cursorRow.dropFirst().prefix { $0 != "/" }))
        let decided = String(format: "C%02d", position - 1)
        _ = try queue.handle(.character("p"), size: size)
        let after = try queue.frame(size: size)
        #expect(!clients(after).contains(decided))
        #expect(after.rowText(22).contains("open 59 · snoozed 0 · decided 1 · 60 cases"))
        _ = try queue.handle(.character("u"), size: size)
        let undone = try queue.frame(size: size)
        #expect(undone.rowText(22).hasPrefix(" undone:") && undone.rowText(22).contains("open 60 · snoozed 0 · decided 0 · 60 cases"))
        // The cursor stayed on the case it was on, which the undone case's return moved down a row: the undone case
        // is the one above.
        _ = try queue.handle(.character("k"), size: size)
        let back = try queue.frame(size: size)
        #expect(back.rowText(22).hasPrefix(" \(position)/60"))
        #expect(clients(back).first == decided)
    }
}
