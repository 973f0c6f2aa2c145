import Testing
import VigilTUI
import VigilTerminal

@Suite struct BackendTests {
    @Test func memoryBackendKeepsTheLastBufferAndItsRows() throws {
        let backend = MemoryBackend(width: 6, height: 2, keys: [.character("x")])
        #expect(backend.rows == ["      ", "      "])
        try backend.start()
        var buffer = CellBuffer(size: backend.size)
        buffer.put("hi", at: 1, y: 1)
        backend.draw(buffer)
        buffer.put("there", at: 0, y: 0)
        backend.draw(buffer)
        #expect(backend.drawCount == 2)
        #expect(backend.rows == ["there ", " hi   "])
        #expect(backend.nextKey() == .character("x"))
        #expect(backend.nextKey() == nil)
        backend.stop()
        backend.stop()
        #expect(backend.stopCount == 1)
        #expect(!backend.isStarted)
    }

    @Test func scriptedResizeChangesTheSizeThenDeliversResize() {
        let backend = MemoryBackend(size: TerminalSize(width: 80, height: 24),
                                    input: [.resize(TerminalSize(width: 120, height: 40)), .key(.enter)])
        #expect(backend.nextKey(timeoutMilliseconds: 0) == .resize)
        #expect(backend.size == TerminalSize(width: 120, height: 40))
        #expect(backend.nextKey(timeoutMilliseconds: 0) == .enter)
    }

    @Test func characterCodesMapToKeys() {
        #expect(Key.fromCharacterCode(0x03) == .ctrl("c"))
        #expect(Key.fromCharacterCode(0x03).isInterrupt)
        #expect(Key.fromCharacterCode(0x0D) == .enter)
        #expect(Key.fromCharacterCode(0x0A) == .enter)
        #expect(Key.fromCharacterCode(0x09) == .tab)
        #expect(Key.fromCharacterCode(0x1B) == .escape)
        #expect(Key.fromCharacterCode(0x7F) == .backspace)
        #expect(Key.fromCharacterCode(0x71) == .character("q"))
        #expect(Key.fromCharacterCode(0x6F22) == .character("漢"))
        #expect(Key.fromCharacterCode(0x9B) == .unknown(0x9B))
    }

    @Test func cursesKeyCodesMapToKeys() {
        // The curses values (see curses.h), so the mapping is checked against the real constants.
        #expect(NcursesBackend.key(forKeyCode: 0o632) == .resize)
        #expect(NcursesBackend.key(forKeyCode: 0o403) == .up)
        #expect(NcursesBackend.key(forKeyCode: 0o402) == .down)
        #expect(NcursesBackend.key(forKeyCode: 0o522) == .pageDown)
        #expect(NcursesBackend.key(forKeyCode: 0o523) == .pageUp)
        #expect(NcursesBackend.key(forKeyCode: 0o406) == .home)
        #expect(NcursesBackend.key(forKeyCode: 0o550) == .end)
        #expect(NcursesBackend.key(forKeyCode: 0o407) == .backspace)
        #expect(NcursesBackend.key(forKeyCode: 0o410 + 1) == .function(1))
        #expect(NcursesBackend.key(forKeyCode: 0o410 + 12) == .function(12))
        #expect(NcursesBackend.key(forKeyCode: 0o777) == .unknown(0o777))
    }

    @Test func colorsFallBackToTheBasicEight() {
        #expect(Color.default.basicIndex == nil)
        #expect(Color.red.basicIndex == 1)
        #expect(Color.indexed(9).basicIndex == 1) // bright red
        #expect(Color.indexed(196).basicIndex == 1) // cube red
        #expect(Color.indexed(21).basicIndex == 4) // cube blue
        #expect(Color.indexed(231).basicIndex == 7) // cube white
        #expect(Color.indexed(16).basicIndex == 0) // cube black
        #expect(Color.indexed(232).basicIndex == 0) // dark grey
        #expect(Color.indexed(255).basicIndex == 7) // light grey
        #expect(Color.indexed(24).basicIndex == 6) // deep sky blue reads as cyan
        #expect(Color.indexed(221).basicIndex == 3)
    }

    @Test func theDefaultThemeStaysLegibleWithEightColours() {
        let theme = Theme.default
        for style in [theme.title, theme.statusBar] {
            #expect(style.foreground.basicIndex != style.background.basicIndex, "\(style)")
            #expect(style.background != .default)
        }
        #expect(theme.alert.foreground.basicIndex == 1)
    }
}
