import Testing
import VigilTUI

@Suite struct WidgetDialogTests {
    let dialog = Dialog(title: "Close alert", message: "Close alert 42 as fraud?", choices: ["Yes", "No"])

    @Test func drawsACentredBoxOverWhatIsBeneath() {
        var buffer = backdrop(width: 30, height: 9)
        dialog.render(into: &buffer, over: buffer.bounds, state: DialogState(choiceCount: 2))
        let dots = String(repeating: ".", count: 30)
        #expect(buffer.rows == [
            dots,
            dots,
            ".┌ Close alert ─────────────┐.",
            ".│ Close alert 42 as fraud? │.",
            ".│                          │.",
            ".│     [ Yes ]  [ No ]      │.",
            ".└──────────────────────────┘.",
            dots,
            dots,
        ])
        #expect(dialog.frame(in: buffer.bounds) == Rect(x: 1, y: 2, width: 28, height: 5))
        #expect(buffer[7, 5].style.reverse && buffer[13, 5].style.reverse)
        #expect(!buffer[16, 5].style.reverse)
        #expect(buffer[3, 2].style == Theme.default.header)
    }

    @Test func theSelectionFollowsTheKeys() {
        var state = DialogState(choiceCount: 2)
        /// Each key's event and the selection after it.
        func press(_ key: Key) -> (DialogEvent, Int) {
            let event = state.handle(key)
            return (event, state.selected)
        }
        #expect(press(.right) == (.handled, 1))
        #expect(press(.right) == (.handled, 1)) // arrows stop at the ends
        #expect(press(.tab) == (.handled, 0))   // tab goes round
        #expect(press(.backTab) == (.handled, 1))
        #expect(press(.left) == (.handled, 0))
        #expect(press(.left) == (.handled, 0))
        #expect(press(.character("x")) == (.ignored, 0))
        #expect(press(.enter) == (.chosen(0), 0))
        #expect(press(.tab) == (.handled, 1))
        #expect(press(.enter) == (.chosen(1), 1))
        #expect(press(.escape) == (.cancelled, 1))
        var empty = DialogState(choiceCount: 0)
        let tab = empty.handle(.tab)
        let enter = empty.handle(.enter)
        #expect(tab == .handled && enter == .cancelled)
    }

    @Test func theSelectedChoiceIsTheHighlightedOne() {
        var state = DialogState(choiceCount: 2)
        _ = state.handle(.right)
        var buffer = backdrop(width: 30, height: 9)
        dialog.render(into: &buffer, over: buffer.bounds, state: state)
        #expect(!buffer[7, 5].style.reverse)
        #expect(buffer[16, 5].style.reverse && buffer[21, 5].style.reverse)
    }

    @Test func longMessagesWrapWithinThePreferredWidth() {
        let long = Dialog(title: "Note", message: "The card was used in Lisbon and in Osaka within one hour.",
                          choices: ["OK"], preferredWidth: 20)
        var buffer = CellBuffer(width: 40, height: 9)
        long.render(into: &buffer, over: buffer.bounds, state: DialogState(choiceCount: 1))
        #expect(buffer.rows == [
            "        ┌ Note ────────────────┐        ",
            "        │ The card was used    │        ",
            "        │ in Lisbon and in     │        ",
            "        │ Osaka within one     │        ",
            "        │ hour.                │        ",
            "        │                      │        ",
            "        │        [ OK ]        │        ",
            "        └──────────────────────┘        ",
            "                                        ",
        ])
    }

    @Test func onATinyScreenTheChoicesOutlastTheMessage() {
        var buffer = CellBuffer(width: 10, height: 3)
        dialog.render(into: &buffer, over: buffer.bounds, state: DialogState(choiceCount: 2))
        #expect(buffer.rows == ["┌ Close… ┐", "│ [ Yes  │", "└────────┘"])
    }

    @Test func hostileTitlesMessagesAndChoicesAreShownNotObeyed() {
        let hostile = Dialog(title: "\u{1B}]0;pwned\u{07}", message: "\u{1B}[31mred\u{07}", choices: ["\u{1B}[2J"])
        var buffer = CellBuffer(width: 30, height: 7)
        hostile.render(into: &buffer, over: buffer.bounds, state: DialogState(choiceCount: 1))
        expectScreen(buffer.rows, [
            "",
            "       ┌ ␛]0;pwned␇ ──┐",
            "       │ ␛[31mred␇    │",
            "       │              │",
            "       │   [ ␛[2J ]   │",
            "       └──────────────┘",
            "",
        ])
        assertInert(buffer)
    }
}
