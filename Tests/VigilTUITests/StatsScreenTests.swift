import Testing
import VigilApp
import VigilCore
import VigilTUI

let sampleStats = StoreStats(
    path: "/data/cases/2024/q1-cards.sqlite", transactions: 1_296_675, clients: 983, labelledFraud: 7_506,
    imports: 3, rejected: 12, alertsByStatus: ["open": 41, "confirmed_fraud": 9, "false_positive": 27],
    firstInstant: 1_546_300_800, lastInstant: 1_592_956_799,
    totalMinorUnitsByCurrency: ["USD": 9_123_456_789, "EUR": 123_400])

@Suite struct StatsScreenTests {
    @Test func rendersTheSummaryAt80x24() {
        let rows = StatsScreen(stats: sampleStats).render(width: 80, height: 24).rows
        let blank = String(repeating: " ", count: 80)
        let expected = [
            " Vigil — /data/cases/2024/q1-cards.sqlite                                       ",
            blank,
            "  Store                                   Alerts                                ",
            "    Transactions             1,296,675      Open                            41  ",
            "    Clients                        983      Confirmed fraud                  9  ",
            "    Labelled fraud               7,506      False positive                  27  ",
            "    Imports                          3      Total                           77  ",
            "    Rejected rows                   12                                          ",
            "                                          Total spend                           ",
            "  Date range (UTC)                          EUR                   1,234.00 EUR  ",
            "    First                   2019-01-01      USD                 $91,234,567.89  ",
            "    Last                    2020-06-23                                          ",
        ] + Array(repeating: blank, count: 11) + [
            " q quit  t theme                                                                ",
        ]
        #expect(rows.count == expected.count)
        for (index, (actual, wanted)) in zip(rows, expected).enumerated() {
            #expect(actual == wanted, "row \(index)")
        }
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
        let buffer = StatsScreen(stats: empty).render(width: 80, height: 24)
        let rows = buffer.rows
        #expect(rows[0].hasPrefix(" Vigil — new.sqlite "))
        #expect(rows[9] == "  Date range (UTC)                                                              ")
        #expect(rows[10] == "    No transactions                  —" + String(repeating: " ", count: 42))
        #expect(rows[3].contains("None yet"))
        #expect(rows.contains { $0.contains("Total spend") })
        #expect(buffer[37, 7].character == "0")
        #expect(buffer[37, 7].style == Theme.default.accent) // zero rejected rows is not an alert
    }

    @Test func narrowWindowsStackThePanelsAndMarkWhatIsCut() {
        let rows = StatsScreen(stats: sampleStats).render(width: 40, height: 10).rows
        #expect(rows == [
            " Vigil — …ta/cases/2024/q1-cards.sqlite ",
            "                                        ",
            "  Store                                 ",
            "    Transactions             1,296,675  ",
            "    Clients                        983  ",
            "    Labelled fraud               7,506  ",
            "    Imports                          3  ",
            "    Rejected rows                   12  ",
            "  …                                     ",
            " q quit  t theme                        ",
        ])
        let tall = StatsScreen(stats: sampleStats).render(width: 40, height: 30).rows
        #expect(tall.contains("    USD                 $91,234,567.89  "))
        #expect(!tall.contains { $0.contains("…") && !$0.contains("…ta/") })
    }

    @Test func renders120x40WithEverythingOnScreen() {
        let rows = StatsScreen(stats: sampleStats).render(width: 120, height: 40).rows
        #expect(rows.count == 40)
        #expect(rows.allSatisfy { displayWidth(of: $0) == 120 })
        let text = rows.joined(separator: "\n")
        for needle in ["1,296,675", "983", "7,506", "2019-01-01", "2020-06-23", "Open", "41", "$91,234,567.89",
                       "1,234.00 EUR", "Rejected rows"] {
            #expect(text.contains(needle), "missing \(needle)")
        }
        #expect(rows[39].hasPrefix(" q quit"))
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
    }

    @Test func hostileDataInThePathIsShownInert() {
        var stats = sampleStats
        stats.path = "/tmp/\u{1B}]0;pwned\u{07}\u{202E}lqs.db"
        let row = StatsScreen(stats: stats).render(width: 80, height: 24).rowText(0)
        #expect(row.hasPrefix(" Vigil — /tmp/␛]0;pwned␇�lqs.db "))
        #expect(row.unicodeScalars.allSatisfy { $0.value >= 0x20 && !(0x7F...0x9F).contains($0.value) })
    }
}
