import Testing
import VigilTUI

@Suite struct CellBufferTests {
    @Test func textIsClippedAtTheRightEdgeAndAtMaxWidth() {
        var buffer = CellBuffer(width: 8, height: 2)
        let advanced = buffer.put("transactions", at: 2, y: 0)
        #expect(advanced == 6)
        #expect(buffer.rowText(0) == "  transa")
        buffer.put("abcdef", at: 1, y: 1, maxWidth: 3)
        #expect(buffer.rowText(1) == " abc    ")
    }

    @Test func textOutsideTheBufferIsDropped() {
        var buffer = CellBuffer(width: 5, height: 1)
        buffer.put("hello", at: 0, y: 3)
        buffer.put("hello", at: -3, y: 0)
        #expect(buffer.rows == ["lo   "])
    }

    @Test func wideCharactersTakeTwoColumns() {
        var buffer = CellBuffer(width: 10, height: 1)
        let advanced = buffer.put("漢字x", at: 1, y: 0)
        #expect(advanced == 5)
        #expect(buffer[1, 0].character == "漢")
        #expect(buffer[2, 0].isContinuation)
        #expect(buffer[3, 0].character == "字")
        #expect(buffer[4, 0].isContinuation)
        #expect(buffer[5, 0].character == "x")
        #expect(buffer.rowText(0) == " 漢字x    ")
        #expect(displayWidth(of: buffer.rowText(0)) == 10)
    }

    @Test func aWideCharacterThatWouldStraddleTheEdgeIsNotDrawn() {
        var buffer = CellBuffer(width: 5, height: 1)
        let advanced = buffer.put("漢字漢", at: 0, y: 0)
        #expect(advanced == 4)
        #expect(buffer.rowText(0) == "漢字 ")
        #expect(!buffer[4, 0].isContinuation)

        var limited = CellBuffer(width: 10, height: 1)
        limited.put("漢字漢", at: 0, y: 0, maxWidth: 3)
        #expect(limited.rowText(0) == "漢        ")
    }

    @Test func overwritingHalfAWideCharacterClearsTheOtherHalf() {
        var buffer = CellBuffer(width: 6, height: 1)
        buffer.put("漢字", at: 0, y: 0)
        buffer.put("a", at: 1, y: 0)
        #expect(buffer.rowText(0) == " a字  ")
        buffer.put("b", at: 2, y: 0)
        #expect(buffer.rowText(0) == " ab   ")
        #expect(buffer.cells.allSatisfy { !$0.isContinuation })
    }

    @Test func displayWidths() {
        #expect(displayWidth(of: "abc") == 3)
        #expect(displayWidth(of: "日本語") == 6)
        #expect(displayWidth(of: "한국") == 4)
        #expect(displayWidth(of: "ｱ") == 1) // halfwidth katakana
        #expect(displayWidth(of: "Ａ") == 2) // fullwidth A
        #expect(displayWidth(of: "e\u{301}") == 1) // e + combining acute: one cluster, one column
        #expect(displayWidth(of: "\u{301}" as Unicode.Scalar) == 0)
        #expect(displayWidth(of: "😀") == 2)
        #expect(displayWidth(of: "—") == 1)
    }

    /// The Basic Multilingual Plane's widths come from a table; each kind of scalar in it keeps its width.
    @Test func basicPlaneWidthsByKind() {
        #expect(displayWidth(of: "·▼▲─│█…→") == 8) // the screens' dots, marks, lines and arrows
        #expect(displayWidth(of: "\u{25FD}" as Unicode.Scalar) == 2) // ◽: emoji presentation in the BMP
        #expect(displayWidth(of: "\u{0308}" as Unicode.Scalar) == 0) // combining diaeresis
        #expect(displayWidth(of: "\u{200B}" as Unicode.Scalar) == 0) // zero width space
        #expect(displayWidth(of: "\u{1160}" as Unicode.Scalar) == 0) // Hangul medial vowel
        #expect(displayWidth(of: "\u{FEFF}" as Unicode.Scalar) == 0) // a format character
        #expect(displayWidth(of: "\u{3000}" as Unicode.Scalar) == 2) // ideographic space
        #expect(displayWidth(of: "\u{FFFD}" as Unicode.Scalar) == 1)
        #expect(displayWidth(of: "\u{1F600}" as Unicode.Scalar) == 2) // past the table
        #expect(displayWidth(of: "\u{2764}\u{FE0F}") == 2) // ❤️: text heart asked to present as emoji
        #expect(displayWidth(of: "\u{2764}") == 1)
    }

    @Test func combiningMarksStayWithTheirBase() {
        var buffer = CellBuffer(width: 4, height: 1)
        buffer.put("Cafe\u{301}", at: 0, y: 0)
        #expect(buffer[3, 0].character == "e\u{301}")
        #expect(buffer.rowText(0) == "Café")
    }

    @Test func fillPaintsOnlyInsideTheBuffer() {
        var buffer = CellBuffer(width: 4, height: 3)
        let style = Style(background: .blue)
        buffer.fill(Rect(x: 2, y: 1, width: 10, height: 10), style: style, character: "#")
        #expect(buffer.rows == ["    ", "  ##", "  ##"])
        #expect(buffer[3, 2].style == style)
        #expect(buffer[1, 1].style == .plain)
    }

    @Test func putKeepsTheStyle() {
        var buffer = CellBuffer(width: 4, height: 1)
        let bold = Style.plain.bolded
        buffer.put("ab", at: 1, y: 0, style: bold)
        #expect(buffer[0, 0].style == .plain)
        #expect(buffer[1, 0].style == bold)
        #expect(buffer[2, 0].style == bold)
    }

    @Test func alignedPutsPadAndTruncate() {
        var buffer = CellBuffer(width: 10, height: 3)
        buffer.put("42", in: Rect(x: 0, y: 0, width: 6, height: 1), alignment: .right)
        buffer.put("mid", in: Rect(x: 0, y: 1, width: 7, height: 1), alignment: .center)
        buffer.put("a long merchant", in: Rect(x: 0, y: 2, width: 6, height: 1))
        #expect(buffer.rows == ["    42    ", "  mid     ", "a lon…    "])
    }
}
