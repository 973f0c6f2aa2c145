import Testing
@testable import VigilTUI

@Suite struct WidgetTimelineChartTests {
    /// Two weeks of January 2024 with a flagged alert, confirmed fraud and the current alert.
    let fortnight = TimelineChart(values: [0, 120, 340, 80, 0, 950, 400, 10, 220, 1234, 60, 0, 15, 700], firstDay: 19723,
                                  marks: [5: .flagged, 13: .current, 9: .confirmed], unit: "EUR")

    func rows(_ chart: TimelineChart, width: Int, height: Int) -> [String] {
        drawnRows(width: width, height: height) { chart.render(into: &$0, in: $1) }
    }

    @Test func civilDatesAreHandChecked() {
        #expect(TimelineChart.dayLabel(0) == "1970-01-01")
        #expect(TimelineChart.dayLabel(19723) == "2024-01-01")
        #expect(TimelineChart.dayLabel(11016) == "2000-02-29")
        #expect(TimelineChart.dayLabel(11017) == "2000-03-01")
        #expect(TimelineChart.dayLabel(19723 + 59) == "2024-02-29")
        #expect(TimelineChart.dayLabel(-1) == "1969-12-31")
        #expect(TimelineChart.dayLabel(-365) == "1969-01-01")
        #expect(TimelineChart.dayLabel(-719_468) == "0000-03-01")
        let date = TimelineChart.civilDate(-25_508)
        #expect(date.year == 1900 && date.month == 3 && date.day == 1)
        #expect(TimelineChart.dayLabel(Int.max).count >= 10, "clamped, no overflow")
        #expect(TimelineChart.dayLabel(Int.min).count >= 10, "clamped, no overflow")
    }

    @Test func axisNumbersAreCompact() {
        let cases: [(Double, String)] = [
            (0, "0"), (7, "7"), (2.5, "2.5"), (0.04, "0"), (9.96, "10"), (950, "950"), (999.6, "1k"), (1234, "1.2k"),
            (12_345, "12k"), (34_000, "34k"), (1_500_000, "1.5M"), (2_100_000_000, "2.1B"), (3e12, "3T"), (-1234, "-1.2k"),
            (1e15, "1e15"), (-2.4e17, "-2e17"), (.nan, "0"), (.infinity, "0"),
        ]
        for (value, text) in cases { #expect(Chart.compact(value) == text, "\(value)") }
    }

    @Test func aFortnightDrawsOneBarADayWithAxesDatesMarksAndLegend() {
        #expect(rows(fortnight, width: 40, height: 10) == Expected.fortnight)
    }

    @Test func refundsHangBelowAZeroRowInsideThePlot() {
        let chart = TimelineChart(values: [100, -50, 200, 0, -300, 400], firstDay: 19723)
        // 5 rows around the zero row: 3 above, 2 below, 150 a row; -50 is half a row (▀), -300 two full rows.
        #expect(rows(chart, width: 40, height: 10) == Expected.refunds)
        let onlyRefunds = TimelineChart(values: [-5, -10], firstDay: 0)
        #expect(rows(onlyRefunds, width: 30, height: 7) == Expected.onlyRefunds)
    }

    @Test func longSeriesSumSeveralDaysAColumnAndLabelMonths() {
        // 400 days into 36 columns: 12 a column, 34 columns, the first 8 days short so the last column is whole.
        let year = TimelineChart(values: (0..<400).map { Double($0 % 30) }, firstDay: 19723, marks: [399: .current, 398: .cleared])
        #expect(rows(year, width: 40, height: 8) == Expected.year)
        // 90 days into 35 columns: 3 a column, so 30 columns, each labelled by its first day.
        let quarter = TimelineChart(values: (0..<90).map { Double($0 % 7) * 100 }, firstDay: 19723)
        #expect(rows(quarter, width: 40, height: 8) == Expected.quarter)
    }

    @Test func theColumnOfADayIsWhereItsBarAndMarkAre() {
        let rect = Rect(x: 2, y: 1, width: 40, height: 10)
        var buffer = CellBuffer(width: 44, height: 12)
        fortnight.render(into: &buffer, in: rect)
        // Labels take 4 columns, the axis 1, then two columns a day.
        #expect(fortnight.column(ofDay: 0, in: rect) == 7)
        #expect(fortnight.column(ofDay: 13, in: rect) == 33)
        #expect(buffer[33, rect.y + 8].character == "▲")
        #expect(buffer[33, rect.y + 8].style == TimelineChart.Styles(theme: .default).alert)
        #expect(buffer[33, rect.y + 5].style == TimelineChart.Styles(theme: .default).alert, "the current day's bar too")
        #expect(buffer[25, rect.y + 8].character == "F")
        #expect(fortnight.column(ofDay: 14, in: rect) == nil)
        #expect(fortnight.column(ofDay: -1, in: rect) == nil)
        #expect(fortnight.column(ofDay: 0, in: Rect(width: 10, height: 10)) == nil)
        // Days summed into one column share it: 400 days beside the 2-wide label "11" make 37 columns of 11 days,
        // the first 4 days short, so days 389–399 are the last column.
        let year = TimelineChart(values: Array(repeating: 1, count: 400), firstDay: 0)
        let wide = Rect(width: 40, height: 8)
        #expect(year.column(ofDay: 0, in: wide) == 3)
        #expect(year.column(ofDay: 399, in: wide) == 39)
        #expect(year.column(ofDay: 389, in: wide) == 39)
        #expect(year.column(ofDay: 388, in: wide) == 38)
    }

    @Test func theStrongestMarkWinsAColumnAndMarksOutsideTheSeriesAreIgnored() {
        let leap = TimelineChart(values: [1, 2, 3, 4], firstDay: 11014, marks: [2: .escalated, 3: .cleared, 9: .current, -1: .confirmed])
        #expect(rows(leap, width: 40, height: 7) == Expected.leapDay)
        let crowded = TimelineChart(values: Array(repeating: 1, count: 100), firstDay: 0,
                                    marks: [97: .confirmed, 98: .cleared, 99: .flagged])
        let drawn = rows(crowded, width: 40, height: 7)
        // Three days a column, the last one complete: days 97–99 share it and the fraud mark wins.
        #expect(drawn[5] == String(repeating: " ", count: 35) + "F    ")
        #expect(drawn[6] == "3 days/column  max 3  F fraud           ")
        #expect(TimelineMark.allCases.sorted() == [.cleared, .flagged, .escalated, .confirmed, .current])
        #expect(TimelineMark.allCases.map(\.symbol) == ["·", "!", "E", "F", "▲"])
    }

    @Test func emptySingleAndHugeOrNonFiniteValues() {
        #expect(rows(TimelineChart(values: [], firstDay: 0), width: 30, height: 7) == Expected.empty)
        #expect(rows(TimelineChart(values: [42], firstDay: 0, marks: [0: .current]), width: 30, height: 7) == Expected.single)
        // NaN and infinity count as zero; 1 beside 1e15 still shows the smallest block.
        #expect(rows(TimelineChart(values: [1e15, .nan, .infinity, 1, -1e15], firstDay: 0), width: 30, height: 7) == Expected.huge)
        // Sums beyond the largest Double stay finite.
        let overflow = rows(TimelineChart(values: Array(repeating: .greatestFiniteMagnitude, count: 50), firstDay: 0),
                            width: 30, height: 7)
        expectScreen(overflow, [
            "2e308┤█████████████████",
            "     │█████████████████",
            "     │█████████████████",
            "    0└┴──────┴──────┴─────────",
            "      01-01  01-21  02-11",
            "",
            "3 days/column  max 2e308",
        ])
    }

    @Test func tooSmallRectsSaySoOnOneLine() {
        let chart = TimelineChart(values: [1e15], firstDay: 0)
        #expect(rows(chart, width: 40, height: 6)[0] == "timeline needs 17×7" + String(repeating: " ", count: 21))
        #expect(rows(chart, width: 16, height: 9)[0] == "timeline needs …")
        #expect(rows(chart, width: 17, height: 7)[0] == "1e15┤███████     ")
        #expect(rows(chart, width: 1, height: 1) == ["…"])
        #expect(rows(chart, width: 0, height: 0).isEmpty)
    }

    @Test(arguments: chartTinyRects) func tinyRectsNeverCrashOrSpill(rect: Rect) {
        let hostile = TimelineChart(values: [1, -2, .nan, 1e15], firstDay: Int.max, marks: [0: .current, 3: .flagged],
                                    unit: "\u{1B}[31mEUR")
        expectDrawsOnlyInside(rect) { hostile.render(into: &$0, in: rect) }
        expectDrawsOnlyInside(rect) { TimelineChart(values: [], firstDay: Int.min).render(into: &$0, in: rect) }
    }

    @Test func theUnitIsSanitised() {
        let chart = TimelineChart(values: [5], firstDay: 0, unit: "\u{1B}[2J")
        expectScreen(rows(chart, width: 30, height: 7), [
            "5┤███████",
            " │███████",
            " │███████",
            "0└┴───────────────────────────",
            "  01-01",
            "",
            "max 5 ␛[2J/day",
        ])
    }
}

// Expected drawings, checked by hand (see the tests for the arithmetic).
private enum Expected {
    static let fortnight = [
        "1.2k┤                  █                ",
        "    │          ▅       █                ",
        "    │          █       █       ▃        ",
        " 617┤          █       █       █        ",
        "    │    ▅     █ █   ▁ █       █        ",
        "    │  ▅ █ ▃   █ █ ▁ █ █ ▂   ▁ █        ",
        "   0└┴───────┴───────┴───────┴──────────",
        "     01-01   01-05   01-09   01-13      ",
        "               !       F       ▲        ",
        "max 1.2k EUR/day  ▲ this alert  F fraud ",
    ]
    static let refunds = [
        " 450┤                         ▅▅▅▅      ",
        "    │          ▃▃▃▃           ████      ",
        "    │▅▅▅▅      ████           ████      ",
        "   0┼───────────────────────────────────",
        "    │     ▀▀▀▀           ████           ",
        "-300┤                    ████           ",
        "    └┴─────────┴─────────┴──────────────",
        "     01-01     01-03     01-05          ",
        "                                        ",
        "max 400/day  min -300/day               ",
    ]
    static let onlyRefunds = [
        "  0┼──────────────────────────",
        "   │███████ ███████           ",
        "-10┤        ███████           ",
        "   └┴───────┴─────────────────",
        "    01-01   01-02             ",
        "                              ",
        "min -10/day                   ",
    ]
    static let year = [
        "258┤  █  ▂ █  ▂ █  ▂ █  ▂ █  ▂ █  ▂ █   ",
        "   │  █ ▇█ █ ▇█ █ ▇█ █ ▇█ █ ▇█ █ ▇█ █   ",
        "   │ ▆█▅██▆█▅██▆█▅██▆█▅██▆█▅██▆█▅██▆█▅  ",
        "   │▁█████████████████████████████████  ",
        "  0└┴────────┴─────────┴─────────┴──────",
        "    2024-01  2024-04   2024-08   2024-12",
        "                                     ▲  ",
        "12 days/column  max 258  ▲ this alert   ",
    ]
    static let quarter = [
        "1.5k┤ ▂    █ ▂    █ ▂    █ ▂    █ ▂     ",
        "    │ █ ▃▇ █ █ ▃▇ █ █ ▃▇ █ █ ▃▇ █ █     ",
        "    │ █▇██▅█ █▇██▅█ █▇██▅█ █▇██▅█ █     ",
        "    │▆██████▆██████▆██████▆██████▆█     ",
        "   0└┴──────┴──────┴──────┴──────┴──────",
        "     01-01  01-22  02-12  03-04  03-25  ",
        "                                        ",
        "3 days/column  max 1.5k                 ",
    ]
    static let leapDay = [
        "4┤                ▂▂▂▂▂▂▂ ███████       ",
        " │        ▄▄▄▄▄▄▄ ███████ ███████       ",
        " │▆▆▆▆▆▆▆ ███████ ███████ ███████       ",
        "0└┴───────┴───────┴───────┴─────────────",
        "  02-27   02-28   02-29   03-01         ",
        "                  E       ·             ",
        "max 4/day  E escalated  · cleared       ",
    ]
    static let empty = [
        " │                            ",
        " │                            ",
        " │                            ",
        "0└────────────────────────────",
        "                              ",
        "                              ",
        "no data                       ",
    ]
    static let single = [
        "42┤███████                    ",
        "  │███████                    ",
        "  │███████                    ",
        " 0└┴──────────────────────────",
        "   01-01                      ",
        "   ▲                          ",
        "max 42/day  ▲ this alert      ",
    ]
    static let huge = [
        " 1e15┤███         ▁▁▁         ",
        "    0┼────────────────────────",
        "-1e15┤                ███     ",
        "     └┴───────┴───────┴───────",
        "      01-01   01-03   01-05   ",
        "                              ",
        "max 1e15/day  min -1e15/day   ",
    ]
}
