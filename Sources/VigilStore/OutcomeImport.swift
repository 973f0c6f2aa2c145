import Foundation
import GRDB
import VigilCore

/// The fields an outcomes feed is read from; `vigil outcomes import --map FIELD=COLUMN` names them.
public enum OutcomeField: String, CaseIterable, Sendable, Hashable {
    /// The transaction's source id: the key it was imported with (`transactions.source_key`).
    case id
    case outcome
    /// The instant the outcome became known.
    case knownAt = "known_at"

    /// Header names recognised without `--map` (compared like an import's: case-insensitive, `-`/space as `_`), in
    /// order of preference.
    public var synonyms: [String] {
        switch self {
        case .id: return ["id", "transaction_id", "source_id", "trans_num", "source_key", "txn_id"]
        case .outcome: return ["outcome", "is_fraud", "label", "fraud"]
        case .knownAt: return ["known_at", "reported_at", "chargeback_date", "chargeback_at", "confirmed_at"]
        }
    }
}

extension Outcome {
    /// How a feed may write fraud, compared case-insensitively with `-` and spaces read as `_`.
    public static let fraudSpellings = ["fraud", "fraudulent", "confirmed_fraud", "fraud_confirmed", "chargeback",
                                        "charged_back", "1", "true", "t", "yes", "y"]
    /// How a feed may write genuine, compared the same way.
    public static let genuineSpellings = ["genuine", "legit", "legitimate", "not_fraud", "non_fraud", "no_fraud",
                                          "false_positive", "0", "false", "f", "no", "n"]

    /// The outcome a feed's cell spells (`fraudSpellings`, `genuineSpellings`), nil for anything else: a word not on
    /// those lists is rejected rather than guessed, since a guess either way would teach the detectors a wrong case.
    public init?(feedSpelling text: String) {
        // The usual cell (`1`, `0`, `fraud`) as written, before the normalising, which costs more than the rest of a row.
        let normalised = Self.fraudSpellings.contains(text) || Self.genuineSpellings.contains(text) ? text : ColumnMapping.normalise(text)
        if Self.fraudSpellings.contains(normalised) { self = .fraud } else if Self.genuineSpellings.contains(normalised) {
            self = .genuine
        } else {
            return nil
        }
    }
}

/// How an outcomes feed is read.
public struct OutcomeImportOptions: Sendable {
    /// `--map FIELD=COLUMN`; the id's column may be several joined with `+` (their values are joined with `|`, as an
    /// import joins its id columns: the card export's rows are `trans_num+cc_num+unix_time`).
    public var overrides: [OutcomeField: String]
    /// The feed's name: the source its outcomes are recorded under (`outcomes.source`).
    public var feed: String
    /// Offset from UTC of timestamps that carry none, in seconds.
    public var defaultOffsetSeconds: Int
    /// How many rejected rows the summary keeps for display.
    public var rejectionsShown = 20
    /// How many rejected rows the import keeps in the store (`vigil rejected`); the rest are counted.
    public var rejectionsKept = ImportOptions.defaultRejectionsKept

    public init(overrides: [OutcomeField: String] = [:], feed: String = OutcomeImportOptions.defaultFeed,
                defaultOffsetSeconds: Int = 0) {
        self.overrides = overrides
        self.feed = feed
        self.defaultOffsetSeconds = defaultOffsetSeconds
    }

    public static let defaultFeed = "feed"

    /// Why `name` cannot name a feed, or nil when it can: the names of the other outcome sources are taken, so that
    /// a summary by source never mixes a feed with analysts' decisions.
    public static func problem(withFeedName name: String) -> String? {
        if name.isEmpty { return "a feed needs a name" }
        if OutcomeSource.allCases.contains(where: { $0.rawValue == name }) && name != OutcomeSource.feed.rawValue {
            return "'\(name)' names another source of outcomes; choose another feed name"
        }
        guard name.count <= 64, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic
            || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) })
        else { return "a feed name is up to 64 letters, digits, '_', '-' or '.', got '\(Rejection.shown(name))'" }
        return nil
    }
}

/// Which columns of a feed hold each field.
public struct OutcomeMapping: Sendable, Equatable {
    public var header: [String]
    /// The id's columns (one, or several joined with `|`).
    public var idColumns: [Int]
    public var outcomeColumn: Int
    public var knownAtColumn: Int

    /// A stable text form, stored with the import: `feed=chargebacks,id=trans_num,outcome=is_fraud,known_at=…`.
    func summary(feed: String) -> String {
        "feed=\(feed),id=" + idColumns.map { Rejection.shown(header[$0]) }.joined(separator: "+")
            + ",outcome=\(Rejection.shown(header[outcomeColumn])),known_at=\(Rejection.shown(header[knownAtColumn]))"
    }

    static func resolve(header: [String], file: String, overrides: [OutcomeField: String]) throws(ImportError) -> OutcomeMapping {
        let normalised = header.map(ColumnMapping.normalise)
        func locate(_ name: String, for field: OutcomeField) throws(ImportError) -> Int {
            let wanted = ColumnMapping.normalise(name)
            guard let first = normalised.firstIndex(of: wanted) else {
                throw .unknownColumn(file: file, field: field.rawValue, column: name, header: header)
            }
            // An exact (case-sensitive) match wins over a normalised one when a header repeats a name.
            return header.firstIndex(of: name) ?? first
        }
        func guessed(_ field: OutcomeField) throws(ImportError) -> Int {
            guard let i = field.synonyms.lazy.compactMap({ normalised.firstIndex(of: $0) }).first else {
                throw .missingColumn(file: file, field: field.rawValue, header: header)
            }
            if normalised.filter({ $0 == normalised[i] }).count > 1 { throw .duplicateHeader(file: file, column: header[i]) }
            return i
        }
        var idColumns: [Int] = []
        if let names = overrides[.id] {
            for part in names.split(separator: "+", omittingEmptySubsequences: false) {
                idColumns.append(try locate(String(part), for: .id))
            }
        } else if case let cardExport = ColumnMapping.cardExportIDColumns.compactMap({ normalised.firstIndex(of: $0) }),
                  cardExport.count == ColumnMapping.cardExportIDColumns.count {
            // The columns that identify a row of the card export, joined as its import joins them.
            idColumns = cardExport
        } else {
            idColumns = [try guessed(.id)]
        }
        func column(_ field: OutcomeField) throws(ImportError) -> Int {
            if let name = overrides[field] { return try locate(name, for: field) }
            return try guessed(field)
        }
        let outcome = try column(.outcome)
        let knownAt = try column(.knownAt)
        return OutcomeMapping(header: header, idColumns: idColumns, outcomeColumn: outcome, knownAtColumn: knownAt)
    }
}

/// How an outcomes import ended. `rowsRead == recorded + alreadyRecorded + rejected` always holds.
public struct OutcomeImportSummary: Sendable {
    public var file: String
    public var feed: String
    public var mapping: String
    /// The import's entry in the ledger (`imports`); with `sameAsImport` set, the earlier import's.
    public var importID: Int64
    public var rowsRead = 0
    /// Outcomes new to the store.
    public var recorded = 0
    public var recordedByOutcome: [Outcome: Int] = [:]
    /// Rows whose outcome the store already held (same transaction, outcome, instant and feed).
    public var alreadyRecorded = 0
    public var rejected = 0
    /// Rows rejected because no stored transaction has their id (counted in `rejected`).
    public var unknownIDs = 0
    /// The first rejected rows, for display.
    public var rejections: [Rejection] = []
    /// Rejected rows counted but not kept in `rejected_rows` (past `OutcomeImportOptions.rejectionsKept`).
    public var rejectedNotKept = 0
    /// Set when the same file was imported into the same feed before and this import found nothing new: nothing
    /// was written (no second ledger entry, no second copy of its rejected rows), and `importID` is that import.
    public var sameAsImport: Int64?
    public var seconds = 0.0
}

/// An outcomes feed opened and its header mapped before the store is touched, so a bad file leaves the store as it was.
public final class PreparedOutcomeImport {
    public let path: String
    public let mapping: OutcomeMapping
    let options: OutcomeImportOptions
    let source: ByteSource
    let reader: CSVReader
    /// The hash of the bytes read (decompressed), known once the whole file has been read.
    private let hash = StreamingHash()
    let fileSize: Int64

    public init(path: String, options: OutcomeImportOptions) throws(ImportError) {
        self.path = path
        self.options = options
        source = try ByteSource(path: path)
        source.observer = hash
        fileSize = source.fileSize
        if fileSize == 0 { throw .empty(file: path) }
        reader = CSVReader(source: source)
        mapping = try OutcomeMapping.resolve(header: try reader.readHeader(file: path).names, file: path, overrides: options.overrides)
    }

    /// The ledger's identity of the file: its content's hash, in a namespace of its own so that the same bytes
    /// imported as transactions are never taken for this import (`vigil import` looks imports up by content hash).
    var contentHash: String { "outcomes:" + (hash.digest ?? "") }
}

/// The layout an outcomes import has in the ledger (`imports.layout`), which tells it from a transaction import.
public enum OutcomeLedger {
    public static let layout = "outcomes"
}

extension Store {
    /// Imports an outcomes feed. Every row either becomes an outcome of a stored transaction, matched by its source id,
    /// or is rejected with its line, field, value and reason (kept in `rejected_rows`, listed by `vigil rejected`):
    /// an id no stored transaction has, an unreadable outcome or time, or a time before the transaction's own.
    /// Outcomes already recorded are counted, not added again. The feed is read and matched first, then everything is
    /// written in one transaction with its ledger entry: a feed is small next to the transactions, and an import
    /// killed midway leaves nothing, to be run again.
    public func importOutcomes(_ prepared: PreparedOutcomeImport) throws -> OutcomeImportSummary {
        let started = Date()
        let options = prepared.options
        let mapping = prepared.mapping
        let timestamps = TimestampParser(defaultOffsetSeconds: options.defaultOffsetSeconds)
        // A card number in the feed's id is matched as the import stored it: as its token.
        let tokenizer = try cardTokenizerForImport()
        let expectedFields = mapping.header.count
        let delimiter = prepared.reader.delimiter
        var summary = OutcomeImportSummary(file: prepared.path, feed: options.feed,
                                           mapping: mapping.summary(feed: options.feed), importID: 0)
        var records: [OutcomeRecord] = []
        var rejections: [Rejection] = []

        func rejection(_ record: CSVRecord, _ column: Int?, _ reason: String) -> Rejection {
            Rejection(record, header: mapping.header, column: column, reason: reason, delimiter: delimiter)
        }
        /// The row's outcome, matched to its transaction through `lookup`, or why not.
        func read(_ record: CSVRecord, _ lookup: RawStatement) throws -> Result<OutcomeRecord, Rejection> {
            if let problem = record.problem {
                return .failure(rejection(record, record.problemField.flatMap { $0 < expectedFields ? $0 : nil }, problem))
            }
            guard record.fieldCount == expectedFields else {
                return .failure(rejection(record, nil, "expected \(expectedFields) fields, found \(record.fieldCount)"))
            }
            var key = ""
            for (n, i) in mapping.idColumns.enumerated() {
                guard let part = record.trimmedString(i) else { return .failure(rejection(record, i, "invalid UTF-8")) }
                if part.isEmpty { return .failure(rejection(record, i, "empty id")) }
                if part.utf8.contains(0) { return .failure(rejection(record, i, "NUL byte in the field (is the file UTF-16 or binary?)")) }
                if n > 0 { key += "|" }
                key += part
            }
            let readKey = key
            if let tokenizer { key = tokenizer.sourceKey(key) }
            guard let outcomeText = record.trimmedString(mapping.outcomeColumn) else {
                return .failure(rejection(record, mapping.outcomeColumn, "invalid UTF-8"))
            }
            if outcomeText.isEmpty { return .failure(rejection(record, mapping.outcomeColumn, "empty outcome")) }
            guard let outcome = Outcome(feedSpelling: outcomeText) else {
                return .failure(rejection(record, mapping.outcomeColumn, Self.unreadableOutcome))
            }
            guard let timeText = record.trimmedString(mapping.knownAtColumn) else {
                return .failure(rejection(record, mapping.knownAtColumn, "invalid UTF-8"))
            }
            if timeText.isEmpty { return .failure(rejection(record, mapping.knownAtColumn, "empty known_at")) }
            var knownAt: Int64
            switch timestamps.parse(timeText) {
            case .success(let t): knownAt = t
            case .failure(let e): return .failure(rejection(record, mapping.knownAtColumn, e.reason))
            }
            // A bare date says the outcome was known some time that day: it counts from the day's last second, so
            // that no transaction earlier that day is scored with it (the causal rule), and a chargeback dated the
            // day of its transaction is not refused as known before it.
            if Self.isDateOnly(timeText) { knownAt += 86_399 }

            // The identity index is unique on the key's hash: a row with this hash but another key means that no
            // stored transaction has this key.
            lookup.reset()
            let found = try key.withUTF8 { bytes throws -> (id: Int64, instant: Int64)? in
                lookup.bind(FNV1a.sourceHash(bytes), at: 1)
                guard try lookup.step(), lookup.byteCount(1) == bytes.count,
                      let stored = lookup.text(1), bytes.isEmpty || memcmp(stored, bytes.baseAddress!, bytes.count) == 0
                else { return nil }
                return (lookup.int64(0), lookup.int64(2))
            }
            guard let found else {
                summary.unknownIDs += 1
                var r = rejection(record, nil, "no stored transaction has this id")
                r.column = mapping.idColumns.map { Rejection.shown(mapping.header[$0]) }.joined(separator: "+")
                r.value = Rejection.shown(CardNumber.maskingParts(of: readKey))
                return .failure(r)
            }
            guard knownAt >= found.instant else {
                return .failure(rejection(record, mapping.knownAtColumn,
                                          "known at \(CivilTime.format(knownAt)) UTC, before its transaction's own time "
                                          + "\(CivilTime.format(found.instant)) UTC: an outcome cannot be known before it happened"))
            }
            return .success(OutcomeRecord(transactionID: found.id, outcome: outcome, knownAt: knownAt, line: record.line))
        }

        // One read transaction for the whole feed: every row is matched against the same snapshot of the store.
        try pool.read { db in
            let lookup = try RawStatement(db, sql: "SELECT id, source_key, instant FROM transactions WHERE source_hash = ?")
            var record = CSVRecord()
            while try prepared.reader.next(into: &record) {
                summary.rowsRead += 1
                switch try read(record, lookup) {
                case .success(let r): records.append(r)
                case .failure(let r): rejections.append(r)
                }
            }
        }
        prepared.source.close()
        summary.rejected = rejections.count
        summary.rejections = Array(rejections.prefix(options.rejectionsShown))
        let kept = rejections.prefix(options.rejectionsKept)
        summary.rejectedNotKept = rejections.count - kept.count
        let contentHash = prepared.contentHash
        let ledgerMapping = summary.mapping

        try pool.writeWithoutTransaction { db in
            try db.inTransaction {
                let previous = try FeedLedger.previous(db, contentHash: contentHash, layout: OutcomeLedger.layout, mapping: ledgerMapping)
                let importID = try FeedLedger.begin(db, path: prepared.path, contentHash: contentHash, fileSize: prepared.fileSize,
                                                    layout: OutcomeLedger.layout, mapping: ledgerMapping,
                                                    startedAt: Int64(started.timeIntervalSince1970))
                let inserted = try Self.insertOutcomes(records, feed: options.feed, importID: importID, db)
                summary.recorded = inserted.count
                summary.recordedByOutcome = inserted.byOutcome
                summary.alreadyRecorded = records.count - inserted.count
                if let previous, inserted.count == 0 {
                    // The same feed again with nothing new: the earlier import already says all of it.
                    summary.importID = previous
                    summary.sameAsImport = previous
                    return .rollback
                }
                summary.importID = importID
                try FeedLedger.finish(db, importID: importID, kept: kept, rowsRead: summary.rowsRead,
                                      imported: summary.recorded, rejected: summary.rejected, duplicate: summary.alreadyRecorded)
                return .commit
            }
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// How the transactions' ids were made, by the imports that stored them (`trans_num+cc_num+unix_time`, or
    /// nil for an import with no id column, whose ids are digests of its rows): for a feed whose ids match none.
    public func transactionIDColumns() throws -> [String?] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT mapping FROM imports WHERE layout NOT IN (?, ?) ORDER BY id",
                                arguments: [OutcomeLedger.layout, ListLedger.layout]).map { mapping -> String? in
                guard mapping.hasPrefix("id=") else { return nil }
                return String(mapping.dropFirst(3).prefix { $0 != "," })
            }
        }
    }

    /// The reason an unreadable outcome is rejected with: the spellings accepted, so that the fix is in the message.
    static let unreadableOutcome = "not an outcome: fraud is one of " + Outcome.fraudSpellings.joined(separator: ", ")
        + "; genuine one of " + Outcome.genuineSpellings.joined(separator: ", ") + " (any case)"

    /// Whether a timestamp the parser read is a date with no time of day (`2023-04-05`, `04/05/2023`).
    static func isDateOnly(_ text: String) -> Bool {
        !text.utf8.contains(UInt8(ascii: ":")) && text.utf8.dropFirst().contains { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "/") }
    }
}
