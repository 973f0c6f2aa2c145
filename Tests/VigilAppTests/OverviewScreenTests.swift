import Foundation
import Testing
import VigilApp
import VigilCore
import VigilStore
import VigilTUI

/// The overview of `TwoClientStore` with alert 1 (unusual place) confirmed as fraud and alert 2 (burst) open, drawn
/// alone at 120×40, 80×24 and 60×15 once both sets of figures are counted.
@Suite struct OverviewScreenTests {
    let fixture: TwoClientStore

    init() throws {
        fixture = try TwoClientStore()
        _ = try fixture.store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana", at: 20)
    }

    /// The overview of every alert, as the queue opens it on the "every alert" view, with its figures counted.
    func overview() throws -> OverviewScreen {
        let screen = OverviewScreen(store: fixture.store, query: AlertQuery(statuses: nil), scopeName: "every alert",
                                    storeCounts: try fixture.store.alertCounts())
        screen.waitForAlerts()
        screen.waitForStoreActivity()
        return screen
    }

    func rows(_ screen: OverviewScreen, _ size: TerminalSize) -> [String] {
        screenRows(size.width, size.height) { screen.render(into: &$0, in: $1, theme: .default) }
    }

    /// Per day from 2024-01-01 to 2024-02-29: 62 transactions (at most 2 a day) and 2 alerts; triage half done; the
    /// confirmed alert's detector has precision 1.00 from one verdict, the other none yet. The reasons' bars show
    /// beside the detectors' only at 120 columns.
    @Test func theSummaryCountsAlertsDetectorsAndVerdicts() throws {
        let screen = try overview()
        #expect(!screen.isCounting)
        expectScreen(rows(screen, screenTestSizes[0]), [
            "  1 Summary   2 Heatmaps",
            "",
            " Per day, 2024-01-01 – 2024-02-29",
            " Transactions    █▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁█▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁                 62 · max 2",
            " Alerts          ▁▁▁▁▁▁▁▁▁▁█▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁█▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁                 2 · max 1",
            "",
            " Triage          [████████████            ]  50%  1 of 2 decided in the store",
            "                 this view: 1 of 2 decided",
            "                 open 1 · confirmed fraud 1 · false positive 0 · escalated 0 · needs info 0",
            "                 ensemble precision so far: 1.00 (1 of 1 verdicts)",
            "",
            " Alerts by detector · precision from decisions                           Alerts by leading reason",
            " burst         ██████████████████████████████ 1  no verdicts yet         burst         ██████████████████████████████ 1",
            " unusual_place ██████████████████████████████ 1  1.00 (1 of 1 verdicts)  unusual_place ██████████████████████████████ 1",
        ] + blanks(26))
        expectScreen(rows(screen, screenTestSizes[1]), [
            "  1 Summary   2 Heatmaps",
            "",
            " Per day, 2024-01-01 – 2024-02-29",
            " Transactions    █▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁▁█▁▁▁▁▁▁▁▁▁       62 · max 2",
            " Alerts          ▁▁▁▁▁█▁▁▁▁▁▁▁▁▁▁▁▁▁▁█▁▁▁▁▁▁▁▁▁       2 · max 1",
            "",
            " Triage          [████████████            ]  50%  1 of 2 decided in the store",
            "                 this view: 1 of 2 decided",
            "                 open 1 · confirmed fraud 1 · false positive 0 · escalated 0 ·…",
            "                 ensemble precision so far: 1.00 (1 of 1 verdicts)",
            "",
            " Alerts by detector · precision from decisions",
            " burst         ██████████████████████████████████████ 1  no verdicts yet",
            " unusual_place ██████████████████████████████████████ 1  1.00 (1 of 1 verdicts)",
        ] + blanks(10))
        expectScreen(rows(screen, screenTestSizes[2]), [
            "  1 Summary   2 Heatmaps",
            "",
            " Per day, 2024-01-01 – 2024-02-29",
            " Transactions    █▁▁▁▁▁▁▁▁▁█▁▁▁▁  62 · max 2",
            " Alerts          ▁▁█▁▁▁▁▁▁▁█▁▁▁▁  2 · max 1",
            "",
            " Triage          [█████     ]  50%  1 of 2 decided in the …",
            "                 this view: 1 of 2 decided",
            "                 open 1 · confirmed fraud 1 · false positi…",
            "                 ensemble precision so far: 1.00 (1 of 1 v…",
            "",
            " Alerts by detector · precision from decisions",
            " burst         ██████████████████ 1  no verdicts yet",
            " unusual_place ██████████████████ 1  1.00 (1 of 1 verdicts)",
            "",
        ])
    }

    @Test func theHeatmapsShowTheAlertsThenEveryTransaction() throws {
        let screen = try overview()
        #expect(screen.handle(.character("2")) == .handled)
        #expect(screen.pane == .heatmaps && screen.scope == .alerts)
        expectScreen(rows(screen, screenTestSizes[0]), [
            "  1 Summary   2 Heatmaps",
            "",
            " Heatmaps of every alert · w switches",
            "",
            " Hour × weekday (UTC)                                   Where",
            "     0           6           12          18                    ┌──────────────────────────────────────────────────────┐",
            " Mon                                                     42.7N │                                                      │",
            " Tue                                                           │                             █                        │",
            " Wed                                                           │                                                      │",
            " Thu                         ██                                │                                                      │",
            " Fri                                                           │                                                      │",
            " Sat       ██                                                  │                                                      │",
            " Sun                                                           │                                                      │",
            "     ░ ▒ ▓ █ up to 1 alerts an hour                            │                                                      │",
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
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                        █                             │",
            "                                                         40.6N │                                                      │",
            "                                                               └──────────────────────────────────────────────────────┘",
            "                                                                75.1W                                            72.6W",
            "                                                        207 km across  █ 1",
        ])
        expectScreen(rows(screen, screenTestSizes[1]), [
            "  1 Summary   2 Heatmaps",
            "",
            " Heatmaps of every alert · w switches",
            "",
            " Hour × weekday (UTC)           Where",
            "     0     6     12    18              ┌──────────────────────────────────────┐",
            " Mon                             42.7N │                    █                 │",
            " Tue                                   │                                      │",
            " Wed                                   │                                      │",
            " Thu             █                     │                                      │",
            " Fri                                   │                                      │",
            " Sat    █                              │                                      │",
            " Sun                                   │                                      │",
            "     ░▒▓█ ≤ 1/hour                     │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                 40.6N │                 █                    │",
            "                                       └──────────────────────────────────────┘",
            "                                        75.7W                            72.1W",
            "                                301 km across  █ 1",
        ])
        expectScreen(rows(screen, screenTestSizes[2]), [
            "  1 Summary   2 Heatmaps",
            "",
            " Heatmaps of every alert · w switches",
            "",
            " Hour × weekday (UTC)           Where",
            "     0     6     12    18              ┌──────────────────┐",
            " Mon                             42.7N │         █        │",
            " Tue                                   │                  │",
            " Wed                                   │                  │",
            " Thu             █                     │                  │",
            " Fri                                   │                  │",
            " Sat    █                        40.6N │        █         │",
            " Sun                                   └──────────────────┘",
            "     ░▒▓█ ≤ 1/hour                      76.0W        71.7W",
            "                                356 km across  █ 1",
        ])
        #expect(screen.handle(.character("w")) == .handled)
        #expect(screen.scope == .store)
        expectScreen(rows(screen, screenTestSizes[0]), [
            "  1 Summary   2 Heatmaps",
            "",
            " Heatmaps of every transaction (62) · w switches",
            "",
            " Hour × weekday (UTC)                                   Where",
            "     0           6           12          18                    ┌──────────────────────────────────────────────────────┐",
            " Mon ░░                      ██                          42.8N │                                                      │",
            " Tue                         ██                                │                             ░                        │",
            " Wed                         ██                                │                                                      │",
            " Thu                         ██                                │                                                      │",
            " Fri                         ██                                │                                                      │",
            " Sat       ░░                ██                                │                                                      │",
            " Sun                         ██                                │                                                      │",
            "     ░ ▒ ▓ █ up to 9 transactions an hour                      │                                                      │",
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
            "                                                               │                                                      │",
            "                                                               │                                                      │",
            "                                                               │                        █                             │",
            "                                                         40.6N │                                                      │",
            "                                                               └──────────────────────────────────────────────────────┘",
            "                                                                75.2W                                            72.6W",
            "                                                        213 km across  ░ 1 ▒ 2.8 ▓ 7.7 █ 22–60",
        ])
        expectScreen(rows(screen, screenTestSizes[1]), [
            "  1 Summary   2 Heatmaps",
            "",
            " Heatmaps of every transaction (62) · w switches",
            "",
            " Hour × weekday (UTC)           Where",
            "     0     6     12    18              ┌──────────────────────────────────────┐",
            " Mon ░           █               42.8N │                    ░                 │",
            " Tue             █                     │                                      │",
            " Wed             █                     │                                      │",
            " Thu             █                     │                                      │",
            " Fri             █                     │                                      │",
            " Sat    ░        █                     │                                      │",
            " Sun             █                     │                                      │",
            "     ░▒▓█ ≤ 9/hour                     │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                       │                                      │",
            "                                 40.6N │                 █                    │",
            "                                       └──────────────────────────────────────┘",
            "                                        75.8W                            72.0W",
            "                                310 km across  ░ 1 ▒ 2.8 ▓ 7.7 █ 22–60",
        ])
        expectScreen(rows(screen, screenTestSizes[2]), [
            "  1 Summary   2 Heatmaps",
            "",
            " Heatmaps of every transaction (62) · w switches",
            "",
            " Hour × weekday (UTC)           Where",
            "     0     6     12    18              ┌──────────────────┐",
            " Mon ░           █               42.8N │         ░        │",
            " Tue             █                     │                  │",
            " Wed             █                     │                  │",
            " Thu             █                     │                  │",
            " Fri             █                     │                  │",
            " Sat    ░        █               40.6N │        █         │",
            " Sun             █                     └──────────────────┘",
            "     ░▒▓█ ≤ 9/hour                      76.1W        71.7W",
            "                                367 km across  ░ 1 ▒ 2.8 ▓",
        ])
        // Tab goes back to the summary; w from the summary switches the scope and shows the heatmaps.
        #expect(screen.handle(.tab) == .handled && screen.pane == .summary)
        #expect(screen.handle(.character("w")) == .handled && screen.pane == .heatmaps && screen.scope == .alerts)
        for key in [Key.character("q"), .escape, .backspace] { #expect(screen.handle(key) == .back) }
    }

    /// From the queue: v shows every alert, O opens the overview of that view (the same screen), q goes back.
    @Test func theQueueOpensTheOverviewOfItsViewAndQGoesBack() throws {
        let q = try AlertQueueScreen(store: fixture.store, analyst: "ana")
        let size = TerminalSize(width: 80, height: 24)
        for key in [Key.character("v"), .character("O")] { _ = try q.handle(key, size: size) }
        #expect(q.mode == .overview)
        let screen = try #require(q.overviewScreen)
        #expect(screen.scopeName == "every alert")
        screen.waitForAlerts()
        screen.waitForStoreActivity()
        expectScreen(rows(screen, size), rows(try overview(), size))
        _ = try q.handle(.character("q"), size: size)
        #expect(q.mode == .list)
    }
}
