import VigilCore
import Testing
import VigilTUI

/// Every scalar in the buffer is something a terminal prints rather than obeys.
func assertInert(_ buffer: CellBuffer, sourceLocation: SourceLocation = #_sourceLocation) {
    for (y, row) in buffer.rows.enumerated() {
        for scalar in row.unicodeScalars {
            #expect(Sanitizer.isSafe(scalar), "unsafe U+\(String(scalar.value, radix: 16)) in row \(y)",
                    sourceLocation: sourceLocation)
        }
    }
}

/// A buffer whose every cell is `character`, to show what an overlay covers and what it leaves.
func backdrop(width: Int, height: Int, character: Character = ".") -> CellBuffer {
    var buffer = CellBuffer(width: width, height: height)
    buffer.fill(buffer.bounds, character: character)
    return buffer
}

/// The pieces the widgets share: framed boxes, centring, wrapping, scrolling.
@Suite struct WidgetSupportTests {
    @Test func aBoxFramesAndClearsItsRectangleWithATitle() {
        var buffer = backdrop(width: 12, height: 4)
        let interior = buffer.drawBox(Rect(x: 1, y: 0, width: 10, height: 4), style: .plain, title: "Alerts")
        #expect(interior == Rect(x: 2, y: 1, width: 8, height: 2))
        #expect(buffer.rows == [
            ".┌ Alerts ┐.",
            ".│        │.",
            ".│        │.",
            ".└────────┘.",
        ])
        var ascii = CellBuffer(width: 4, height: 2)
        ascii.drawBox(ascii.bounds, style: .plain, title: "too long", characters: .ascii)
        #expect(ascii.rows == ["+--+", "+--+"])
    }

    @Test func centredRectanglesNeverOutgrowTheirContainer() {
        let screen = Rect(x: 2, y: 1, width: 20, height: 10)
        #expect(screen.centered(width: 10, height: 4) == Rect(x: 7, y: 4, width: 10, height: 4))
        #expect(screen.centered(width: 50, height: 50) == screen)
        #expect(Rect.zero.centered(width: 5, height: 5).isEmpty)
    }

    @Test func wrappingBreaksAtSpacesSplitsLongWordsAndKeepsWideCharactersWhole() {
        #expect(wrap("The quick brown fox jumps over the lazy dog", toWidth: 10)
            == ["The quick", "brown fox", "jumps", "over the", "lazy dog"])
        #expect(wrap("abcdefghij", toWidth: 4) == ["abcd", "efgh", "ij"])
        #expect(wrap("漢字漢字漢", toWidth: 5) == ["漢字", "漢字", "漢"])
        #expect(wrap("one\n\ntwo\r\nthree", toWidth: 10) == ["one", "", "two", "three"])
        #expect(wrap("\u{1B}[31mred\u{07}", toWidth: 4) == ["␛[31", "mred", "␇"])
        #expect(wrap("anything", toWidth: 0).isEmpty)
    }

    @Test func scrollingStopsAtBothEnds() {
        var scroll = ScrollState()
        let handled = scroll.handle(.up, rowCount: 20, pageSize: 5)
        #expect(handled)
        #expect(scroll.offset == 0)
        _ = scroll.handle(.pageDown, rowCount: 20, pageSize: 5)
        #expect(scroll.offset == 5)
        _ = scroll.handle(.character("G"), rowCount: 20, pageSize: 5)
        #expect(scroll.offset == 15)
        _ = scroll.handle(.character("j"), rowCount: 20, pageSize: 5)
        #expect(scroll.offset == 15)
        _ = scroll.handle(.character("g"), rowCount: 20, pageSize: 5)
        #expect(scroll.offset == 0)
        _ = scroll.handle(.down, rowCount: 3, pageSize: 5) // everything fits: nothing to scroll
        #expect(scroll.offset == 0)
        let handledQ = scroll.handle(.character("q"), rowCount: 20, pageSize: 5)
        #expect(!handledQ)
    }
}
