import Testing
@testable import VigilTUI

@Suite struct WidgetHorizontalBarsTests {
    func rows(_ items: [(label: String, value: Double, note: String?)], width: Int, height: Int) -> [String] {
        drawnRows(width: width, height: height) { HorizontalBars(items: items).render(into: &$0, in: $1) }
    }

    @Test func labelsBarsValuesAndNotes() {
        let items: [(label: String, value: Double, note: String?)] = [
            ("velocity", 1234, "3 new"), ("geo-jump with a very long name", 600, nil), ("amount", 17.5, "x"),
        ]
        // Labels get 40 % of 50 = 20 columns, values 5, notes 5, the bar 16 (128 eighths):
        // 600 / 1234 × 128 = 62.2 → 7 full blocks and ▊; 17.5 → 1.8 → ▎.
        #expect(rows(items, width: 50, height: 3) == [
            "velocity             ████████████████ 1,234  3 new",
            "geo-jump with a ver… ███████▊           600       ",
            "amount               ▎                 17.5  x    ",
        ])
    }

    @Test func moreItemsThanRowsEndWithACount() {
        let items: [(label: String, value: Double, note: String?)] = (1...5).map { ("r\($0)", Double($0), nil) }
        // An 11-column bar (88 eighths): 1 of 5 is 17.6 → 18 eighths, 2 of 5 is 35.2 → 35.
        #expect(rows(items, width: 16, height: 3) == [
            "r1 ██▎         1",
            "r2 ████▍       2",
            "+3 more         ",
        ])
        #expect(rows(items, width: 16, height: 1) == ["+5 more         "])
        #expect(rows(items, width: 16, height: 5)[4] == "r5 ███████████ 5", "all fit: no count")
    }

    @Test func emptyAndSingleItems() {
        #expect(rows([], width: 24, height: 2) == ["no data                 ", "                        "])
        #expect(rows([("only", 5, "note")], width: 24, height: 2) == ["only ███████████ 5  note", String(repeating: " ", count: 24)])
    }

    @Test func negativeNonFiniteAndHugeValues() {
        let items: [(label: String, value: Double, note: String?)] = [
            ("refunds", -40, nil), ("sales", 1e15, nil), ("nan", .nan, nil), ("one", 1, nil),
        ]
        #expect(rows(items, width: 30, height: 4) == [
            "re…                        -40",
            "sa… ████ 1,000,000,000,000,000",
            "nan                          0",
            "one ▏                        1",
        ])
        #expect(Chart.grouped(1234) == "1,234")
        #expect(Chart.grouped(-1_234_567) == "-1,234,567")
        #expect(Chart.grouped(12.5) == "12.5")
        #expect(Chart.grouped(999) == "999")
        #expect(Chart.grouped(1e20) == "1e20")
        #expect(Chart.grouped(.nan) == "0")
    }

    @Test func tooNarrowSaysSoAndTheMinimumWidthDraws() {
        #expect(rows([("a", 1234, nil)], width: 20, height: 1) == ["a ████████████ 1,234"])
        #expect(rows([("alpha", 1234, "n"), ("b", 617, nil)], width: 14, height: 2) == ["al… ████ 1,234", "b   ██     617"])
        #expect(rows([("a", 1234, nil)], width: 13, height: 2) == ["bars need 14…", String(repeating: " ", count: 13)])
        #expect(rows([("a", 1, nil)], width: 9, height: 1) == ["bars nee…"], "needs 3 + 1 + 4 + 1 + 1 = 10")
        #expect(rows([("a", 1, nil)], width: 10, height: 1) == ["a ██████ 1"])
    }

    @Test func dataIsSanitised() {
        let drawn = rows([("\u{1B}[31mred", 3, "\u{07}bell")], width: 30, height: 1)
        expectScreen(drawn, [
            "␛[31mred ████████████ 3  ␇bell",
        ])
    }

    @Test(arguments: chartTinyRects) func tinyRectsNeverCrashOrSpill(rect: Rect) {
        let items: [(label: String, value: Double, note: String?)] = [
            ("\u{1B}[31m漢字 and a rather long label", 1e15, "note"), ("b", -1, nil), ("c", .nan, "\u{07}"),
        ]
        expectDrawsOnlyInside(rect) { HorizontalBars(items: items).render(into: &$0, in: rect) }
        expectDrawsOnlyInside(rect) { HorizontalBars(items: []).render(into: &$0, in: rect) }
    }
}
