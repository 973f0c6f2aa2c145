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
    let size = TerminalSize(width: 120, height: 16)

    init() throws {
        directory = NSTemporaryDirectory() + "vigil-queue-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: directory + "/q.sqlite")
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

    @Test func theQueueShowsTheAlertsByScoreWithCountsAndKeys() throws {
        let rows = try screen().render(size: size).rows
        #expect(rows[0].hasPrefix(" Vigil — q.sqlite — open alerts") && rows[0].hasSuffix("analyst ana "))
        #expect(rows[1].contains("Score ▼") && rows[1].contains("Time (UTC)") && rows[1].contains("Top reason"))
        #expect(rows[2].contains("0.890") && rows[2].contains("2023-11-14 22:13") && rows[2].contains("$10.00")
                && rows[2].contains("Shop 0") && rows[2].contains("reason for 1") && rows[2].contains("open"))
        #expect(rows[7].contains("0.840") && rows[7].contains("Shop 5"))
        #expect(rows[8].trimmingCharacters(in: .whitespaces).isEmpty)
        #expect(rows[14].hasPrefix(" 1/6") && rows[14].contains("open 6 · confirmed fraud 0"))
        #expect(rows[15].contains("f fraud") && rows[15].contains("q quit"))
    }

    @Test func theCursorRowHeaderAndBarsTakeTheThemesStyles() throws {
        var theme = Theme.default
        theme.selection = Style(foreground: .black, background: .yellow)
        theme.header = Style(foreground: .cyan, bold: true)
        let queue = try AlertQueueScreen(store: store, analyst: "ana", theme: theme)
        try press(queue, .character("j"))
        let buffer = try queue.render(size: size)
        #expect(buffer[10, 1].style == theme.header)
        #expect(buffer[10, 3].style == theme.selection, "the cursor is on the second alert")
        #expect(buffer[10, 2].style == theme.text)
        #expect(buffer[10, 0].style == theme.title)
        #expect(buffer[10, 14].style == theme.statusBar)
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
        let rows = try queue.render(size: size).rows
        #expect(rows.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
        #expect(rows[2].contains("Evil␛[31mCorp") && rows[2].contains("bell␇ring"))
        try press(queue, .enter)
        let detail = try queue.render(size: TerminalSize(width: 120, height: 40)).rows
        #expect(detail.allSatisfy { !$0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } })
        #expect(detail.contains { $0.contains("C␛]0;pwned␇") })
    }

    @Test func at80ColumnsTheQueueDropsTheCategoryAndShortensTimeAndStatus() throws {
        let queue = try screen()
        try press(queue, .character("f"))
        try press(queue, .character("v"), .character("j"), .character("k"))
        let rows = try queue.render(size: TerminalSize(width: 80, height: 24)).rows
        #expect(rows.allSatisfy { $0.count == 80 })
        #expect(rows[1].contains("Score ▼") && rows[1].contains("Time ") && !rows[1].contains("Category"))
        #expect(rows[2].contains("11-14 22:13") && rows[2].contains("$10.00") && rows[2].hasSuffix("fraud     "))
        #expect(rows[22].hasPrefix(" 1/6") && rows[22].contains("open 5 · fraud 1 · false pos. 0"))
    }

    @Test func onANarrowScreenAMessageTakesTheStatusLineFromTheCounts() throws {
        let queue = try screen()
        try press(queue, .character("p"))
        let narrow = try queue.render(size: TerminalSize(width: 60, height: 15)).rows
        #expect(narrow[13] == " alert #1 → false positive (u undoes)" + String(repeating: " ", count: 23))
        try press(queue, .character("j"))
        // With no message the counts come back; short of room, the zero counts give way so the position stays.
        let counts = try queue.render(size: TerminalSize(width: 60, height: 15)).rows[13]
        #expect(counts.hasPrefix(" 2/5") && counts.contains("open 5 · false pos. 1") && !counts.contains("fraud 0"), "\(counts)")
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
        let wide = try queue.render(size: TerminalSize(width: 80, height: 24)).rows[22]
        #expect(wide.hasPrefix(" 1/8  2 new") && wide.contains("open 8 · fraud 0 · false pos. 0"), "\(wide)")
        let narrow = try queue.render(size: TerminalSize(width: 64, height: 24)).rows[22]
        #expect(narrow.hasPrefix(" 1/8  2 new") && narrow.hasSuffix("open 8 "), "\(narrow)")
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
        let rows = try queue.render(size: size).rows
        #expect(rows[14].contains("open 5 · confirmed fraud 1 · false positive 0"))
    }

    @Test func inTheViewOfEveryAlertADecidedAlertStaysWithItsNewStatus() throws {
        let queue = try screen()
        try press(queue, .character("v"), .character("j"), .character("j"), .character("e"))
        #expect(queue.ids == [1, 2, 3, 4, 5, 6])
        let rows = try queue.render(size: size).rows
        #expect(rows[4].contains("escalated") && rows[4].contains("Shop 2"), "the row shows its new status in place")
        #expect(rows[14].contains("open 5 · confirmed fraud 0 · false positive 0 · escalated 1"))
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
        let rows = try queue.render(size: size).rows
        #expect(rows.contains { $0.contains("Note on alert #1") })
        #expect(rows.contains { $0.contains("Ctrl-S saves") })
        try press(queue, .ctrl("s"))
        #expect(try store.triageEvents(ofAlert: 1).map(\.note) == ["called client\nno answer"])
        #expect(try status(1) == "open")
        // Escape discards.
        try press(queue, .character("a"), .character("x"), .escape)
        #expect(try store.triageEvents(ofAlert: 1).count == 1)
    }

    @Test func aDecisionOnAnAlertSomeoneElseChangedIsRefusedWithAMessage() throws {
        let queue = try screen()
        _ = try queue.render(size: size)
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
        _ = try queue.render(size: size)
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
        _ = try queue.render(size: size)
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

    @Test func theDetailShowsTheTransactionReasonsAndTheClientsHistory() throws {
        let queue = try screen()
        try press(queue, .character("j"), .character("j"), .enter)
        let rows = try queue.render(size: TerminalSize(width: 100, height: 40)).rows
        #expect(rows[1].contains("Alert #3 · score 0.870 · open"))
        #expect(rows.contains { $0.contains("Merchant        Shop 2") })
        #expect(rows.contains { $0.contains("+1.00 burst: reason for 3") })
        // Client C0 has transactions 1, 3, 5, 7: this one is the second; 1 and 5 are alerts too, 7 is not.
        let history = rows.filter { $0.contains("(grocery)") }
        #expect(history.count == 4)
        #expect(history[0].contains("!") && history[0].contains("Shop 0"))
        #expect(history[1].contains("▶") && history[1].contains("Shop 2"))
        #expect(history[2].contains("!") && history[2].contains("Acme Hardware"))
        #expect(history[3].contains("Shop 6") && !history[3].contains("!"))
        // ] and [ step through the queue without leaving the detail.
        try press(queue, .character("]"))
        #expect(try queue.render(size: TerminalSize(width: 100, height: 40)).rows[1].contains("Alert #4 ·"))
        try press(queue, .character("["))
        #expect(try queue.render(size: TerminalSize(width: 100, height: 40)).rows[1].contains("Alert #3 ·"))
        // A decision from the detail applies to this alert; q goes back to the queue.
        try press(queue, .character("e"))
        #expect(try status(3) == "escalated")
        try press(queue, .character("q"))
        #expect(try queue.handle(.character("q"), size: size) == .quit)
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
        #expect(try queue.render(size: size).rows[0].contains("confirmed fraud alerts"))
    }

    @Test func aTinyTerminalGetsAMessageNotACrash() throws {
        let queue = try screen()
        for (width, height) in [(0, 0), (10, 3), (59, 20), (80, 9)] {
            let rows = try queue.render(size: TerminalSize(width: width, height: height)).rows
            #expect(rows.count == height)
            if height > 0 && width > 20 { #expect(rows[0].contains("terminal too small")) }
        }
    }

    @Test func helpListsEveryKeyAndTheRunLoopEndsWithItsInput() throws {
        let queue = try screen()
        try press(queue, .character("?"))
        let rows = try queue.render(size: TerminalSize(width: 100, height: 40)).rows
        for text in ["Move", "j/↓  k/↑", "Queue", "command palette", "Decide", "confirmed fraud"] {
            #expect(rows.contains { $0.contains(text) }, "\(text)")
        }
        // The rest is a scroll away.
        try press(queue, .end)
        let end = try queue.render(size: TerminalSize(width: 100, height: 40)).rows
        for text in ["undo my last decision", "q/Esc"] {
            #expect(end.contains { $0.contains(text) }, "\(text)")
        }
        try press(queue, .escape)
        let backend = MemoryBackend(width: 120, height: 16, keys: [.character("j"), .character("f")])
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
        #expect(try queue.render(size: size).rows[0].contains("open alerts — client=C1 amount=..50"))
        // A bad filter keeps the prompt open and says why.
        try press(queue, .character("F"), .character("x"), .enter)
        #expect(queue.message == "filter: amount '50x' is not an amount (e.g. 100 or 1,250.50)")
        #expect(queue.ids == [2, 4], "the filter in force is unchanged")
        // Clearing it brings every open alert back.
        try press(queue, .escape, .character("F"))
        for _ in 0..<40 { try press(queue, .backspace) }
        try press(queue, .enter)
        #expect(queue.ids == [1, 2, 3, 4, 5, 6] && queue.message == "filter cleared")
    }
}
