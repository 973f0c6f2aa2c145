import Foundation
import Testing
import VigilApp
import VigilCore
@testable import VigilEngine
import VigilStore
import VigilTUI

/// The alert queue, rendered into memory and driven by keys, over a small store with six alerts.
@Suite struct AlertQueueScreenTests {
    let directory: String
    let store: Store
    /// Keys are pressed at this size; screens are drawn at the three of `ScreenSizes`.
    let size = ScreenSizes.large

    init() throws {
        directory = NSTemporaryDirectory() + "vigil-queue-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // A fixed operating-system user and host, so that the events a detail lists read alike on every machine.
        store = try Store(path: directory + "/q.sqlite", identity: OSIdentity(user: "ana-os", host: "ws-1"))
        var rows: [Transaction] = []
        for i in 0..<8 {
            let instant: Int64 = 1_700_000_000 + Int64(i) * 3_600
            let merchant: String = i == 4 ? "Acme Hardware" : "Shop \(i)"
            rows.append(Transaction(sourceKey: "k\(i)", clientID: "C\(i % 2)", instant: instant, originalTime: "t\(i)",
                                    amount: Money(minorUnits: Int64(1_000 * (i + 1))), merchant: merchant, category: "grocery"))
        }
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        var candidates: [AlertCandidate] = []
        for id in Int64(1)...6 {
            let reason = AlertReason(detector: "burst", score: 1, contribution: 1, text: "reason for \(id)")
            candidates.append(AlertCandidate(transactionID: id, score: 0.9 - Double(id) / 100, reasons: [reason]))
        }
        _ = try store.refreshAlerts(candidates, at: 10)
    }

    func screen() throws -> AlertQueueScreen { try AlertQueueScreen(store: store, analyst: "ana") }

    func press(_ screen: AlertQueueScreen, _ keys: Key...) throws {
        for key in keys { _ = try screen.handle(key, size: size) }
    }

    func status(_ alert: Int64) throws -> String? { try store.alertSummaries(ids: [alert]).first?.status }

    /// The title (store, view, analyst), the alerts by score with the sort marked, the position and the counts,
    /// the keys; narrower, the category goes and the time and the statuses shorten.
    @Test func theQueueShowsTheAlertsByScoreWithCountsAndKeys() throws {
        let queue = try screen()
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — open alerts                                                                             analyst ana",
            "  Score ▼ Time (UTC)       Client                   Amount Merchant         Category      Top reason      Status",
            "    0.890 2023-11-14 22:13 C0                       $10.00 Shop 0           grocery       reason for 1    open",
            "    0.880 2023-11-14 23:13 C1                       $20.00 Shop 1           grocery       reason for 2    open",
            "    0.870 2023-11-15 00:13 C0                       $30.00 Shop 2           grocery       reason for 3    open",
            "    0.860 2023-11-15 01:13 C1                       $40.00 Shop 3           grocery       reason for 4    open",
            "    0.850 2023-11-15 02:13 C0                       $50.00 Acme Hardware    grocery       reason for 5    open",
            "    0.840 2023-11-15 03:13 C1                       $60.00 Shop 5           grocery       reason for 6    open",
        ] + blanks(30) + [
            " 1/6                                         open 6 · confirmed fraud 0 · false positive 0 · escalated 0 · needs info 0",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info · a note · u undo · Space mark · / find",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — open alerts                                     analyst ana",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.890 11-14 22:13 C0                   $10.00 Shop 0    reason f… open",
            "    0.880 11-14 23:13 C1                   $20.00 Shop 1    reason f… open",
            "    0.870 11-15 00:13 C0                   $30.00 Shop 2    reason f… open",
            "    0.860 11-15 01:13 C1                   $40.00 Shop 3    reason f… open",
            "    0.850 11-15 02:13 C0                   $50.00 Acme Har… reason f… open",
            "    0.840 11-15 03:13 C1                   $60.00 Shop 5    reason f… open",
        ] + blanks(14) + [
            " 1/6               open 6 · fraud 0 · false pos. 0 · escalated 0 · needs info 0",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info …",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — open alerts                 analyst ana",
            "  Score ▼ Time        Client               Amount   Status",
            "    0.890 11-14 22:13 C0                   $10.00   open",
            "    0.880 11-14 23:13 C1                   $20.00   open",
            "    0.870 11-15 00:13 C0                   $30.00   open",
            "    0.860 11-15 01:13 C1                   $40.00   open",
            "    0.850 11-15 02:13 C0                   $50.00   open",
            "    0.840 11-15 03:13 C1                   $60.00   open",
        ] + blanks(5) + [
            " 1/6                                                 open 6",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · …",
        ])
    }

    @Test func theCursorRowHeaderAndBarsTakeTheThemesStyles() throws {
        var theme = Theme.default
        theme.selection = Style(foreground: .black, background: .yellow)
        theme.header = Style(foreground: .cyan, bold: true)
        let queue = try AlertQueueScreen(store: store, analyst: "ana", theme: theme)
        try press(queue, .character("j"))
        let buffer = try queue.frame(size: size)
        #expect(buffer[10, 1].style == theme.header)
        #expect(buffer[10, 3].style == theme.selection, "the cursor is on the second alert")
        #expect(buffer[10, 2].style == theme.text)
        #expect(buffer[10, 0].style == theme.title)
        #expect(buffer[10, 38].style == theme.statusBar)
    }

    @Test func hostileTextFromTheStoreIsShownAsPlaceholders() throws {
        _ = try store.appendGenerated(name: "evil", identity: "evil") { sink in
            try sink([Transaction(sourceKey: "evil", clientID: "C\u{1B}]0;pwned\u{07}", instant: 1_700_000_000, originalTime: "t",
                                  amount: Money(minorUnits: 100), merchant: "Evil\u{1B}[31mCorp", category: "x\ty")])
        }
        let id: Int64 = 9  // after the eight transactions of `init`
        _ = try store.refreshAlerts([AlertCandidate(transactionID: id, score: 0.99, reasons: [
            AlertReason(detector: "burst", score: 1, contribution: 1, text: "bell\u{07}ring"),
        ])] + (1...6).map { AlertCandidate(transactionID: $0, score: 0.9 - Double($0) / 100, reasons: []) })
        let queue = try screen()
        let rows = try queue.frame(size: size).rows
        #expect(rows.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — open alerts                                     analyst ana",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.990 11-14 22:13 C␛]0;pwned␇           $1.00 Evil␛[31… bell␇ring open",
            "    0.890 11-14 22:13 C0                   $10.00 Shop 0              open",
            "    0.880 11-14 23:13 C1                   $20.00 Shop 1              open",
            "    0.870 11-15 00:13 C0                   $30.00 Shop 2              open",
            "    0.860 11-15 01:13 C1                   $40.00 Shop 3              open",
            "    0.850 11-15 02:13 C0                   $50.00 Acme Har…           open",
            "    0.840 11-15 03:13 C1                   $60.00 Shop 5              open",
        ] + blanks(13) + [
            " 1/7               open 7 · fraud 0 · false pos. 0 · escalated 0 · needs info 0",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info …",
        ])
        try press(queue, .enter)
        let detail = try queue.frame(size: ScreenSizes.large).rows
        #expect(detail.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — open alerts                                                                             analyst ana",
            " Alert #7 · score 0.990 · open",
            "",
            " Why (by contribution)",
            "   +1.00 burst: bell␇ring",
            "",
            " Time (UTC)      2023-11-14 22:13:20",
            " As written      t",
            " Client          C␛]0;pwned␇",
            " Amount          $1.00",
            " Merchant        Evil␛[31mCorp",
            " Category        x␉y",
            " Channel         —",
            " Place",
            " Merchant at     —",
            " Client home     —",
            " Source row      evil",
            "",
            " The client's transactions around it (▶ this one, ! another alert)",
            "  ▶ 2023-11-14 22:13        $1.00  Evil␛[31mCorp (x␉y) — open",
        ] + blanks(18) + [
            " 1/7                                         open 7 · confirmed fraud 0 · false positive 0 · escalated 0 · needs info 0",
            " q back · ? keys · ] next · [ previous · f fraud · p false positive · e escalate · i needs info · a note · u undo",
        ])
    }

    @Test func at80ColumnsTheQueueDropsTheCategoryAndShortensTimeAndStatus() throws {
        let queue = try screen()
        try press(queue, .character("f"))
        try press(queue, .character("v"), .character("j"), .character("k"))
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — every alert                                     analyst ana",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.890 11-14 22:13 C0                   $10.00 Shop 0    reason f… fraud",
            "    0.880 11-14 23:13 C1                   $20.00 Shop 1    reason f… open",
            "    0.870 11-15 00:13 C0                   $30.00 Shop 2    reason f… open",
            "    0.860 11-15 01:13 C1                   $40.00 Shop 3    reason f… open",
            "    0.850 11-15 02:13 C0                   $50.00 Acme Har… reason f… open",
            "    0.840 11-15 03:13 C1                   $60.00 Shop 5    reason f… open",
        ] + blanks(14) + [
            " 1/6               open 5 · fraud 1 · false pos. 0 · escalated 0 · needs info 0",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info …",
        ])
    }

    @Test func onANarrowScreenAMessageTakesTheStatusLineFromTheCounts() throws {
        let queue = try screen()
        try press(queue, .character("p"))
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — open alerts                 analyst ana",
            "  Score ▼ Time        Client               Amount   Status",
            "    0.880 11-14 23:13 C1                   $20.00   open",
            "    0.870 11-15 00:13 C0                   $30.00   open",
            "    0.860 11-15 01:13 C1                   $40.00   open",
            "    0.850 11-15 02:13 C0                   $50.00   open",
            "    0.840 11-15 03:13 C1                   $60.00   open",
        ] + blanks(6) + [
            " alert #1 → false positive (u undoes)",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · …",
        ])
        try press(queue, .character("j"))
        // With no message the counts come back; short of room, the zero counts give way so the position stays.
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — open alerts                 analyst ana",
            "  Score ▼ Time        Client               Amount   Status",
            "    0.880 11-14 23:13 C1                   $20.00   open",
            "    0.870 11-15 00:13 C0                   $30.00   open",
            "    0.860 11-15 01:13 C1                   $40.00   open",
            "    0.850 11-15 02:13 C0                   $50.00   open",
            "    0.840 11-15 03:13 C1                   $60.00   open",
        ] + blanks(6) + [
            " 2/5                                  open 5 · false pos. 1",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · …",
        ])
    }

    /// Alerts that arrive while the queue is open (live scoring) are counted on the status line; where the counts
    /// leave too little room, their zeros give way so that the new count stays readable.
    @Test func theNewCountStaysReadableOnANarrowScreen() throws {
        let queue = try screen()
        var candidates: [AlertCandidate] = []
        for id in Int64(1)...8 {
            let reason = AlertReason(detector: "burst", score: 1, contribution: 1, text: "reason for \(id)")
            candidates.append(AlertCandidate(transactionID: id, score: 0.9 - Double(id) / 100, reasons: [reason]))
        }
        _ = try store.refreshAlerts(candidates, at: 20)
        #expect(try queue.refreshIfChanged())
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — open alerts                                     analyst ana",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.890 11-14 22:13 C0                   $10.00 Shop 0    reason f… open",
            "    0.880 11-14 23:13 C1                   $20.00 Shop 1    reason f… open",
            "    0.870 11-15 00:13 C0                   $30.00 Shop 2    reason f… open",
            "    0.860 11-15 01:13 C1                   $40.00 Shop 3    reason f… open",
            "    0.850 11-15 02:13 C0                   $50.00 Acme Har… reason f… open",
            "    0.840 11-15 03:13 C1                   $60.00 Shop 5    reason f… open",
            "    0.830 11-15 04:13 C0                   $70.00 Shop 6    reason f… ● new",
            "    0.820 11-15 05:13 C1                   $80.00 Shop 7    reason f… ● new",
        ] + blanks(12) + [
            " 1/8  2 new        open 8 · fraud 0 · false pos. 0 · escalated 0 · needs info 0",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info …",
        ])
        expectScreen(try queue.frame(size: TerminalSize(width: 64, height: 24)), [
            " Vigil — q.sqlite — open alerts                     analyst ana",
            "  Score ▼ Time        Client               Amount … … Status",
            "    0.890 11-14 22:13 C0                   $10.00 … … open",
            "    0.880 11-14 23:13 C1                   $20.00 … … open",
            "    0.870 11-15 00:13 C0                   $30.00 … … open",
            "    0.860 11-15 01:13 C1                   $40.00 … … open",
            "    0.850 11-15 02:13 C0                   $50.00 … … open",
            "    0.840 11-15 03:13 C1                   $60.00 … … open",
            "    0.830 11-15 04:13 C0                   $70.00 … … ● new",
            "    0.820 11-15 05:13 C1                   $80.00 … … ● new",
        ] + blanks(12) + [
            " 1/8  2 new                                              open 8",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e es…",
        ])
    }

    @Test func decisionsGoToTheStoreAndLeaveTheOpenView() throws {
        let queue = try screen()
        try press(queue, .character("j"), .character("f"))
        #expect(try status(2) == "confirmed_fraud")
        #expect(queue.ids == [1, 3, 4, 5, 6])
        #expect(queue.message == "alert #2 → confirmed fraud (u undoes)")
        // Mark two, decide them together.
        try press(queue, .character("g"), .character(" "), .character(" "), .character("p"))
        #expect(try status(1) == "false_positive" && status(3) == "false_positive")
        #expect(queue.message == "2 alerts → false positive (u undoes)")
        // Undo takes back the whole last decision.
        try press(queue, .character("u"))
        #expect(try status(1) == "open" && status(3) == "open" && status(2) == "confirmed_fraud")
        #expect(try store.verifyAuditChain() == .intact(events: 5))
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — open alerts                                                                             analyst ana",
            "  Score ▼ Time (UTC)       Client                   Amount Merchant         Category      Top reason      Status",
            "    0.890 2023-11-14 22:13 C0                       $10.00 Shop 0           grocery       reason for 1    open",
            "    0.870 2023-11-15 00:13 C0                       $30.00 Shop 2           grocery       reason for 3    open",
            "    0.860 2023-11-15 01:13 C1                       $40.00 Shop 3           grocery       reason for 4    open",
            "    0.850 2023-11-15 02:13 C0                       $50.00 Acme Hardware    grocery       reason for 5    open",
            "    0.840 2023-11-15 03:13 C1                       $60.00 Shop 5           grocery       reason for 6    open",
        ] + blanks(31) + [
            " undone: alert #1 back to open, alert #3 back to open",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info · a note · u undo · Space mark · / find",
        ])
    }

    @Test func inTheViewOfEveryAlertADecidedAlertStaysWithItsNewStatus() throws {
        let queue = try screen()
        try press(queue, .character("v"), .character("j"), .character("j"), .character("e"))
        #expect(queue.ids == [1, 2, 3, 4, 5, 6])
        // The row shows its new status in place.
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — every alert                                                                             analyst ana",
            "  Score ▼ Time (UTC)       Client                   Amount Merchant         Category      Top reason      Status",
            "    0.890 2023-11-14 22:13 C0                       $10.00 Shop 0           grocery       reason for 1    open",
            "    0.880 2023-11-14 23:13 C1                       $20.00 Shop 1           grocery       reason for 2    open",
            "    0.870 2023-11-15 00:13 C0                       $30.00 Shop 2           grocery       reason for 3    escalated",
            "    0.860 2023-11-15 01:13 C1                       $40.00 Shop 3           grocery       reason for 4    open",
            "    0.850 2023-11-15 02:13 C0                       $50.00 Acme Hardware    grocery       reason for 5    open",
            "    0.840 2023-11-15 03:13 C1                       $60.00 Shop 5           grocery       reason for 6    open",
        ] + blanks(30) + [
            " alert #3 → escalated (u undoes)             open 5 · confirmed fraud 0 · false positive 0 · escalated 1 · needs info 0",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info · a note · u undo · Space mark · / find",
        ])
        // In the open view (1, 2, 4, 5, 6 now) the cursor stays where it was, so it lands on the next alert.
        let open = try screen()
        try press(open, .character("j"), .character("f"))
        try press(open, .character("f"))
        #expect(open.ids == [1, 5, 6])
        #expect(try status(2) == "confirmed_fraud" && status(4) == "confirmed_fraud")
    }

    @Test func aNoteIsWrittenInABoxAndSavedWithCtrlS() throws {
        let queue = try screen()
        try press(queue, .character("a"))
        for character in "called client" { try press(queue, .character(character)) }
        try press(queue, .enter)
        for character in "no answer" { try press(queue, .character(character)) }
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — open alerts                                                                             analyst ana",
            "  Score ▼ Time (UTC)       Client                   Amount Merchant         Category      Top reason      Status",
            "    0.890 2023-11-14 22:13 C0                       $10.00 Shop 0           grocery       reason for 1    open",
            "    0.880 2023-11-14 23:13 C1                       $20.00 Shop 1           grocery       reason for 2    open",
            "    0.870 2023-11-15 00:13 C0                       $30.00 Shop 2           grocery       reason for 3    open",
            "    0.860 2023-11-15 01:13 C1                       $40.00 Shop 3           grocery       reason for 4    open",
            "    0.850 2023-11-15 02:13 C0                       $50.00 Acme Hardware    grocery       reason for 5    open",
            "    0.840 2023-11-15 03:13 C1                       $60.00 Shop 5           grocery       reason for 6    open",
        ] + blanks(7) + [
            "                         ┌  Note on alert #1  ────────────────────────────────────────────────┐",
            "                         │called client                                                       │",
            "                         │no answer                                                           │",
            "                         │                                                                    │",
            "                         │                                                                    │",
            "                         │                                                                    │",
            "                         │                                                                    │",
            "                         │                                                                    │",
            "                         │Ctrl-S saves · Esc discards                                         │",
            "                         └────────────────────────────────────────────────────────────────────┘",
        ] + blanks(13) + [
            " 1/6                                         open 6 · confirmed fraud 0 · false positive 0 · escalated 0 · needs info 0",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info · a note · u undo · Space mark · / find",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — open alerts                 analyst ana",
            "  Score ▼ Time        Client               Amount   Status",
            "  ┌  Note on alert #1  ──────────────────────────────────┐",
            "  │called client                                         │",
            "  │no answer                                             │",
            "  │                                                      │",
            "  │                                                      │",
            "  │                                                      │",
            "  │                                                      │",
            "  │                                                      │",
            "  │Ctrl-S saves · Esc discards                           │",
            "  └──────────────────────────────────────────────────────┘",
            "",
            " 1/6                                                 open 6",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · …",
        ])
        try press(queue, .ctrl("s"))
        #expect(try store.triageEvents(ofAlert: 1).map(\.note) == ["called client\nno answer"])
        #expect(try status(1) == "open")
        // Escape discards.
        try press(queue, .character("a"), .character("x"), .escape)
        #expect(try store.triageEvents(ofAlert: 1).count == 1)
    }

    @Test func aDecisionOnAnAlertSomeoneElseChangedIsRefusedWithAMessage() throws {
        let queue = try screen()
        _ = try queue.frame(size: size)
        let other = try Store(path: store.path)
        try other.decide([SeenAlert(id: 1, version: 1)], status: .escalated, analyst: "bo")
        try press(queue, .character("f"))
        #expect(try status(1) == "escalated", "bo's decision stands")
        #expect(queue.message == "alert #1 changed since it was shown (now escalated, last touched by bo); nothing was changed: look again and decide")
        // Polling sees the change.
        let queue2 = try screen()
        try other.decide([SeenAlert(id: 2, version: 1)], status: .falsePositive, analyst: "bo")
        #expect(try queue2.refreshIfChanged())
        #expect(!queue2.ids.contains(2))
        #expect(try !queue2.refreshIfChanged())
    }

    /// Marks follow their alerts when the queue reloads: another analyst's decision moves every row below it up one,
    /// and a mark kept by row position would then send the decision to the wrong alert.
    @Test func marksStayOnTheirAlertsWhenAnotherDecisionMovesTheRows() throws {
        let queue = try screen()
        _ = try queue.frame(size: size)
        try press(queue, .character("j"), .character("j"), .character(" "))  // mark alert #3 (row 2)
        let other = try Store(path: store.path)
        try other.decide([SeenAlert(id: 1, version: 1)], status: .escalated, analyst: "bo")
        #expect(try queue.refreshIfChanged())
        #expect(queue.ids == [2, 3, 4, 5, 6])
        try press(queue, .character("p"))
        #expect(try status(3) == "false_positive", "the marked alert is decided")
        #expect(try status(4) == "open", "not the alert that moved onto the marked row")
        // A marked alert that leaves the view is unmarked, and the queue says so.
        try press(queue, .character("g"), .character(" "))  // mark alert #2
        try other.decide([SeenAlert(id: 2, version: 1)], status: .escalated, analyst: "bo")
        #expect(try queue.refreshIfChanged())
        #expect(queue.message == "1 marked alert left this view (decided elsewhere or withdrawn) and is no longer marked")
        try press(queue, .character("p"))
        #expect(try status(4) == "false_positive", "with no marks left, the decision is the cursor's alert")
    }

    /// Two alerts marked, then a scan elsewhere withdraws one: the decision is refused whole and says the alert was
    /// withdrawn, rather than made on the other alone.
    @Test func aDecisionOnAMarkedAlertAScanWithdrewIsRefusedWithAMessage() throws {
        let queue = try screen()
        _ = try queue.frame(size: size)
        try press(queue, .character(" "), .character(" "))
        let other = try Store(path: store.path)
        let kept = (Int64(1)...6).filter { $0 != 2 }.map { id in
            AlertCandidate(transactionID: id, score: 0.9 - Double(id) / 100,
                           reasons: [AlertReason(detector: "burst", score: 1, contribution: 1, text: "reason for \(id)")])
        }
        #expect(try other.refreshAlerts(kept, at: 20).withdrawn == 1)
        try press(queue, .character("f"))
        #expect(try status(1) == "open", "nothing was decided")
        #expect(queue.message?.hasPrefix("alert #2 was withdrawn: the latest scan no longer flags its transaction") == true)
        #expect(try store.verifyAuditChain() == .intact(events: 0))
    }

    @Test func searchSortAndViews() throws {
        let queue = try screen()
        try press(queue, .character("/"))
        for character in "acme" { try press(queue, .character(character)) }
        try press(queue, .enter)
        #expect(queue.message == "/acme: row 5")
        try press(queue, .character("n"))
        #expect(queue.message == "/acme: row 5", "the only match, found again")
        try press(queue, .character("s"))
        #expect(queue.query.sort == .time && queue.query.descending)
        #expect(queue.ids == [6, 5, 4, 3, 2, 1])
        try press(queue, .character("S"))
        #expect(queue.ids == [1, 2, 3, 4, 5, 6])
        try press(queue, .character("f"), .character("v"))
        #expect(queue.query.statuses == nil && queue.ids.count == 6)
        try press(queue, .character("v"))
        #expect(queue.query.statuses == [.confirmedFraud] && queue.ids.count == 1)
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — confirmed fraud alerts                          analyst ana",
            "    Score Time ▲      Client               Amount Merchant  Top reas… Status",
            "    0.850 11-15 02:13 C0                   $50.00 Acme Har… reason f… fraud",
        ] + blanks(19) + [
            " showing confirmed fraud alerts",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info …",
        ])
    }

    @Test func aTinyTerminalGetsAMessageNotACrash() throws {
        let queue = try screen()
        expectScreen(try queue.frame(size: TerminalSize(width: 0, height: 0)), [])
        expectScreen(try queue.frame(size: TerminalSize(width: 10, height: 3)), [
            "terminal …",
            "",
            "",
        ])
        expectScreen(try queue.frame(size: TerminalSize(width: 59, height: 20)), [
            "terminal too small: 59×20, Vigil needs 60×10",
        ] + blanks(19))
        expectScreen(try queue.frame(size: TerminalSize(width: 80, height: 9)), [
            "terminal too small: 80×9, Vigil needs 60×10",
        ] + blanks(8))
    }

    @Test func helpListsEveryKeyAndTheRunLoopEndsWithItsInput() throws {
        let queue = try screen()
        try press(queue, .character("?"))
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — ┌ Keys ───────────────────────────────────────────────────────────────────────┐         analyst ana",
            "  Score ▼ Time (UTC)│ Move                                                                        │n      Status",
            "    0.890 2023-11-14│ j/↓  k/↑   next / previous alert                                            │r 1    open",
            "    0.880 2023-11-14│ PgDn PgUp  a page down / up                                                 │r 2    open",
            "    0.870 2023-11-15│ g  G       first / last alert                                               │r 3    open",
            "    0.860 2023-11-15│                                                                             │r 4    open",
            "    0.850 2023-11-15│ Queue                                                                       │r 5    open",
            "    0.840 2023-11-15│ Enter      open the alert's detail                                          │r 6    open",
            "                    │ Space      mark or unmark for a decision together                           │",
            "                    │ /          search merchant, client and reasons                              │",
            "                    │ n          next match                                                       │",
            "                    │ N          previous match                                                   │",
            "                    │ s          sort by the next column                                          │",
            "                    │ S          reverse the sort                                                 │",
            "                    │ v          show open, all, or one decision                                  │",
            "                    │ F          filter: client=ID detector=NAME amount=MIN..MAX date=FROM..UNTIL │",
            "                    │ r          reload from the store                                            │",
            "                    │ c          the alert's client: timeline, heatmaps, transactions             │",
            "                    │ O          overview: per day, by detector, precision, heatmaps              │",
            "                    │ M          merchants the fraud cards shared, cards exposed there            │",
            "                    │ :          command palette: client, #alert, date, command                   │",
            "                    │ R          run detectors in the background                                  │",
            "                    │ X          cancel the running scan                                          │",
            "                    │ Tab        the case queue (Tab there comes back)                            │",
            "                    │                                                                             │",
            "                    │ Decide                                                                      │",
            "                    │ f          confirmed fraud                                                  │",
            "                    │ p          false positive                                                   │",
            "                    │ e          escalate                                                         │",
            "                    │ i          needs information                                                │",
            "                    │ o          reopen                                                           │",
            "                    │ a          add a note                                                       │",
            "                    │ u          undo my last decision                                            │",
            "                    │                                                                             │",
            "                    │ Detail                                                                      │",
            "                    │ ]          the next alert's detail                                          │",
            "                    │ [          the previous alert's detail                                      │",
            "                    │                                                                             │",
            " 1/6                │ Screen                                                                      │ted 0 · needs info 0",
            " ? keys · q quit · E└─────────────────────────────────────────────────────────────────── 1–38/42 ─┘Space mark · / find",
        ])
        // The rest is a scroll away.
        try press(queue, .end)
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — ┌ Keys ───────────────────────────────────────────────────────────────────────┐         analyst ana",
            "  Score ▼ Time (UTC)│                                                                             │n      Status",
            "    0.890 2023-11-14│ Queue                                                                       │r 1    open",
            "    0.880 2023-11-14│ Enter      open the alert's detail                                          │r 2    open",
            "    0.870 2023-11-15│ Space      mark or unmark for a decision together                           │r 3    open",
            "    0.860 2023-11-15│ /          search merchant, client and reasons                              │r 4    open",
            "    0.850 2023-11-15│ n          next match                                                       │r 5    open",
            "    0.840 2023-11-15│ N          previous match                                                   │r 6    open",
            "                    │ s          sort by the next column                                          │",
            "                    │ S          reverse the sort                                                 │",
            "                    │ v          show open, all, or one decision                                  │",
            "                    │ F          filter: client=ID detector=NAME amount=MIN..MAX date=FROM..UNTIL │",
            "                    │ r          reload from the store                                            │",
            "                    │ c          the alert's client: timeline, heatmaps, transactions             │",
            "                    │ O          overview: per day, by detector, precision, heatmaps              │",
            "                    │ M          merchants the fraud cards shared, cards exposed there            │",
            "                    │ :          command palette: client, #alert, date, command                   │",
            "                    │ R          run detectors in the background                                  │",
            "                    │ X          cancel the running scan                                          │",
            "                    │ Tab        the case queue (Tab there comes back)                            │",
            "                    │                                                                             │",
            "                    │ Decide                                                                      │",
            "                    │ f          confirmed fraud                                                  │",
            "                    │ p          false positive                                                   │",
            "                    │ e          escalate                                                         │",
            "                    │ i          needs information                                                │",
            "                    │ o          reopen                                                           │",
            "                    │ a          add a note                                                       │",
            "                    │ u          undo my last decision                                            │",
            "                    │                                                                             │",
            "                    │ Detail                                                                      │",
            "                    │ ]          the next alert's detail                                          │",
            "                    │ [          the previous alert's detail                                      │",
            "                    │                                                                             │",
            "                    │ Screen                                                                      │",
            "                    │ t          next colour theme                                                │",
            "                    │ ?          these keys                                                       │",
            "                    │ q          back; on the list, quit                                          │",
            " 1/6                │ Esc        back (never quits)                                               │ted 0 · needs info 0",
            " ? keys · q quit · E└─────────────────────────────────────────────────────────────────── 5–42/42 ─┘Space mark · / find",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            "┌ Keys ────────────────────────────────────────────────────┐",
            "│                                                          │",
            "│ Queue                                                    │",
            "│ Enter      open the alert's detail                       │",
            "│ Space      mark or unmark for a decision together        │",
            "│ /          search merchant, client and reasons           │",
            "│ n          next match                                    │",
            "│ N          previous match                                │",
            "│ s          sort by the next column                       │",
            "│ S          reverse the sort                              │",
            "│ v          show open, all, or one decision               │",
            "│ F          filter: client=ID detector=NAME amount=MIN..… │",
            "│ r          reload from the store                         │",
            "│ c          the alert's client: timeline, heatmaps, tran… │",
            "└──────────────────────────────────────────────── 5–17/42 ─┘",
        ])
        try press(queue, .escape)
        let backend = MemoryBackend(width: 120, height: 40, keys: [.character("j"), .character("f")])
        try queue.run(backend: backend)
        #expect(try status(2) == "confirmed_fraud")
        #expect(backend.stopCount == 1)
    }
}

@Suite struct AlertFilterTests {
    @Test func termsParseAndPrintBack() throws {
        let filter = try AlertFilter.parse("client=C0  detector=burst amount=5..30.50 date=2023-11-14..2023-11-15")
        #expect(filter.clientID == "C0" && filter.detector == "burst")
        #expect(filter.minimumAmountMinor == 500 && filter.maximumAmountMinor == 3_050)
        #expect(filter.from == 1_699_920_000 && filter.until == 1_699_920_000 + 2 * 86_400)
        #expect(filter.text == "client=C0 detector=burst amount=5..30.50 date=2023-11-14..2023-11-15")
        #expect(try AlertFilter.parse(filter.text) == filter)
        let open = try AlertFilter.parse("amount=..100 date=2023-11-14")
        #expect(open.minimumAmountMinor == nil && open.maximumAmountMinor == 10_000)
        #expect(open.until! - open.from! == 86_400)
        #expect(try AlertFilter.parse("  ").isEmpty)
    }

    @Test func badTermsSayWhatIsWrong() {
        func message(_ text: String) -> String? {
            do { _ = try AlertFilter.parse(text); return nil } catch { return error.description }
        }
        #expect(message("colour=red") == "unknown field 'colour' (fields: client, detector, amount, date)")
        #expect(message("client") == "'client' is not field=value (fields: client, detector, amount, date)")
        #expect(message("amount=..") == "amount=..: expected LOW..HIGH (either end may be left out)")
        #expect(message("amount=ten..20") == "amount 'ten' is not an amount (e.g. 100 or 1,250.50)")
        #expect(message("date=2023-02-30") == "date '2023-02-30' is not a day (YYYY-MM-DD)")
    }
}

extension AlertQueueScreenTests {
    @Test func theFilterPromptNarrowsTheQueue() throws {
        let queue = try screen()
        try press(queue, .character("F"))
        for character in "client=C1 amount=..50" { try press(queue, .character(character)) }
        try press(queue, .enter)
        #expect(queue.ids == [2, 4])
        #expect(queue.message == "filter: client=C1 amount=..50")
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — open alerts — client=C1 amount=..50             analyst ana",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.880 11-14 23:13 C1                   $20.00 Shop 1    reason f… open",
            "    0.860 11-15 01:13 C1                   $40.00 Shop 3    reason f… open",
        ] + blanks(18) + [
            " filter: client=C1 amount=..50",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info …",
        ])
        // A bad filter keeps the prompt open and says why (the prompt opens empty; Up recalls the filter in force).
        try press(queue, .character("F"), .up, .character("x"), .enter)
        #expect(queue.message == "filter: amount '50x' is not an amount (e.g. 100 or 1,250.50)")
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — open alerts — client=C1 amount=..50             analyst ana",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.880 11-14 23:13 C1                   $20.00 Shop 1    reason f… open",
            "    0.860 11-15 01:13 C1                   $40.00 Shop 3    reason f… open",
        ] + blanks(18) + [
            " filter: amount '50x' is not an amount (e.g. 100 or 1,250.50)",
            " F client=C1 amount=..50x",
        ])
        #expect(queue.ids == [2, 4], "the filter in force is unchanged")
        // Clearing it brings every open alert back.
        try press(queue, .escape, .character("F"))
        for _ in 0..<40 { try press(queue, .backspace) }
        try press(queue, .enter)
        #expect(queue.ids == [1, 2, 3, 4, 5, 6] && queue.message == "filter cleared")
    }
}
