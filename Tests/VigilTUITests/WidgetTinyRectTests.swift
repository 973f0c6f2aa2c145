import Testing
import VigilTUI

/// Every widget drawn into every rectangle from 0×0 to 6×4, at the buffer's
/// edges and beyond them: nothing crashes, nothing is drawn outside the
/// rectangle's part of the buffer, and states stay consistent.
@Suite struct WidgetTinyRectTests {
    static let rects: [Rect] = {
        var rects: [Rect] = [.zero, Rect(x: -3, y: -2, width: 5, height: 4), Rect(x: 5, y: 3, width: 10, height: 10),
                             Rect(x: 50, y: 50, width: 4, height: 4)]
        for width in 0...6 { for height in 0...4 { rects.append(Rect(x: 1, y: 1, width: width, height: height)) } }
        return rects
    }()

    static let hostile = "\u{1B}[31mred\u{07} 漢字 and a rather long tail"

    /// Draws with `draw` on a dotted 8×6 buffer and checks cells outside `rect` are untouched.
    private func check(_ rect: Rect, sourceLocation: SourceLocation = #_sourceLocation, _ draw: (inout CellBuffer) -> Void) {
        var buffer = backdrop(width: 8, height: 6)
        draw(&buffer)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width where !rect.contains(x: x, y: y) {
                #expect(buffer[x, y].character == ".", "\(rect) drew at \(x),\(y)", sourceLocation: sourceLocation)
            }
        }
        assertInert(buffer, sourceLocation: sourceLocation)
    }

    @Test(arguments: rects) func tablesInTinyRects(rect: Rect) {
        let table = Table(columns: [TableColumn("ID", width: .fixed(3), alignment: .right), TableColumn(Self.hostile)],
                          showsMarkers: true)
        var state = TableState(allowsMultipleSelection: true, sort: TableSort(column: 1))
        _ = state.handle(.character(" "), rowCount: 1_000, pageSize: Table.pageSize(for: rect))
        _ = state.handle(.pageDown, rowCount: 1_000, pageSize: Table.pageSize(for: rect))
        let source = TableRows(count: 1_000) { ["\($0)", Self.hostile] }
        check(rect) { table.render(source, into: &$0, in: rect, state: &state) }
        #expect(state.cursor >= state.offset)
        #expect(state.cursor < state.offset + max(1, Table.pageSize(for: rect)))
    }

    @Test(arguments: rects) func textViewsAndStatusBarsInTinyRects(rect: Rect) {
        var scroll = ScrollState(offset: 7)
        check(rect) { TextView(text: Self.hostile + "\n" + Self.hostile).render(into: &$0, in: rect, state: &scroll) }
        check(rect) { StatusBar(left: Self.hostile, right: Self.hostile).render(into: &$0, in: rect) }
    }

    @Test(arguments: rects) func textInputsInTinyRects(rect: Rect) {
        var single = TextInputState(text: "漢字 and more")
        var note = TextInputState(text: "漢字\nand\nmore", multiline: true)
        check(rect) { buffer in
            if let position = TextInput().render(into: &buffer, in: rect, state: &single) {
                #expect(rect.contains(x: position.x, y: position.y))
            }
        }
        check(rect) { buffer in
            if let position = TextInput().render(into: &buffer, in: rect, state: &note) {
                #expect(rect.contains(x: position.x, y: position.y))
            }
        }
    }

    @Test(arguments: rects) func overlaysInTinyScreens(rect: Rect) throws {
        let dialog = Dialog(title: Self.hostile, message: Self.hostile, choices: ["Yes", Self.hostile])
        check(rect) { dialog.render(into: &$0, over: rect, state: DialogState(choiceCount: 2, selected: 1)) }
        let help = HelpOverlay(bindings: try KeyBindingTable(WidgetHelpTests.bindings))
        var scroll = ScrollState(offset: 100)
        check(rect) { help.render(into: &$0, over: rect, state: &scroll) }
        check(rect) { $0.drawBox(rect, style: .plain, title: Self.hostile) }
    }
}
