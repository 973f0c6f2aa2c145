import Foundation
import Testing
@testable import VigilApp
import VigilCore
import VigilStore
import VigilTUI

/// The triage path's bugs of issue 23, each shown as the analyst met it, on the queue of `AlertQueueScreenTests`
/// (six open alerts, #1 to #6 by score, over eight transactions of clients C0 and C1).
extension AlertQueueScreenTests {
    /// A detail longer than the screen scrolls to its last row, wrapped lines counted: G shows the decisions and
    /// notes, and the reasons come before the transaction's fields.
    @Test func theDetailScrollsToItsLastWrappedRow() throws {
        let note = "called the client at home: the card is in their wallet, they did not buy anything in Shop 0 today, "
            + "and they want it blocked"
        _ = try store.decide([SeenAlert(id: 1, version: 1)], status: .escalated, analyst: "bo", at: 20)
        _ = try store.addNote(note, to: SeenAlert(id: 1, version: 2), analyst: "bo", at: 30)
        let queue = try screen()
        // The open view no longer lists #1: every alert is shown.
        try press(queue, .character("v"), .enter)
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — every alert                 analyst ana",
            " Alert #1 · score 0.890 · escalated · bo",
            "",
            " Why (by contribution)",
            "   +1.00 burst: reason for 1",
            "",
            " Time (UTC)      2023-11-14 22:13:20",
            " As written      t0",
            " Client          C0",
            " Amount          $10.00",
            " Merchant        Shop 0",
            " Category        grocery",
            " Channel         —",
            " 1/6                                   open 5 · escalated 1",
            " q back · ? keys · ] next · [ previous · f fraud · p false …",
        ])
        _ = try queue.handle(.character("G"), size: ScreenSizes.small)
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — every alert                 analyst ana",
            " escalated",
            "  ! 2023-11-15 00:13       $30.00  Shop 2 (grocery) — open",
            "  ! 2023-11-15 02:13       $50.00  Acme Hardware (grocery)",
            " — open",
            "    2023-11-15 04:13       $70.00  Shop 6 (grocery)",
            "",
            " Decisions and notes",
            "   1970-01-01 00:00:20  bo (ana-os@ws-1)  decide →",
            " escalated",
            "   1970-01-01 00:00:30  bo (ana-os@ws-1)  note: called the",
            " client at home: the card is in their wallet, they did not",
            " buy anything in Shop 0 today, and they want it blocked",
            " 1/6                                   open 5 · escalated 1",
            " q back · ? keys · ] next · [ previous · f fraud · p false …",
        ])
        _ = try queue.handle(.character("g"), size: ScreenSizes.small)
        for _ in 0..<3 { _ = try queue.handle(.pageDown, size: ScreenSizes.small) }
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — every alert                 analyst ana",
            " escalated",
            "  ! 2023-11-15 00:13       $30.00  Shop 2 (grocery) — open",
            "  ! 2023-11-15 02:13       $50.00  Acme Hardware (grocery)",
            " — open",
            "    2023-11-15 04:13       $70.00  Shop 6 (grocery)",
            "",
            " Decisions and notes",
            "   1970-01-01 00:00:20  bo (ana-os@ws-1)  decide →",
            " escalated",
            "   1970-01-01 00:00:30  bo (ana-os@ws-1)  note: called the",
            " client at home: the card is in their wallet, they did not",
            " buy anything in Shop 0 today, and they want it blocked",
            " 1/6                                   open 5 · escalated 1",
            " q back · ? keys · ] next · [ previous · f fraud · p false …",
        ])
    }

    /// `]` after a decision opens the alert that took the decided one's place, not the one after it; `[` the one
    /// before the decided alert; back on the list the cursor is on the alert shown.
    @Test func bracketAfterADecisionOpensTheNextAlertWithoutSkipping() throws {
        let queue = try screen()
        try press(queue, .character("j"), .character("j"), .character("j"), .enter, .character("f"))
        #expect(try status(4) == "confirmed_fraud")
        try press(queue, .character("]"))
        #expect(queue.mode == .detail(alertID: 5, scroll: ScrollState()))
        try press(queue, .character("f"), .character("["))
        #expect(queue.mode == .detail(alertID: 3, scroll: ScrollState()))
        try press(queue, .character("q"))
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — open alerts                                     analyst ana",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.890 11-14 22:13 C0                   $10.00 Shop 0    reason f… open",
            "    0.880 11-14 23:13 C1                   $20.00 Shop 1    reason f… open",
            "    0.870 11-15 00:13 C0                   $30.00 Shop 2    reason f… open",
            "    0.840 11-15 03:13 C1                   $60.00 Shop 5    reason f… open",
        ] + blanks(16) + [
            " 3/4               open 4 · fraud 2 · false pos. 0 · escalated 0 · needs info 0",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info …",
        ])
    }

    /// A note added after a decision leaves it undoable: e, a, a note, Ctrl-S, u puts the alert back to open.
    @Test func undoWorksAfterANote() throws {
        let queue = try screen()
        // Drawn after every key, as the workbench does: the detail reads the decided alert again before the note.
        for key in [.enter, .character("e"), .character("a")] + "left a message".map(Key.character) + [.ctrl("s")] {
            _ = try queue.handle(key, size: size)
            _ = try queue.frame(size: size)
        }
        #expect(queue.message == "note saved on alert #1")
        try press(queue, .character("u"))
        #expect(queue.message == "undone: alert #1 back to open")
        #expect(try status(1) == "open")
        let actions = try store.triageEvents(ofAlert: 1).map(\.action)
        #expect(actions.count == 3 && actions.prefix(2) == ["decide", "note"] && actions[2].hasPrefix("undo #"), "\(actions)")
    }

    /// A message longer than the status line wraps onto the rows above the key hint, never cut, at every size.
    @Test func aLongMessageWrapsAndIsNeverCut() throws {
        let queue = try screen()
        _ = try queue.frame(size: ScreenSizes.large)
        queue.model.message = "scan done in 14.0 s: 0 new alerts, 1 withdrawn, 3 rescored; live scoring paused while it ran and "
            + "resumed at the transaction it had reached; the queue was read again"
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — open alerts                                                                             analyst ana",
            "  Score ▼ Time (UTC)       Client                   Amount Merchant         Category      Top reason      Status",
            "    0.890 2023-11-14 22:13 C0                       $10.00 Shop 0           grocery       reason for 1    open",
            "    0.880 2023-11-14 23:13 C1                       $20.00 Shop 1           grocery       reason for 2    open",
            "    0.870 2023-11-15 00:13 C0                       $30.00 Shop 2           grocery       reason for 3    open",
            "    0.860 2023-11-15 01:13 C1                       $40.00 Shop 3           grocery       reason for 4    open",
            "    0.850 2023-11-15 02:13 C0                       $50.00 Acme Hardware    grocery       reason for 5    open",
            "    0.840 2023-11-15 03:13 C1                       $60.00 Shop 5           grocery       reason for 6    open",
        ] + blanks(29) + [
            " scan done in 14.0 s: 0 new alerts, 1 withdrawn, 3 rescored; live scoring paused while it ran and resumed at the",
            " transaction it had reached; the queue was read again",
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
        ] + blanks(12) + [
            " scan done in 14.0 s: 0 new alerts, 1 withdrawn, 3 rescored; live scoring",
            " paused while it ran and resumed at the transaction it had reached; the queue",
            " was read again",
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
        ] + blanks(3) + [
            " scan done in 14.0 s: 0 new alerts, 1 withdrawn, 3",
            " rescored; live scoring paused while it ran and resumed at",
            " the transaction it had reached; the queue was read again",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · …",
        ])
    }

    /// The Top reason column shows what the detectors found, not the spree's boost that leads most alerts of a run;
    /// sorting by it sorts by what is shown.
    @Test func theTopReasonIsTheLargestThatIsNotTheSpree() throws {
        var candidates: [AlertCandidate] = []
        for id in Int64(1)...3 {
            candidates.append(AlertCandidate(transactionID: id, score: 0.9 - Double(id) / 100, reasons: [
                AlertReason(detector: "spree", score: 1, contribution: 2, text: "spree: 4 alerts on this card within 24 h"),
                AlertReason(detector: "amount", score: 1, contribution: 1, text: "amount \(4 - id)× the client's usual"),
            ]))
        }
        candidates.append(AlertCandidate(transactionID: 4, score: 0.5, reasons: [
            AlertReason(detector: "spree", score: 1, contribution: 2, text: "spree only"),
        ]))
        _ = try store.refreshAlerts(candidates, at: 20)
        let queue = try screen()
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — open alerts                                                                             analyst ana",
            "  Score ▼ Time (UTC)       Client                   Amount Merchant         Category      Top reason      Status",
            "    0.890 2023-11-14 22:13 C0                       $10.00 Shop 0           grocery       amount 3× the … open",
            "    0.880 2023-11-14 23:13 C1                       $20.00 Shop 1           grocery       amount 2× the … open",
            "    0.870 2023-11-15 00:13 C0                       $30.00 Shop 2           grocery       amount 1× the … open",
            "    0.500 2023-11-15 01:13 C1                       $40.00 Shop 3           grocery       spree only      open",
        ] + blanks(32) + [
            " 1/4                                         open 4 · confirmed fraud 0 · false positive 0 · escalated 0 · needs info 0",
            " ? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info · a note · u undo · Space mark · / find",
        ])
        // Score, time, client, amount, merchant, category, then the reason.
        for _ in 0..<6 { try press(queue, .character("s")) }
        #expect(queue.query.sort == .reason)
        #expect(queue.ids == [3, 2, 1, 4])
    }

    /// Esc on the list never quits (it says how to); q does, as the help says.
    @Test func escapeNeverQuitsTheWorkbench() throws {
        let queue = try screen()
        #expect(try queue.handle(.escape, size: size) == .handled)
        #expect(queue.message == "q quits the workbench")
        #expect(try queue.handle(.character("q"), size: size) == .quit)
    }

    /// The search and filter prompts open empty, so what is typed is the whole search; Up recalls the last one.
    @Test func searchAndFilterPromptsOpenEmpty() throws {
        let queue = try screen()
        try press(queue, .character("/"))
        for character in "Shop 5" { try press(queue, .character(character)) }
        try press(queue, .enter, .character("/"))
        #expect(queue.mode == .search(TextInputState()))
        try press(queue, .up)
        #expect(queue.mode == .search(TextInputState(text: "Shop 5")))
        try press(queue, .escape, .character("F"))
        for character in "client=C1" { try press(queue, .character(character)) }
        try press(queue, .enter, .character("F"))
        #expect(queue.mode == .filter(TextInputState()))
        try press(queue, .up)
        #expect(queue.mode == .filter(TextInputState(text: "client=C1")))
    }

    /// The note editor wraps a line longer than its box.
    @Test func theNoteEditorWrapsLongLines() throws {
        let queue = try screen()
        try press(queue, .character("a"))
        for character in "the client says the card never left their wallet and they were asleep at the time of the charge" {
            try press(queue, .character(character))
        }
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — open alerts                 analyst ana",
            "  Score ▼ Time        Client               Amount   Status",
            "  ┌  Note on alert #1  ──────────────────────────────────┐",
            "  │the client says the card never left their wallet and t│",
            "  │hey were asleep at the time of the charge             │",
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
    }

    /// f and p in the client view decide the alert it was opened from; without one they say why not.
    @Test func decisionKeysInTheClientViewDecideTheAlertInFocus() throws {
        let queue = try screen()
        try press(queue, .character("c"), .character("p"))
        #expect(try status(1) == "false_positive")
        #expect(queue.message == "alert #1 → false positive (u undoes)")
        try press(queue, .escape, .character(":"))
        for character in "client C0" { try press(queue, .character(character)) }
        try press(queue, .enter, .character("f"))
        #expect(queue.mode == .client)
        #expect(queue.message == "no alert in focus to decide: open the client from an alert, or pick a transaction with one (3)")
    }

    /// With no name found the title says "analyst" once.
    @Test func aNamelessAnalystIsNotNamedTwice() throws {
        let queue = try AlertQueueScreen(store: store, analyst: "analyst")
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — open alerts                     analyst",
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

    /// The overview's triage progress counts the whole store, the view's own count beside it.
    @Test func theOverviewCountsDecisionsInTheWholeStore() throws {
        let queue = try screen()
        try press(queue, .character("f"), .character("p"), .character("O"))
        let overview = try #require(queue.overviewScreen)
        overview.waitForAlerts()
        overview.waitForStoreActivity()
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — open alerts                                     analyst ana",
            "  1 Summary   2 Heatmaps",
            "",
            " Per day, 2023-11-14 – 2023-11-15",
            " Transactions    ▁█                                   8 · max 6",
            " Alerts          ▁█                                   4 · max 4",
            "",
            " Triage          [████████                ]  33%  2 of 6 decided in the store",
            "                 this view: 0 of 4 decided",
            "                 open 4 · confirmed fraud 0 · false positive 0 · escalated 0 ·…",
            "                 ensemble precision so far: no verdicts yet",
            "",
            " Alerts by detector · precision from decisions",
            " burst █████████████████████████████████████████████████████ 4  no verdicts yet",
        ] + blanks(8) + [
            " 1/4               open 4 · fraud 1 · false pos. 1 · escalated 0 · needs info 0",
            " q back · 1 summary · 2 heatmaps · w alerts or whole store · ? keys · : palette",
        ])
    }
}
