import ArgumentParser
import Foundation
import VigilCore
import VigilStore

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import CSV exports (plain or gzip) into a store.",
        discussion: """
            The card-transaction export (Kaggle/Sparkov layout) is recognised from its header. Other layouts are matched
            by column names (client, time, amount, merchant, ...) or mapped with --map FIELD=COLUMN.
            Fields: \(ImportField.allCases.map(\.rawValue).joined(separator: ", ")). Required: client, time, amount.
            Every rejected row is kept in the store (see `vigil rejected`); read = imported + rejected + duplicate.
            """)

    @Argument(help: "CSV files to import (.csv or .csv.gz).")
    var files: [String]

    @OptionGroup var storeOption: StoreOption

    @Option(name: .customLong("map"), help: ArgumentHelp("Map a field to a column, e.g. --map client=account_no.", valueName: "FIELD=COLUMN"))
    var mappings: [String] = []

    @Option(name: .long, help: "Currency of amounts that name none.")
    var currency: String = "USD"

    @Option(name: .customLong("utc-offset"), help: ArgumentHelp("Zone of timestamps that carry none, e.g. +02:00 or -0500.", valueName: "±HH:MM"))
    var utcOffset: String = "+00:00"

    @Option(name: .customLong("batch-size"), help: "Rows committed per transaction.")
    var batchSize: Int = 20_000

    @Flag(name: .customLong("dry-run"), help: "Check every row and report what would be rejected; write nothing.")
    var dryRun = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one file to import") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw ValidationError("--currency must be a three-letter code such as USD")
        }
        _ = try Self.parseOffset(utcOffset)
        do { _ = try ColumnMapping.parseOverrides(mappings) } catch { throw ValidationError(error.description) }
    }

    static func parseOffset(_ text: String) throws -> Int {
        let result = TimestampParser().parse("2000-01-01 00:00:00" + text)
        guard case .success(let epoch) = result else {
            throw ValidationError("--utc-offset must look like +02:00 or -0500, got '\(text)'")
        }
        return Int(946_684_800 - epoch)
    }

    func run() throws {
        let overrides = try ColumnMapping.parseOverrides(mappings)
        let options = ImportOptions(overrides: overrides, defaultCurrency: currency.uppercased(),
                                    defaultOffsetSeconds: try Self.parseOffset(utcOffset), batchSize: batchSize)
        let path = storeOption.resolved()
        var store: Store?
        var failures = 0
        let progressLine = ProgressLine()
        for file in files {
            let prepared: PreparedImport
            do {
                prepared = try PreparedImport(path: file, options: options)
            } catch {
                printError("error: \(Sanitize.line(error.description))")
                failures += 1
                continue
            }
            if dryRun {
                do {
                    let summary = try prepared.validateAll()
                    report(summary, dryRun: true)
                } catch {
                    printError("error: \(Sanitize.line(file)): \(Sanitize.line(String(describing: error)))")
                    failures += 1
                }
                continue
            }
            do {
                if store == nil { store = try Store(path: path) }
                let name = Sanitize.line(URL(fileURLWithPath: file).lastPathComponent)
                let summary = try store!.importFile(prepared) { p in
                    var text = "importing \(name): \(Formatting.grouped(p.rowsRead)) rows, \(Formatting.grouped(Int(p.rowsPerSecond))) rows/s"
                    if let left = p.secondsLeft { text += ", ~\(Formatting.duration(left)) left" }
                    progressLine.update(text)
                }
                progressLine.clear()
                report(summary)
            } catch let error as ImportError {
                progressLine.clear()
                printError("error: \(Sanitize.line(error.description))")
                failures += 1
            } catch {
                progressLine.clear()
                printError("error: \(Sanitize.line(file)): \(Sanitize.line(String(describing: error)))")
                failures += 1
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    private func report(_ s: ImportSummary, dryRun: Bool = false) {
        let name = Sanitize.line(s.file)
        if let previous = s.alreadyImportedAs {
            print("\(name): already imported (import #\(previous)); nothing added")
            return
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
        print(line)
        for r in s.rejections {
            var where_ = "  line \(r.line)"
            if let column = r.column { where_ += ", column \(Sanitize.line(column))" }
            if let value = r.value { where_ += ", value '\(Sanitize.line(String(value.prefix(80))))'" }
            print("\(where_): \(Sanitize.line(r.reason))")
        }
        if s.rejected > s.rejections.count {
            print(dryRun ? "  … and \(Formatting.grouped(s.rejected - s.rejections.count)) more"
                  : "  … and \(Formatting.grouped(s.rejected - s.rejections.count)) more: `vigil rejected --import \(s.importID)`")
        }
    }
}

struct Rejected: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List rows that imports rejected, with where and why.")

    @OptionGroup var storeOption: StoreOption

    @Option(name: .customLong("import"), help: "Only this import's rows.")
    var importID: Int64?

    @Option(name: .long, help: "At most this many rows.")
    var limit: Int = 100

    @Flag(name: .long, help: "Print the raw rows as CSV (to fix and re-import).")
    var raw = false

    func run() throws {
        let store = try storeOption.openExisting()
        for (importID, r) in try store.rejectedRows(importID: importID, limit: limit) {
            if raw {
                print(Sanitize.line(r.raw))
            } else {
                var text = "import \(importID) line \(r.line)"
                if let column = r.column { text += " column \(column)" }
                if let value = r.value { text += " value '\(value.prefix(80))'" }
                print(Sanitize.line(text + ": " + r.reason))
            }
        }
    }
}
