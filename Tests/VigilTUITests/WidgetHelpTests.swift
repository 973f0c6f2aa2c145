import Testing
import VigilTUI

@Suite struct WidgetHelpTests {
    static let bindings: [KeyBinding<String>] = [
        KeyBinding([.character("j"), .down], action: "down", description: "Next row", section: "Move"),
        KeyBinding([.character("k"), .up], action: "up", description: "Previous row", section: "Move"),
        KeyBinding(.pageDown, action: "pageDown", description: "Next page", section: "Move"),
        KeyBinding(.character("?"), action: "help", description: "This help", section: "General"),
        KeyBinding(.ctrl("c"), action: "quit", description: "Quit", section: "General"),
    ]

    @Test func keysLookUpTheirActions() throws {
        let table = try KeyBindingTable(Self.bindings)
        #expect(table.action(for: .down) == "down")
        #expect(table.action(for: .character("j")) == "down")
        #expect(table.action(for: .ctrl("c")) == "quit")
        #expect(table.action(for: .character("x")) == nil)
        #expect(table.binding(for: "up")?.keyLabel == "k/↑")
    }

    @Test func keyDisplayNames() {
        #expect(Self.bindings.map(\.keyLabel) == ["j/↓", "k/↑", "PgDn", "?", "Ctrl-C"])
        let keys: [Key] = [.character(" "), .pageUp, .escape, .enter, .backTab, .function(5), .left, .delete]
        #expect(keys.map(\.displayName) == ["Space", "PgUp", "Esc", "Enter", "Shift-Tab", "F5", "←", "Del"])
        #expect(KeyBinding([.tab], action: 1, description: "", keyLabel: "⇥").keyLabel == "⇥")
    }

    @Test func aKeyBoundTwiceIsReportedWithBothActions() {
        let clashing: [KeyBinding<String>] = [
            KeyBinding(.character("q"), action: "quit", description: "Quit"),
            KeyBinding([.character("x"), .character("q")], action: "close", description: "Close"),
            KeyBinding(.character("x"), action: "delete", description: "Delete"),
        ]
        do {
            _ = try KeyBindingTable(clashing)
            Issue.record("the table was built despite the clashes")
        } catch {
            #expect(error.conflicts == [
                KeyBindingConflict(key: .character("q"), first: "quit", second: "close"),
                KeyBindingConflict(key: .character("x"), first: "close", second: "delete"),
            ])
            #expect(error.description == "q is bound to both quit and close; x is bound to both close and delete")
        }
    }

    @Test func aKeyRepeatedWithinOneBindingIsNoConflict() throws {
        let table = try KeyBindingTable([KeyBinding([.enter, .enter], action: "open", description: "Open")])
        #expect(table.bindings[0].keys == [.enter])
        #expect(table.bindings[0].keyLabel == "Enter")
    }

    @Test func helpListsSectionsInOrderWithAlignedKeys() throws {
        let table = try KeyBindingTable(Self.bindings)
        #expect(table.helpSections.map(\.title) == ["Move", "General"])
        let help = HelpOverlay(bindings: table)
        #expect(help.rowCount == 8)
        var state = ScrollState()
        var buffer = CellBuffer(width: 30, height: 12)
        help.render(into: &buffer, over: buffer.bounds, state: &state)
        #expect(buffer.rows == [
            "                              ",
            "   ┌ Keys ────────────────┐   ",
            "   │ Move                 │   ",
            "   │ j/↓     Next row     │   ",
            "   │ k/↑     Previous row │   ",
            "   │ PgDn    Next page    │   ",
            "   │                      │   ",
            "   │ General              │   ",
            "   │ ?       This help    │   ",
            "   │ Ctrl-C  Quit         │   ",
            "   └──────────────────────┘   ",
            "                              ",
        ])
        #expect(buffer[5, 2].style == Theme.default.header)
        #expect(buffer[5, 3].style == Theme.default.accent)
        #expect(buffer[13, 3].style == Theme.default.text)
    }

    @Test func helpTallerThanTheScreenScrolls() throws {
        let help = HelpOverlay(bindings: try KeyBindingTable(Self.bindings))
        var buffer = CellBuffer(width: 30, height: 6)
        let page = help.pageSize(in: buffer.bounds)
        #expect(page == 4)
        var state = ScrollState()
        help.render(into: &buffer, over: buffer.bounds, state: &state)
        #expect(buffer.rows == [
            "   ┌ Keys ────────────────┐   ",
            "   │ Move                 │   ",
            "   │ j/↓     Next row     │   ",
            "   │ k/↑     Previous row │   ",
            "   │ PgDn    Next page    │   ",
            "   └────────────── 1–4/8 ─┘   ",
        ])
        let handled = state.handle(.pageDown, rowCount: help.rowCount, pageSize: page)
        #expect(handled)
        help.render(into: &buffer, over: buffer.bounds, state: &state)
        #expect(buffer.rows == [
            "   ┌ Keys ────────────────┐   ",
            "   │                      │   ",
            "   │ General              │   ",
            "   │ ?       This help    │   ",
            "   │ Ctrl-C  Quit         │   ",
            "   └────────────── 5–8/8 ─┘   ",
        ])
        _ = state.handle(.character("j"), rowCount: help.rowCount, pageSize: page)
        #expect(state.offset == 4)
    }

    @Test func hostileHelpTextIsShownNotObeyed() {
        let help = HelpOverlay(title: "\u{1B}[2J", sections: [
            HelpSection(title: "\u{07}bell", entries: [HelpEntry(key: "\u{1B}[A", description: "\u{1B}[31mred\u{07}")]),
        ])
        var state = ScrollState()
        var buffer = CellBuffer(width: 30, height: 6)
        help.render(into: &buffer, over: buffer.bounds, state: &state)
        expectScreen(buffer.rows, [
            "",
            "      ┌ ␛[2J ──────────┐",
            "      │ ␇bell          │",
            "      │ ␛[A  ␛[31mred␇ │",
            "      └────────────────┘",
            "",
        ])
        assertInert(buffer)
    }
}
