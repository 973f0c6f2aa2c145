import ArgumentParser
import Foundation
import VigilApp
import VigilDetect
import VigilEngine
import VigilStore
import VigilTUI

struct Open: ParsableCommand, StoreCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the workbench (the default command).")

    @Option(name: .long, help: "The store file (default: $VIGIL_STORE, else the demo store, created on first run).")
    var store: String?

    @Option(name: .long, help: "Colour theme: dark (default), light, high-contrast, or a path to a .theme file; `t` cycles them.")
    var theme: String = "dark"

    @Option(name: .long, help: "Who is deciding, recorded with every decision in the audit trail (default: $USER).")
    var analyst: String?

    @Flag(name: .customLong("read-only"), help: "Open the store read-only: look, never write; decision keys say so.")
    var readOnly = false

    func validate() throws { try Analyst.validate(analyst) }

    /// Not `StoreOption`: without --store or $VIGIL_STORE the workbench opens the demo store.
    var storePath: String? { StorePath.named(store) ?? Store.defaultDemoPath() }

    func run() throws {
        // A bad theme is an error before the terminal is touched, naming the file, line and key.
        let catalog = ThemeCatalog.standard()
        let chosen: Theme
        do { chosen = try catalog.load(theme) } catch { throw ValidationError(error.description) }
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw ValidationError("the workbench needs a terminal; for counts without one, run `vigil stats`")
        }
        let path = try StorePath.named(store) ?? Self.demoStore()
        let opened = try Store(path: StorePath.existing(path), readOnly: readOnly).announcingUpgrades()
        let stats = try opened.stats()
        let themes = catalog.cycle(startingWith: chosen)
        // The case queue once a scan has filled it; until then the store's overview, which says how.
        if stats.totalAlerts > 0 {
            // Alerts of a store scanned before cases existed join cases now, as a scan would put them (a no-op when
            // every alert has its case).
            if !opened.isReadOnly { try opened.refreshCases(gapSeconds: try ConfigOption.parse([]).load().caseGapSeconds) }
            let queue = try AlertQueueScreen(store: opened, analyst: Analyst.name(analyst), theme: chosen, themes: themes,
                                             opensOnCases: true)
            try Workbench.runInTerminal(queue: queue)
        } else {
            try Workbench.runInTerminal(stats: stats, theme: chosen, themes: themes)
        }
    }

    /// The demo store, generated and scanned on the first run.
    private static func demoStore() throws -> String {
        let path = Store.defaultDemoPath()
        guard !FileManager.default.fileExists(atPath: path) else { return path }
        printError("First run: generating the demo store at \(path) and scanning it …")
        try DemoCommandRunner.generate(path: path, clients: DemoDefaults.clients, days: DemoDefaults.days,
                                       seed: DemoDefaults.seed, exportCSV: nil)
        // Scanned at once, so the analyst lands on a queue; LOF and the LSTM, the slowest detectors (the LSTM
        // trains first), wait for `vigil scan` or `R` in the workbench.
        var detectors = Set(Detector.allCases)
        detectors.remove(.localOutlierFactor)
        detectors.remove(.lstm)
        _ = try Scanner.scan(try Store(path: path), options: ScanOptions(detectors: detectors))
        return path
    }
}
