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
            over_daily_spend, over_monthly_spend, burst, impossible_travel, card_testing, compromised_card (a third
            of a card's charges for two weeks at five times their amount) and compromised_merchant (every purchase at
            a shared terminal for weeks). The bank's later chargebacks go into the store as the outcomes feed
            demo-chargebacks (and, with --outcomes-out, a CSV). Same seed, same data.
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

    @Option(name: .customLong("outcomes-out"),
            help: ArgumentHelp("Also write the chargeback feed to this CSV file (source_id,outcome,known_at).", valueName: "FILE"))
    var outcomesOut: String?

    @Flag(name: .customLong("csv-only"), help: "Only write --export-csv (and --outcomes-out); do not touch a store.")
    var csvOnly = false

    func validate() throws {
        do { try DemoConfig(clients: clients, days: days, seed: seed).validate() } catch { throw ValidationError(error.description) }
        if csvOnly && exportCSV == nil { throw ValidationError("--csv-only needs --export-csv FILE") }
    }

    /// Not `StoreOption`: the demo's own default is the demo store, whatever $VIGIL_STORE says.
    var storePath: String? { csvOnly ? nil : (store ?? Store.defaultDemoPath()) }

    func run() throws {
        try DemoCommandRunner.generate(path: storePath, clients: clients, days: days, seed: seed, exportCSV: exportCSV,
                                       outcomesOut: outcomesOut)
    }
}

enum DemoCommandRunner {
    /// Generates into the store at `path` (when given) and/or CSV files, with a progress line on a terminal. The
    /// chargeback feed goes into the store as feed outcomes and, with `outcomesOut`, into a CSV.
    static func generate(path: String?, clients: Int, days: Int, seed: UInt64, exportCSV: String?, outcomesOut: String? = nil) throws {
        let config = DemoConfig(clients: clients, days: days, seed: seed)
        let generator = try DemoGenerator(config: config)
        let feed = DemoOutcomeFeed(config: config)
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
        // Each outcome with its row's place in the run: the store gives generated rows consecutive ids.
        var outcomes: [(position: Int, outcome: DemoOutcome)] = []
        func emit(_ batch: [Transaction], into next: ([Transaction]) throws -> Void) throws {
            day += 1
            for (row, outcome) in feed.outcomes(of: batch) { outcomes.append((rows + row, outcome)) }
            rows += batch.count
            if let writer = csv { for t in batch { try writer.write(TransactionCSV.row(t) + "\n") } }
            try next(batch)
            let elapsed = Date().timeIntervalSince(started)
            progress.update("generating: day \(day)/\(days), \(Formatting.grouped(rows)) transactions, "
                            + "\(Formatting.grouped(Int(Double(rows) / max(elapsed, 0.001)))) rows/s")
        }
        if let path {
            let identity = "demo clients=\(clients) days=\(days) seed=\(seed) start=\(config.start)"
            let (summary, recorded) = try Store.load(into: path) { store in
                let before = try store.newestTransactionID()
                let summary = try store.appendGenerated(name: "demo", identity: identity) { sink in
                    try generator.generate { batch in try emit(batch, into: sink) }
                }
                guard summary.alreadyImportedAs == nil else { return (summary, 0) }
                let records = try DemoOutcomeIDs.records(outcomes, in: store, firstIDAfter: before, summary: summary, rows: rows)
                let recorded = try store.recordOutcomes(records, feed: DemoOutcomeFeed.feedName, importID: summary.importID).recorded
                return (summary, recorded)
            }
            progress.clear()
            if let previous = summary.alreadyImportedAs {
                print("\(path): this demo (\(identity)) is already in the store (import #\(previous)); nothing added")
                // The files asked for are still written, from the same seed.
                if csv != nil || outcomesOut != nil {
                    try generator.generate { batch in try emit(batch, into: { _ in }) }
                    progress.clear()
                }
            } else {
                print("\(path): generated \(Formatting.grouped(summary.imported)) transactions for \(Formatting.grouped(clients)) clients "
                      + "over \(days) days in \(Formatting.duration(summary.seconds)); "
                      + "\(Formatting.grouped(recorded)) outcomes in feed \(DemoOutcomeFeed.feedName)")
            }
        } else {
            try generator.generate { batch in try emit(batch, into: { _ in }) }
            progress.clear()
        }
        if let csv, let exportCSV {
            try csv.commit()
            print("\(Sanitize.line(exportCSV)): wrote \(Formatting.grouped(rows)) transactions")
        }
        if let outcomesOut {
            try DemoOutcomeCSV.write(outcomes.map(\.outcome), to: outcomesOut)
            print("\(Sanitize.line(outcomesOut)): wrote \(Formatting.grouped(outcomes.count)) outcomes")
        }
    }
}

/// The demo's outcome feed as a CSV, as a bank would send it: `source_id,outcome,known_at`, in the order the outcomes
/// became known, `known_at` in ISO 8601 UTC; what `vigil outcomes import` reads.
enum DemoOutcomeCSV {
    static let header = "source_id,outcome,known_at"

    static func write(_ outcomes: [DemoOutcome], to path: String) throws {
        let writer = try PrivateFile.create(path)
        try writer.write(header + "\n")
        let ordered = outcomes.sorted { ($0.knownAt, $0.sourceKey) < ($1.knownAt, $1.sourceKey) }
        for outcome in ordered {
            try writer.write(CSVCell.text(outcome.sourceKey) + "," + outcome.outcome.rawValue + ","
                             + TransactionCSV.iso(outcome.knownAt) + "\n")
        }
        try writer.commit()
    }
}

/// Store ids for the demo's outcomes.
enum DemoOutcomeIDs {
    /// Rows read at a time when ids have to be looked up.
    static let lookupChunk = 100_000

    /// A generated import into which every row went, none a duplicate, took the ids after `firstIDAfter` in the
    /// order generated (the writer inserts in order, and a row id is one above the table's highest); otherwise (an
    /// interrupted run resumed, rows already stored) each outcome's row is looked up by client and instant, which
    /// identify a demo row.
    static func records(_ outcomes: [(position: Int, outcome: DemoOutcome)], in store: Store, firstIDAfter before: Int64,
                        summary: ImportSummary, rows: Int) throws -> [OutcomeRecord] {
        if summary.duplicate == 0, summary.imported == rows, try store.newestTransactionID() == before + Int64(rows) {
            return outcomes.map { OutcomeRecord(transactionID: before + Int64($0.position) + 1, outcome: $0.outcome.outcome,
                                                knownAt: $0.outcome.knownAt) }
        }
        struct Key: Hashable { let client: String; let instant: Int64 }
        var wanted: [Key: Int64] = [:]
        for (_, outcome) in outcomes { wanted[Key(client: outcome.clientID, instant: outcome.instant)] = 0 }
        var after: Int64 = 0
        while true {
            let chunk = try store.transactions(after: after, limit: lookupChunk)
            guard chunk.count > 0 else { break }
            for i in 0..<chunk.count {
                let key = Key(client: chunk.clientIDs[i], instant: chunk.columns.instants[i])
                if wanted[key] == 0 { wanted[key] = chunk.columns.ids[i] }
            }
            after = chunk.columns.ids[chunk.count - 1]
        }
        return outcomes.compactMap { _, outcome in
            guard let id = wanted[Key(client: outcome.clientID, instant: outcome.instant)], id > 0 else { return nil }
            return OutcomeRecord(transactionID: id, outcome: outcome.outcome, knownAt: outcome.knownAt)
        }
    }
}
