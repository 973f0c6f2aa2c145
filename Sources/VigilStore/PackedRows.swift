import VigilCore

/// Transactions as an import hands them to the store: numbers in one array per column, and every text value of
/// every row end to end in one byte buffer. A batch of twenty thousand rows is then a handful of allocations
/// rather than several per row, made on the parsing thread and freed there too, and the writer binds text
/// straight from the buffer, sparing the String allocations, reference counting and frees across threads that
/// rows as `Transaction` values cost.
struct PackedRows: Sendable {
    /// A row's text values, in the order the row writes them.
    enum Text: Int, CaseIterable {
        case clientID, originalTime, currency, merchant, category, sourceKey, city, state, country, labelKind
    }
    static let textsPerRow = Text.allCases.count

    /// Every text value end to end.
    private(set) var bytes: [UInt8] = []
    /// `ends[row * textsPerRow + k]` is where text k of the row ends in `bytes`; it starts where the text before it
    /// ends (the row's first, where the previous row's last ends).
    private(set) var ends: [Int] = []
    /// Bit k is set when text k of the row is absent (stored as NULL), as opposed to empty.
    private(set) var absent: [UInt16] = []
    private(set) var instants: [Int64] = []
    private(set) var amounts: [Int64] = []
    /// Per row: home latitude and longitude, then the merchant's; NaN where unknown.
    private(set) var coordinates: [Double] = []
    /// Per row: the channel's index in `Channel.allCases`, or -1.
    private(set) var channels: [Int8] = []
    /// Per row: 0 or 1, or -1 when unlabelled.
    private(set) var labels: [Int8] = []
    /// Per row: `FNV1a` of the source key, the identity the store indexes.
    private(set) var hashes: [Int64] = []
    /// Per row: the line of the file it came from (0 when it came from elsewhere).
    private(set) var lines: [Int] = []

    private var rowStart = (bytes: 0, ends: 0)
    private var rowAbsent: UInt16 = 0

    var count: Int { instants.count }

    init(capacity: Int = 0) {
        guard capacity > 0 else { return }
        bytes.reserveCapacity(capacity * 128)
        ends.reserveCapacity(capacity * Self.textsPerRow)
        absent.reserveCapacity(capacity)
        instants.reserveCapacity(capacity)
        amounts.reserveCapacity(capacity)
        coordinates.reserveCapacity(capacity * 4)
        channels.reserveCapacity(capacity)
        labels.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
        lines.reserveCapacity(capacity)
    }

    /// Empties the rows, keeping their storage for the next ones.
    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        absent.removeAll(keepingCapacity: true)
        instants.removeAll(keepingCapacity: true)
        amounts.removeAll(keepingCapacity: true)
        coordinates.removeAll(keepingCapacity: true)
        channels.removeAll(keepingCapacity: true)
        labels.removeAll(keepingCapacity: true)
        hashes.removeAll(keepingCapacity: true)
        lines.removeAll(keepingCapacity: true)
    }

    init(_ transactions: some Collection<Transaction>) {
        self.init(capacity: transactions.count)
        for t in transactions { append(t, line: 0) }
    }

    // MARK: Building a row

    /// Starts a row; its texts follow in `Text` order, then `finishRow`, or `abandonRow` to drop it.
    mutating func beginRow() {
        rowStart = (bytes.count, ends.count)
        rowAbsent = 0
    }

    /// The next text of the row being built, so far.
    var nextText: Text { Text(rawValue: ends.count - rowStart.ends)! }

    mutating func appendText(_ text: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: text)
        ends.append(bytes.count)
    }

    mutating func appendText(_ text: String) {
        var text = text
        text.withUTF8 { appendText($0) }
    }

    /// Adds to the text being written without ending it; `endText` ends it.
    mutating func appendPart(_ part: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: part) }
    mutating func appendPart(_ byte: UInt8) { bytes.append(byte) }
    mutating func endText() { ends.append(bytes.count) }

    mutating func appendAbsent() {
        rowAbsent |= 1 << UInt16(ends.count - rowStart.ends)
        ends.append(bytes.count)
    }

    /// Drops the texts of the row being built.
    mutating func abandonRow() {
        bytes.removeSubrange(rowStart.bytes...)
        ends.removeSubrange(rowStart.ends...)
    }

    mutating func finishRow(line: Int, instant: Int64, amountMinor: Int64, home: GeoPoint?, merchant: GeoPoint?,
                            channel: Channel?, label: Int?) {
        precondition(ends.count - rowStart.ends == Self.textsPerRow, "a row has every text")
        let row = absent.count
        absent.append(rowAbsent)
        instants.append(instant)
        amounts.append(amountMinor)
        coordinates.append(home?.latitude ?? .nan)
        coordinates.append(home?.longitude ?? .nan)
        coordinates.append(merchant?.latitude ?? .nan)
        coordinates.append(merchant?.longitude ?? .nan)
        channels.append(channel.map { Int8(Channel.allCases.firstIndex(of: $0)!) } ?? -1)
        labels.append(label.map { Int8($0) } ?? -1)
        let key = range(row, .sourceKey)
        hashes.append(bytes.withUnsafeBufferPointer { FNV1a.sourceHash(UnsafeBufferPointer(rebasing: $0[key])) })
        lines.append(line)
    }

    mutating func append(_ t: Transaction, line: Int) {
        beginRow()
        appendText(t.clientID)
        appendText(t.originalTime)
        appendText(t.amount.currency)
        appendText(t.merchant)
        appendText(t.category)
        appendText(t.sourceKey)
        for text in [t.city, t.state, t.country, t.labelKind] {
            if let text { appendText(text) } else { appendAbsent() }
        }
        finishRow(line: line, instant: t.instant, amountMinor: t.amount.minorUnits, home: t.home,
                  merchant: t.merchantLocation, channel: t.channel, label: t.label)
    }

    // MARK: Reading

    /// Where text `k` of `row` lies in `bytes`.
    @inline(__always) func range(_ row: Int, _ k: Text) -> Range<Int> {
        let i = row * Self.textsPerRow + k.rawValue
        return (i == 0 ? 0 : ends[i - 1])..<ends[i]
    }

    @inline(__always) func isAbsent(_ row: Int, _ k: Text) -> Bool { absent[row] & (1 << UInt16(k.rawValue)) != 0 }

    func string(_ row: Int, _ k: Text) -> String? {
        isAbsent(row, k) ? nil : String(decoding: bytes[range(row, k)], as: UTF8.self)
    }

    func home(_ row: Int) -> GeoPoint? { point(row, 0) }
    func merchantLocation(_ row: Int) -> GeoPoint? { point(row, 2) }

    private func point(_ row: Int, _ offset: Int) -> GeoPoint? {
        let latitude = coordinates[row * 4 + offset]
        return latitude.isNaN ? nil : GeoPoint(latitude: latitude, longitude: coordinates[row * 4 + offset + 1])
    }

    func channel(_ row: Int) -> Channel? { channels[row] < 0 ? nil : Channel.allCases[Int(channels[row])] }

    /// The row as a `Transaction` (for messages, tests and the rare identity collision).
    func transaction(at row: Int) -> Transaction {
        Transaction(
            sourceKey: string(row, .sourceKey)!, clientID: string(row, .clientID)!, instant: instants[row],
            originalTime: string(row, .originalTime)!,
            amount: Money(minorUnits: amounts[row], currency: string(row, .currency)!),
            merchant: string(row, .merchant)!, category: string(row, .category)!, city: string(row, .city),
            state: string(row, .state), country: string(row, .country), home: home(row),
            merchantLocation: merchantLocation(row), channel: channel(row),
            label: labels[row] < 0 ? nil : Int(labels[row]), labelKind: string(row, .labelKind))
    }
}
