import VigilCore
import VigilTUI

/// The interactive workbench: draws the current screen, turns keys into
/// actions, redraws on resize. For now it has one screen, the store summary.
public enum Workbench {
    /// Runs until the analyst quits (`q`, `Q`, Ctrl-C) or input ends. The
    /// backend is started here and always stopped again, however this returns.
    public static func run(stats: StoreStats, backend: some TerminalBackend) throws {
        try run(stats: stats, theme: .default, backend: backend)
    }

    /// `themes` are the ones `t` cycles through, starting with the first.
    public static func run(stats: StoreStats, theme: Theme, themes: [Theme] = [], backend: some TerminalBackend) throws {
        try backend.start()
        defer { backend.stop() }
        let cycle = themes.isEmpty ? [theme] : themes
        var current = 0
        var screen = StatsScreen(stats: stats, theme: theme)
        backend.draw(screen.render(size: backend.size))
        while let key = backend.nextKey() {
            switch key {
            case .character("q"), .character("Q"), .ctrl("c"):
                return
            case .character("t"):
                current = (current + 1) % cycle.count
                screen.theme = cycle[current]
                backend.draw(screen.render(size: backend.size))
            case .resize:
                backend.draw(screen.render(size: backend.size))
            default:
                continue
            }
        }
    }
}
