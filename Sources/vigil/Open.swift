import ArgumentParser
import Foundation
import VigilApp
import VigilStore

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the workbench (the default command).")

    @Option(name: .long, help: "The store file (default: $VIGIL_STORE, else the demo store, created on first run).")
    var store: String?

    func run() throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw ValidationError("the workbench needs a terminal; for counts without one, run `vigil stats`")
        }
        let path: String
        if let store {
            path = store
        } else if let env = ProcessInfo.processInfo.environment["VIGIL_STORE"], !env.isEmpty {
            path = env
        } else {
            path = Store.defaultDemoPath()
            if !FileManager.default.fileExists(atPath: path) {
                printError("First run: generating the demo store at \(path) …")
                try DemoCommandRunner.generate(path: path, clients: DemoDefaults.clients, days: DemoDefaults.days,
                                               seed: DemoDefaults.seed, exportCSV: nil)
            }
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no store at \(path); create one with `vigil import FILE --store \(path)` or `vigil demo --store \(path)`")
        }
        let opened = try Store(path: path)
        try Workbench.runInTerminal(stats: try opened.stats())
    }
}
