import VigilApp
import VigilCore
import VigilTerminal
import VigilTUI

extension Workbench {
    /// Runs on the real terminal, giving it back as it was on every way out
    /// (a thrown error here; signals and exit are covered by the backend).
    static func runInTerminal(stats: StoreStats, theme: Theme = .default, themes: [Theme] = []) throws {
        let backend = NcursesBackend()
        defer { backend.stop() }
        try run(stats: stats, theme: theme, themes: themes, backend: backend)
    }

    /// Runs the alert queue on the real terminal, giving the terminal back as it was on every way out.
    static func runInTerminal(queue: AlertQueueScreen) throws {
        let backend = NcursesBackend()
        defer { backend.stop() }
        try queue.run(backend: backend)
    }
}
