import ArgumentParser
import Foundation
import VigilCore
import VigilDemo
import VigilStore

enum DemoDefaults {
    static let clients = 500
    static let days = 365
    static let seed: UInt64 = 42
}

struct Demo: ParsableCommand, StoreCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a realistic synthetic store with labelled, planted anomalies.",
        discussion: """
            Clients have a home, habitual hours, favourite categories and merchants, spend levels and occasional
            legitimate travel. Planted anomalies (label 1, with label_kind): unusual_hour, unusual_place,
            over_daily_spend, over_monthly_spend, burst, impossible_travel, card_testing. Same seed, same data.
            """)

    @Option(name: .long, help: "The store file (default: the demo store in $XDG_DATA_HOME/vigil or ~/.local/share/vigil).")
    var store: String?

    @Option(name: .long, help: "Number of clients.")
    var clients: Int = DemoDefaults.clients

    @Option(name: .long, help: "Number of days, starting 2025-01-01.")
    var days: Int = DemoDefaults.days

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = DemoDefaults.seed

    @Option(name: .customLong("export-csv"), help: ArgumentHelp("Also write the data to this CSV file (Vigil's layout).", valueName: "FILE"))
    var exportCSV: String?

    @Flag(name: .customLong("csv-only"), help: "Only write --export-csv; do not touch a store.")
    var csvOnly = false

    func validate() throws {
        do { try DemoConfig(clients: clients, days: days, seed: seed).validate() } catch { throw ValidationError(error.description) }
        if csvOnly && exportCSV == nil { throw ValidationError("--csv-only needs --export-csv FILE") }
    }

    /// Not `StoreOption`: the demo's own default is the demo store, whatever $VIGIL_STORE says.
    var storePath: String? { csvOnly ? nil : (store ?? Store.defaultDemoPath()) }

    func run() throws {
        try DemoCommandRunner.generate(path: storePath, clients: clients, days: days, seed: seed, exportCSV: exportCSV)
    }
}

enum DemoCommandRunner {
    /// Generates into the store at `path` (when given) and/or a CSV file, with a progress line on a terminal.
    static func generate(path: String?, clients: Int, days: Int, seed: UInt64, exportCSV: String?) throws {
        let config = DemoConfig(clients: clients, days: days, seed: seed)
        let generator = try DemoGenerator(config: config)
        let progress = ProgressLine()
        let started = Date()
        // The CSV appears only once it is whole: a failed generation leaves no partial file (`PrivateFile`).
        var csv: PrivateFile.Writer?
        if let exportCSV {
            csv = try PrivateFile.create(exportCSV)
            try csv!.write(TransactionCSV.header + "\n")
        }
        var day = 0
        var rows = 0
        func emit(_ batch: [Transaction], into next: ([Transaction]) throws -> Void) throws {
            day += 1
            rows += batch.count
            if let writer = csv { for t in batch { try writer.write(TransactionCSV.row(t) + "\n") } }
            try next(batch)
            let elapsed = Date().timeIntervalSince(started)
            progress.update("generating: day \(day)/\(days), \(Formatting.grouped(rows)) transactions, "
                            + "\(Formatting.grouped(Int(Double(rows) / max(elapsed, 0.001)))) rows/s")
        }
        if let path {
            let identity = "demo clients=\(clients) days=\(days) seed=\(seed) start=\(config.start)"
            let summary = try Store.load(into: path) { store in
                try store.appendGenerated(name: "demo", identity: identity) { sink in
                    try generator.generate { batch in try emit(batch, into: sink) }
                }
            }
            progress.clear()
            if let previous = summary.alreadyImportedAs {
                print("\(path): this demo (\(identity)) is already in the store (import #\(previous)); nothing added")
            } else {
                print("\(path): generated \(Formatting.grouped(summary.imported)) transactions for \(Formatting.grouped(clients)) clients "
                      + "over \(days) days in \(Formatting.duration(summary.seconds))")
            }
        } else {
            try generator.generate { batch in try emit(batch, into: { _ in }) }
            progress.clear()
        }
        if let csv, let exportCSV {
            try csv.commit()
            print("\(Sanitize.line(exportCSV)): wrote \(Formatting.grouped(rows)) transactions")
        }
    }
}
