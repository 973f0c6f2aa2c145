import Testing
@testable import VigilTUI

@Suite struct WidgetSparklineTests {
    func row(_ values: [Double], width: Int) -> String {
        drawnRows(width: width, height: 1) { Sparkline(values: values).render(into: &$0, in: $1) }[0]
    }

    @Test func minimumToMaximumInEightSteps() {
        #expect(row((0...7).map(Double.init), width: 8) == "▁▂▃▄▅▆▇█")
        // Shorter than the row: one column a value, left-aligned.
        #expect(row([0, 7], width: 6) == "▁█    ")
    }

    @Test func longSeriesAreSummedIntoColumnsEndingWithAWholeOne() {
        // 12 values into 6 columns, two a column: 3, 7, 11, 15, 19, 23.
        #expect(row((1...12).map(Double.init), width: 6) == "▁▂▄▅▇█")
        // 7 values into 3 columns, three a column with the first one short: [1], [1,1,1], [1,1,1].
        #expect(Sparkline(values: Array(repeating: 1, count: 7)).line(width: 3) == "▁██")
    }

    @Test func flatEmptyAndSingleSeries() {
        #expect(row([5, 5, 5], width: 6) == "▁▁▁   ")
        #expect(row([0, 0], width: 3) == "▁▁ ")
        #expect(row([], width: 4) == "    ")
        #expect(row([42], width: 4) == "▁   ")
    }

    @Test func negativesLowerTheFloorAndNonFiniteValuesCountAsZero() {
        #expect(row([-1, 0, 1], width: 3) == "▁▅█")
        #expect(row([1, 2, 3, 4, 5, 6, 7, 8, -1], width: 12) == "▃▃▄▅▆▆▇█▁   ")
        #expect(row([1e15, .nan, -1e15, .infinity, 0, 1], width: 6) == "█▅▁▅▅▅")
        #expect(row([.greatestFiniteMagnitude, -.greatestFiniteMagnitude], width: 2) == "█▁")
    }

    @Test func drawsInItsRectsFirstRowWithItsStyle() {
        var buffer = CellBuffer(width: 6, height: 3)
        let style = Style(foreground: .green)
        Sparkline(values: [1, 2, 3], style: style).render(into: &buffer, in: Rect(x: 2, y: 1, width: 4, height: 2))
        #expect(buffer.rows == ["      ", "  ▁▅█ ", "      "])
        #expect(buffer[3, 1].style == style)
    }

    @Test(arguments: chartTinyRects) func tinyRectsNeverCrashOrSpill(rect: Rect) {
        expectDrawsOnlyInside(rect) { Sparkline(values: (0..<100).map(Double.init)).render(into: &$0, in: rect) }
        expectDrawsOnlyInside(rect) { Sparkline(values: []).render(into: &$0, in: rect) }
    }
}
