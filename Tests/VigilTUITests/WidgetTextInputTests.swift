import Testing
import VigilTUI

@Suite struct WidgetTextInputTests {
    /// Feeds `keys` to `state`, returning whether each was handled.
    @discardableResult
    private func type(_ keys: [Key], into state: inout TextInputState) -> [Bool] {
        keys.map { state.handle($0) }
    }

    private func characters(_ text: String) -> [Key] { text.map(Key.character) }

    @Test func typingAndCursorEditing() {
        var state = TextInputState()
        type(characters("hello"), into: &state)
        #expect(state.text == "hello" && state.cursorColumn == 5)
        type([.left, .left, .character("X")], into: &state)
        #expect(state.text == "helXlo" && state.cursorColumn == 4)
        type([.home, .delete], into: &state)
        #expect(state.text == "elXlo" && state.cursorColumn == 0)
        type([.ctrl("e"), .backspace], into: &state)
        #expect(state.text == "elXl" && state.cursorColumn == 4)
        type([.ctrl("a"), .right, .ctrl("k")], into: &state)
        #expect(state.text == "e" && state.cursorColumn == 1)
        type([.end, .right, .right, .backspace, .backspace], into: &state) // nothing past either end
        #expect(state.text == "" && state.cursorColumn == 0)
        #expect(type([.delete, .left], into: &state) == [true, true])
    }

    @Test func ctrlUAndCtrlWDeleteBackwards() {
        var state = TextInputState(text: "transfer to  account")
        let handled = state.handle(.ctrl("w"))
        #expect(handled)
        #expect(state.text == "transfer to  " && state.cursorColumn == 13)
        _ = state.handle(.ctrl("w"))
        #expect(state.text == "transfer " && state.cursorColumn == 9)

        var other = TextInputState(text: "abc def")
        type([.left, .left, .left, .ctrl("u")], into: &other)
        #expect(other.text == "def" && other.cursorColumn == 0)
        _ = other.handle(.ctrl("w")) // nothing before the cursor
        #expect(other.text == "def")
    }

    @Test func wideAndAccentedCharactersAreEditedWhole() {
        var state = TextInputState()
        type([.character("漢"), .character("字"), .character("a")], into: &state)
        #expect(state.text == "漢字a" && state.cursorDisplayColumn == 5)
        type([.left], into: &state)
        #expect(state.cursorColumn == 2 && state.cursorDisplayColumn == 4)
        type([.backspace], into: &state)
        #expect(state.text == "漢a" && state.cursorDisplayColumn == 2)
        type([.ctrl("w")], into: &state)
        #expect(state.text == "a")

        var accented = TextInputState()
        type([.character("e"), .character("\u{301}"), .character("t"), .character("é")], into: &accented)
        #expect(accented.text == "e\u{301}té")
        #expect(accented.lines[0].count == 3)
        #expect(accented.cursorColumn == 3)
    }

    @Test func unsafeCharactersNeverGetIn() {
        var state = TextInputState()
        let handled = state.handle(.character("\u{1B}")) // consumed, but not inserted
        #expect(handled && state.isEmpty)
        state.insert("x\u{1B}[31m\u{07}y\u{202E}")
        #expect(state.text == "x[31my")
        let fromData = TextInputState(text: "line one\nline\u{9B} two")
        #expect(fromData.text == "line one line two")
        #expect(!fromData.isMultiline)
    }

    @Test func singleLineInputsLeaveEnterAndVerticalKeysToTheCaller() {
        var state = TextInputState(text: "query")
        #expect(type([.enter, .up, .down, .escape, .tab], into: &state) == [false, false, false, false, false])
        #expect(state.text == "query")
    }

    @Test func maxLengthCapsTypingAndInsertion() {
        var state = TextInputState(maxLength: 5)
        type(characters("abcdefg"), into: &state)
        #expect(state.text == "abcde")
        let inserted = state.insert("z")
        #expect(!inserted)
        // Refused characters are still consumed, so they never reach a screen's shortcuts.
        #expect(type([.home, .character("0"), .character("q")], into: &state) == [true, true, true])
        #expect(state.text == "abcde")

        var note = TextInputState(multiline: true, maxLength: 3)
        type([.character("a"), .character("b"), .enter, .character("c"), .enter], into: &note)
        #expect(note.text == "ab\n" && note.length == 3)
        #expect(TextInputState(text: "abcdef", maxLength: 4).text == "abcd")
    }

    @Test func multiLineEditing() {
        var note = TextInputState(multiline: true)
        type(characters("ab") + [.enter] + characters("cd"), into: &note)
        #expect(note.text == "ab\ncd" && note.cursorRow == 1 && note.cursorColumn == 2)
        type([.up], into: &note)
        #expect(note.cursorRow == 0 && note.cursorColumn == 2)
        type([.right], into: &note) // off the end of a line onto the next
        #expect(note.cursorRow == 1 && note.cursorColumn == 0)
        type([.backspace], into: &note) // joins the lines
        #expect(note.text == "abcd" && note.cursorRow == 0 && note.cursorColumn == 2)
        type([.enter, .left], into: &note)
        #expect(note.cursorRow == 0 && note.cursorColumn == 2)
        type([.delete], into: &note) // joins them again
        #expect(note.text == "abcd")
        #expect(type([.up, .down], into: &note) == [true, true]) // no line above or below: nothing moves
        #expect(note.cursorRow == 0 && note.cursorColumn == 2)
    }

    @Test func upAndDownKeepTheDisplayColumnAcrossWideCharacters() {
        var note = TextInputState(text: "漢字\nabcd", multiline: true)
        type([.left], into: &note)
        #expect(note.cursorRow == 1 && note.cursorColumn == 3)
        type([.up], into: &note)
        #expect(note.cursorRow == 0 && note.cursorColumn == 1) // column 3 is inside 字: stop before it
        type([.down], into: &note)
        #expect(note.cursorRow == 1 && note.cursorColumn == 2)
    }

    @Test func aSingleLineInputScrollsSidewaysToKeepTheCursorVisible() {
        var state = TextInputState(text: "abcdefgh")
        let input = TextInput()
        var buffer = CellBuffer(width: 7, height: 2)
        let area = Rect(x: 1, y: 1, width: 5, height: 1)
        var position = input.render(into: &buffer, in: area, state: &state)
        #expect(buffer.rows == ["       ", " efgh  "])
        #expect(position == ScreenPosition(x: 5, y: 1))
        #expect(buffer[5, 1].style.reverse)
        #expect(!buffer[4, 1].style.reverse)

        _ = state.handle(.left)
        _ = state.handle(.left) // still inside the view: no scrolling
        position = input.render(into: &buffer, in: area, state: &state)
        #expect(buffer.rowText(1) == " efgh  ")
        #expect(position == ScreenPosition(x: 3, y: 1))

        _ = state.handle(.home)
        position = input.render(into: &buffer, in: area, state: &state)
        #expect(buffer.rowText(1) == " abcde ")
        #expect(position == ScreenPosition(x: 1, y: 1))
        #expect(buffer[1, 1].style.reverse)
    }

    @Test func aWideCharacterCutByTheLeftEdgeLeavesABlank() {
        var state = TextInputState(text: "a漢字")
        var buffer = CellBuffer(width: 4, height: 1)
        let position = TextInput().render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(state.scrollColumn == 2)
        #expect(buffer.rows == [" 字 "])
        #expect(position == ScreenPosition(x: 3, y: 0))

        _ = state.handle(.left) // onto 字: the cursor covers both its cells
        TextInput().render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer[1, 0].style.reverse && buffer[2, 0].style.reverse)
        #expect(!buffer[3, 0].style.reverse)
    }

    @Test func aMultiLineInputScrollsToTheCursorLine() {
        var note = TextInputState(text: "one\ntwo\nthree", multiline: true)
        var buffer = CellBuffer(width: 6, height: 2)
        let position = TextInput().render(into: &buffer, in: buffer.bounds, state: &note)
        #expect(buffer.rows == ["two   ", "three "])
        #expect(position == ScreenPosition(x: 5, y: 1))
        type([.up, .up], into: &note)
        TextInput().render(into: &buffer, in: buffer.bounds, state: &note)
        #expect(buffer.rows == ["one   ", "two   "])
    }

    @Test func anEmptyInputShowsItsPlaceholderDimmed() {
        var state = TextInputState()
        var buffer = CellBuffer(width: 10, height: 1)
        let position = TextInput(placeholder: "Search…").render(into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == ["Search…   "])
        #expect(position == ScreenPosition(x: 0, y: 0))
        #expect(buffer[1, 0].style == Theme.default.dim)
        #expect(buffer[0, 0].style.reverse)
    }

    @Test func anEmptyRectHasNoCursor() {
        var state = TextInputState(text: "abc")
        var buffer = CellBuffer(width: 3, height: 1)
        #expect(TextInput().render(into: &buffer, in: .zero, state: &state) == nil)
        #expect(buffer.rows == ["   "])
    }

    /// Every prompt reads keys alike: Enter submits a one-line input (a newline in a note, which Ctrl-S or Ctrl-D
    /// submit), Escape cancels, anything else edits.
    @Test func aPromptSubmitsCancelsOrEdits() {
        var search = TextInputState(text: "ac")
        #expect(search.prompt(.character("m")) == .edited)
        #expect(search.prompt(.tab) == .edited, "a key the input does not use still counts as typed into it")
        #expect(search.prompt(.enter) == .submitted("acm"))
        #expect(search.prompt(.ctrl("s")) == .edited)
        #expect(search.prompt(.escape) == .cancelled)
        var note = TextInputState(text: "one", multiline: true)
        #expect(note.prompt(.enter) == .edited)
        #expect(note.prompt(.character("2")) == .edited)
        #expect(note.prompt(.ctrl("s")) == .submitted("one\n2"))
        #expect(note.prompt(.ctrl("d")) == .submitted("one\n2"))
        #expect(note.prompt(.escape) == .cancelled)
    }

    @Test func aPromptLineShowsItsLabelThenTheField() {
        var state = TextInputState(text: "acme")
        var buffer = CellBuffer(width: 12, height: 1)
        let accent = Theme.default.accent
        TextInput().renderPrompt(" /", labelStyle: accent, into: &buffer, in: buffer.bounds, state: &state)
        #expect(buffer.rows == [" / acme     "])
        #expect(buffer[1, 0].style == accent)
        #expect(buffer[3, 0].style == Theme.default.text)
        #expect(buffer[7, 0].style.reverse, "the cursor after the text")
        var empty = TextInputState()
        TextInput(placeholder: "find").renderPrompt("F", labelStyle: accent, into: &buffer, in: buffer.bounds, state: &empty)
        #expect(buffer.rows == ["F find      "])
    }
}
