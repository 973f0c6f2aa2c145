import ArgumentParser
import Foundation
import VigilCore
import VigilStore

struct Outcomes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What became known about transactions after the fact (chargebacks, confirmed fraud, triage decisions).",
        discussion: "See docs/outcomes.md: the feed format, the spellings accepted, and how detectors use outcomes.",
        subcommands: [OutcomesList.self, OutcomesImport.self], defaultSubcommand: OutcomesList.self)
}

struct OutcomesList: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Outcomes known, by source: each feed and the analysts' triage decisions.")

    @OptionGroup var storeOption: StoreOption

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() throws {
        let overview = try storeOption.openExisting().outcomeOverview()
        func time(_ t: Int64?) -> String { t.map { CivilTime.format($0) } ?? "" }
        if json {
            let sources: [[String: Any]] = overview.sources.map { s in
                ["source": s.name, "kind": s.kind.rawValue, "fraud": s.fraud, "genuine": s.genuine,
                 "imports": s.imports,
                 "first_known_at": s.firstKnownAt.map { CivilTime.format($0) + "Z" } ?? NSNull(),
                 "last_known_at": s.lastKnownAt.map { CivilTime.format($0) + "Z" } ?? NSNull()]
            }
            try Output.writeJSON(["sources": sources, "known_now": ["fraud": overview.fraudNow, "genuine": overview.genuineNow]])
            return
        }
        guard !overview.sources.isEmpty else {
            print("no outcomes yet: import a feed with `vigil outcomes import FILE --store \(Sanitize.line(storeOption.path))`, "
                  + "or decide alerts in the workbench")
            return
        }
        let header = ["source", "fraud", "genuine", "first known (UTC)", "last known (UTC)"]
        let rows = overview.sources.map { s in
            [s.name + (s.kind == .triage ? " (decisions standing)" : ""), Formatting.grouped(s.fraud),
             Formatting.grouped(s.genuine), time(s.firstKnownAt), time(s.lastKnownAt)]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        for row in [header] + rows {
            let cells = row.indices.map { c in
                let pad = String(repeating: " ", count: widths[c] - row[c].count)
                return c == 1 || c == 2 ? pad + row[c] : row[c] + pad
            }
            print(Sanitize.line(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces)))
        }
        print("known now: fraud \(Formatting.grouped(overview.fraudNow)), genuine \(Formatting.grouped(overview.genuineNow)) "
              + "transactions (each one's latest standing outcome, all sources together)")
    }
}

struct OutcomesImport: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a feed of outcomes (chargebacks, customer-confirmed fraud) into a store.",
        discussion: """
            Each row names a stored transaction by its source id (the id it was imported with), an outcome and the \
            instant it became known. Columns are found by name (id: \(OutcomeField.id.synonyms.joined(separator: ", ")); \
            outcome: \(OutcomeField.outcome.synonyms.joined(separator: ", ")); known_at: \
            \(OutcomeField.knownAt.synonyms.joined(separator: ", "))) or mapped with --map FIELD=COLUMN; an id made \
            of several columns is mapped as --map id=COL+COL. Fraud is written \(Outcome.fraudSpellings.joined(separator: ", ")); \
            genuine \(Outcome.genuineSpellings.joined(separator: ", ")) (any case). A bare date means known by the \
            end of that day. Every rejected row is kept in the store (see `vigil rejected`); importing a feed again \
            adds only what is new. When rows were rejected, the last line says how many; the import exits 1 when \
            that is more than --max-rejected.
            """)

    @Argument(help: "The feed (.csv or .csv.gz).")
    var file: String

    @OptionGroup var storeOption: StoreOption

    @Option(name: .customLong("map"), help: ArgumentHelp("Map a field (id, outcome, known_at) to a column, e.g. --map known_at=cb_date.",
                                                         valueName: "FIELD=COLUMN"))
    var mappings: [String] = []

    @Option(name: .long, help: "The feed's name: outcomes are recorded and summed up under it.")
    var feed: String = OutcomeImportOptions.defaultFeed

    @Option(name: .customLong("utc-offset"), help: ArgumentHelp("Zone of timestamps that carry none, e.g. +02:00 or -0500.", valueName: "±HH:MM"))
    var utcOffset: String = "+00:00"

    @Option(name: .customLong("keep-rejected"), help: ArgumentHelp(
        "Rejected rows kept in the store; the rest are counted but not kept.", valueName: "N"))
    var keepRejected: Int = ImportOptions.defaultRejectionsKept

    @Option(name: .customLong("max-rejected"), help: ArgumentHelp(
        "Exit 1 when more rows than this were rejected: a share of the rows read (2%, 0.5%) or a number of rows (100).",
        valueName: "LIMIT"))
    var maxRejected = RejectionLimit.standard.option

    func validate() throws {
        _ = try overrides()
        _ = try CSVFormatOptions.parseOffset(utcOffset)
        if let problem = OutcomeImportOptions.problem(withFeedName: feed) { throw ValidationError("--feed: \(problem)") }
        guard keepRejected >= 0 else { throw ValidationError("--keep-rejected must be 0 or more") }
        _ = try rejectionLimit()
    }

    private func overrides() throws -> [OutcomeField: String] { try fieldOverrides(mappings) }

    private func rejectionLimit() throws -> RejectionLimit { try RejectionLimit.option(maxRejected) }

    func run() throws {
        var options = OutcomeImportOptions(overrides: try overrides(), feed: feed,
                                           defaultOffsetSeconds: try CSVFormatOptions.parseOffset(utcOffset))
        options.rejectionsKept = keepRejected
        let limit = try rejectionLimit()
        // The file is opened and its header mapped before the store is, so a bad file leaves the store untouched.
        let prepared: PreparedOutcomeImport
        do {
            prepared = try PreparedOutcomeImport(path: file, options: options)
        } catch {
            printError("error: \(Sanitize.line(error.description))")
            throw ExitCode(1)
        }
        let store = try storeOption.openExisting()
        let s = try store.importOutcomes(prepared)
        report(s)
        if s.unknownIDs > 0 && s.recorded + s.alreadyRecorded == 0 {
            // Nothing matched: most likely the feed's ids are not the ones the transactions were imported with.
            let made = try store.transactionIDColumns().map { $0.map { "id=\($0)" } ?? "no id column (ids are digests of the rows)" }
            print("  no row matched a stored transaction: the store's transactions were imported with "
                  + Sanitize.line(Array(Set(made)).sorted().joined(separator: "; ")) + "; map the feed's columns that hold "
                  + "the same values with --map id=COL (or COL+COL+…)")
        }
        if s.rejected > 0 {
            print(limit.verdict(rejected: s.rejected, read: s.rowsRead,
                                seeAlso: "`vigil rejected --store \(Sanitize.line(storeOption.path)) --import \(s.importID)`"))
        } else {
            print("no rows rejected")
        }
        if limit.isExceeded(rejected: s.rejected, read: s.rowsRead) { throw ExitCode(1) }
    }

    private func report(_ s: OutcomeImportSummary) {
        let name = Sanitize.line(s.file)
        let byOutcome = Outcome.allCases.map { "\($0.rawValue) \(Formatting.grouped(s.recordedByOutcome[$0, default: 0]))" }
        var line = "\(name): read \(Formatting.grouped(s.rowsRead)) rows: recorded \(Formatting.grouped(s.recorded)) outcomes "
            + "(\(byOutcome.joined(separator: ", "))), \(Formatting.grouped(s.alreadyRecorded)) already recorded, "
            + "rejected \(Formatting.grouped(s.rejected)) (feed \(Sanitize.line(s.feed)), "
        line += s.sameAsImport.map { "the same as import #\($0): nothing added" } ?? "import #\(s.importID)"
        line += ", \(Formatting.duration(s.seconds)))"
        print(line)
        RejectionText.printSummary(s.rejections, rejected: s.rejected, notKept: s.rejectedNotKept, more: "")
    }
}
