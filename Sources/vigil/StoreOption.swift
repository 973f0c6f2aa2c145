import ArgumentParser
import Foundation
import VigilStore

/// Where a command's store is. The one place that reads `$VIGIL_STORE`, so every command agrees on it.
enum StorePath {
    /// `--store` when given, else `$VIGIL_STORE` when set and not empty; nil leaves the choice to the command's own
    /// default (./vigil.sqlite for most, the demo store for the workbench).
    static func named(_ option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let option { return option }
        if let env = environment["VIGIL_STORE"], !env.isEmpty { return env }
        return nil
    }

    /// `path` when a store is there; else a usage error that says how to make one, so a mistyped path never
    /// creates an empty store.
    static func existing(_ path: String) throws -> String {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ValidationError("no store at \(path); create one with `vigil import FILE --store \(path)` or `vigil demo --store \(path)`")
        }
        return path
    }
}

/// `--store`, else `$VIGIL_STORE`, else ./vigil.sqlite: the option group of every command that works on one store.
struct StoreOption: ParsableArguments {
    @Option(name: .long, help: "The store file (default: $VIGIL_STORE, else ./vigil.sqlite).")
    var store: String?

    @Flag(name: .customLong("read-only"), help: "Open the store read-only: nothing is written, and a command that writes says so.")
    var readOnly = false

    var path: String { StorePath.named(store) ?? "vigil.sqlite" }

    /// Opens a store that must already exist (read-only commands never create an empty one by mistake); read-only
    /// with `--read-only`, when every write fails with `StoreError.readOnly`.
    func openExisting() throws -> Store {
        try Store(path: StorePath.existing(path), readOnly: readOnly).announcingUpgrades()
    }

    /// Opens a store that must already exist without creating, upgrading or writing anything (`vigil doctor`).
    func openReadOnly() throws -> Store {
        let path = path
        guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("no store at \(path)") }
        return try Store(path: path, readOnly: true)
    }
}

/// A command that works on a store: `Vigil.main` names it in the store's own failures (locked, full disk, I/O).
protocol StoreCommand: ParsableCommand {
    var storePath: String? { get }
}

/// A command whose store is the shared `--store` option.
protocol StoreOptionCommand: StoreCommand {
    var storeOption: StoreOption { get }
}

extension StoreOptionCommand {
    var storePath: String? { storeOption.path }
}

extension Store {
    /// The store, after saying on standard error what opening it upgraded (card numbers turned into tokens): the
    /// one time it happens, whichever command opened it.
    @discardableResult
    func announcingUpgrades() -> Store {
        for note in upgradeNotes { printError("vigil: \(Sanitize.line(path)): \(note)") }
        return self
    }
}
