import Foundation
import VigilCore

/// Why one row was not imported: where, which column, what value, and why.
public struct Rejection: Error, Sendable, Hashable {
    public var line: Int
    public var column: String?
    public var value: String?
    public var reason: String
    public var raw: String

    public init(line: Int, column: String?, value: String?, reason: String, raw: String) {
        self.line = line
        self.column = column
        self.value = value
        self.reason = reason
        self.raw = raw
    }
}

extension Rejection {
    /// The longest value a rejection keeps, in characters; the raw row keeps the rest.
    static let shownCharacters = 120

    /// A field's value as a rejection shows it: control characters, escape sequences and invisible format
    /// characters (bidirectional overrides and the like) written as visible escapes (`\x1B`, `\u{202E}`) so that
    /// printing a rejection can never drive the terminal, and a long value cut short with its length.
    static func shown(_ value: String) -> String {
        var out = ""
        var characters = 0
        for scalar in value.unicodeScalars {
            if characters == shownCharacters {
                out += "… (\(value.utf8.count) bytes)"
                break
            }
            out += escaped(scalar)
            characters += 1
        }
        return out
    }

    private static func escaped(_ scalar: Unicode.Scalar) -> String {
        let v = scalar.value
        func hex(_ digits: Int) -> String {
            let h = String(v, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, digits - h.count)) + h
        }
        if v < 0x20 || v == 0x7F { return "\\x" + hex(2) }
        if v < 0x7F { return String(scalar) }
        if v < 0xA0 { return "\\u{" + hex(4) + "}" }
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator, .surrogate, .control, .privateUse, .unassigned:
            return "\\u{" + hex(4) + "}"
        default:
            return String(scalar)
        }
    }
}

/// Turns CSV records into transactions according to a column mapping, or says exactly why not.
struct RowConverter {
    let mapping: ColumnMapping
    let delimiter: UInt8
    let timestamps: TimestampParser
    let amounts: AmountParser
    private let expectedFields: Int
    /// `columnTable[field.ordinal]` is the column feeding the field, or -1: looked up for every field of every
    /// row, so an array rather than the mapping's dictionary (hashing showed in import profiles).
    private let columnTable: [Int]
    private let stripsMerchantPrefix: Bool
    private let derivesChannelFromCategory: Bool

    init(mapping: ColumnMapping, delimiter: UInt8, timestamps: TimestampParser, amounts: AmountParser) {
        self.mapping = mapping
        self.delimiter = delimiter
        self.timestamps = timestamps
        self.amounts = amounts
        self.expectedFields = mapping.header.count
        var table = [Int](repeating: -1, count: ImportField.allCases.count)
        for (field, column) in mapping.columns { table[field.ordinal] = column }
        self.columnTable = table
        // The card export's generator prefixes every merchant with "fraud_": an artefact, not a label.
        self.stripsMerchantPrefix = mapping.layout == "cards"
        self.derivesChannelFromCategory = mapping.layout == "cards" && mapping.columns[.channel] == nil
    }

    private struct Failure: Error {
        var column: Int?
        var reason: String
    }

    func convert(_ record: CSVRecord) -> Result<Transaction, Rejection> {
        do throws(Failure) {
            return .success(try build(record))
        } catch {
            let failure = error
            let columnName = failure.column.map { Rejection.shown(mapping.header[$0]) }
            let value = failure.column.map { Rejection.shown(record.lossyString($0)) }
            return .failure(Rejection(
                line: record.line, column: columnName.map { $0.isEmpty ? "(unnamed column \(failure.column! + 1))" : $0 },
                value: value, reason: failure.reason, raw: record.csvText(delimiter: delimiter)))
        }
    }

    @inline(__always) private func column(_ field: ImportField) -> Int? {
        let c = columnTable[field.ordinal]
        return c < 0 ? nil : c
    }

    /// The first column the transaction is built from that holds a NUL byte: text with NUL in it is cut short by
    /// C tools and SQLite functions, so such a row is rejected rather than stored. One scan of the record (memchr)
    /// in the usual case of no NUL at all.
    private func firstUsedColumnWithNUL(_ record: CSVRecord) -> Int? {
        let hasNUL = record.bytes.withUnsafeBufferPointer { all in
            all.count > 0 && memchr(all.baseAddress!, 0, all.count) != nil
        }
        guard hasNUL else { return nil }
        for i in 0..<record.fieldCount where columnTable.contains(i) || mapping.idColumns.contains(i) {
            if record.withField(i, { $0.contains(0) }) { return i }
        }
        return nil
    }

    /// The field's text, trimmed; nil when the file has no column for it.
    private func text(_ record: CSVRecord, _ field: ImportField) throws(Failure) -> String? {
        guard let i = column(field) else { return nil }
        guard let s = record.trimmedString(i) else { throw Failure(column: i, reason: "invalid UTF-8") }
        return s
    }

    private func required(_ record: CSVRecord, _ field: ImportField) throws(Failure) -> String {
        let s = try text(record, field)!
        if s.isEmpty { throw Failure(column: column(field)!, reason: "empty \(field.rawValue)") }
        return s
    }

    private func optional(_ record: CSVRecord, _ field: ImportField) throws(Failure) -> String? {
        guard let s = try text(record, field), !s.isEmpty else { return nil }
        return s
    }

    private func coordinate(_ record: CSVRecord, _ field: ImportField, limit: Double) throws(Failure) -> Double? {
        guard let s = try optional(record, field) else { return nil }
        guard let v = Double(s) else { throw Failure(column: column(field), reason: "not a number") }
        guard v.isFinite else { throw Failure(column: column(field), reason: "not a finite number (NaN or infinity)") }
        guard abs(v) <= limit else {
            throw Failure(column: column(field), reason: "\(field.rawValue) out of range -\(Int(limit))…\(Int(limit))")
        }
        return v + 0.0  // -0 becomes 0
    }

    private func point(_ record: CSVRecord, _ lat: ImportField, _ lon: ImportField) throws(Failure) -> GeoPoint? {
        let la = try coordinate(record, lat, limit: 90)
        let lo = try coordinate(record, lon, limit: 180)
        switch (la, lo) {
        case let (la?, lo?): return GeoPoint(latitude: la, longitude: lo)
        case (nil, nil): return nil
        case (nil, _): throw Failure(column: column(lat), reason: "\(lon.rawValue) given without \(lat.rawValue)")
        case (_, nil): throw Failure(column: column(lon), reason: "\(lat.rawValue) given without \(lon.rawValue)")
        }
    }

    private func build(_ record: CSVRecord) throws(Failure) -> Transaction {
        if let problem = record.problem {
            throw Failure(column: record.problemField.flatMap { $0 < expectedFields ? $0 : nil }, reason: problem)
        }
        guard record.fieldCount == expectedFields else {
            throw Failure(column: nil, reason: "expected \(expectedFields) fields, found \(record.fieldCount)")
        }
        if let column = firstUsedColumnWithNUL(record) {
            throw Failure(column: column, reason: "NUL byte in the field (is the file UTF-16 or binary?)")
        }
        let client = try required(record, .client)

        let timeColumn = column(.time)!
        let originalTime = try required(record, .time)
        let instant: Int64
        switch timestamps.parse(originalTime) {
        case .success(let t): instant = t
        case .failure(let e): throw Failure(column: timeColumn, reason: e.reason)
        }

        let amountColumn = column(.amount)!
        var amount: Money
        switch amounts.parse(try required(record, .amount)) {
        case .success(let m): amount = m
        case .failure(let e): throw Failure(column: amountColumn, reason: e.reason)
        }
        if let code = try optional(record, .currency) {
            let upper = code.uppercased()
            guard upper.count == 3, upper.allSatisfy({ $0.isASCII && $0.isLetter }) else {
                throw Failure(column: column(.currency), reason: "not a three-letter currency code")
            }
            amount.currency = upper
        }

        var merchant = try optional(record, .merchant) ?? ""
        if stripsMerchantPrefix, merchant.hasPrefix("fraud_") { merchant.removeFirst(6) }
        let category = try optional(record, .category) ?? ""

        var channel: Channel?
        if let c = try optional(record, .channel) {
            guard let parsed = Self.channel(c) else {
                throw Failure(column: column(.channel), reason: "unknown channel (expected card_present, online or atm)")
            }
            channel = parsed
        } else if derivesChannelFromCategory {
            if category.hasSuffix("_net") { channel = .online } else if category.hasSuffix("_pos") { channel = .cardPresent }
        }

        var label: Int?
        if let l = try optional(record, .label) {
            switch l.lowercased() {
            case "1", "true", "yes", "y", "fraud": label = 1
            case "0", "false", "no", "n", "legit", "legitimate": label = 0
            default: throw Failure(column: column(.label), reason: "label must be 0/1, true/false or yes/no")
            }
        }

        let home = try point(record, .homeLat, .homeLon)
        let merchantLocation = try point(record, .merchLat, .merchLon)

        let sourceKey: String
        if mapping.idColumns.isEmpty {
            sourceKey = "row:" + Self.digest(record)
        } else {
            var key = ""
            for (n, i) in mapping.idColumns.enumerated() {
                guard let part = record.trimmedString(i) else { throw Failure(column: i, reason: "invalid UTF-8") }
                if part.isEmpty { throw Failure(column: i, reason: "empty id") }
                if n == 0 { key = part } else { key += "|" + part }
            }
            sourceKey = key
        }

        return Transaction(
            sourceKey: sourceKey, clientID: client, instant: instant, originalTime: originalTime, amount: amount,
            merchant: merchant, category: category, city: try optional(record, .city), state: try optional(record, .state),
            country: try optional(record, .country), home: home, merchantLocation: merchantLocation, channel: channel,
            label: label, labelKind: try optional(record, .labelKind))
    }

    static func channel(_ text: String) -> Channel? {
        // Normalised by hand: Foundation's replacingOccurrences showed up in import profiles (once per row).
        let normalised = String(text.lowercased().map { $0 == "-" || $0 == " " ? "_" : $0 })
        switch normalised {
        case "card_present", "cp", "pos", "in_store", "chip", "swipe", "contactless": return .cardPresent
        case "online", "card_not_present", "cnp", "ecom", "ecommerce", "e_commerce", "web": return .online
        case "atm", "cash": return .atm
        default: return nil
        }
    }

    /// A stable 64-bit FNV-1a digest of a record's fields, the row's identity when the source has no id column.
    /// Identical rows in a file are therefore counted as duplicates, never silently merged.
    static func digest(_ record: CSVRecord) -> String {
        var hasher = FNV1a()
        record.bytes.withUnsafeBufferPointer { bytes in
            var start = 0
            for end in record.ends {
                hasher.add(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                hasher.add(0x1F)  // field separator, so ("ab","c") and ("a","bc") differ
                start = end
            }
        }
        let hex = String(hasher.value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension String {
    var trimmed: String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        if first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return self }
        return String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
