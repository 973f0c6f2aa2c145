import Foundation
import GRDB
import VigilCore

/// The fields a list file is read from; `vigil lists import --map FIELD=COLUMN` names them.
public enum ListField: String, CaseIterable, Sendable, Hashable {
    /// suppress, allow or deny.
    case list
    case card
    case merchant
    /// A suppression's detector (or `all`).
    case detector
    case from
    case until
    case note

    /// Header names recognised without `--map` (compared like an import's), in order of preference.
    public var synonyms: [String] {
        switch self {
        case .list: return ["list", "kind", "type", "action"]
        case .card: return ["card", "client", "client_id", "cc_num", "card_number"]
        case .merchant: return ["merchant", "merchant_name"]
        case .detector: return ["detector", "rule"]
        case .from: return ["from", "start", "starts", "from_date"]
        case .until: return ["until", "end", "ends", "expires", "expiry", "until_date"]
        case .note: return ["note", "reason", "why", "comment"]
        }
    }

    /// Fields a file must have a column for; the others may be left out (a file of merchants has no card column).
    var isRequired: Bool { self == .list || self == .note }
}

/// When list entries start and end, from what an analyst types: a time, or a bare date, which means the whole day
/// (a suppression "until 2027-01-15" holds through that day).
public enum ListTimes {
    /// `text` as an entry's start: a bare date is that day's first second.
    public static func from(_ text: String, parser: TimestampParser = TimestampParser()) -> Result<Int64, TimestampError> {
        parser.parse(text)
    }

    /// `text` as an entry's end, the first instant it no longer applies: a bare date ends after that day.
    public static func until(_ text: String, parser: TimestampParser = TimestampParser()) -> Result<Int64, TimestampError> {
        parser.parse(text).map { Store.isDateOnly(text) ? $0 + 86_400 : $0 }
    }
}

/// How a list file is read.
public struct ListImportOptions: Sendable {
    public var overrides: [ListField: String]
    /// The detector names a suppression may name (besides `all`).
    public var detectors: Set<String>
    /// Offset from UTC of timestamps that carry none, in seconds.
    public var defaultOffsetSeconds: Int
    /// Who imports: the entries are added in their name.
    public var analyst: String
    /// A row without a start starts at this instant (the import's).
    public var now: Int64
    public var rejectionsShown = 20
    public var rejectionsKept = ImportOptions.defaultRejectionsKept

    public init(overrides: [ListField: String] = [:], detectors: Set<String>, defaultOffsetSeconds: Int = 0, analyst: String,
                now: Int64 = Int64(Date().timeIntervalSince1970)) {
        self.overrides = overrides
        self.detectors = detectors
        self.defaultOffsetSeconds = defaultOffsetSeconds
        self.analyst = analyst
        self.now = now
    }
}

/// How a list import ended. `rowsRead == added + alreadyListed + rejected` always holds.
public struct ListImportSummary: Sendable {
    public var file: String
    public var mapping: String
    public var importID: Int64
    public var rowsRead = 0
    public var added = 0
    /// Rows the store already listed (same kind, card or merchant, detector, end and note, not removed).
    public var alreadyListed = 0
    public var rejected = 0
    public var rejections: [Rejection] = []
    public var rejectedNotKept = 0
    /// Set when the same file was imported before and nothing was new: nothing was written.
    public var sameAsImport: Int64?
    public var seconds = 0.0
}

/// A list file opened and its header mapped before the store is touched, so a bad file leaves the store as it was.
public final class PreparedListImport {
    public let path: String
    public let header: [String]
    /// Each field's column; nil for an optional field the file has no column for.
    public let columns: [ListField: Int]
    let options: ListImportOptions
    let source: ByteSource
    let reader: CSVReader
    private let hash = StreamingHash()
    let fileSize: Int64

    public init(path: String, options: ListImportOptions) throws(ImportError) {
        self.path = path
        self.options = options
        source = try ByteSource(path: path)
        source.observer = hash
        fileSize = source.fileSize
        if fileSize == 0 { throw .empty(file: path) }
        reader = CSVReader(source: source)
        header = try reader.readHeader(file: path).names
        let normalised = header.map(ColumnMapping.normalise)
        var columns: [ListField: Int] = [:]
        for field in ListField.allCases {
            if let name = options.overrides[field] {
                guard let i = header.firstIndex(of: name) ?? normalised.firstIndex(of: ColumnMapping.normalise(name)) else {
                    throw .unknownColumn(file: path, field: field.rawValue, column: name, header: header)
                }
                columns[field] = i
            } else if let i = field.synonyms.lazy.compactMap({ normalised.firstIndex(of: $0) }).first {
                if normalised.filter({ $0 == normalised[i] }).count > 1 { throw .duplicateHeader(file: path, column: header[i]) }
                columns[field] = i
            } else if field.isRequired {
                throw .missingColumn(file: path, field: field.rawValue, header: header)
            }
        }
        if columns[.card] == nil && columns[.merchant] == nil {
            throw .missingColumn(file: path, field: "card or merchant", header: header)
        }
        self.columns = columns
    }

    /// A stable text form, stored with the import: `list=kind,card=client,…`.
    var mapping: String {
        ListField.allCases.compactMap { field in columns[field].map { "\(field.rawValue)=\(Rejection.shown(header[$0]))" } }
            .joined(separator: ",")
    }

    var contentHash: String { "lists:" + (hash.digest ?? "") }
}

/// The layout a list import has in the ledger (`imports.layout`).
public enum ListLedger {
    public static let layout = "lists"
}

extension Rejection {
    /// A rejected CSV row: its line, the column (by header name) and value at fault where there is one, and the row.
    init(_ record: CSVRecord, header: [String], column: Int?, reason: String, delimiter: UInt8) {
        let name = column.map { header[$0].isEmpty ? "(unnamed column \($0 + 1))" : Rejection.shown(header[$0]) }
        self.init(line: record.line, column: name, value: column.map { Rejection.shown(record.lossyString($0)) },
                  reason: reason, raw: record.csvText(delimiter: delimiter))
    }
}

extension Store {
    /// Imports a list file: every row becomes a list entry (added in `options.analyst`'s name, each with its audit
    /// event) or is rejected with its line, field, value and reason, kept in `rejected_rows`. Rows already listed are
    /// counted, not added again. Read first, then written in one transaction with the ledger entry.
    public func importLists(_ prepared: PreparedListImport) throws -> ListImportSummary {
        let started = Date()
        let options = prepared.options
        let columns = prepared.columns
        let header = prepared.header
        let delimiter = prepared.reader.delimiter
        let timestamps = TimestampParser(defaultOffsetSeconds: options.defaultOffsetSeconds)
        var summary = ListImportSummary(file: prepared.path, mapping: prepared.mapping, importID: 0)
        var entries: [(NewListEntry, line: Int)] = []
        var rejections: [Rejection] = []

        func read(_ record: CSVRecord) -> Result<NewListEntry, Rejection> {
            func reject(_ field: ListField?, _ reason: String) -> Result<NewListEntry, Rejection> {
                .failure(Rejection(record, header: header, column: field.flatMap { columns[$0] }, reason: reason, delimiter: delimiter))
            }
            if let problem = record.problem {
                return .failure(Rejection(record, header: header, column: record.problemField.flatMap { $0 < header.count ? $0 : nil },
                                          reason: problem, delimiter: delimiter))
            }
            guard record.fieldCount == header.count else {
                return reject(nil, "expected \(header.count) fields, found \(record.fieldCount)")
            }
            var text: [ListField: String] = [:]
            for (field, column) in columns {
                guard let value = record.trimmedString(column) else { return reject(field, "invalid UTF-8") }
                if value.utf8.contains(0) { return reject(field, "NUL byte in the field (is the file UTF-16 or binary?)") }
                if !value.isEmpty { text[field] = value }
            }
            guard let kindText = text[.list] else { return reject(.list, "empty list: one of suppress, allow, deny") }
            guard let kind = ListKind(rawValue: ColumnMapping.normalise(kindText)) else {
                return reject(.list, "not a list: one of suppress, allow, deny")
            }
            let target: ListTarget
            switch (text[.card], text[.merchant]) {
            case (_?, _?): return reject(.merchant, "a row names a card or a merchant, not both")
            case (_?, nil): target = .card
            case (nil, _?): target = .merchant
            case (nil, nil): return reject(columns[.card] != nil ? .card : .merchant, "empty: a row names a card or a merchant")
            }
            var detector: String?
            if kind == .suppress {
                guard let name = text[.detector] else { return reject(.detector, "a suppression names a detector (or all)") }
                guard name == ListEntry.allDetectors || options.detectors.contains(name) else {
                    return reject(.detector, "no such detector: one of all, " + options.detectors.sorted().joined(separator: ", "))
                }
                detector = name
            } else if text[.detector] != nil {
                return reject(.detector, "only a suppression names a detector")
            }
            var from = options.now
            if let start = text[.from] {
                switch ListTimes.from(start, parser: timestamps) {
                case .success(let t): from = t
                case .failure(let e): return reject(.from, e.reason)
                }
            }
            var until: Int64?
            if let end = text[.until] {
                switch ListTimes.until(end, parser: timestamps) {
                case .success(let t): until = t
                case .failure(let e): return reject(.until, e.reason)
                }
            }
            let entry = NewListEntry(kind: kind, target: target, value: text[target == .card ? .card : .merchant]!, detector: detector,
                                     from: from, until: until, note: text[.note] ?? "")
            if let problem = entry.problem {
                // The field at fault: the note, a merchant named by a suppression, a card or merchant on several lines,
                // else the end (missing, or before the start).
                let field: ListField = entry.note.isEmpty ? .note
                    : kind == .suppress && target == .merchant ? .merchant
                    : entry.value.contains(where: \.isNewline) ? (target == .card ? .card : .merchant) : .until
                return reject(field, problem)
            }
            return .success(entry)
        }

        var record = CSVRecord()
        while try prepared.reader.next(into: &record) {
            summary.rowsRead += 1
            switch read(record) {
            case .success(let entry): entries.append((entry, record.line))
            case .failure(let r): rejections.append(r)
            }
        }
        prepared.source.close()
        summary.rejected = rejections.count
        summary.rejections = Array(rejections.prefix(options.rejectionsShown))
        let kept = rejections.prefix(options.rejectionsKept)
        summary.rejectedNotKept = rejections.count - kept.count
        let contentHash = prepared.contentHash
        let tokenizer = try cardTokenizerForImport()

        try pool.writeWithoutTransaction { db in
            try db.inTransaction {
                let previous = try FeedLedger.previous(db, contentHash: contentHash, layout: ListLedger.layout, mapping: summary.mapping)
                let importID = try FeedLedger.begin(db, path: prepared.path, contentHash: contentHash, fileSize: prepared.fileSize,
                                                    layout: ListLedger.layout, mapping: summary.mapping,
                                                    startedAt: Int64(started.timeIntervalSince1970))
                summary.added = 0
                for (entry, line) in entries {
                    if try Self.addListEntry(db, entry, analyst: options.analyst, at: options.now, importID: importID, line: line,
                                             cards: tokenizer).added {
                        summary.added += 1
                    }
                }
                summary.alreadyListed = entries.count - summary.added
                if let previous, summary.added == 0 {
                    summary.importID = previous
                    summary.sameAsImport = previous
                    return .rollback
                }
                summary.importID = importID
                try FeedLedger.finish(db, importID: importID, kept: kept, rowsRead: summary.rowsRead,
                                      imported: summary.added, rejected: summary.rejected, duplicate: summary.alreadyListed)
                return .commit
            }
        }
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}
