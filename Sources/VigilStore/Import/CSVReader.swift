/// One CSV record: its fields' unescaped bytes laid end to end, and where it started.
public struct CSVRecord {
    /// Physical line (1-based) on which the record starts.
    public internal(set) var line = 0
    public internal(set) var bytes: [UInt8] = []
    /// `ends[i]` is the end offset in `bytes` of field i.
    public internal(set) var ends: [Int] = []
    /// Set when the record is malformed as CSV (e.g. an unterminated quote) or over the reader's limits.
    public internal(set) var problem: String?
    /// The field (0-based) the problem lies in, when it lies in one.
    public internal(set) var problemField: Int?

    public init() {
        bytes.reserveCapacity(1024)
        ends.reserveCapacity(32)
    }

    public var fieldCount: Int { ends.count }

    mutating func reset(line: Int) {
        self.line = line
        bytes.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        problem = nil
        problemField = nil
    }

    /// Records the first problem only: it is the one that explains the rest.
    mutating func note(_ text: String, field: Int?) {
        guard problem == nil else { return }
        problem = text
        problemField = field
    }

    public func range(_ i: Int) -> Range<Int> { (i == 0 ? 0 : ends[i - 1])..<ends[i] }

    /// Calls `body` with field i's bytes, without copying.
    public func withField<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        let r = range(i)
        return try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[r])) }
    }

    /// Field i as a String, or nil when it is not valid UTF-8.
    public func string(_ i: Int) -> String? {
        withField(i) { String(validating: $0, as: UTF8.self) }
    }

    /// Field i without leading or trailing spaces and tabs, as a String, or nil when it is not valid UTF-8.
    /// The import's innermost call: trims the bytes before making a String, and takes the ASCII fast path
    /// (no validation pass beyond one scan) for the usual all-ASCII field.
    public func trimmedString(_ i: Int) -> String? {
        withField(i) { field in
            let trimmed = field.trimmingSpacesAndTabs
            if trimmed.isASCII { return String(decoding: trimmed, as: UTF8.self) }
            return String(validating: trimmed, as: UTF8.self)
        }
    }

    /// Field i as text with invalid UTF-8 replaced, for error messages.
    public func lossyString(_ i: Int) -> String {
        withField(i) { String(decoding: $0, as: UTF8.self) }
    }

    /// The record written back as one CSV line (quoted where needed), for keeping rejected rows.
    public func csvText(delimiter: UInt8 = UInt8(ascii: ",")) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + ends.count * 3)
        for i in 0..<ends.count {
            if i > 0 { out.append(delimiter) }
            let field = bytes[range(i)]
            let needsQuotes = field.contains { (b: UInt8) -> Bool in
                b == delimiter || b == 0x22 || b == 0x0A || b == 0x0D
            }
            if needsQuotes {
                out.append(0x22)
                for b in field {
                    if b == 0x22 { out.append(0x22) }
                    out.append(b)
                }
                out.append(0x22)
            } else {
                out.append(contentsOf: field)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// A streaming RFC 4180 reader over bytes: quoted fields holding delimiters, doubled quotes and
/// line breaks; CRLF, LF or CR line ends; a leading UTF-8 byte-order mark; blank lines skipped.
/// Memory stays flat: it holds one chunk and one record at a time, and a record is cut off at
/// `maxRecordBytes` bytes and `maxFields` fields (the rest of it is read and dropped, and the record
/// carries a problem saying so), so a runaway field or an unterminated quote cannot fill memory.
///
/// Written by hand rather than taken from a CSV package because import speed is a product
/// requirement (at least `sqlite3 .import`'s rate): it scans bytes in bulk, never builds a String
/// for a field the import does not use, and reuses one record buffer.
final class CSVReader {
    private let source: ByteSource
    private let capacity: Int
    private let buffer: UnsafeMutablePointer<UInt8>
    private var position = 0
    private var length = 0
    private var exhausted = false
    private var startOfInput = true
    private var line = 1
    private(set) var delimiter: UInt8
    /// A record longer than this (all its fields together) is cut off and rejected. Real transaction rows
    /// are well under a kilobyte; a megabyte is a corrupt file, a runaway quote or an attack.
    let maxRecordBytes: Int
    /// A record with more fields than this is cut off and rejected.
    let maxFields: Int

    static let defaultMaxRecordBytes = 1 << 20
    static let defaultMaxFields = 4096

    init(source: ByteSource, delimiter: UInt8 = UInt8(ascii: ","), chunkSize: Int = 1 << 20,
         maxRecordBytes: Int = CSVReader.defaultMaxRecordBytes, maxFields: Int = CSVReader.defaultMaxFields) {
        self.source = source
        self.delimiter = delimiter
        // At least 3 bytes: the byte-order mark is looked for in the first chunk read, and a shorter chunk would
        // keep a leading mark as text.
        self.capacity = max(chunkSize, 3)
        self.buffer = .allocate(capacity: self.capacity)
        self.maxRecordBytes = maxRecordBytes
        self.maxFields = maxFields
    }

    /// Appends the buffer's bytes `start..<end` to the record's current field, up to `maxRecordBytes`.
    @inline(__always) private func keep(_ start: Int, _ end: Int, into record: inout CSVRecord) {
        let count = end - start
        guard count > 0 else { return }
        let room = maxRecordBytes - record.bytes.count
        if count <= room {
            record.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer + start, count: count))
        } else {
            if room > 0 { record.bytes.append(contentsOf: UnsafeBufferPointer(start: buffer + start, count: room)) }
            record.note("record longer than \(Self.describe(bytes: maxRecordBytes)) (cut off in field \(record.ends.count + 1))",
                        field: record.ends.count)
        }
    }

    /// Ends the record's current field, unless the record already has `maxFields`.
    @inline(__always) private func endField(_ record: inout CSVRecord) {
        if record.ends.count < maxFields {
            record.ends.append(record.bytes.count)
        } else {
            record.note("more than \(maxFields) fields", field: nil)
        }
    }

    static func describe(bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : bytes % 1024 == 0 ? "\(bytes >> 10) KiB" : "\(bytes) bytes"
    }

    deinit { buffer.deallocate() }

    /// Loads the next chunk; false at the end of input. On true, at least one byte is there to read.
    private func refill() throws(ImportError) -> Bool {
        while !exhausted {
            position = 0
            length = try source.read(into: buffer, capacity: capacity)
            if length == 0 { exhausted = true; return false }
            if startOfInput { try skipByteOrderMarks() }
            // A first chunk that was only byte-order marks leaves nothing to read: read on, rather than one byte
            // past the buffer.
            if position < length { return true }
        }
        return false
    }

    /// Skips every byte-order mark at the start of the input, not just the first: a file saved twice by a tool that
    /// adds one, or files joined end to end, start with several, and a mark left in would become part of the first
    /// column's name, which then matches nothing. A mark cut by the end of a chunk is completed from the next one.
    private func skipByteOrderMarks() throws(ImportError) {
        while true {
            while length - position >= 3, buffer[position] == 0xEF, buffer[position + 1] == 0xBB, buffer[position + 2] == 0xBF {
                position += 3
            }
            let rest = length - position
            let notAMark = (rest >= 1 && buffer[position] != 0xEF) || (rest == 2 && buffer[position + 1] != 0xBB)
            if rest >= 3 || notAMark { break }
            // Nothing left, or the start of a mark: keep those bytes at the front and read on behind them.
            for k in 0..<rest { buffer[k] = buffer[position + k] }
            position = 0
            length = rest
            let more = try source.read(into: buffer + rest, capacity: capacity - rest)
            if more == 0 { exhausted = true; break }
            length += more
        }
        startOfInput = false
    }

    @inline(__always) private func peek() throws(ImportError) -> UInt8? {
        if position == length, try !refill() { return nil }
        return buffer[position]
    }

    /// Looks at the start of the input to choose the delimiter: whichever of `,` `;` `|` TAB occurs
    /// most in the first line outside quotes (comma on a tie).
    func sniffDelimiter() throws(ImportError) {
        guard try peek() != nil else { return }
        var counts: [UInt8: Int] = [:]
        var inQuotes = false
        var k = position
        while k < length {
            let b = buffer[k]
            if b == 0x22 { inQuotes.toggle() }
            if !inQuotes {
                if b == 0x0A || b == 0x0D { break }
                if b == 0x2C || b == 0x3B || b == 0x7C || b == 0x09 { counts[b, default: 0] += 1 }
            }
            k += 1
        }
        let comma = counts[0x2C] ?? 0
        if let best = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }), best.value > comma {
            delimiter = best.key
        }
    }

    /// Whether the first bytes look like text, for a clear "not a CSV file" error: no NUL byte in the first line
    /// (the header; UTF-16 text has one in every other byte) and NUL bytes rare in the first 8 KiB (a binary
    /// format). A stray NUL in a data row does not make the file binary: that row is rejected on its own.
    func looksLikeText() throws(ImportError) -> Bool {
        guard try peek() != nil else { return true }
        let n = min(length - position, 8192)
        var nuls = 0
        var inFirstLine = true
        for k in 0..<n {
            let b = buffer[position + k]
            if b == 0 {
                if inFirstLine { return false }
                nuls += 1
            } else if b == 0x0A || b == 0x0D {
                inFirstLine = false
            }
        }
        return nuls * 16 <= n
    }

    /// Reads the next record into `record`; false at the end of input.
    func next(into record: inout CSVRecord) throws(ImportError) -> Bool {
        // Skip blank lines between records.
        while let b = try peek(), b == 0x0A || b == 0x0D {
            position += 1
            if b == 0x0A { line += 1 } else if try peek() != 0x0A { line += 1 }
        }
        guard try peek() != nil else { return false }
        record.reset(line: line)
        let delimiter = self.delimiter

        while true {
            // One field.
            if try peek() == 0x22 {
                position += 1
                quoted: while true {
                    if position == length, try !refill() {
                        // The unterminated quote explains a record cut off at the limit too, so it is the one said.
                        let unterminated = "unterminated quoted field (opened on line \(record.line))"
                        if record.problem != nil {
                            record.problem = nil
                            record.note(unterminated + "; cut off at \(Self.describe(bytes: maxRecordBytes))", field: record.ends.count)
                        } else {
                            record.note(unterminated, field: record.ends.count)
                        }
                        endField(&record)
                        return true
                    }
                    var k = position
                    while k < length, buffer[k] != 0x22 {
                        if buffer[k] == 0x0A { line += 1 }
                        k += 1
                    }
                    keep(position, k, into: &record)
                    position = k
                    if k < length {
                        position += 1  // the quote
                        if try peek() == 0x22 {
                            keep(position, position + 1, into: &record)
                            position += 1
                        } else {
                            break quoted
                        }
                    }
                }
            }
            // Unquoted text (or stray text after a closing quote, kept as written).
            while true {
                if position == length, try !refill() { break }
                var k = position
                while k < length {
                    let b = buffer[k]
                    if b == delimiter || b == 0x0A || b == 0x0D { break }
                    k += 1
                }
                keep(position, k, into: &record)
                position = k
                if k < length { break }
            }
            endField(&record)
            guard let terminator = try peek() else { return true }
            position += 1
            if terminator == delimiter { continue }
            if terminator == 0x0D, try peek() == 0x0A { position += 1 }
            line += 1
            return true
        }
    }
}

extension CSVReader {
    /// Checks that the input is delimited text, recognises its delimiter and reads its header row: the column names,
    /// trimmed, and the line the header ends on. `file` names the input in errors.
    func readHeader(file: String) throws(ImportError) -> (names: [String], line: Int) {
        guard try looksLikeText() else { throw .notCSV(file: file, reason: "it holds binary data") }
        try sniffDelimiter()
        var header = CSVRecord()
        guard try next(into: &header) else { throw .empty(file: file) }
        if let problem = header.problem { throw .notCSV(file: file, reason: "header: \(problem)") }
        var names: [String] = []
        for i in 0..<header.fieldCount {
            guard let name = header.string(i) else { throw .notCSV(file: file, reason: "header is not valid UTF-8") }
            names.append(name.trimmed)
        }
        if names.count < 2 {
            throw .notCSV(file: file, reason: "the header has a single column ('\(names.first ?? "")'); expected a delimited header row")
        }
        return (names, header.line)
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes without leading or trailing spaces and tabs (how every field is read).
    var trimmingSpacesAndTabs: UnsafeBufferPointer<UInt8> {
        var start = 0, end = count
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        while end > start, self[end - 1] == 0x20 || self[end - 1] == 0x09 { end -= 1 }
        return UnsafeBufferPointer(rebasing: self[start..<end])
    }

    /// Whether every byte is ASCII, in one scan.
    var isASCII: Bool {
        var high: UInt8 = 0
        for byte in self { high |= byte }
        return high < 0x80
    }

    /// Whether the bytes are UTF-8: one scan for the usual all-ASCII text, a full validation otherwise.
    var isValidUTF8: Bool { isASCII || String(validating: self, as: UTF8.self) != nil }
}
