import Testing
import VigilApp
import VigilCore
import VigilTUI

let sampleStats = StoreStats(
    path: "/data/cases/2024/q1-cards.sqlite", transactions: 1_296_675, clients: 983, labelledFraud: 7_506,
    imports: 3, rejected: 12, alertsByStatus: ["open": 41, "confirmed_fraud": 9, "false_positive": 27],
    firstInstant: 1_546_300_800, lastInstant: 1_592_956_799,
    totalMinorUnitsByCurrency: ["USD": 9_123_456_789, "EUR": 123_400])

/// The store summary compared as whole screens at 120×40, 80×24 and 60×15 (two panels side by side from 64 columns
/// inside the margins, one column below), and at sizes where it must cut.
@Suite struct StatsScreenTests {
    func rows(_ stats: StoreStats, _ width: Int, _ height: Int) -> [String] {
        StatsScreen(stats: stats).render(size: TerminalSize(width: width, height: height)).rows
    }

    @Test func rendersTheSummaryAt120x40() {
        expectScreen(rows(sampleStats, 120, 40), [
            " Vigil — /data/cases/2024/q1-cards.sqlite",
            "",
            "  Store                                           Alerts",
            "    Transactions                     1,296,675      Open                                    41",
            "    Clients                                983      Confirmed fraud                          9",
            "    Labelled fraud                       7,506      False positive                          27",
            "    Imports                                  3      Total                                   77",
            "    Rejected rows                           12",
            "                                                  Total spend",
            "  Date range (UTC)                                  EUR                           1,234.00 EUR",
            "    First                           2019-01-01      USD                         $91,234,567.89",
            "    Last                            2020-06-23",
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
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            " q quit  t theme",
        ])
    }

    @Test func rendersTheSummaryAt80x24() {
        expectScreen(rows(sampleStats, 80, 24), [
            " Vigil — /data/cases/2024/q1-cards.sqlite",
            "",
            "  Store                                   Alerts",
            "    Transactions             1,296,675      Open                            41",
            "    Clients                        983      Confirmed fraud                  9",
            "    Labelled fraud               7,506      False positive                  27",
            "    Imports                          3      Total                           77",
            "    Rejected rows                   12",
            "                                          Total spend",
            "  Date range (UTC)                          EUR                   1,234.00 EUR",
            "    First                   2019-01-01      USD                 $91,234,567.89",
            "    Last                    2020-06-23",
        ] + Array(repeating: "", count: 11) + [
            " q quit  t theme",
        ])
    }

    /// At 60 columns the panels stack and the window is too short for the spend: the last row says "…".
    @Test func rendersTheSummaryAt60x15() {
        expectScreen(rows(sampleStats, 60, 15), [
            " Vigil — /data/cases/2024/q1-cards.sqlite",
            "",
            "  Store",
            "    Transactions                                 1,296,675",
            "    Clients                                            983",
            "    Labelled fraud                                   7,506",
            "    Imports                                              3",
            "    Rejected rows                                       12",
            "",
            "  Date range (UTC)",
            "    First                                       2019-01-01",
            "    Last                                        2020-06-23",
            "",
            "  …",
            " q quit  t theme",
        ])
    }

    @Test func stylesComeFromTheTheme() {
        let theme = Theme.default
        let buffer = StatsScreen(stats: sampleStats, theme: theme).render(width: 80, height: 24)
        #expect(buffer[0, 0].style == theme.title)
        #expect(buffer[79, 0].style == theme.title)
        #expect(buffer[0, 23].style == theme.statusBar)
        #expect(buffer[2, 2].style == theme.header) // "Store"
        #expect(buffer[4, 3].style == theme.text) // "Transactions"
        #expect(buffer[37, 3].character == "5")
        #expect(buffer[37, 3].style == theme.accent) // last digit of 1,296,675
        #expect(buffer[37, 7].style == theme.alert) // rejected rows > 0
        #expect(buffer[77, 3].character == "1")
        #expect(buffer[77, 3].style == theme.alert) // open alerts > 0
        #expect(buffer[77, 4].style == theme.accent) // confirmed fraud is a plain count
    }

    @Test func anEmptyStoreSaysSo() {
        let empty = StoreStats(path: "new.sqlite", transactions: 0, clients: 0, labelledFraud: 0, imports: 0,
                               rejected: 0, alertsByStatus: [:], firstInstant: nil, lastInstant: nil,
                               totalMinorUnitsByCurrency: [:])
        expectScreen(rows(empty, 80, 24), [
            " Vigil — new.sqlite",
            "",
            "  Store                                   Alerts",
            "    Transactions                     0      None yet                         —",
            "    Clients                          0",
            "    Labelled fraud                   0    Total spend",
            "    Imports                          0      No transactions                  —",
            "    Rejected rows                    0",
            "",
            "  Date range (UTC)",
            "    No transactions                  —",
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
            " q quit  t theme",
        ])
        let buffer = StatsScreen(stats: empty).render(width: 80, height: 24)
        #expect(buffer[37, 7].character == "0")
        #expect(buffer[37, 7].style == Theme.default.accent) // zero rejected rows is not an alert
    }

    @Test func narrowWindowsStackThePanelsAndMarkWhatIsCut() {
        expectScreen(rows(sampleStats, 40, 10), [
            " Vigil — …ta/cases/2024/q1-cards.sqlite",
            "",
            "  Store",
            "    Transactions             1,296,675",
            "    Clients                        983",
            "    Labelled fraud               7,506",
            "    Imports                          3",
            "    Rejected rows                   12",
            "  …",
            " q quit  t theme",
        ])
        // Tall enough for everything: no "…" row.
        expectScreen(rows(sampleStats, 40, 30), [
            " Vigil — …ta/cases/2024/q1-cards.sqlite",
            "",
            "  Store",
            "    Transactions             1,296,675",
            "    Clients                        983",
            "    Labelled fraud               7,506",
            "    Imports                          3",
            "    Rejected rows                   12",
            "",
            "  Date range (UTC)",
            "    First                   2019-01-01",
            "    Last                    2020-06-23",
            "",
            "  Alerts",
            "    Open                            41",
            "    Confirmed fraud                  9",
            "    False positive                  27",
            "    Total                           77",
            "",
            "  Total spend",
            "    EUR                   1,234.00 EUR",
            "    USD                 $91,234,567.89",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            " q quit  t theme",
        ])
    }

    @Test func tinyWindowsDoNotCrashAndKeepTheBars() {
        for (width, height) in [(0, 0), (1, 1), (5, 1), (10, 2), (12, 3), (20, 4), (39, 9)] {
            let buffer = StatsScreen(stats: sampleStats).render(width: width, height: height)
            #expect(buffer.rows.count == height)
            if height >= 2 && width >= 7 {
                #expect(buffer.rowText(height - 1).hasPrefix(" q quit"))
            }
            if height >= 1 && width >= 7 {
                #expect(buffer.rowText(0).hasPrefix(" Vigil"))
            }
        }
        expectScreen(rows(sampleStats, 12, 3), [
            " Vigil — …e",
            "",
            " q quit  t …",
        ])
    }

    @Test func hostileDataInThePathIsShownInert() {
        var stats = sampleStats
        stats.path = "/tmp/\u{1B}]0;pwned\u{07}\u{202E}lqs.db"
        let screen = rows(stats, 60, 15)
        expectScreen(screen, [
            " Vigil — /tmp/␛]0;pwned␇�lqs.db",
            "",
            "  Store",
            "    Transactions                                 1,296,675",
            "    Clients                                            983",
            "    Labelled fraud                                   7,506",
            "    Imports                                              3",
            "    Rejected rows                                       12",
            "",
            "  Date range (UTC)",
            "    First                                       2019-01-01",
            "    Last                                        2020-06-23",
            "",
            "  …",
            " q quit  t theme",
        ])
        #expect(screen.allSatisfy { $0.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) } })
    }
}
