import Testing
import VigilCore
import VigilTUI

@Suite struct SanitizerTests {
    /// Every scalar a buffer row holds is something a terminal will print, not obey.
    private func assertInert(_ row: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for scalar in row.unicodeScalars {
            #expect(scalar.value >= 0x20, "control \(scalar.value) reached the row", sourceLocation: sourceLocation)
            #expect(!(0x7F...0x9F).contains(scalar.value), "DEL/C1 \(scalar.value) reached the row", sourceLocation: sourceLocation)
            #expect(Sanitizer.isSafe(scalar), "unsafe U+\(String(scalar.value, radix: 16)) reached the row",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func escapeSequencesAreShownNotObeyed() {
        var buffer = CellBuffer(width: 20, height: 1)
        buffer.put("\u{1B}[31mRED\u{1B}[0m", at: 0, y: 0)
        #expect(buffer.rowText(0) == "␛[31mRED␛[0m        ")
        assertInert(buffer.rowText(0))
    }

    @Test func c0ControlsBecomeControlPictures() {
        var buffer = CellBuffer(width: 12, height: 1)
        buffer.put("a\u{07}b\u{00}c\td\ne\u{7F}", at: 0, y: 0)
        #expect(buffer.rowText(0) == "a␇b␀c␉d␊e␡  ")
        assertInert(buffer.rowText(0))
    }

    @Test func c1ControlsAndBidiOverridesBecomeReplacementCharacters() {
        var buffer = CellBuffer(width: 16, height: 1)
        // U+009B is the one-byte CSI; U+202E reverses the text after it; U+2066 opens an isolate.
        buffer.put("x\u{9B}31my\u{202E}evil\u{2066}z", at: 0, y: 0)
        #expect(buffer.rowText(0) == "x�31my�evil�z   ")
        assertInert(buffer.rowText(0))
    }

    @Test func otherFormatCharactersAreVisibleButEmojiJoinersSurvive() {
        #expect(Sanitizer.sanitize("a\u{200E}b\u{FEFF}c\u{2028}d") == "a�b�c�d")
        let family = "👩\u{200D}👩\u{200D}👧"
        #expect(Sanitizer.sanitize(family) == family)
        #expect(Sanitizer.sanitize("plain text, 漢字, café") == "plain text, 漢字, café")
    }

    @Test func everyControlScalarIsReplaced() {
        var all = ""
        for value in UInt32(0)...0x9F { all.unicodeScalars.append(Unicode.Scalar(value)!) }
        var buffer = CellBuffer(width: 200, height: 1)
        buffer.put(all, at: 0, y: 0)
        assertInert(buffer.rowText(0))
        #expect(buffer.rowText(0).unicodeScalars.filter { $0 == "\u{FFFD}" }.count == 32)
    }

    @Test func textMeasuredAndTruncatedIsSanitisedToo() {
        #expect(displayWidth(of: "\u{1B}[2J") == 4)
        #expect(truncate("\u{1B}]0;title\u{07}", toWidth: 5) == "␛]0;…")
    }
}
