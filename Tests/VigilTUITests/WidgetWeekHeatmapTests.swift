import Testing
@testable import VigilTUI

@Suite struct WidgetWeekHeatmapTests {
    func rows(_ map: WeekHeatmap, width: Int, height: Int = WeekHeatmap.height) -> [String] {
        var buffer = CellBuffer(width: width, height: height)
        map.render(into: &buffer, in: buffer.bounds)
        return buffer.rows
    }

    @Test func aSinglePointIsTheFullShadeWithItsLabels() {
        var values = Array(repeating: Array(repeating: 0.0, count: 24), count: 7)
        values[1][3] = 5
        let drawn = rows(WeekHeatmap(values: values), width: 30)
        #expect(drawn[0] == "    0     6     12    18      ")
        #expect(drawn[1] == "Mon                           ")
        #expect(drawn[2] == "Tue    █" + String(repeating: " ", count: 22), "hour 3 is column 4 + 3")
        // The full legend does not fit in 26 columns: the short one does.
        #expect(drawn[8] == "    ░▒▓█ ≤ 5/hour             ")
    }

    @Test func shadesSplitTheRangeIntoFourStepsAndWideRectsUseTwoColumnsAnHour() {
        let values = (0..<7).map { day in (0..<24).map { hour in day == 0 ? Double(hour) : 0 } }
        let drawn = rows(WeekHeatmap(values: values, highlight: (weekday: 0, hour: 23), unit: "spend"), width: 80)
        // Hours 0..23 of 23: 0 blank, 1–5 light, 6–11 medium, 12–17 dark, 18–23 full.
        // The alert's hour (23) is drawn as the mark.
        #expect(drawn[1] == "Mon   " + String(repeating: "░", count: 10) + String(repeating: "▒", count: 12)
                + String(repeating: "▓", count: 12) + String(repeating: "█", count: 10) + "■■" + String(repeating: " ", count: 28))
        expectScreen(drawn, [
            "    0           6           12          18",
            "Mon   ░░░░░░░░░░▒▒▒▒▒▒▒▒▒▒▒▒▓▓▓▓▓▓▓▓▓▓▓▓██████████■■",
            "Tue",
            "Wed",
            "Thu",
            "Fri",
            "Sat",
            "Sun",
            "    ░ ▒ ▓ █ up to 23 spend an hour  ■ this alert",
        ])
    }

    @Test func theAlertsCellIsHighlighted() {
        var values = Array(repeating: Array(repeating: 1.0, count: 24), count: 7)
        values[6][0] = 0
        let styles = WeekHeatmap.Styles(label: .plain, cell: Style(foreground: .green), highlight: Style(reverse: true))
        var buffer = CellBuffer(width: 52, height: 9)
        WeekHeatmap(values: values, highlight: (weekday: 6, hour: 0), styles: styles).render(into: &buffer, in: buffer.bounds)
        #expect(buffer[4, 7].style == styles.highlight && buffer[5, 7].style == styles.highlight)
        #expect(buffer[6, 7].style == styles.cell)
        #expect(buffer[4, 7].character == "■" && buffer[6, 7].character == "█")
        #expect(buffer[4, 1].style == styles.cell)
    }

    @Test func emptyNegativeAndHugeValuesAndSmallRects() {
        let empty = rows(WeekHeatmap(values: []), width: 28)
        #expect(empty[1] == "Mon" + String(repeating: " ", count: 25))
        expectScreen(empty, [
            "    0     6     12    18",
            "Mon",
            "Tue",
            "Wed",
            "Thu",
            "Fri",
            "Sat",
            "Sun",
            "    ░▒▓█ ≤ 0/hour",
        ])
        var values = Array(repeating: Array(repeating: -4.0, count: 24), count: 7)
        values[2][5] = 1e15
        values[2][6] = .nan
        values[2][7] = 1
        let huge = rows(WeekHeatmap(values: values), width: 28)
        // Hour 5 full, hour 6 (NaN) blank, hour 7 (a millionth of a billion of the top) still the lightest shade.
        #expect(huge[3] == "Wed      █ ░" + String(repeating: " ", count: 16))
        expectScreen(rows(WeekHeatmap(values: values), width: 60), [
            "    0           6           12          18",
            "Mon",
            "Tue",
            "Wed           ██  ░░",
            "Thu",
            "Fri",
            "Sat",
            "Sun",
            "    ░ ▒ ▓ █ up to 1,000,000,000,000,000 transactions an hour",
        ])
        expectScreen(rows(WeekHeatmap(values: values), width: 27), [
            "heatmap needs 28×9",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ])
        expectScreen(rows(WeekHeatmap(values: values), width: 40, height: 8), [
            "heatmap needs 28×9",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ])
        #expect(rows(WeekHeatmap(values: values), width: 0, height: 0).isEmpty)
    }
}
