import Testing
import VigilTUI

@Suite struct WidgetStatusBarTests {
    @Test func leftAndRightSegmentsShareTheRow() {
        var buffer = CellBuffer(width: 20, height: 2)
        StatusBar(left: "Transactions", right: "3/120").render(into: &buffer, in: buffer.bounds)
        #expect(buffer.rows == ["Transactions   3/120", "                    "])
        for x in 0..<20 { #expect(buffer[x, 0].style == Theme.default.statusBar) }
        #expect(buffer[0, 1].style == .plain)
    }

    @Test func theRightSegmentWinsAndTheLeftIsTruncated() {
        var buffer = CellBuffer(width: 12, height: 1)
        StatusBar(left: "Transactions", right: "3/120").render(into: &buffer, in: buffer.bounds)
        #expect(buffer.rows == ["Trans… 3/120"])
    }

    @Test func aRightSegmentWiderThanTheBarIsTruncatedToo() {
        var buffer = CellBuffer(width: 4, height: 1)
        StatusBar(left: "left", right: "3/120").render(into: &buffer, in: buffer.bounds)
        #expect(buffer.rows == ["3/1…"])
    }

    @Test func wideCharactersAndStylesPerSegment() {
        let accent = Theme.default.accent
        var buffer = CellBuffer(width: 10, height: 1)
        StatusBar(left: "漢字漢字", right: "ok", rightStyle: accent).render(into: &buffer, in: buffer.bounds)
        #expect(buffer.rows == ["漢字漢… ok"])
        #expect(buffer[8, 0].style == accent)
        #expect(buffer[0, 0].style == Theme.default.statusBar)
    }

    @Test func hostileSegmentsAreShownNotObeyed() {
        var buffer = CellBuffer(width: 20, height: 1)
        StatusBar(left: "\u{1B}[31mred\u{07}", right: "\u{1B}[2J").render(into: &buffer, in: buffer.bounds)
        #expect(buffer.rows == ["␛[31mred␇       ␛[2J"])
        assertInert(buffer)
    }
}
