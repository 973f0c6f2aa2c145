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

/// How many amounts of the rows an import converted were not read as written: floating-point renderings of whole
/// cents read as those cents, and sub-cent amounts rounded (`AmountParser.Adjustment`). Counted so that no repair
/// is silent.
public struct AmountAdjustments: Sendable, Hashable {
    public var fromFloatRendering = 0
    public var rounded = 0

    public init() {}

    @inline(__always) mutating func add(_ adjustment: AmountParser.Adjustment) {
        switch adjustment {
        case .none: break
        case .floatRendering: fromFloatRendering += 1
        case .rounded: rounded += 1
        }
    }

    public mutating func add(_ other: AmountAdjustments) {
        fromFloatRendering += other.fromFloatRendering
        rounded += other.rounded
    }
}

/// Turns CSV records into transactions according to a column mapping, or says exactly why not.
struct RowConverter {
    let mapping: ColumnMapping
    let delimiter: UInt8
    let timestamps: TimestampParser
    let amounts: AmountParser
    /// The import's currency when `--currency` named it: then amounts must be in it unless a row's column says.
    let declaredCurrency: AmountParser.Declared?
    private let expectedFields: Int
    /// `columnTable[field.ordinal]` is the column feeding the field, or -1: looked up for every field of every
    /// row, so an array rather than the mapping's dictionary (hashing showed in import profiles).
    private let columnTable: [Int]
    private let stripsMerchantPrefix: Bool
    private let derivesChannelFromCategory: Bool
    /// The store's cards, when it keeps card numbers as tokens: a client that is a card number becomes its card's
    /// id, and a card-number part of a source id its token (`CardTokenizer`).
    var cards: (any CardIdentities)?
    /// Whether a rejected row's value and text have their card numbers masked before they are kept or shown: always,
    /// but in a store that keeps card numbers in clear (`--keep-pan`).
    var masksCardNumbers = true

    init(mapping: ColumnMapping, delimiter: UInt8, timestamps: TimestampParser, amounts: AmountParser,
         currencyIsDeclared: Bool = false) {
        self.mapping = mapping
        self.delimiter = delimiter
        self.timestamps = timestamps
        self.amounts = amounts
        self.declaredCurrency = currencyIsDeclared ? AmountParser.Declared(code: amounts.defaultCurrency, source: "--currency") : nil
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

    /// Appends the record to `rows` as a transaction, or says exactly why not (and appends nothing).
    func convert(_ record: CSVRecord, into rows: inout PackedRows) -> Rejection? {
        var ignored = AmountAdjustments()
        return convert(record, into: &rows, counting: &ignored)
    }

    /// `convert(_:into:)`, counting in `adjustments` the amounts of the converted row that were read from a float
    /// rendering or rounded.
    func convert(_ record: CSVRecord, into rows: inout PackedRows, counting adjustments: inout AmountAdjustments) -> Rejection? {
        rows.beginRow()
        do throws(Failure) {
            adjustments.add(try build(record, into: &rows))
            return nil
        } catch {
            rows.abandonRow()
            let failure = error
            let columnName = failure.column.map { Rejection.shown(mapping.header[$0]) }
            var value = failure.column.map { Rejection.shown(record.lossyString($0)) }
            var raw = record.csvText(delimiter: delimiter)
            if masksCardNumbers {
                // The row's own card numbers (its client, its id's parts) whatever they look like, and any other.
                let cards = ([column(.client)] + mapping.idColumns.map(Optional.some)).compactMap { $0 }
                    .filter { $0 < record.fieldCount }.map { record.lossyString($0).trimmed }
                value = value.map { CardNumber.masking(cards, in: $0) }
                raw = CardNumber.masking(cards, in: raw)
            }
            return Rejection(
                line: record.line, column: columnName.map { $0.isEmpty ? "(unnamed column \(failure.column! + 1))" : $0 },
                value: value, reason: failure.reason, raw: raw)
        }
    }

    /// The record as a transaction, or why not: `convert(_:into:)` for one record.
    func convert(_ record: CSVRecord) -> Result<Transaction, Rejection> {
        var rows = PackedRows()
        if let rejection = convert(record, into: &rows) { return .failure(rejection) }
        return .success(rows.transaction(at: 0))
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

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        bytes.count == text.utf8CodeUnitCount && (bytes.isEmpty || memcmp(bytes.baseAddress!, text.utf8Start, bytes.count) == 0)
    }

    private static func hasSuffix(_ bytes: UnsafeBufferPointer<UInt8>, _ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        return bytes.count >= n && memcmp(bytes.baseAddress! + bytes.count - n, text.utf8Start, n) == 0
    }

    private func build(_ record: CSVRecord, into rows: inout PackedRows) throws(Failure) -> AmountParser.Adjustment {
        if let problem = record.problem {
            throw Failure(column: record.problemField.flatMap { $0 < expectedFields ? $0 : nil }, reason: problem)
        }
        guard record.fieldCount == expectedFields else {
            throw Failure(column: nil, reason: "expected \(expectedFields) fields, found \(record.fieldCount)")
        }
        if let column = firstUsedColumnWithNUL(record) {
            throw Failure(column: column, reason: "NUL byte in the field (is the file UTF-16 or binary?)")
        }
        return try record.bytes.withUnsafeBufferPointer { (all) throws(Failure) in
            try fill(record, all, into: &rows)
        }
    }

    /// Checks and converts the record's fields (`all`, its bytes), appending the row's texts in `PackedRows.Text`
    /// order and then its numbers, and says what reading its amount did. Throws at the first field in error.
    private func fill(_ record: CSVRecord, _ all: UnsafeBufferPointer<UInt8>, into rows: inout PackedRows)
        throws(Failure) -> AmountParser.Adjustment {
        func field(_ i: Int) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: all[record.range(i)]).trimmingSpacesAndTabs }
        /// The field's text, trimmed; nil when the file has no column for it.
        func text(_ f: ImportField) throws(Failure) -> UnsafeBufferPointer<UInt8>? {
            guard let i = column(f) else { return nil }
            let t = field(i)
            guard t.isValidUTF8 else { throw Failure(column: i, reason: "invalid UTF-8") }
            return t
        }
        func required(_ f: ImportField) throws(Failure) -> UnsafeBufferPointer<UInt8> {
            let t = try text(f)!
            if t.isEmpty { throw Failure(column: column(f)!, reason: "empty \(f.rawValue)") }
            return t
        }
        func optional(_ f: ImportField) throws(Failure) -> UnsafeBufferPointer<UInt8>? {
            guard let t = try text(f), !t.isEmpty else { return nil }
            return t
        }
        func coordinate(_ f: ImportField, limit: Double) throws(Failure) -> Double? {
            guard let t = try optional(f) else { return nil }
            guard let v = Self.decimal(t) ?? Double(String(decoding: t, as: UTF8.self)) else {
                throw Failure(column: column(f), reason: "not a number")
            }
            guard v.isFinite else { throw Failure(column: column(f), reason: "not a finite number (NaN or infinity)") }
            guard abs(v) <= limit else {
                throw Failure(column: column(f), reason: "\(f.rawValue) out of range -\(Int(limit))…\(Int(limit))")
            }
            return v + 0.0  // -0 becomes 0
        }
        func point(_ lat: ImportField, _ lon: ImportField) throws(Failure) -> GeoPoint? {
            let la = try coordinate(lat, limit: 90)
            let lo = try coordinate(lon, limit: 180)
            switch (la, lo) {
            case let (la?, lo?): return GeoPoint(latitude: la, longitude: lo)
            case (nil, nil): return nil
            case (nil, _): throw Failure(column: column(lat), reason: "\(lon.rawValue) given without \(lat.rawValue)")
            case (_, nil): throw Failure(column: column(lon), reason: "\(lat.rawValue) given without \(lon.rawValue)")
            }
        }

        let client = try required(.client)
        if let cards, let number = CardNumber.packed(client, separated: true) {
            cards.clientID(number).withUnsafeBufferPointer { rows.appendText($0) }
        } else if cards != nil && mapping.clientIsCardNumber {
            throw Failure(column: column(.client), reason: "not a card number (12 to 19 digits)")
        } else {
            rows.appendText(client)
        }

        let time = try required(.time)
        let instant: Int64
        switch timestamps.parse(bytes: time) {
        case .success(let t): instant = t
        case .failure(let e): throw Failure(column: column(.time)!, reason: e.reason)
        }
        rows.appendText(time)

        // The row's currency column, else the import's --currency when given, is the currency the amount must be
        // in: a sign or code in the amount that says otherwise rejects the row rather than being overruled.
        var declared = declaredCurrency
        if let code = try optional(.currency) {
            guard let upper = Self.currencyCode(code) else {
                throw Failure(column: column(.currency), reason: "not a three-letter currency code")
            }
            declared = AmountParser.Declared(code: upper, source: "the currency column")
        }
        let amount: Money
        let adjustment: AmountParser.Adjustment
        switch amounts.read(bytes: try required(.amount), declared: declared) {
        case .success(let read): (amount, adjustment) = read
        case .failure(let e): throw Failure(column: column(.amount)!, reason: e.reason)
        }
        rows.appendText(amount.currency)

        var merchant = try optional(.merchant) ?? UnsafeBufferPointer(start: nil, count: 0)
        if stripsMerchantPrefix, merchant.count >= 6, memcmp(merchant.baseAddress!, "fraud_", 6) == 0 {
            merchant = UnsafeBufferPointer(rebasing: merchant[6...])
        }
        rows.appendText(merchant)
        let category = try optional(.category) ?? UnsafeBufferPointer(start: nil, count: 0)
        rows.appendText(category)

        var channel: Channel?
        if let c = try optional(.channel) {
            guard let parsed = Self.channel(c) else {
                throw Failure(column: column(.channel), reason: "unknown channel (expected card_present, online or atm)")
            }
            channel = parsed
        } else if derivesChannelFromCategory {
            if Self.hasSuffix(category, "_net") { channel = .online } else if Self.hasSuffix(category, "_pos") { channel = .cardPresent }
        }

        var label: Int?
        if let l = try optional(.label) {
            guard let parsed = Self.label(l) else {
                throw Failure(column: column(.label), reason: "label must be 0/1, true/false or yes/no")
            }
            label = parsed
        }

        let home = try point(.homeLat, .homeLon)
        let merchantLocation = try point(.merchLat, .merchLon)

        if mapping.idColumns.isEmpty {
            rows.appendPart(UnsafeBufferPointer(start: Self.rowKeyPrefix.utf8Start, count: Self.rowKeyPrefix.utf8CodeUnitCount))
            Self.appendDigest(of: record, all, to: &rows)
        } else {
            for (n, i) in mapping.idColumns.enumerated() {
                let part = field(i)
                guard part.isValidUTF8 else { throw Failure(column: i, reason: "invalid UTF-8") }
                if part.isEmpty { throw Failure(column: i, reason: "empty id") }
                if n > 0 { rows.appendPart(UInt8(ascii: "|")) }
                if let cards, let number = CardNumber.packed(part, separated: false) {
                    cards.idPart(number).withUnsafeBufferPointer { rows.appendPart($0) }
                } else {
                    rows.appendPart(part)
                }
            }
        }
        rows.endText()

        for f in Self.placeFieldsAndLabelKind {
            if let t = try optional(f) { rows.appendText(t) } else { rows.appendAbsent() }
        }
        rows.finishRow(line: record.line, instant: instant, amountMinor: amount.minorUnits, home: home,
                       merchant: merchantLocation, channel: channel, label: label)
        return adjustment
    }

    /// A plain decimal (`-122.1966`, `47`, `+0.5`) of at most 15 significant digits, read exactly: the digits as an
    /// integer, divided by a power of ten, both exact in a Double, so the one rounding of the division gives the
    /// correctly rounded value, as `strtod` does. Anything else (exponents, more digits, `nan`) is nil, for
    /// `Double(_:)` to read. Coordinates are most of the numbers an import parses, and `strtod` is slow at them.
    static func decimal(_ t: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        var negative = false
        if i < t.count, t[i] == UInt8(ascii: "-") || t[i] == UInt8(ascii: "+") {
            negative = t[i] == UInt8(ascii: "-")
            i += 1
        }
        var mantissa: UInt64 = 0
        var seen = 0, significant = 0, fraction = 0
        var point = false
        while i < t.count {
            let b = t[i]
            if b >= 0x30 && b <= 0x39 {
                seen += 1
                if significant > 0 || b != 0x30 { significant += 1 }
                mantissa = mantissa &* 10 &+ UInt64(b - 0x30)
                if point { fraction += 1 }
            } else if b == UInt8(ascii: "."), !point {
                point = true
            } else {
                return nil
            }
            i += 1
        }
        guard seen > 0, significant <= 15, fraction <= 22 else { return nil }
        let value = Double(mantissa) / powersOfTen[fraction]
        return negative ? -value : value
    }

    private static let powersOfTen: [Double] = (0...22).map { (n: Int) -> Double in
        var p = 1.0
        for _ in 0..<n { p *= 10 }
        return p
    }

    /// A three-letter currency code, upper-cased; nil when the text is not one.
    static func currencyCode(_ code: UnsafeBufferPointer<UInt8>) -> String? {
        if code.isASCII {
            guard code.count == 3 else { return nil }
            var letters = true
            let upper = String(unsafeUninitializedCapacity: 3) { buffer in
                for i in 0..<3 {
                    let b = code[i]
                    let u = b >= 0x61 && b <= 0x7A ? b - 0x20 : b
                    if u < 0x41 || u > 0x5A { letters = false }
                    buffer[i] = u
                }
                return 3
            }
            return letters ? upper : nil
        }
        let upper = String(decoding: code, as: UTF8.self).uppercased()
        guard upper.count == 3, upper.allSatisfy({ $0.isASCII && $0.isLetter }) else { return nil }
        return upper
    }

    static func channel(_ bytes: UnsafeBufferPointer<UInt8>) -> Channel? {
        if equals(bytes, "card_present") { return .cardPresent }
        if equals(bytes, "online") { return .online }
        if equals(bytes, "atm") { return .atm }
        return channel(String(decoding: bytes, as: UTF8.self))
    }

    static func label(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        if equals(bytes, "0") { return 0 }
        if equals(bytes, "1") { return 1 }
        switch String(decoding: bytes, as: UTF8.self).lowercased() {
        case "1", "true", "yes", "y", "fraud": return 1
        case "0", "false", "no", "n", "legit", "legitimate": return 0
        default: return nil
        }
    }

    private static let rowKeyPrefix: StaticString = "row:"
    /// The optional texts a row ends with, in `PackedRows.Text` order (a constant: the loop runs for every row).
    private static let placeFieldsAndLabelKind: [ImportField] = [.city, .state, .country, .labelKind]

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

    /// Writes a stable 64-bit FNV-1a digest of the record's fields (`all`, its bytes), the row's identity when the
    /// source has no id column, as 16 lower-case hex digits to the text being built. Identical rows in a file are
    /// therefore counted as duplicates, never silently merged.
    private static func appendDigest(of record: CSVRecord, _ all: UnsafeBufferPointer<UInt8>, to rows: inout PackedRows) {
        var hasher = FNV1a()
        var start = 0
        for end in record.ends {
            hasher.add(UnsafeBufferPointer(rebasing: all[start..<end]))
            hasher.add(0x1F)  // field separator, so ("ab","c") and ("a","bc") differ
            start = end
        }
        let digits: StaticString = "0123456789abcdef"
        for shift in stride(from: 60, through: 0, by: -4) {
            rows.appendPart(digits.utf8Start[Int((hasher.value >> UInt64(shift)) & 0xF)])
        }
    }
}

extension String {
    var trimmed: String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        if first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return self }
        return String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
