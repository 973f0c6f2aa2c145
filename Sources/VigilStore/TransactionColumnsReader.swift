import Foundation
import GRDB
import VigilCore

extension Store {
    /// Streams every transaction as `TransactionColumns` chunks of whole clients, each client's rows in time order
    /// (then by row id), chunks of about `rowsPerChunk` rows. Category and merchant indices are stable across the chunks.
    ///
    /// Read through SQLite's C API on one read transaction (a consistent snapshot even while an import writes):
    /// per-row `Row` values cost more than the features computed from them.
    ///
    /// The table is read in its own (row id) order, one sequential pass, and the rows are put in client order in
    /// memory: reading them in client order through the client+time index costs a random page access per row.
    /// Holds every row's columns while it runs, about 70 bytes a transaction.
    ///
    /// `reading`, when given, is called every `readingEvery` rows of that first pass with the rows read so far
    /// (before any chunk is handed over); whatever it throws stops the read and is rethrown. It lets a caller show
    /// progress and stop a long read without waiting for its end.
    public func forEachClientChunk(rowsPerChunk: Int = 250_000, readingEvery: Int = Store.readingInterval,
                                   reading: ((Int) throws -> Void)? = nil,
                                   _ body: (TransactionColumns) throws -> Void) throws {
        precondition(readingEvery >= 1, "reading is reported every row at most")
        try pool.read { db in
            try db.execute(sql: "PRAGMA mmap_size = \(Self.readMapSize)")
            let sql = """
                SELECT id, client_id, instant, amount_minor, category, home_lat, home_lon, merch_lat, merch_lon, label, channel,
                       merchant
                FROM transactions ORDER BY id
                """
            var reader = ColumnReader(statement: try RawStatement(db, sql: sql))
            var all = TransactionColumns()
            var clients = ByteInterner()
            var clientOf: [Int32] = []
            if let count = try Int.fetchOne(db, sql: "SELECT max(id) FROM transactions") {
                all.reserveCapacity(count)
                clientOf.reserveCapacity(count)
            }
            while try reader.statement.step() {
                clientOf.append(clients.index(of: reader.statement.text(1), length: reader.statement.byteCount(1)))
                reader.appendRow(to: &all)
                if let reading, clientOf.count % readingEvery == 0 { try reading(clientOf.count) }
            }
            guard all.count > 0 else { return }

            // Clients in the byte order of their ids (SQLite's BINARY collation, as `ORDER BY client_id` gives),
            // then each client's rows by instant and id, by a counting sort on the client's rank.
            let ranked = clients.indicesInByteOrder()
            var rank = [Int](repeating: 0, count: ranked.count)
            for (position, client) in ranked.enumerated() { rank[Int(client)] = position }
            var starts = [Int](repeating: 0, count: ranked.count + 1)
            for client in clientOf { starts[rank[Int(client)] + 1] += 1 }
            for i in 0..<ranked.count { starts[i + 1] += starts[i] }
            var fill = starts
            var order = [Int](repeating: 0, count: all.count)
            for (row, client) in clientOf.enumerated() {
                let r = rank[Int(client)]
                order[fill[r]] = row
                fill[r] += 1
            }
            // Rows came in id order, so each client's rows are in id order: usually time order too.
            let instants = all.instants
            for r in 0..<ranked.count {
                let rows = starts[r]..<starts[r + 1]
                let sorted = zip(order[rows], order[rows].dropFirst()).allSatisfy { instants[$0] <= instants[$1] }
                if !sorted { order[rows].sort { instants[$0] != instants[$1] ? instants[$0] < instants[$1] : $0 < $1 } }
            }

            // Chunks of whole clients, each column gathered in one pass.
            var first = 0
            while first < ranked.count {
                var end = first + 1
                while end < ranked.count && starts[end] - starts[first] < rowsPerChunk { end += 1 }
                let rows = order[starts[first]..<starts[end]]
                var chunk = TransactionColumns()
                chunk.ids = rows.map { all.ids[$0] }
                chunk.instants = rows.map { all.instants[$0] }
                chunk.amountMinor = rows.map { all.amountMinor[$0] }
                chunk.categories = rows.map { all.categories[$0] }
                chunk.merchants = rows.map { all.merchants[$0] }
                chunk.homeLatitude = rows.map { all.homeLatitude[$0] }
                chunk.homeLongitude = rows.map { all.homeLongitude[$0] }
                chunk.merchantLatitude = rows.map { all.merchantLatitude[$0] }
                chunk.merchantLongitude = rows.map { all.merchantLongitude[$0] }
                chunk.labels = rows.map { all.labels[$0] }
                chunk.channels = rows.map { all.channels[$0] }
                chunk.clientStarts = (first...end).map { starts[$0] - starts[first] }
                chunk.clientIDs = ranked[first..<end].map { clients.string($0) }
                chunk.categoryNames = reader.categoryNames
                chunk.merchantNames = reader.merchantNames
                try body(chunk)
                first = end
            }
        }
    }

    /// Every transaction whose row id is a multiple of `every` (a deterministic sample), as one chunk.
    /// The rows are fetched by row id (a few point lookups each), not found by scanning the table.
    public func transactionSample(every: Int) throws -> TransactionColumns {
        let step = max(1, every)
        var sample = TransactionColumns()
        try forEachClientChunk(sql: """
            WITH RECURSIVE picked(id) AS (
                SELECT \(step) UNION ALL SELECT id + \(step) FROM picked WHERE id + \(step) <= (SELECT max(id) FROM transactions)
            )
            SELECT t.id, t.client_id, t.instant, t.amount_minor, t.category, t.home_lat, t.home_lon, t.merch_lat, t.merch_lon,
                   t.label, t.channel, t.merchant
            FROM picked JOIN transactions t ON t.id = picked.id
            ORDER BY t.client_id, t.instant, t.id
            """, rowsPerChunk: .max) { sample = $0 }
        return sample
    }

    /// Runs `sql` (the columns of `forEachClientChunk`, merchant last, ordered by client, instant, id) and hands over its rows in
    /// chunks of whole clients.
    func forEachClientChunk(sql: String, rowsPerChunk: Int, _ body: (TransactionColumns) throws -> Void) throws {
        try pool.read { db in
            // Rows come in client order, which is not the table's: memory-mapped reads turn each of those
            // scattered page reads into a memory access instead of a system call.
            try db.execute(sql: "PRAGMA mmap_size = \(Self.readMapSize)")
            var reader = ColumnReader(statement: try RawStatement(db, sql: sql))
            var chunk = TransactionColumns()
            chunk.reserveCapacity(min(rowsPerChunk, 1 << 20))
            var currentClient: [UInt8] = []
            var clientOpen = false
            while try reader.statement.step() {
                if !clientOpen || !reader.clientEquals(currentClient) {
                    if clientOpen {
                        chunk.endClient(String(decoding: currentClient, as: UTF8.self))
                        if chunk.count >= rowsPerChunk {
                            chunk.categoryNames = reader.categoryNames
                            chunk.merchantNames = reader.merchantNames
                            try body(chunk)
                            chunk = TransactionColumns()
                            chunk.reserveCapacity(min(rowsPerChunk, 1 << 20))
                        }
                    }
                    currentClient = reader.client()
                    clientOpen = true
                }
                reader.appendRow(to: &chunk)
            }
            if clientOpen { chunk.endClient(String(decoding: currentClient, as: UTF8.self)) }
            if chunk.count > 0 {
                chunk.categoryNames = reader.categoryNames
                chunk.merchantNames = reader.merchantNames
                try body(chunk)
            }
        }
    }

    /// Rows between two calls of `forEachClientChunk`'s `reading` by default: tens of milliseconds of reading.
    public static let readingInterval = 65_536

    /// The most of the file that reads map into memory (SQLite caps it at 2 GiB unless built otherwise).
    static let readMapSize: Int64 = 1 << 31
}

/// Reads one result row's columns straight from the statement, interning categories and merchants as it goes.
private struct ColumnReader {
    let statement: RawStatement
    private var categories = FewNames()
    private var merchants = InternedNames()
    var categoryNames: [String] { categories.names }
    var merchantNames: [String] { merchants.names }

    init(statement: RawStatement) { self.statement = statement }

    func clientEquals(_ bytes: [UInt8]) -> Bool {
        let length = statement.byteCount(1)
        guard length == bytes.count else { return false }
        guard length > 0, let text = statement.text(1) else { return true }
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, text, length) == 0 }
    }

    func client() -> [UInt8] { statement.bytes(1) }

    mutating func appendRow(to chunk: inout TransactionColumns) {
        chunk.append(
            id: statement.int64(0),
            instant: statement.int64(2),
            amountMinor: statement.int64(3),
            category: categories.index(of: statement, column: 4),
            home: (statement.doubleOrNaN(5), statement.doubleOrNaN(6)),
            merchant: (statement.doubleOrNaN(7), statement.doubleOrNaN(8)),
            label: statement.isNull(9) ? -1 : Int8(clamping: statement.int64(9)),
            channel: channel(),
            merchantIndex: merchants.index(of: statement, column: 11))
    }

    /// The channel from its first byte and length (the schema allows only these three), without making a String.
    private func channel() -> Channel? {
        guard let text = statement.text(10) else { return nil }
        switch (text[0], statement.byteCount(10)) {
        case (UInt8(ascii: "c"), 12): return .cardPresent
        case (UInt8(ascii: "o"), 6): return .online
        case (UInt8(ascii: "a"), 3): return .atm
        default: return nil
        }
    }
}

/// A text column's distinct values numbered in order of first sight, with a String made once for each (merchants,
/// which are many, or an alert's text columns): found by their bytes, so no String is made for one already seen.
struct InternedNames {
    private var interner = ByteInterner()
    private(set) var names: [String] = []

    /// The index of `column`'s text in the current row of `statement`, numbering it if new.
    mutating func index(of statement: RawStatement, column: Int32) -> Int32 {
        let index = interner.index(of: statement.text(column), length: statement.byteCount(column))
        if Int(index) == names.count { names.append(interner.string(index)) }
        return index
    }
}

/// A text column of a handful of distinct values (categories) numbered in order of first sight: the row's bytes are
/// compared with the known values before any String is made. NULL reads as the empty text.
struct FewNames {
    private(set) var names: [String] = []
    private var bytes: [[UInt8]] = []
    private var indices: [String: Int32] = [:]

    /// The index of `column`'s text in the current row of `statement`, numbering it if new.
    mutating func index(of statement: RawStatement, column: Int32) -> Int32 {
        let length = statement.byteCount(column)
        let text = statement.text(column)
        if bytes.count <= 64, length > 0, let text {
            for (index, known) in bytes.enumerated() where known.count == length {
                if known.withUnsafeBufferPointer({ memcmp($0.baseAddress!, text, length) == 0 }) { return Int32(index) }
            }
        }
        let name = text.map { String(cString: $0) } ?? ""
        if let index = indices[name] { return index }
        let index = Int32(names.count)
        names.append(name)
        bytes.append(Array(name.utf8))
        indices[name] = index
        return index
    }
}

/// Numbers distinct byte strings (merchant names, client ids) in order of first sight, finding each in an
/// open-addressing hash table and comparing bytes, so that no String is made for one already seen.
struct ByteInterner: Sendable {
    /// Every string's bytes end to end; string `i` is `bytes[ends[i - 1] ..< ends[i]]`.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var hashes: [UInt64] = []
    /// String indices (-1 where empty) by hash of their bytes, at most half full.
    private var slots = [Int32](repeating: -1, count: 1_024)

    var count: Int { ends.count }

    /// The index of these bytes, numbering them if new.
    mutating func index(of text: UnsafePointer<UInt8>?, length: Int) -> Int32 {
        let length = text == nil ? 0 : length
        let hash = text.map { Self.hash(UnsafeRawPointer($0), length) } ?? 0
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let candidate = slots[slot]
            if candidate < 0 { break }
            let index = Int(candidate)
            if hashes[index] == hash {
                let start = index == 0 ? 0 : ends[index - 1]
                if ends[index] - start == length,
                   length == 0 || bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + start, text!, length) == 0 }) {
                    return candidate
                }
            }
            slot = (slot + 1) & mask
        }
        let index = Int32(ends.count)
        if length > 0, let text { bytes.append(contentsOf: UnsafeBufferPointer(start: text, count: length)) }
        ends.append(bytes.count)
        hashes.append(hash)
        slots[slot] = index
        if ends.count * 2 > slots.count { grow() }
        return index
    }

    private func range(_ index: Int32) -> Range<Int> {
        let i = Int(index)
        return (i == 0 ? 0 : ends[i - 1])..<ends[i]
    }

    func string(_ index: Int32) -> String { String(decoding: bytes[range(index)], as: UTF8.self) }

    /// Every index, ordered by the bytes they stand for (memcmp order, shorter first on a common prefix).
    func indicesInByteOrder() -> [Int32] {
        (0..<Int32(count)).sorted { a, b in bytes[range(a)].lexicographicallyPrecedes(bytes[range(b)]) }
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        let mask = slots.count - 1
        for (index, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(index)
        }
    }

    /// A fast hash of a few dozen bytes, eight at a time (only ever compared within one read, never stored).
    private static func hash(_ bytes: UnsafeRawPointer, _ length: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(length)
        var offset = 0
        while offset + 8 <= length {
            h = (h ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h >> 29
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < length {
            tail |= UInt64(bytes.load(fromByteOffset: offset, as: UInt8.self)) << shift
            shift += 8
            offset += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 32)
    }
}
