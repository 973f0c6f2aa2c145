import Foundation
import Testing
import VigilApp
import VigilCore
import VigilStore
import VigilTUI

/// The command palette over the queue of `AlertQueueScreenTests`, and where what it runs leaves the screens.
extension AlertQueueScreenTests {
    func type(_ queue: AlertQueueScreen, _ text: String) throws {
        for character in text { try press(queue, .character(character)) }
    }

    /// The completions stand above the prompt; Tab puts one in the text, and typing carries on from it.
    @Test func thePaletteCompletesWhatIsTyped() throws {
        let queue = try screen()
        try press(queue, .character(":"), .character("s"), .tab)
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
            "  scan",
            "  sort                                       open 6 · confirmed fraud 0 · false positive 0 · escalated 0 · needs info 0",
            " : scan",
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
        ] + blanks(13) + [
            "  scan",
            "  sort                            0 · false pos. 0 · escalated 0 · needs info 0",
            " : scan",
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
        ] + blanks(4) + [
            "  scan",
            "  sort                                               open 6",
            " : scan",
        ])
        let styled = try queue.frame(size: ScreenSizes.large)
        #expect(styled[2, 37].style == Theme.default.selection && styled[2, 38].style == Theme.default.statusBar, "Tab chose the first")
        try press(queue, .character(" "))
        #expect(queue.mode == .palette(TextInputState(text: "scan "), completion: nil))
        try press(queue, .escape)
        #expect(queue.mode == .list)
    }

    /// A client opened from the palette over a client takes its place, so q goes back to where the first was
    /// opened from; the overview always goes back to the list; a bad command says why and closes the palette.
    @Test func whatThePaletteRunsOpensWhereTheQueueWould() throws {
        let queue = try screen()
        try press(queue, .enter, .character("c"))
        #expect(queue.clientScreen?.view.activity.clientID == "C0")
        try press(queue, .character(":"))
        try type(queue, "client C1")
        try press(queue, .enter)
        #expect(queue.mode == .client && queue.clientScreen?.view.activity.clientID == "C1")
        try press(queue, .character("q"))
        if case .detail(let id, _) = queue.mode { #expect(id == 1) } else { Issue.record("expected the detail, got \(queue.mode)") }
        try press(queue, .character(":"))
        try type(queue, "overview")
        try press(queue, .enter)
        #expect(queue.mode == .overview)
        try press(queue, .character("q"))
        #expect(queue.mode == .list)
        try press(queue, .character(":"))
        try type(queue, "nonsense")
        try press(queue, .enter)
        #expect(queue.mode == .list && queue.message == ":'nonsense' is not a client, an alert, a date or a command")
        try press(queue, .character(":"))
        try type(queue, "#4")
        try press(queue, .enter)
        if case .detail(let id, _) = queue.mode { #expect(id == 4) } else { Issue.record("expected alert 4, got \(queue.mode)") }
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
        try press(queue, .character(":"))
        try type(queue, "2023-11-15")
        try press(queue, .enter)
        #expect(queue.mode == .list && queue.ids == [3, 4, 5, 6] && queue.message == "filter: date=2023-11-15")
    }
}
