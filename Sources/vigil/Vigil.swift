import ArgumentParser
import Foundation
import VigilApp
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "A terminal workbench for fraud analysts.",
        discussion: """
            With no command, opens the workbench (on the built-in demo store unless --store or $VIGIL_STORE names one).
            Commands that take --store default to $VIGIL_STORE, else ./vigil.sqlite; `demo` defaults to the demo store.
            """,
        subcommands: [Open.self, Import.self, Ingest.self, Demo.self, Stats.self, Rejected.self, Audit.self, Triage.self, Report.self, Features.self, Scan.self, Alerts.self, Eval.self, Config.self, Doctor.self],
        defaultSubcommand: Open.self
    )

    /// Runs the command, and turns the store's own failures (locked, full disk, read-only, I/O) into a message that
    /// names the store and what to do, instead of a raw SQLite error.
    static func main() {
        Output.start()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            Output.fail(error)
        }
        do {
            try command.run()
        } catch {
            if let store = (command as? any StoreCommand)?.storePath,
               let explained = StoreError.explaining(error, path: store) as? StoreError {
                printError("error: \(Sanitize.line(explained.description))")
                Output.fail(ExitCode(1))
            }
            Output.fail(error)
        }
        Output.finish()
    }
}

/// A command that works on a store: its failures name it.
protocol StoreCommand: ParsableCommand {
    var storePath: String? { get }
}

/// A command whose store is the shared `--store` option.
protocol StoreOptionCommand: StoreCommand {
    var storeOption: StoreOption { get }
}

extension StoreOptionCommand {
    var storePath: String? { storeOption.resolved() }
}

extension Open: StoreCommand {
    var storePath: String? {
        store ?? ProcessInfo.processInfo.environment["VIGIL_STORE"].flatMap { $0.isEmpty ? nil : $0 } ?? Store.defaultDemoPath()
    }
}

extension Demo: StoreCommand {
    var storePath: String? { csvOnly ? nil : (store ?? Store.defaultDemoPath()) }
}

extension Import: StoreOptionCommand {}
extension Rejected: StoreOptionCommand {}
extension Stats: StoreOptionCommand {}
extension Audit.Verify: StoreOptionCommand {}
extension Doctor: StoreOptionCommand {}
extension Audit.Log: StoreOptionCommand {}
extension Triage: StoreOptionCommand {}
extension Report: StoreOptionCommand {}
extension Features: StoreOptionCommand {}
extension Scan: StoreOptionCommand {}
extension Alerts: StoreOptionCommand {}
extension Eval: StoreOptionCommand {}

/// `--store`, resolved the same way by every command.
struct StoreOption: ParsableArguments {
    @Option(name: .long, help: "The store file (default: $VIGIL_STORE, else ./vigil.sqlite).")
    var store: String?

    func resolved(fallback: String = "vigil.sqlite") -> String {
        if let store { return store }
        if let env = ProcessInfo.processInfo.environment["VIGIL_STORE"], !env.isEmpty { return env }
        return fallback
    }

    /// Opens a store that must already exist (read-only commands never create an empty one by mistake).
    func openExisting() throws -> Store {
        let path = resolved()
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no store at \(path); create one with `vigil import FILE --store \(path)` or `vigil demo --store \(path)`")
        }
        return try Store(path: path)
    }

    /// Opens a store that must already exist without creating, upgrading or writing anything (`vigil doctor`).
    func openReadOnly() throws -> Store {
        let path = resolved()
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no store at \(path)")
        }
        return try Store(path: path, readOnly: true)
    }
}

/// `--config`: the settings file, else the default one when it exists, else the built-in defaults.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "A TOML settings file (default: $XDG_CONFIG_HOME/vigil/config.toml or ~/.config/vigil/config.toml when it exists; see `vigil config --print-defaults`).")
    var config: String?

    func load() throws -> VigilConfig {
        if let config { return try VigilConfig.load(path: config) }
        let fallback = VigilConfig.defaultPath()
        return FileManager.default.fileExists(atPath: fallback) ? try VigilConfig.load(path: fallback) : VigilConfig()
    }
}

/// A single progress line rewritten in place on a terminal; silent when standard error is not one.
struct ProgressLine {
    let enabled = isatty(STDERR_FILENO) == 1

    func update(_ text: String) {
        guard enabled else { return }
        Output.writeRaw("\r\u{1B}[K" + Sanitize.line(text), to: .standardError)
    }

    func clear() {
        guard enabled else { return }
        Output.writeRaw("\r\u{1B}[K", to: .standardError)
    }
}

/// Text from data (file names, values) is cleaned before it reaches a terminal: the workbench's own sanitiser, so
/// control characters, escape sequences, bidirectional overrides and other invisible format characters show as
/// placeholders (`␛[31m`, `�`) on the command line too.
enum Sanitize {
    static func line(_ text: String) -> String { Sanitizer.sanitize(text) }
}
