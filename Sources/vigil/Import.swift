import ArgumentParser
import Foundation
import VigilCore
import VigilStore

struct Import: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import CSV exports (plain or gzip) into a store.",
        discussion: """
            The card-transaction export (Kaggle/Sparkov layout) is recognised from its header. Other layouts are matched
            by column names (client, time, amount, merchant, ...) or mapped with --map FIELD=COLUMN.
            Fields: \(ImportField.allCases.map(\.rawValue).joined(separator: ", ")). Required: client, time, amount.
            Every rejected row is kept in the store (see `vigil rejected`); read = imported + rejected + duplicate.
            An amount written by a program printing a binary float (85.64999999999999) is read as the cents it stands
            for, and counted. When rows were rejected, the last line says how many; the import exits 1 when that is
            more than --max-rejected (rows are kept either way).
            """)

    @Argument(help: "CSV files to import (.csv or .csv.gz).")
    var files: [String]

    @OptionGroup var storeOption: StoreOption

    @OptionGroup var format: CSVFormatOptions

    @Option(name: .customLong("batch-size"), help: "Rows committed per transaction.")
    var batchSize: Int = 20_000

    @Option(name: .customLong("keep-rejected"), help: ArgumentHelp(
        "Rejected rows kept in the store per import; the rest are counted but not kept.", valueName: "N"))
    var keepRejected: Int = ImportOptions.defaultRejectionsKept

    @Flag(name: .customLong("dry-run"), help: "Check every row and report what would be rejected; write nothing.")
    var dryRun = false

    @Flag(name: .customLong("keep-pan"), help: ArgumentHelp(
        "Keep card numbers in clear, for test data only: a new store made so is outside PCI DSS guidance (see docs/cards.md).",
        discussion: ""))
    var keepPan = false

    @Flag(name: .customLong("round-amounts"), help: "Round amounts with fractions of a cent (12.345) half-even to the cent, and count them, instead of rejecting the rows.")
    var roundAmounts = false

    @Option(name: .customLong("max-rejected"), help: ArgumentHelp(
        "Exit 1 when more rows than this were rejected, over all the files: a share of the rows read (2%, 0.5%) or a number of rows (100).",
        valueName: "LIMIT"))
    var maxRejected = RejectionLimit.standard.option

    func validate() throws {
        // An import writes, whatever its store: `--read-only` allows only the check that writes nothing.
        if storeOption.readOnly && !dryRun { throw ValidationError("--read-only: an import writes to the store; nothing was imported (--dry-run checks a file without writing)") }
        guard !files.isEmpty else { throw ValidationError("give at least one file to import") }
        try BatchSize.validate(batchSize)
        guard keepRejected >= 0 else { throw ValidationError("--keep-rejected must be 0 or more") }
        _ = try rejectionLimit()
    }

    private func rejectionLimit() throws -> RejectionLimit { try RejectionLimit.option(maxRejected) }

    func run() throws {
        var options = try format.importOptions(batchSize: batchSize)
        options.rejectionsKept = keepRejected
        options.roundsSubCentAmounts = roundAmounts
        let limit = try rejectionLimit()
        var tally = RejectionTally()
        defer {
            // After everything else, whatever failed: the line a script or a reader looks at last.
            if tally.rejected > 0 {
                print(limit.verdict(rejected: tally.rejected, read: tally.read,
                                    seeAlso: dryRun ? nil : "`vigil rejected --store \(Sanitize.line(storeOption.path))`"))
            }
        }
        let path = storeOption.path
        var failures = 0
        // Every file is opened and checked before the store is touched, so a bad file never creates a store.
        var prepared: [PreparedImport] = []
        for file in files {
            do {
                prepared.append(try PreparedImport(path: file, options: options))
            } catch {
                printError("error: \(Sanitize.line(error.description))")
                failures += 1
            }
        }
        if dryRun {
            for file in prepared {
                do {
                    tally.add(report(try file.validateAll(), dryRun: true))
                } catch {
                    printError("error: \(Sanitize.line(file.path)): \(Sanitize.line(String(describing: error)))")
                    failures += 1
                }
            }
        } else if !prepared.isEmpty {
            // Into a new store, the whole command is one load, all or nothing (`Store.build`): a database
            // error ends it and leaves no store. Into an existing one, each batch commits and a file that
            // fails leaves what it committed, resumable, while the next file goes on.
            let isNewStore = !FileManager.default.fileExists(atPath: path)
            do {
                do {
                    try importAll(prepared, into: path, failures: &failures, tally: &tally, isNewStore: isNewStore)
                } catch StoreError.repeatedKeysInNewStore {
                    // The first file into a new store loads without per-row identity checks; it repeats an id, so
                    // the discarded build runs again checking each row, to count the repeats as duplicates.
                    var options = options
                    options.checksIdentityAsItLoads = true
                    let again = try prepared.map { try PreparedImport(path: $0.path, options: options) }
                    tally = RejectionTally()
                    try importAll(again, into: path, failures: &failures, tally: &tally, isNewStore: isNewStore)
                }
            } catch {
                let reason = (error as? ImportError)?.description
                    ?? String(describing: StoreError.explaining(error, path: path))
                printError("error: \(Sanitize.line(reason))"
                           + (isNewStore ? "; nothing was stored and \(Sanitize.line(path)) was not created" : ""))
                failures += 1
            }
        }
        if failures > 0 || limit.isExceeded(rejected: tally.rejected, read: tally.read) { throw ExitCode(1) }
    }

    private func importAll(_ prepared: [PreparedImport], into path: String, failures: inout Int, tally: inout RejectionTally,
                           isNewStore: Bool) throws {
        try Store.load(into: path) { store in
            store.announcingUpgrades()
            if keepPan { try store.keepCardNumbersInClear() }
            for file in prepared {
                do {
                    tally.add(try importFile(file, into: store))
                } catch let error as ImportError where !isNewStore {
                    // A file found bad part-way (a truncated gzip, say) into an existing store keeps its committed
                    // batches, resumable. Into a new store it ends the whole build, like any other failure: a new
                    // store appears complete or not at all, so it never holds a file's rows without their clients.
                    printError("error: \(Sanitize.line(error.description))")
                    failures += 1
                } catch where !isNewStore {
                    printError("error: \(Sanitize.line(file.path)): "
                               + Sanitize.line(String(describing: StoreError.explaining(error, path: path))))
                    failures += 1
                }
            }
        }
    }

    private func importFile(_ prepared: PreparedImport, into store: Store) throws -> ImportSummary {
        let progressLine = ProgressLine()
        defer { progressLine.clear() }
        let name = Sanitize.line(URL(fileURLWithPath: prepared.path).lastPathComponent)
        let summary = try store.importFile(prepared) { p in
            var text = "importing \(name): \(Formatting.grouped(p.rowsRead)) rows, \(Formatting.grouped(Int(p.rowsPerSecond))) rows/s"
            if let left = p.secondsLeft { text += ", ~\(Formatting.duration(left)) left" }
            progressLine.update(text)
        }
        progressLine.clear()
        return report(summary)
    }

    /// Prints the file's summary and returns it.
    @discardableResult
    private func report(_ s: ImportSummary, dryRun: Bool = false) -> ImportSummary {
        let name = Sanitize.line(s.file)
        if let previous = s.alreadyImportedAs {
            print("\(name): already imported (import #\(previous)); nothing added")
            return s
        }
        var line = dryRun
            ? "\(name) (dry run): read \(Formatting.grouped(s.rowsRead)) rows: valid \(Formatting.grouped(s.imported)), "
                + "rejected \(Formatting.grouped(s.rejected)) (\(s.layout) layout: \(s.mapping); \(Formatting.duration(s.seconds))"
            : "\(name): read \(Formatting.grouped(s.rowsRead)) rows: imported \(Formatting.grouped(s.imported)), "
                + "rejected \(Formatting.grouped(s.rejected)), duplicate \(Formatting.grouped(s.duplicate)) "
                + "(\(s.layout) layout, import #\(s.importID), \(Formatting.duration(s.seconds))"
        if s.seconds > 0 { line += ", \(Formatting.grouped(Int(Double(s.rowsRead) / s.seconds))) rows/s" }
        line += ")"
        if let resumed = s.resumedAfterRows { line += "; resumed an interrupted import after \(Formatting.grouped(resumed)) rows" }
        if s.sharedWithAnotherProcess {
            line += "; another process imported the same file at the same time, and these are the two imports' counts together"
        }
        print(line)
        for line in s.amountAdjustments.summaryLines { print("  " + line) }
        if let cards = s.cardNumbers {
            print("  column \(Sanitize.line(cards.column)) holds card numbers: each is stored as a token and shown as its first 6 "
                  + "and last 4 digits (\(Formatting.grouped(cards.cards)) cards in the store)")
        }
        RejectionText.printSummary(s.rejections, rejected: s.rejected, notKept: s.rejectedNotKept,
                                   more: dryRun ? "" : ": `vigil rejected --import \(s.importID)`")
        return s
    }
}

/// Rows read and rejected over all of a command's files, for `--max-rejected`.
private struct RejectionTally {
    var read = 0
    var rejected = 0

    mutating func add(_ summary: ImportSummary) {
        read += summary.rowsRead
        rejected += summary.rejected
    }
}

extension AmountAdjustments {
    /// What `vigil import` and `vigil ingest` say of the amounts they read otherwise than as written, a line each:
    /// never silent, even when every row went in.
    var summaryLines: [String] {
        func amounts(_ n: Int) -> String { n == 1 ? "1 amount was" : "\(Formatting.grouped(n)) amounts were" }
        var lines: [String] = []
        if fromFloatRendering > 0 {
            let renderings = fromFloatRendering == 1 ? "a floating-point rendering" : "floating-point renderings"
            lines.append("\(amounts(fromFloatRendering)) \(renderings) of whole cents (such as 85.64999999999999), read as those cents")
        }
        if rounded > 0 { lines.append("\(amounts(rounded)) in fractions of a cent, rounded half-even to the cent (--round-amounts)") }
        return lines
    }
}
