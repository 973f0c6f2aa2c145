import Testing
import VigilApp
import VigilCore
import VigilTUI

@Suite struct WorkbenchTests {
    @Test func drawsThenQuitsOnQ() throws {
        let backend = MemoryBackend(width: 80, height: 24, keys: [.down, .character("x"), .character("q"), .character("z")])
        try Workbench.run(stats: sampleStats, backend: backend)
        #expect(backend.drawCount == 1)
        #expect(backend.rows == StatsScreen(stats: sampleStats).render(width: 80, height: 24).rows)
        #expect(backend.pendingInput == [.key(.character("z"))]) // nothing read after q
        #expect(backend.startCount == 1)
        #expect(backend.stopCount == 1)
        #expect(!backend.isStarted)
    }

    @Test(arguments: [Key.character("Q"), Key.ctrl("c")])
    func otherQuitKeys(key: Key) throws {
        let backend = MemoryBackend(width: 80, height: 24, keys: [key, .character("a")])
        try Workbench.run(stats: sampleStats, backend: backend)
        #expect(backend.pendingInput.count == 1)
        #expect(backend.stopCount == 1)
    }

    @Test func redrawsAtTheNewSizeOnResize() throws {
        let backend = MemoryBackend(size: TerminalSize(width: 80, height: 24),
                                    input: [.resize(TerminalSize(width: 120, height: 40)), .key(.character("q"))])
        try Workbench.run(stats: sampleStats, backend: backend)
        #expect(backend.drawCount == 2)
        #expect(backend.lastBuffer?.size == TerminalSize(width: 120, height: 40))
        #expect(backend.rows == StatsScreen(stats: sampleStats).render(width: 120, height: 40).rows)
    }

    @Test func endOfInputEndsTheLoopAndStillStops() throws {
        let backend = MemoryBackend(width: 40, height: 10, keys: [.enter])
        try Workbench.run(stats: sampleStats, backend: backend)
        #expect(backend.pendingInput.isEmpty)
        #expect(backend.stopCount == 1)
    }

    @Test func tCyclesThroughTheThemesAndRedraws() throws {
        var light = Theme.default
        light.name = "light"
        light.title = Style(foreground: .black, background: .white, bold: true)
        for (presses, expected) in [(1, light.title), (2, Theme.default.title)] {
            let backend = MemoryBackend(width: 60, height: 12, keys: Array(repeating: .character("t"), count: presses) + [.character("q")])
            try Workbench.run(stats: sampleStats, theme: .default, themes: [.default, light], backend: backend)
            #expect(backend.drawCount == 1 + presses)
            #expect(backend.lastBuffer?[1, 0].style == expected)
        }
    }
}
