import ArgumentParser
import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// `vigil lists`: suppressions and allow and deny lists, which scans and live scoring honour (docs/lists.md). Every
/// change is an audit event, with who made it and why.
struct Lists: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Suppressions and allow and deny lists of cards and merchants, honoured by scans and live scoring.",
        discussion: "See docs/lists.md: what each kind does, when an entry applies, and the file format of `lists import`.",
        subcommands: [ListsShow.self, ListsAdd.self, ListsRemove.self, ListsChange.self, ListsImport.self],
        defaultSubcommand: ListsShow.self)

    /// Every detector name a suppression may name, besides `all`.
    static let detectorNames = Set(Detector.allCases.map(\.rawValue))

    /// `text` as an entry's start or end, or a usage error naming the option.
    static func instant(_ text: String, option: String, end: Bool) throws -> Int64 {
        switch end ? ListTimes.until(text) : ListTimes.from(text) {
        case .success(let t): return t
        case .failure(let e): throw ValidationError("--\(option) '\(Sanitize.line(text))': \(e.reason)")
        }
    }

    static func note(_ note: String) throws {
        if note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw ValidationError("--note says why, and is empty") }
    }

    /// An entry on one line, as `vigil lists` and the commands that change entries print it.
    static func line(_ e: ListEntry) -> String {
        var text = "#\(e.id) \(e.kind.rawValue)"
        if let detector = e.detector { text += " \(detector)" }
        text += " \(e.target.rawValue) \(e.shownValue) from \(CivilTime.format(e.entry.from)) UTC \(e.untilText)"
        if let removed = e.removedAt { text += ", removed at \(CivilTime.format(removed)) UTC by \(e.removedBy ?? "")" }
        return Sanitize.line(text + " (\(e.attribution))")
    }
}

struct ListsShow: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "The entries in force now or later (with --all, every entry ever added).")

    @OptionGroup var storeOption: StoreOption

    @Flag(name: .long, help: "Every entry, ended and removed ones too.")
    var all = false

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970)
        let entries = try storeOption.openExisting().listEntries(inForceAt: all ? nil : now)
        if json {
            func time(_ t: Int64?) -> Any { t.map { CivilTime.format($0) + "Z" } ?? NSNull() }
            try Output.writeJSON(["entries": entries.map { e -> [String: Any] in
                ["id": e.id, "kind": e.kind.rawValue, "target": e.target.rawValue, "value": e.shownValue,
                 "detector": e.detector ?? NSNull(), "from": time(e.entry.from), "until": time(e.entry.until),
                 "note": e.note, "added_by": e.addedBy, "added_at": time(e.addedAt), "removed_at": time(e.removedAt),
                 "removed_by": e.removedBy ?? NSNull(), "in_force_now": e.applies(at: now)]
            }])
            return
        }
        guard !entries.isEmpty else {
            print("no list entries" + (all ? "" : " in force") + ": add one with `vigil lists add`")
            return
        }
        for entry in entries { print(Lists.line(entry)) }
    }
}

struct ListsAdd: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a suppression (a detector not counted for a card until a date), or a card or merchant to the allow or deny list.",
        discussion: """
            suppress --card ID --detector NAME|all --until DATE --note WHY; allow|deny --card ID|--merchant NAME \
            [--until DATE] --note WHY. An entry applies to transactions from --from (default: now) up to --until; a \
            bare date means through that day (UTC).
            """)

    @Argument(help: "suppress, allow or deny.")
    var kind: ListKind

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: "The card (client id).")
    var card: String?

    @Option(name: .long, help: "The merchant, as the transactions name it.")
    var merchant: String?

    @Option(name: .long, help: "The detector a suppression leaves out, or all.")
    var detector: String?

    @Option(name: .long, help: "From when it applies, by the transactions' time (default: now).")
    var from: String?

    @Option(name: .long, help: "Until when it applies (a bare date: through that day).")
    var until: String?

    @Option(name: .long, help: "Why: recorded with the entry and in the audit trail.")
    var note: String

    @Option(name: .long, help: "Who adds it, recorded in the audit trail (default: $USER).")
    var analyst: String?

    func validate() throws {
        try Analyst.validate(analyst)
        try Lists.note(note)
        guard (card == nil) != (merchant == nil) else { throw ValidationError("name a card with --card or a merchant with --merchant") }
        if let detector, detector != ListEntry.allDetectors, !Lists.detectorNames.contains(detector) {
            throw ValidationError("--detector '\(Sanitize.line(detector))': no such detector; one of all, "
                                  + Lists.detectorNames.sorted().joined(separator: ", "))
        }
        if let from { _ = try Lists.instant(from, option: "from", end: false) }
        if let until { _ = try Lists.instant(until, option: "until", end: true) }
    }

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970)
        let entry = NewListEntry(kind: kind, target: card == nil ? .merchant : .card, value: card ?? merchant ?? "", detector: detector,
                                 from: try from.map { try Lists.instant($0, option: "from", end: false) } ?? now,
                                 until: try until.map { try Lists.instant($0, option: "until", end: true) }, note: note)
        let store = try storeOption.openExisting()
        do {
            let (stored, added) = try store.addListEntry(entry, analyst: Analyst.name(analyst), at: now)
            print((added ? "added " : "already listed: ") + Lists.line(stored))
        } catch let error as ListError {
            printError("error: \(Sanitize.line(error.description)); nothing was added")
            throw ExitCode(1)
        }
    }
}

extension ListKind: ExpressibleByArgument {}

struct ListsRemove: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a list entry: it stops applying now (what it did before stays).")

    @Argument(help: "The entry's id (as `vigil lists` shows it).")
    var id: Int64

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: "Why: recorded in the audit trail.")
    var note: String

    @Option(name: .long, help: "Who removes it (default: $USER).")
    var analyst: String?

    func validate() throws {
        try Analyst.validate(analyst)
        try Lists.note(note)
    }

    func run() throws {
        let store = try storeOption.openExisting()
        do {
            print("removed " + Lists.line(try store.removeListEntry(id, analyst: Analyst.name(analyst), note: note)))
        } catch let error as ListError {
            printError("error: \(Sanitize.line(error.description))")
            throw ExitCode(1)
        }
    }
}

struct ListsChange: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        commandName: "change", abstract: "Change when a list entry ends (--until DATE, or --until none for allow and deny).")

    @Argument(help: "The entry's id.")
    var id: Int64

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: "The new end (a bare date: through that day), or none.")
    var until: String

    @Option(name: .long, help: "Why: recorded in the audit trail.")
    var note: String

    @Option(name: .long, help: "Who changes it (default: $USER).")
    var analyst: String?

    func validate() throws {
        try Analyst.validate(analyst)
        try Lists.note(note)
        if until != "none" { _ = try Lists.instant(until, option: "until", end: true) }
    }

    func run() throws {
        let store = try storeOption.openExisting()
        let end = until == "none" ? nil : try Lists.instant(until, option: "until", end: true)
        do {
            print("changed " + Lists.line(try store.changeListExpiry(id, until: end, analyst: Analyst.name(analyst), note: note)))
        } catch let error as ListError {
            printError("error: \(Sanitize.line(error.description))")
            throw ExitCode(1)
        }
    }
}

struct ListsImport: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add list entries from a CSV file.",
        discussion: """
            Columns are found by name (list: \(ListField.list.synonyms.joined(separator: ", ")); card: \
            \(ListField.card.synonyms.joined(separator: ", ")); merchant: \(ListField.merchant.synonyms.joined(separator: ", ")); \
            detector, from, until, note) or mapped with --map FIELD=COLUMN. Each row is suppress, allow or deny with a \
            card or a merchant and a note; a suppression names a detector (or all) and an end. Every rejected row is \
            kept in the store (see `vigil rejected`); importing a file again adds only what is new. When rows were \
            rejected, the last line says how many; the import exits 1 when that is more than --max-rejected.
            """)

    @Argument(help: "The file (.csv or .csv.gz).")
    var file: String

    @OptionGroup var storeOption: StoreOption

    @Option(name: .customLong("map"), help: ArgumentHelp("Map a field (list, card, merchant, detector, from, until, note) to a column.",
                                                         valueName: "FIELD=COLUMN"))
    var mappings: [String] = []

    @Option(name: .customLong("utc-offset"), help: ArgumentHelp("Zone of timestamps that carry none, e.g. +02:00.", valueName: "±HH:MM"))
    var utcOffset: String = "+00:00"

    @Option(name: .long, help: "Who adds the entries, recorded in the audit trail (default: $USER).")
    var analyst: String?

    @Option(name: .customLong("keep-rejected"), help: ArgumentHelp(
        "Rejected rows kept in the store; the rest are counted but not kept.", valueName: "N"))
    var keepRejected: Int = ImportOptions.defaultRejectionsKept

    @Option(name: .customLong("max-rejected"), help: ArgumentHelp(
        "Exit 1 when more rows than this were rejected: a share of the rows read (2%, 0.5%) or a number of rows (100).",
        valueName: "LIMIT"))
    var maxRejected = RejectionLimit.standard.option

    func validate() throws {
        try Analyst.validate(analyst)
        _ = try overrides()
        _ = try CSVFormatOptions.parseOffset(utcOffset)
        guard keepRejected >= 0 else { throw ValidationError("--keep-rejected must be 0 or more") }
        _ = try rejectionLimit()
    }

    private func overrides() throws -> [ListField: String] { try fieldOverrides(mappings) }

    private func rejectionLimit() throws -> RejectionLimit { try RejectionLimit.option(maxRejected) }

    func run() throws {
        var options = ListImportOptions(overrides: try overrides(), detectors: Lists.detectorNames,
                                        defaultOffsetSeconds: try CSVFormatOptions.parseOffset(utcOffset),
                                        analyst: Analyst.name(analyst))
        options.rejectionsKept = keepRejected
        let limit = try rejectionLimit()
        let prepared: PreparedListImport
        do {
            prepared = try PreparedListImport(path: file, options: options)
        } catch {
            printError("error: \(Sanitize.line(error.description))")
            throw ExitCode(1)
        }
        let s = try storeOption.openExisting().importLists(prepared)
        var line = "\(Sanitize.line(s.file)): read \(Formatting.grouped(s.rowsRead)) rows: added \(Formatting.grouped(s.added)) "
            + "entries, \(Formatting.grouped(s.alreadyListed)) already listed, rejected \(Formatting.grouped(s.rejected)) ("
        line += s.sameAsImport.map { "the same as import #\($0): nothing added" } ?? "import #\(s.importID)"
        print(line + ", \(Formatting.duration(s.seconds)))")
        RejectionText.printSummary(s.rejections, rejected: s.rejected, notKept: s.rejectedNotKept, more: "")
        if s.rejected > 0 {
            print(limit.verdict(rejected: s.rejected, read: s.rowsRead,
                                seeAlso: "`vigil rejected --store \(Sanitize.line(storeOption.path)) --import \(s.importID)`"))
        } else {
            print("no rows rejected")
        }
        if limit.isExceeded(rejected: s.rejected, read: s.rowsRead) { throw ExitCode(1) }
    }
}
