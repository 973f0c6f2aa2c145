import Testing
import VigilTUI

@Suite struct WidgetTextViewTests {
    let view = TextView(text: "The quick brown fox jumps over the lazy dog")

    @Test func wrapsByWidthAndScrollsWithoutPassingTheEnd() {
        var state = ScrollState()
        var buffer = CellBuffer(width: 10, height: 3)
        view.render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["The quick ", "brown fox ", "jumps     "])

        let rowCount = view.rowCount(width: 10)
        #expect(rowCount == 5)
        let handled = state.handle(.pageDown, rowCount: rowCount, pageSize: 3)
        #expect(handled)
        #expect(state.offset == 2)
        view.render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["jumps     ", "over the  ", "lazy dog  "])
    }

    @Test func anOffsetPastTheEndIsClampedWhenDrawn() {
        var state = ScrollState(offset: 100)
        var buffer = CellBuffer(width: 10, height: 4)
        view.render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(state.offset == 1)
        #expect(buffer.rowText(3) == "lazy dog  ")
    }

    @Test func linesKeepTheirStylesOnEveryWrappedRow() {
        let alert = Theme.default.alert
        let styled = TextView(lines: [TextLine("fraud suspected", style: alert), "ok"])
        var state = ScrollState()
        var buffer = CellBuffer(width: 8, height: 4)
        styled.render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["fraud   ", "suspecte", "d       ", "ok      "])
        #expect(buffer[0, 0].style == alert)
        #expect(buffer[7, 1].style == alert)
        #expect(buffer[0, 3].style == Theme.default.text)
    }

    @Test func wideCharactersWrapByDisplayWidth() {
        var state = ScrollState()
        var buffer = CellBuffer(width: 5, height: 3)
        TextView(text: "漢字漢字漢").render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["漢字 ", "漢字 ", "漢   "])
    }

    @Test func withoutWrappingLongLinesEndInAnEllipsis() {
        var state = ScrollState()
        var buffer = CellBuffer(width: 6, height: 2)
        TextView(text: "a long line\nshort", wraps: false).render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["a lon…", "short "])
    }

    @Test func hostileTextIsShownNotObeyed() {
        var state = ScrollState()
        var buffer = CellBuffer(width: 12, height: 2)
        TextView(text: "\u{1B}[31mred\u{07}\u{9B}2J").render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["␛[31mred␇�2J", "            "])
        assertInert(buffer)
    }
}
