import Foundation
import GRDB
import GRDBSQLite
import VigilCore

extension Store {
    /// Streams every transaction as `TransactionColumns` chunks of whole clients, each client's rows in time order
    /// (then by row id), chunks of about `rowsPerChunk` rows. Category and merchant indices are stable across the chunks.
    ///
    /// Read through SQLite's C API on one read transaction (a consistent snapshot even while an import writes):
    /// per-row `Row` values cost more than the features computed from them.
    public func forEachClientChunk(rowsPerChunk: Int = 250_000, _ body: (TransactionColumns) throws -> Void) throws {
        try forEachClientChunk(sql: """
            SELECT id, client_id, instant, amount_minor, category, home_lat, home_lon, merch_lat, merch_lon, label, channel,
                   merchant
            FROM transactions ORDER BY client_id, instant, id
            """, rowsPerChunk: rowsPerChunk, body)
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
            // scattered page reads into a memory access instead of a system call (15 s -> 9 s at 6.7 M rows).
            try db.execute(sql: "PRAGMA mmap_size = \(Self.readMapSize)")
            let statement = try db.makeStatement(sql: sql)
            var reader = ColumnReader(statement: statement.sqliteStatement)
            var chunk = TransactionColumns()
            chunk.reserveCapacity(min(rowsPerChunk, 1 << 20))
            var currentClient: [UInt8] = []
            var clientOpen = false
            while true {
                let code = sqlite3_step(reader.statement)
                if code == SQLITE_DONE { break }
                guard code == SQLITE_ROW else { throw db.stepError(code, sql: sql) }
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

    /// The most of the file that reads map into memory (SQLite caps it at 2 GiB unless built otherwise).
    static let readMapSize: Int64 = 1 << 31
}

/// Reads one result row's columns straight from the statement, interning categories and merchants as it goes.
private struct ColumnReader {
    let statement: OpaquePointer
    private(set) var categoryNames: [String] = []
    private var categoryBytes: [[UInt8]] = []
    private var categoryIndex: [String: Int32] = [:]
    private(set) var merchantNames: [String] = []
    /// Every merchant's bytes end to end; merchant `i` is `merchantBytes[merchantEnds[i - 1] ..< merchantEnds[i]]`.
    private var merchantBytes: [UInt8] = []
    private var merchantEnds: [Int] = []
    private var merchantHashes: [UInt64] = []
    /// An open-addressing table of merchant indices (-1 where empty) by hash of their bytes, at most half full.
    private var merchantSlots = [Int32](repeating: -1, count: 1_024)

    init(statement: OpaquePointer) { self.statement = statement }

    func clientEquals(_ bytes: [UInt8]) -> Bool {
        let length = Int(sqlite3_column_bytes(statement, 1))
        guard length == bytes.count else { return false }
        guard length > 0, let text = sqlite3_column_text(statement, 1) else { return true }
        return bytes.withUnsafeBufferPointer { memcmp($0.baseAddress!, text, length) == 0 }
    }

    func client() -> [UInt8] { Self.bytes(statement, 1) }

    mutating func appendRow(to chunk: inout TransactionColumns) {
        chunk.append(
            id: sqlite3_column_int64(statement, 0),
            instant: sqlite3_column_int64(statement, 2),
            amountMinor: sqlite3_column_int64(statement, 3),
            category: category(),
            home: (real(5), real(6)),
            merchant: (real(7), real(8)),
            label: sqlite3_column_type(statement, 9) == SQLITE_NULL ? -1 : Int8(clamping: sqlite3_column_int64(statement, 9)),
            channel: channel(),
            merchantIndex: merchant())
    }

    /// The channel from its first byte and length (the schema allows only these three), without making a String.
    private func channel() -> Channel? {
        guard let text = sqlite3_column_text(statement, 10) else { return nil }
        switch (text[0], sqlite3_column_bytes(statement, 10)) {
        case (UInt8(ascii: "c"), 12): return .cardPresent
        case (UInt8(ascii: "o"), 6): return .online
        case (UInt8(ascii: "a"), 3): return .atm
        default: return nil
        }
    }

    private func real(_ column: Int32) -> Double {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? .nan : sqlite3_column_double(statement, column)
    }

    /// The row's category as an index; a handful of categories is the rule, so compare bytes before making a String.
    private mutating func category() -> Int32 {
        let length = Int(sqlite3_column_bytes(statement, 4))
        let text = sqlite3_column_text(statement, 4)
        if categoryBytes.count <= 64, length > 0, let text {
            for (index, known) in categoryBytes.enumerated() where known.count == length {
                if known.withUnsafeBufferPointer({ memcmp($0.baseAddress!, text, length) == 0 }) { return Int32(index) }
            }
        }
        let name = text.map { String(cString: $0) } ?? ""
        if let index = categoryIndex[name] { return index }
        let index = Int32(categoryNames.count)
        categoryNames.append(name)
        categoryBytes.append(Array(name.utf8))
        categoryIndex[name] = index
        return index
    }

    /// The row's merchant as an index. Merchants are many (thousands), so they are found in a hash table by a hash of
    /// their bytes, then compared byte for byte; a String is made only for a merchant not seen before.
    private mutating func merchant() -> Int32 {
        let column: Int32 = 11
        let text = sqlite3_column_text(statement, column)
        let length = text == nil ? 0 : Int(sqlite3_column_bytes(statement, column))
        let hash = text.map { Self.hash(UnsafeRawPointer($0), length) } ?? 0
        let mask = merchantSlots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let candidate = merchantSlots[slot]
            if candidate < 0 { break }
            let index = Int(candidate)
            if merchantHashes[index] == hash {
                let start = index == 0 ? 0 : merchantEnds[index - 1]
                if merchantEnds[index] - start == length,
                   length == 0 || merchantBytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + start, text!, length) == 0 }) {
                    return candidate
                }
            }
            slot = (slot + 1) & mask
        }
        let bytes = Self.bytes(statement, column)
        let index = Int32(merchantNames.count)
        merchantNames.append(String(decoding: bytes, as: UTF8.self))
        merchantBytes += bytes
        merchantEnds.append(merchantBytes.count)
        merchantHashes.append(hash)
        merchantSlots[slot] = index
        if merchantNames.count * 2 > merchantSlots.count { growMerchantSlots() }
        return index
    }

    private mutating func growMerchantSlots() {
        merchantSlots = [Int32](repeating: -1, count: merchantSlots.count * 2)
        let mask = merchantSlots.count - 1
        for (index, hash) in merchantHashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while merchantSlots[slot] >= 0 { slot = (slot + 1) & mask }
            merchantSlots[slot] = Int32(index)
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

    private static func bytes(_ statement: OpaquePointer, _ column: Int32) -> [UInt8] {
        let length = Int(sqlite3_column_bytes(statement, column))
        guard length > 0, let text = sqlite3_column_text(statement, column) else { return [] }
        return Array(UnsafeBufferPointer(start: text, count: length))
    }
}
