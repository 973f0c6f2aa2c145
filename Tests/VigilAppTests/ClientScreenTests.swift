import Foundation
import Testing
import VigilApp
import VigilCore
import VigilStore
import VigilTUI

/// The client view and the command palette, driven by keys from the queue over `TwoClientStore`, and compared as whole
/// screens: the client screen drawn alone at 120×40, 80×24 and 60×15, and the queue around it at 80×24.
@Suite struct ClientScreenTests {
    let fixture: TwoClientStore
    let size = TerminalSize(width: 80, height: 24)

    init() throws { fixture = try TwoClientStore() }

    func queue() throws -> AlertQueueScreen { try AlertQueueScreen(store: fixture.store, analyst: "ana") }

    func press(_ screen: AlertQueueScreen, _ keys: Key...) throws {
        for key in keys { _ = try screen.handle(key, size: size) }
    }

    func type(_ screen: AlertQueueScreen, _ text: String) throws {
        for character in text { try press(screen, .character(character)) }
    }

    /// The client screen the queue has open, drawn alone into a `width` × `height` buffer.
    func client(_ q: AlertQueueScreen, _ width: Int, _ height: Int) throws -> [String] {
        let screen = try #require(q.clientScreen)
        return screenRows(width, height) { screen.render(into: &$0, in: $1, theme: .default) }
    }

    /// The alert's day (2024-02-10) is ▲ on the timeline, the other alert's (2024-01-11) a flag; the 90-day window
    /// around the alert ends on the client's last day.
    @Test func cOpensTheAlertsClientOnTheTimelineWithItsDayMarked() throws {
        let q = try queue()
        try press(q, .character("c"))
        #expect(q.mode == .client)
        expectScreen(try q.frame(size: size).rows, [
            " Vigil — c.sqlite — open alerts                                     analyst ana",
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            " 61 transactions from 2024-01-01 to 2024-02-29, $2,877.00 in all",
            " no profile yet: a scan (R) learns the client's usual hours, places and spend",
            "",
            " Daily spend (USD), 2023-12-02 – 2024-02-29, 90 days · h/l pan · z/Z zoom · 0 …",
            " 1.5k┤                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "  844┤                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │               ▂▂▂▂▂▂▂▂▂▂▃▃▃▃▃▃▃▃▃▃█▃▃▃▃▃▃▃▃▃",
            "    0└┴──────┴──────┴──────┴──────┴──────┴──────┴──────────────────────────────",
            "      12-02  12-16  12-30  01-13  01-27  02-10  02-24",
            "                          !              ▲",
            " 2 days/column  max 1.5k USD  ▲ this alert  ! flagged",
            " 1/2               open 2 · fraud 0 · false pos. 0 · escalated 0 · needs info 0",
            " q back · 1 2 3 panes · h/l pan · z/Z zoom · 0 the alert · ? keys · : palette",
        ])
        expectScreen(try client(q, 120, 40), [
            "  1 Timeline   2 Heatmaps   3 Transactions                                                    client A · 61 transactions",
            "",
            " 61 transactions from 2024-01-01 to 2024-02-29, $2,877.00 in all",
            " no profile yet: a scan (R) learns the client's usual hours, places and spend",
            "",
            " Daily spend (USD), 2023-12-02 – 2024-02-29, 90 days · h/l pan · z/Z zoom · 0 the alert",
            " 1.5k┤                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "  762┤                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                                                                      █",
            "     │                              ▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄█▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄",
            "    0└┴──────┴──────┴──────┴──────┴──────┴──────┴──────┴──────┴──────┴──────┴──────┴──────┴────────────────────────────",
            "      12-02  12-09  12-16  12-23  12-30  01-06  01-13  01-20  01-27  02-03  02-10  02-17  02-24",
            "                                              !                             ▲",
            " max 1.5k USD/day  ▲ this alert  ! flagged",
        ])
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            " 61 transactions from 2024-01-01 to 2024-02-29, $2,877.00 in all",
            " no profile yet: a scan (R) learns the client's usual hours, places and spend",
            "",
            " Daily spend (USD), 2023-12-02 – 2024-02-29, 90 days · h/l pan · z/Z zoom · 0 …",
            " 1.5k┤                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "  774┤                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │               ▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃▃█▄▄▄▄▄▄▄▄▄",
            "    0└┴──────┴──────┴──────┴──────┴──────┴──────┴──────────────────────────────",
            "      12-02  12-16  12-30  01-13  01-27  02-10  02-24",
            "                          !              ▲",
            " 2 days/column  max 1.5k USD  ▲ this alert  ! flagged",
        ])
        expectScreen(try client(q, 60, 15), [
            "  1 Timeline   2 Heatmaps   3 Transactions          client A",
            "",
            " 61 transactions from 2024-01-01 to 2024-02-29, $2,877.00 …",
            " no profile yet: a scan (R) learns the client's usual hour…",
            "",
            " Daily spend (USD), 2023-12-02 – 2024-02-29, 90 days · h/l…",
            " 1.5k┤                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │                                   █",
            "     │               ▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁█▁▁▁▁▁▁▁▁▁",
            "    0└┴──────┴──────┴──────┴──────┴──────┴──────┴──────────",
            "      12-02  12-16  12-30  01-13  01-27  02-10  02-24",
            "                          !              ▲",
            " 2 days/column  max 1.5k USD  ▲ this alert  ! flagged",
        ])
        #expect(q.clientScreen?.hint == "q back · 1 2 3 panes · h/l pan · z/Z zoom · 0 the alert · ? keys")
    }

    @Test func zoomAndPanMoveTheWindowAndZeroComesBack() throws {
        let q = try queue()
        // Zooming in keeps the alert's day (2024-02-10) near the middle.
        try press(q, .character("c"), .character("Z"))
        #expect(q.clientScreen?.message == "timeline: 30 days")
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            " 61 transactions from 2024-01-01 to 2024-02-29, $2,877.00 in all",
            " no profile yet: a scan (R) learns the client's usual hours, places and spend",
            "",
            " Daily spend (USD), 2024-01-27 – 2024-02-25, 30 days · h/l pan · z/Z zoom · 0 …",
            " 1.5k┤                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "  762┤                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ █ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂",
            "    0└┴───────┴───────┴───────┴───────┴───────┴───────┴───────┴────────────────",
            "      01-27   01-31   02-04   02-08   02-12   02-16   02-20   02-24",
            "                                  ▲",
            " max 1.5k USD/day  ▲ this alert",
        ])
        try press(q, .character("h"))
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            " 61 transactions from 2024-01-01 to 2024-02-29, $2,877.00 in all",
            " no profile yet: a scan (R) learns the client's usual hours, places and spend",
            "",
            " Daily spend (USD), 2024-01-17 – 2024-02-15, 30 days · h/l pan · z/Z zoom · 0 …",
            " 1.5k┤                                                █",
            "     │                                                █",
            "     │                                                █",
            "     │                                                █",
            "     │                                                █",
            "     │                                                █",
            "     │                                                █",
            "  762┤                                                █",
            "     │                                                █",
            "     │                                                █",
            "     │                                                █",
            "     │                                                █",
            "     │                                                █",
            "     │▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ █ ▂ ▂ ▂ ▂ ▂",
            "    0└┴───────┴───────┴───────┴───────┴───────┴───────┴───────┴────────────────",
            "      01-17   01-21   01-25   01-29   02-02   02-06   02-10   02-14",
            "                                                      ▲",
            " max 1.5k USD/day  ▲ this alert",
        ])
        try press(q, .character("z"), .character("z"))
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            " 61 transactions from 2024-01-01 to 2024-02-29, $2,877.00 in all",
            " no profile yet: a scan (R) learns the client's usual hours, places and spend",
            "",
            " Daily spend (USD), 2023-03-02 – 2024-02-29, 365 days · h/l pan · z/Z zoom · 0…",
            " 1.6k┤                                                                     █",
            "     │                                                                     █",
            "     │                                                                     █",
            "     │                                                                     █",
            "     │                                                                     █",
            "     │                                                                     █",
            "     │                                                                     █",
            "  811┤                                                                     █",
            "     │                                                                     █",
            "     │                                                                     █",
            "     │                                                                     █",
            "     │                                                                     █",
            "     │                                                                     █▁▁▁",
            "     │                                                             ▇▇▇▇████████",
            "    0└┴───────────┴────────────┴───────────┴───────────┴───────────┴───────────",
            "      2023-03     2023-05      2023-07     2023-09     2023-11     2024-01",
            "                                                                     !     ▲",
            " 5 days/column  max 1.6k USD  ▲ this alert  ! flagged",
        ])
        // Panning later stops a span past the last day; 0 comes back to the alert.
        try press(q, .character("Z"), .character("Z"), .character("l"), .character("l"), .character("l"), .character("l"), .character("l"))
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            " 61 transactions from 2024-01-01 to 2024-02-29, $2,877.00 in all",
            " no profile yet: a scan (R) learns the client's usual hours, places and spend",
            "",
            " Daily spend (USD), 2024-02-29 – 2024-03-29, 30 days · h/l pan · z/Z zoom · 0 …",
            " 26┤█",
            "   │█",
            "   │█",
            "   │█",
            "   │█",
            "   │█",
            "   │█",
            " 13┤█",
            "   │█",
            "   │█",
            "   │█",
            "   │█",
            "   │█",
            "   │█",
            "  0└┴───────┴───────┴───────┴───────┴───────┴───────┴───────┴──────────────────",
            "    02-29   03-04   03-08   03-12   03-16   03-20   03-24   03-28",
            "",
            " max 26 USD/day",
        ])
        try press(q, .character("0"))
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            " 61 transactions from 2024-01-01 to 2024-02-29, $2,877.00 in all",
            " no profile yet: a scan (R) learns the client's usual hours, places and spend",
            "",
            " Daily spend (USD), 2024-01-27 – 2024-02-25, 30 days · h/l pan · z/Z zoom · 0 …",
            " 1.5k┤                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "  762┤                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │                            █",
            "     │▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ █ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂ ▂",
            "    0└┴───────┴───────┴───────┴───────┴───────┴───────┴───────┴────────────────",
            "      01-27   01-31   02-04   02-08   02-12   02-16   02-20   02-24",
            "                                  ▲",
            " max 1.5k USD/day  ▲ this alert",
        ])
    }

    /// 2024-02-10 was a Saturday: the alert's 03:00 is the ■ on Saturday's row. Albany is 218 km from home; the map
    /// marks home H and the alert's place X.
    @Test func theHeatmapsPaneShowsTheWeekGridTheMapAndThePlaces() throws {
        let q = try queue()
        try press(q, .character("c"), .character("2"))
        expectScreen(try client(q, 120, 40), [
            "  1 Timeline   2 Heatmaps   3 Transactions                                                    client A · 61 transactions",
            "",
            " Hour × weekday (UTC) · count                           Where the card is used",
            "     0           6           12          18                    ┌──────────────────────────────────────────────────────┐",
            " Mon                         ██                          42.7N │                                                      │",
            " Tue                         ██                                │                             X                        │",
            " Wed                         ██                                │                                                      │",
            " Thu                         ██                                │                                                      │",
            " Fri                         ██                                │                                                      │",
            " Sat       ■■                ██                                │                                                      │",
            " Sun                         ██                                │                                                      │",
            "     ░ ▒ ▓ █ up to 9 transactions an hour  ■ this alert        │                                                      │",
            "                                                               │                                                      │",
            " Top places                                 Txns     km        │                                                      │",
            " New York, NY                                 60      1        │                                                      │",
            " Albany, NY                                    1    218        │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                        H                             │",
            "                                                         40.6N │                                                      │",
            "                                                               └──────────────────────────────────────────────────────┘",
            "                                                                75.1W                                            72.7W",
            "                                                        H home  X this alert  195 km across  ░ 1 ▒ 2.8 ▓ 7.7 █ 22–60",
        ])
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            " Hour × weekday (UTC) · count   Where the card is used",
            "     0     6     12    18              ┌──────────────────────────────────────┐",
            " Mon             █               42.7N │                    X                 │",
            " Tue             █                     │                                      │",
            " Wed             █                     │                                      │",
            " Thu             █                     │                                      │",
            " Fri             █                     │                                      │",
            " Sat    ■        █                     │                                      │",
            " Sun             █                     │                                      │",
            "     ░▒▓█ ≤ 9/hour  ■ alert            │                                      │",
            "                                       │                                      │",
            " Top places         Txns     km        │                                      │",
            " New York, NY         60      1        │                                      │",
            " Albany, NY            1    218        │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                 40.6N │                 H                    │",
            "                                       └──────────────────────────────────────┘",
            "                                        75.5W                            72.3W",
            "                                H home  X this alert  267 km across  ░ 1 ▒ 2.8",
        ])
        expectScreen(try client(q, 60, 15), [
            "  1 Timeline   2 Heatmaps   3 Transactions          client A",
            "",
            " Hour × weekday (UTC) · count   Where the card is used",
            "     0     6     12    18              ┌──────────────────┐",
            " Mon             █               42.7N │         X        │",
            " Tue             █                     │                  │",
            " Wed             █                     │                  │",
            " Thu             █                     │                  │",
            " Fri             █                     │                  │",
            " Sat    ■        █                     │                  │",
            " Sun             █                     │                  │",
            "     ░▒▓█ ≤ 9/hour  ■ alert      40.6N │        H         │",
            "                                       └──────────────────┘",
            " Top places         Txns     km         75.5W        72.3W",
            " New York, NY         60      1 H home  X this alert  268 k",
        ])
        try press(q, .character("m"))
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            " Hour × weekday (UTC) · spend   Where the card is used",
            "     0     6     12    18              ┌──────────────────────────────────────┐",
            " Mon             ░               42.7N │                    X                 │",
            " Tue             ░                     │                                      │",
            " Wed             ░                     │                                      │",
            " Thu             ░                     │                                      │",
            " Fri             ░                     │                                      │",
            " Sat    ■        ░                     │                                      │",
            " Sun             ░                     │                                      │",
            "     ░▒▓█ ≤ 1,500/hour  ■ alert        │                                      │",
            "                                       │                                      │",
            " Top places         Txns     km        │                                      │",
            " New York, NY         60      1        │                                      │",
            " Albany, NY            1    218        │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                 40.6N │                 H                    │",
            "                                       └──────────────────────────────────────┘",
            "                                        75.5W                            72.3W",
            "                                H home  X this alert  267 km across  ░ 1 ▒ 2.8",
        ])
    }

    /// The list starts on the alert's row (▶), newest first; / finds, and Enter opens a row's alert or says there is none.
    @Test func theTransactionListStartsAtTheAlertSearchesAndOpensAlerts() throws {
        let q = try queue()
        try press(q, .character("c"), .character("3"))
        expectScreen(try client(q, 120, 40), [
            "  1 Timeline   2 Heatmaps   3 Transactions                                                    client A · 61 transactions",
            "",
            "   Time (UTC)            Amount Merchant                     Category       Place                        Alert",
            " ▶ 2024-02-10 03:00   $1,500.00 Gadget Hub                   electronics    Albany, NY                   open",
            "   2024-02-09 12:00      $23.90 Deli 0                       grocery        New York, NY",
            "   2024-02-08 12:00      $23.80 Deli 2                       grocery        New York, NY",
            "   2024-02-07 12:00      $23.70 Deli 1                       grocery        New York, NY",
            "   2024-02-06 12:00      $23.60 Deli 0                       grocery        New York, NY",
            "   2024-02-05 12:00      $23.50 Deli 2                       grocery        New York, NY",
            "   2024-02-04 12:00      $23.40 Deli 1                       grocery        New York, NY",
            "   2024-02-03 12:00      $23.30 Deli 0                       grocery        New York, NY",
            "   2024-02-02 12:00      $23.20 Deli 2                       grocery        New York, NY",
            "   2024-02-01 12:00      $23.10 Deli 1                       grocery        New York, NY",
            "   2024-01-31 12:00      $23.00 Deli 0                       grocery        New York, NY",
            "   2024-01-30 12:00      $22.90 Deli 2                       grocery        New York, NY",
            "   2024-01-29 12:00      $22.80 Deli 1                       grocery        New York, NY",
            "   2024-01-28 12:00      $22.70 Deli 0                       grocery        New York, NY",
            "   2024-01-27 12:00      $22.60 Deli 2                       grocery        New York, NY",
            "   2024-01-26 12:00      $22.50 Deli 1                       grocery        New York, NY",
            "   2024-01-25 12:00      $22.40 Deli 0                       grocery        New York, NY",
            "   2024-01-24 12:00      $22.30 Deli 2                       grocery        New York, NY",
            "   2024-01-23 12:00      $22.20 Deli 1                       grocery        New York, NY",
            "   2024-01-22 12:00      $22.10 Deli 0                       grocery        New York, NY",
            "   2024-01-21 12:00      $22.00 Deli 2                       grocery        New York, NY",
            "   2024-01-20 12:00      $21.90 Deli 1                       grocery        New York, NY",
            "   2024-01-19 12:00      $21.80 Deli 0                       grocery        New York, NY",
            "   2024-01-18 12:00      $21.70 Deli 2                       grocery        New York, NY",
            "   2024-01-17 12:00      $21.60 Deli 1                       grocery        New York, NY",
            "   2024-01-16 12:00      $21.50 Deli 0                       grocery        New York, NY",
            "   2024-01-15 12:00      $21.40 Deli 2                       grocery        New York, NY",
            "   2024-01-14 12:00      $21.30 Deli 1                       grocery        New York, NY",
            "   2024-01-13 12:00      $21.20 Deli 0                       grocery        New York, NY",
            "   2024-01-12 12:00      $21.10 Deli 2                       grocery        New York, NY",
            " ! 2024-01-11 12:00      $21.00 Deli 1                       grocery        New York, NY                 open",
            "   2024-01-10 12:00      $20.90 Deli 0                       grocery        New York, NY",
            "   2024-01-09 12:00      $20.80 Deli 2                       grocery        New York, NY",
            "   2024-01-08 12:00      $20.70 Deli 1                       grocery        New York, NY",
            "   2024-01-07 12:00      $20.60 Deli 0                       grocery        New York, NY",
            "   2024-01-06 12:00      $20.50 Deli 2                       grocery        New York, NY",
            "   2024-01-05 12:00      $20.40 Deli 1                       grocery        New York, NY",
        ])
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            "   Time (UTC)       Amount Merchant             Place                Alert",
            " ▶ 02-10 03:00   $1,500.00 Gadget Hub           Albany, NY           open",
            "   02-09 12:00      $23.90 Deli 0               New York, NY",
            "   02-08 12:00      $23.80 Deli 2               New York, NY",
            "   02-07 12:00      $23.70 Deli 1               New York, NY",
            "   02-06 12:00      $23.60 Deli 0               New York, NY",
            "   02-05 12:00      $23.50 Deli 2               New York, NY",
            "   02-04 12:00      $23.40 Deli 1               New York, NY",
            "   02-03 12:00      $23.30 Deli 0               New York, NY",
            "   02-02 12:00      $23.20 Deli 2               New York, NY",
            "   02-01 12:00      $23.10 Deli 1               New York, NY",
            "   01-31 12:00      $23.00 Deli 0               New York, NY",
            "   01-30 12:00      $22.90 Deli 2               New York, NY",
            "   01-29 12:00      $22.80 Deli 1               New York, NY",
            "   01-28 12:00      $22.70 Deli 0               New York, NY",
            "   01-27 12:00      $22.60 Deli 2               New York, NY",
            "   01-26 12:00      $22.50 Deli 1               New York, NY",
            "   01-25 12:00      $22.40 Deli 0               New York, NY",
            "   01-24 12:00      $22.30 Deli 2               New York, NY",
            "   01-23 12:00      $22.20 Deli 1               New York, NY",
            "   01-22 12:00      $22.10 Deli 0               New York, NY",
            "   01-21 12:00      $22.00 Deli 2               New York, NY",
        ])
        expectScreen(try client(q, 60, 15), [
            "  1 Timeline   2 Heatmaps   3 Transactions          client A",
            "",
            "   Time (UTC)       Amount Merchant   Place      Alert",
            " ▶ 02-10 03:00   $1,500.00 Gadget Hub Albany, NY open",
            "   02-09 12:00      $23.90 Deli 0     New York,…",
            "   02-08 12:00      $23.80 Deli 2     New York,…",
            "   02-07 12:00      $23.70 Deli 1     New York,…",
            "   02-06 12:00      $23.60 Deli 0     New York,…",
            "   02-05 12:00      $23.50 Deli 2     New York,…",
            "   02-04 12:00      $23.40 Deli 1     New York,…",
            "   02-03 12:00      $23.30 Deli 0     New York,…",
            "   02-02 12:00      $23.20 Deli 2     New York,…",
            "   02-01 12:00      $23.10 Deli 1     New York,…",
            "   01-31 12:00      $23.00 Deli 0     New York,…",
            "   01-30 12:00      $22.90 Deli 2     New York,…",
        ])
        try press(q, .character("/"))
        try type(q, "deli 1")
        expectScreen(try client(q, 80, 24), [
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            "   Time (UTC)       Amount Merchant             Place                Alert",
            " ▶ 02-10 03:00   $1,500.00 Gadget Hub           Albany, NY           open",
            "   02-09 12:00      $23.90 Deli 0               New York, NY",
            "   02-08 12:00      $23.80 Deli 2               New York, NY",
            "   02-07 12:00      $23.70 Deli 1               New York, NY",
            "   02-06 12:00      $23.60 Deli 0               New York, NY",
            "   02-05 12:00      $23.50 Deli 2               New York, NY",
            "   02-04 12:00      $23.40 Deli 1               New York, NY",
            "   02-03 12:00      $23.30 Deli 0               New York, NY",
            "   02-02 12:00      $23.20 Deli 2               New York, NY",
            "   02-01 12:00      $23.10 Deli 1               New York, NY",
            "   01-31 12:00      $23.00 Deli 0               New York, NY",
            "   01-30 12:00      $22.90 Deli 2               New York, NY",
            "   01-29 12:00      $22.80 Deli 1               New York, NY",
            "   01-28 12:00      $22.70 Deli 0               New York, NY",
            "   01-27 12:00      $22.60 Deli 2               New York, NY",
            "   01-26 12:00      $22.50 Deli 1               New York, NY",
            "   01-25 12:00      $22.40 Deli 0               New York, NY",
            "   01-24 12:00      $22.30 Deli 2               New York, NY",
            "   01-23 12:00      $22.20 Deli 1               New York, NY",
            "   01-22 12:00      $22.10 Deli 0               New York, NY",
            " / deli 1",
        ])
        try press(q, .enter)
        #expect(q.message == "/deli 1: 20 matches")
        expectScreen(try q.frame(size: size).rows, [
            " Vigil — c.sqlite — open alerts                                     analyst ana",
            "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions",
            "",
            "   Time (UTC)       Amount Merchant             Place                Alert",
            "   02-07 12:00      $23.70 Deli 1               New York, NY",
            "   02-06 12:00      $23.60 Deli 0               New York, NY",
            "   02-05 12:00      $23.50 Deli 2               New York, NY",
            "   02-04 12:00      $23.40 Deli 1               New York, NY",
            "   02-03 12:00      $23.30 Deli 0               New York, NY",
            "   02-02 12:00      $23.20 Deli 2               New York, NY",
            "   02-01 12:00      $23.10 Deli 1               New York, NY",
            "   01-31 12:00      $23.00 Deli 0               New York, NY",
            "   01-30 12:00      $22.90 Deli 2               New York, NY",
            "   01-29 12:00      $22.80 Deli 1               New York, NY",
            "   01-28 12:00      $22.70 Deli 0               New York, NY",
            "   01-27 12:00      $22.60 Deli 2               New York, NY",
            "   01-26 12:00      $22.50 Deli 1               New York, NY",
            "   01-25 12:00      $22.40 Deli 0               New York, NY",
            "   01-24 12:00      $22.30 Deli 2               New York, NY",
            "   01-23 12:00      $22.20 Deli 1               New York, NY",
            "   01-22 12:00      $22.10 Deli 0               New York, NY",
            "   01-21 12:00      $22.00 Deli 2               New York, NY",
            " /deli 1: 20 matches",
            " q back · 1 2 3 panes · Enter the row's alert · / find · n/N next/previous · ? …",
        ])
        // Enter on a row without an alert says so; the cursor stays.
        try press(q, .enter)
        #expect(q.message == "no alert on this transaction")
        #expect(q.mode == .client)
        try press(q, .character("G"))
        expectScreen(try client(q, 60, 15), [
            "  1 Timeline   2 Heatmaps   3 Transactions          client A",
            "",
            "   Time (UTC)       Amount Merchant   Place      Alert",
            "   01-12 12:00      $21.10 Deli 2     New York,…",
            " ! 01-11 12:00      $21.00 Deli 1     New York,… open",
            "   01-10 12:00      $20.90 Deli 0     New York,…",
            "   01-09 12:00      $20.80 Deli 2     New York,…",
            "   01-08 12:00      $20.70 Deli 1     New York,…",
            "   01-07 12:00      $20.60 Deli 0     New York,…",
            "   01-06 12:00      $20.50 Deli 2     New York,…",
            "   01-05 12:00      $20.40 Deli 1     New York,…",
            "   01-04 12:00      $20.30 Deli 0     New York,…",
            "   01-03 12:00      $20.20 Deli 2     New York,…",
            "   01-02 12:00      $20.10 Deli 1     New York,…",
            "   01-01 12:00      $20.00 Deli 0     New York,…",
        ])
    }

    @Test func enterOnAnAlertedRowOpensThatAlertsDetailAndQGoesBack() throws {
        let q = try queue()
        try press(q, .character("c"), .character("3"), .enter)
        if case .detail(let id, _) = q.mode { #expect(id == 1) } else { Issue.record("expected the detail, got \(q.mode)") }
        try press(q, .character("q"))
        #expect(q.mode == .list)
        // From the detail, c opens the client and q returns to the detail.
        try press(q, .enter, .character("c"))
        #expect(q.mode == .client)
        try press(q, .character("q"))
        if case .detail = q.mode {} else { Issue.record("expected to return to the detail, got \(q.mode)") }
    }

    @Test func thePaletteJumpsToClientsAlertsAndDaysAndExplainsMistakes() throws {
        let q = try queue()
        try press(q, .character(":"))
        try type(q, "B")
        try press(q, .enter)
        #expect(q.mode == .client)
        expectScreen(try client(q, 60, 15), [
            "  1 Timeline   2 Heatmaps   3 Transactions          client B",
            "",
            " 1 transactions from 2024-01-01 to 2024-01-01, $5.00 in all",
            " no profile yet: a scan (R) learns the client's usual hour…",
            "",
            " Daily spend (USD), 2023-10-04 – 2024-01-01, 90 days · h/l…",
            " 5┤                                            █",
            "  │                                            █",
            "  │                                            █",
            "  │                                            █",
            "  │                                            █",
            " 0└┴──────┴──────┴──────┴──────┴──────┴──────┴─────────────",
            "   10-04  10-18  11-01  11-15  11-29  12-13  12-27",
            "",
            " 2 days/column  max 5 USD",
        ])
        try press(q, .character("q"), .character(":"))
        try type(q, "#2")
        try press(q, .enter)
        if case .detail(let id, _) = q.mode { #expect(id == 2) } else { Issue.record("expected alert 2's detail, got \(q.mode)") }
        try press(q, .character("q"), .character(":"))
        try type(q, "2024-02-10")
        try press(q, .enter)
        #expect(q.filter.text == "date=2024-02-10")
        #expect(q.ids.count == 1)
        try press(q, .character(":"))
        try type(q, "scan nonsense")
        try press(q, .enter)
        #expect(q.message?.contains("unknown detector 'nonsense'") == true)
        try press(q, .character(":"))
        try type(q, "nobody")
        try press(q, .enter)
        #expect(q.message?.contains("'nobody' is not a client, an alert, a date or a command") == true)
    }

    @Test func tabCompletesInThePaletteAndTheChoicesAreDrawnAboveIt() throws {
        let q = try queue()
        try press(q, .character(":"))
        try type(q, "ov")
        expectScreen(try q.frame(size: size).rows, [
            " Vigil — c.sqlite — open alerts                                     analyst ana",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.950 02-10 03:00 A                 $1,500.00 Gadget H… first ti… open",
            "    0.600 01-11 12:00 A                    $21.00 Deli 1    a burst   open",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "  overview                        0 · false pos. 0 · escalated 0 · needs info 0",
            " : ov",
        ])
        try press(q, .tab, .enter)
        #expect(q.mode == .overview)
        try press(q, .character("q"), .character(":"))
        try type(q, "client ")
        try press(q, .tab)
        expectScreen(try q.frame(size: size).rows, [
            " Vigil — c.sqlite — open alerts                                     analyst ana",
            "  Score ▼ Time        Client               Amount Merchant  Top reas… Status",
            "    0.950 02-10 03:00 A                 $1,500.00 Gadget H… first ti… open",
            "    0.600 01-11 12:00 A                    $21.00 Deli 1    a burst   open",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "  client A",
            "  client B                        0 · false pos. 0 · escalated 0 · needs info 0",
            " : client A",
        ])
        try press(q, .tab, .enter)
        #expect(q.mode == .client)
        #expect(q.clientScreen?.view.activity.clientID == "B")
    }

    @Test func tinyTerminalsNeverCrashAnyPane() throws {
        let q = try queue()
        for keys in [[Key.character("c")], [.character("2")], [.character("3")], [.character("q"), .character("O")], [.character("2")]] {
            for key in keys { try press(q, key) }
            for (w, h) in [(60, 10), (61, 11), (80, 12), (200, 60), (1, 1)] {
                let rows = try q.frame(size: TerminalSize(width: w, height: h)).rows
                #expect(rows.count == h && rows.allSatisfy { displayWidth(of: $0) == w })
            }
        }
    }
}
