import Testing
import VigilTUI

/// A source of as many rows as asked for, recording which rows were requested.
private final class CountingSource: TableDataSource {
    let rowCount: Int
    private(set) var requested: [Int] = []

    init(rowCount: Int) { self.rowCount = rowCount }

    func cells(forRow row: Int) -> [String] {
        requested.append(row)
        return ["\(row)", "merchant \(row)"]
    }
}

@Suite struct WidgetTableTests {
    let columns = [
        TableColumn("ID", width: .fixed(4), alignment: .right),
        TableColumn("Merchant"),
        TableColumn("Amount", width: .fixed(8), alignment: .right),
    ]
    let rows: [[String]] = [
        ["1", "Café Noir", "12.50"],
        ["2", "A very long merchant name", "1234.00"],
        ["3", "漢字の店舗名です", "7.00"],
    ]

    @Test func rendersHeaderSortIndicatorAlignedCellsAndEllipses() {
        let table = Table(columns: columns)
        var state = TableState(sort: TableSort(column: 2, ascending: false))
        var buffer = CellBuffer(width: 24, height: 5)
        table.render(rows, into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == [
            "  ID Merchant   Amount ▼",
            "   1 Café Noir     12.50",
            "   2 A very lo…  1234.00",
            "   3 漢字の店…      7.00",
            "                        ",
        ])
        #expect(displayWidth(of: buffer.rowText(3)) == 24)
        #expect(table.columnWidths(totalWidth: 24) == [4, 10, 8])
    }

    @Test func theCursorRowIsReversedAndTheHeaderUsesTheThemeHeader() {
        let table = Table(columns: columns)
        var state = TableState()
        _ = state.handle(.down, rowCount: rows.count, pageSize: 4)
        var buffer = CellBuffer(width: 24, height: 5)
        table.render(rows, into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer[0, 0].style == Theme.default.header)
        #expect(!buffer[0, 1].style.reverse)
        for x in 0..<24 { #expect(buffer[x, 2].style.reverse, "column \(x) of the cursor row") }
        #expect(!buffer[5, 3].style.reverse)
        #expect(buffer[5, 3].style == Theme.default.text)
    }

    @Test func ascendingSortOnANarrowColumnKeepsTheIndicator() {
        let table = Table(columns: [TableColumn("Amount", width: .fixed(5)), TableColumn("X", width: .fixed(2))])
        var state = TableState(sort: TableSort(column: 0, ascending: true))
        var buffer = CellBuffer(width: 8, height: 1)
        table.render([[String]](), into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["Am… ▲ X "])
    }

    @Test func onlyTheVisibleRowsOfAMillionAreFetched() {
        let source = CountingSource(rowCount: 1_000_000)
        let table = Table(columns: [TableColumn("ID", width: .fixed(7)), TableColumn("Merchant")])
        var state = TableState()
        var buffer = CellBuffer(width: 30, height: 11)
        let page = Table.pageSize(for: buffer.bounds)
        #expect(page == 10)

        table.render(source, into: &buffer, in: buffer.bounds, state: &state)
        #expect(source.requested == Array(0..<10))

        let handled = state.handle(.character("G"), rowCount: source.rowCount, pageSize: page)
        #expect(handled)
        table.render(source, into: &buffer, in: buffer.bounds, state: &state)
        #expect(source.requested.count == 20)
        #expect(Array(source.requested.suffix(10)) == Array(999_990..<1_000_000))
        #expect(state.cursor == 999_999)
        expectScreen(buffer.rows, [
            "ID      Merchant",
            "999990  merchant 999990",
            "999991  merchant 999991",
            "999992  merchant 999992",
            "999993  merchant 999993",
            "999994  merchant 999994",
            "999995  merchant 999995",
            "999996  merchant 999996",
            "999997  merchant 999997",
            "999998  merchant 999998",
            "999999  merchant 999999",
        ])
        #expect(buffer[0, 10].style.reverse)
    }

    @Test func cursorMovesAndScrollsAtTheEdges() {
        var state = TableState()
        let count = 100, page = 10
        let handled = state.handle(.up, rowCount: count, pageSize: page)
        #expect(handled)
        #expect(state.cursor == 0 && state.offset == 0)
        for _ in 0..<9 { _ = state.handle(.character("j"), rowCount: count, pageSize: page) }
        #expect(state.cursor == 9 && state.offset == 0)
        _ = state.handle(.down, rowCount: count, pageSize: page)
        #expect(state.cursor == 10 && state.offset == 1)

        _ = state.handle(.pageDown, rowCount: count, pageSize: page)
        #expect(state.cursor == 20 && state.offset == 11)
        _ = state.handle(.pageUp, rowCount: count, pageSize: page)
        #expect(state.cursor == 10 && state.offset == 1)

        // Moving up inside the view does not scroll; past its top it scrolls one row.
        for _ in 0..<9 { _ = state.handle(.character("k"), rowCount: count, pageSize: page) }
        #expect(state.cursor == 1 && state.offset == 1)
        _ = state.handle(.character("k"), rowCount: count, pageSize: page)
        #expect(state.cursor == 0 && state.offset == 0)

        _ = state.handle(.character("G"), rowCount: count, pageSize: page)
        #expect(state.cursor == 99 && state.offset == 90)
        _ = state.handle(.character("j"), rowCount: count, pageSize: page)
        _ = state.handle(.pageDown, rowCount: count, pageSize: page)
        #expect(state.cursor == 99 && state.offset == 90)

        _ = state.handle(.character("g"), rowCount: count, pageSize: page)
        #expect(state.cursor == 0 && state.offset == 0)
        _ = state.handle(.pageUp, rowCount: count, pageSize: page)
        #expect(state.cursor == 0 && state.offset == 0)
        _ = state.handle(.end, rowCount: count, pageSize: page)
        _ = state.handle(.home, rowCount: count, pageSize: page)
        #expect(state.cursor == 0 && state.offset == 0)
    }

    @Test func otherKeysAreLeftToTheCaller() {
        var state = TableState()
        // Space only marks rows when multiple selection is on.
        let handled = [Key.character("x"), .character(" "), .enter].map { state.handle($0, rowCount: 10, pageSize: 5) }
        #expect(handled == [false, false, false])
        #expect(state == TableState())
    }

    @Test func anEmptyTableShowsItsMessageAndKeepsTheCursorAtZero() {
        var state = TableState()
        let handled = state.handle(.character("G"), rowCount: 0, pageSize: 5)
        #expect(handled)
        #expect(state.cursor == 0 && state.offset == 0)
        var buffer = CellBuffer(width: 10, height: 3)
        Table(columns: [TableColumn("Name")]).render([[String]](), into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["Name      ", "No rows   ", "          "])
        #expect(buffer[0, 1].style == Theme.default.dim)
    }

    @Test func renderingFitsTheStateToFewerRowsAndASmallerView() {
        var state = TableState()
        state.moveCursor(to: 50, rowCount: 100, pageSize: 10)
        #expect(state.cursor == 50 && state.offset == 41)
        var buffer = CellBuffer(width: 6, height: 4)
        let source = TableRows(count: 8) { ["r\($0)"] }
        Table(columns: [TableColumn("R")]).render(source, into: &buffer, in: buffer.bounds, state: &state)
        #expect(state.cursor == 7 && state.offset == 5)
        #expect(buffer.rows == ["R     ", "r5    ", "r6    ", "r7    "])
    }

    @Test func multiSelectMarksRowsInTheMarkerColumn() {
        var state = TableState(allowsMultipleSelection: true)
        let count = 3, page = 3
        let handled = state.handle(.character(" "), rowCount: count, pageSize: page)
        #expect(handled)
        _ = state.handle(.down, rowCount: count, pageSize: page)
        _ = state.handle(.character(" "), rowCount: count, pageSize: page)
        #expect(state.selection == [0, 1])
        _ = state.handle(.up, rowCount: count, pageSize: page)
        _ = state.handle(.character(" "), rowCount: count, pageSize: page)
        #expect(state.selection == [1])
        _ = state.handle(.character("G"), rowCount: count, pageSize: page)
        _ = state.handle(.character(" "), rowCount: count, pageSize: page)
        #expect(state.selection == [1, 2])

        let table = Table(columns: [TableColumn("Name")], showsMarkers: true)
        var buffer = CellBuffer(width: 8, height: 4)
        table.render([["a"], ["b"], ["c"]], into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["  Name  ", "  a     ", "✓ b     ", "✓ c     "])
        #expect(buffer[0, 2].style == Theme.default.accent)
        #expect(buffer[0, 3].style.reverse) // the cursor row's marker takes the cursor style
    }

    @Test func aDataSourceCanStyleRows() {
        struct Alerts: TableDataSource {
            var rowCount: Int { 3 }
            func cells(forRow row: Int) -> [String] { ["row \(row)"] }
            func style(forRow row: Int) -> Style? { row == 2 ? Theme.default.alert : nil }
        }
        var state = TableState()
        var buffer = CellBuffer(width: 6, height: 4)
        Table(columns: [TableColumn("R")]).render(Alerts(), into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer[0, 3].style == Theme.default.alert)
        #expect(buffer[0, 2].style == Theme.default.text)
        #expect(buffer[0, 1].style.reverse)
    }

    @Test func hostileCellsAreDrawnAsPlaceholders() {
        var state = TableState()
        var buffer = CellBuffer(width: 12, height: 2)
        Table(columns: [TableColumn("\u{1B}]0;x\u{07}")]).render([["\u{1B}[31mred\u{07}"]], into: &buffer,
                                                                   in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["␛]0;x␇      ", "␛[31mred␇   "])
        assertInert(buffer)
    }
}
