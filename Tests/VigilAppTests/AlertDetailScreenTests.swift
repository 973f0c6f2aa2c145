import Foundation
import Testing
import VigilApp
import VigilCore
import VigilStore
import VigilTUI

/// An alert's detail, opened from the queue of `AlertQueueScreenTests` (six alerts over eight transactions).
extension AlertQueueScreenTests {
    /// The transaction, every reason, the client's history around it (client C0 has transactions 1, 3, 5, 7: this
    /// one is the second; 1 and 5 are alerts too, 7 is not), at each size.
    @Test func theDetailShowsTheTransactionReasonsAndTheClientsHistory() throws {
        let queue = try screen()
        try press(queue, .character("j"), .character("j"), .enter)
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — q.sqlite — open alerts                                                                             analyst ana",
            " Alert #3 · score 0.870 · open",
            "",
            " Why (by contribution)",
            "   +1.00 burst: reason for 3",
            "",
            " Time (UTC)      2023-11-15 00:13:20",
            " As written      t2",
            " Client          C0",
            " Amount          $30.00",
            " Merchant        Shop 2",
            " Category        grocery",
            " Channel         —",
            " Place",
            " Merchant at     —",
            " Client home     —",
            " Source row      k2",
            "",
            " The client's transactions around it (▶ this one, ! another alert)",
            "  ! 2023-11-14 22:13       $10.00  Shop 0 (grocery) — open",
            "  ▶ 2023-11-15 00:13       $30.00  Shop 2 (grocery) — open",
            "  ! 2023-11-15 02:13       $50.00  Acme Hardware (grocery) — open",
            "    2023-11-15 04:13       $70.00  Shop 6 (grocery)",
        ] + blanks(15) + [
            " 3/6                                         open 6 · confirmed fraud 0 · false positive 0 · escalated 0 · needs info 0",
            " q back · ? keys · ] next · [ previous · f fraud · p false positive · e escalate · i needs info · a note · u undo",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — open alerts                                     analyst ana",
            " Alert #3 · score 0.870 · open",
            "",
            " Why (by contribution)",
            "   +1.00 burst: reason for 3",
            "",
            " Time (UTC)      2023-11-15 00:13:20",
            " As written      t2",
            " Client          C0",
            " Amount          $30.00",
            " Merchant        Shop 2",
            " Category        grocery",
            " Channel         —",
            " Place",
            " Merchant at     —",
            " Client home     —",
            " Source row      k2",
            "",
            " The client's transactions around it (▶ this one, ! another alert)",
            "  ! 2023-11-14 22:13       $10.00  Shop 0 (grocery) — open",
            "  ▶ 2023-11-15 00:13       $30.00  Shop 2 (grocery) — open",
            "  ! 2023-11-15 02:13       $50.00  Acme Hardware (grocery) — open",
            " 3/6               open 6 · fraud 0 · false pos. 0 · escalated 0 · needs info 0",
            " q back · ? keys · ] next · [ previous · f fraud · p false positive · e escalat…",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — open alerts                 analyst ana",
            " Alert #3 · score 0.870 · open",
            "",
            " Why (by contribution)",
            "   +1.00 burst: reason for 3",
            "",
            " Time (UTC)      2023-11-15 00:13:20",
            " As written      t2",
            " Client          C0",
            " Amount          $30.00",
            " Merchant        Shop 2",
            " Category        grocery",
            " Channel         —",
            " 3/6                                                 open 6",
            " q back · ? keys · ] next · [ previous · f fraud · p false …",
        ])
    }

    @Test func bracketsStepThroughTheQueueAndDecisionsApplyToTheAlertShown() throws {
        let queue = try screen()
        try press(queue, .character("j"), .character("j"), .enter)
        // ] and [ step through the queue without leaving the detail.
        try press(queue, .character("]"))
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — q.sqlite — open alerts                                     analyst ana",
            " Alert #4 · score 0.860 · open",
            "",
            " Why (by contribution)",
            "   +1.00 burst: reason for 4",
            "",
            " Time (UTC)      2023-11-15 01:13:20",
            " As written      t3",
            " Client          C1",
            " Amount          $40.00",
            " Merchant        Shop 3",
            " Category        grocery",
            " Channel         —",
            " Place",
            " Merchant at     —",
            " Client home     —",
            " Source row      k3",
            "",
            " The client's transactions around it (▶ this one, ! another alert)",
            "  ! 2023-11-14 23:13       $20.00  Shop 1 (grocery) — open",
            "  ▶ 2023-11-15 01:13       $40.00  Shop 3 (grocery) — open",
            "  ! 2023-11-15 03:13       $60.00  Shop 5 (grocery) — open",
            " 4/6               open 6 · fraud 0 · false pos. 0 · escalated 0 · needs info 0",
            " q back · ? keys · ] next · [ previous · f fraud · p false positive · e escalat…",
        ])
        try press(queue, .character("["))
        if case .detail(let id, _) = queue.mode { #expect(id == 3) } else { Issue.record("expected the detail, got \(queue.mode)") }
        // A decision from the detail applies to this alert, and the detail shows it; q goes back to the queue.
        try press(queue, .character("e"))
        #expect(try status(3) == "escalated")
        #expect(queue.message == "alert #3 → escalated (u undoes)")
        try press(queue, .character("q"))
        #expect(queue.mode == .list)
        #expect(try queue.handle(.character("q"), size: size) == .quit)
    }

    /// A long detail scrolls; a note started from it comes back to it, read again from the top.
    @Test func theDetailScrollsAndANoteReturnsToIt() throws {
        let queue = try screen()
        try press(queue, .enter, .pageDown)
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — open alerts                 analyst ana",
            " Alert #1 · score 0.890 · open",
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
            " 1/6                                                 open 6",
            " q back · ? keys · ] next · [ previous · f fraud · p false …",
        ])
        try press(queue, .character("a"))
        if case .note(_, let alerts, let returnTo) = queue.mode {
            #expect(alerts.map(\.id) == [1] && returnTo == 1)
        } else {
            Issue.record("expected the note, got \(queue.mode)")
        }
        try press(queue, .escape)
        #expect(queue.message == "note discarded")
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — q.sqlite — open alerts                 analyst ana",
            " Alert #1 · score 0.890 · open",
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
            " note discarded",
            " q back · ? keys · ] next · [ previous · f fraud · p false …",
        ])
    }
}
