import VigilCore
import VigilTUI

/// The interactive workbench's one run loop: draws the stack's screens, hands them keys, redraws on resize, and
/// while the analyst is idle polls the model (others' decisions, a background scan, live scoring).
public enum Workbench {
    /// Runs until the top screen quits (`q` on the queue, Ctrl-C anywhere) or input ends. The backend is started
    /// here and always stopped again, however this returns.
    public static func run(_ stack: ScreenStack, backend: some TerminalBackend) throws {
        try backend.start()
        defer { backend.stop() }
        backend.draw(try stack.frame(size: backend.size))
        defer { stack.model?.finish() }
        while true {
            try stack.prefetch(size: backend.size)
            // Without a model nothing changes unless a key comes; with one, poll faster while work runs in the
            // background, so its progress moves smoothly.
            let busy = stack.isBusy
            let timeout = stack.model == nil ? nil : busy ? 200 : 500
            guard let key = backend.nextKey(timeoutMilliseconds: timeout) else {
                // A wait without a timeout ends only when input does.
                if timeout == nil || backend.inputHasEnded { return }
                let changed = try stack.model?.poll() ?? false
                if busy || changed { backend.draw(try stack.frame(size: backend.size)) }
                continue
            }
            if key == .resize {
                backend.draw(try stack.frame(size: backend.size))
                continue
            }
            switch try stack.handle(key, size: backend.size) {
            case .quit: return
            case .changed: backend.draw(try stack.frame(size: backend.size))
            case .unchanged: continue
            }
        }
    }

    /// The store summary alone (a store with no alerts yet).
    public static func run(stats: StoreStats, backend: some TerminalBackend) throws {
        try run(stats: stats, theme: .default, backend: backend)
    }

    /// `themes` are the ones `t` cycles through, starting with the first.
    public static func run(stats: StoreStats, theme: Theme, themes: [Theme] = [], backend: some TerminalBackend) throws {
        try run(ScreenStack(root: StatsPage(StatsScreen(stats: stats, theme: theme), themes: themes)), backend: backend)
    }
}

/// The store summary on the stack: `t` cycles the themes, `q` quits, nothing else moves.
final class StatsPage: Screen {
    private var screen: StatsScreen
    private let themes: [Theme]
    private var current = 0

    init(_ screen: StatsScreen, themes: [Theme]) {
        self.screen = screen
        self.themes = themes.isEmpty ? [screen.theme] : themes
    }

    func handle(_ key: Key, size: TerminalSize) -> ScreenOutcome {
        switch key {
        case .character("q"), .character("Q"): return .quit
        case .character("t"):
            current = (current + 1) % themes.count
            screen.theme = themes[current]
            return .handled
        default:
            return .ignored
        }
    }

    func render(into buffer: inout CellBuffer) { screen.render(into: &buffer) }
}
