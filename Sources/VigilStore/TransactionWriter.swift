import GRDB
import GRDBSQLite
import VigilCore

/// SQLite's "copy this buffer now" destructor constant, which Swift cannot import as a macro.
let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

/// What happened to one transaction offered to the store.
enum InsertOutcome: Equatable {
    case inserted
    /// Its source key is already stored.
    case duplicate
    /// A different stored key has the same 64-bit identity hash (about one chance in 10^12 at ten million rows).
    case identityCollision(existingKey: String)
}

/// Appends transactions inside a write transaction, shared by CSV import and the demo generator.
/// Rows whose source key is already stored are reported as duplicates, never overwritten.
/// Client rows are aggregated in memory and upserted once per batch (foreign keys are deferred
/// to the batch's commit so the order does not matter).
struct TransactionWriter {
    let importID: Int64
    private var clients: [String: ClientAggregate] = [:]

    private struct ClientAggregate {
        var home: GeoPoint?
        var first: Int64
        var last: Int64
        var homeInstant: Int64
        var count: Int

        mutating func add(_ t: Transaction) {
            first = min(first, t.instant)
            last = max(last, t.instant)
            count += 1
            if let h = t.home, t.instant >= homeInstant || home == nil { home = h; homeInstant = t.instant }
        }
    }

    /// Text values of the statement being bound, end to end, and where each goes (`bindText`).
    private var texts: [UInt8] = []
    private var spans: [(parameter: Int32, offset: Int, length: Int32)] = []

    /// Without identity checks (generated data into an empty store, identity index dropped), rows are
    /// appended with a plain INSERT.
    let checksIdentity: Bool

    /// Keep the clients' totals in memory across batches and write them at the last (or when they reach
    /// `heldClientsLimit`, which bounds the memory they take), instead of upserting every client a batch touched at each batch's commit. Only for
    /// a load whose batches need not stand alone: into a new store built all or nothing, with its references
    /// checked at the end. (A 6.7 M-row export of 10,000 clients upserted 2.9 M client rows batch by batch.)
    let holdsClients: Bool
    let heldClientsLimit: Int

    /// The INSERT for a full statement of `rowsPerStatement` rows, built once (and the last one's, shorter).
    private var fullInsertSQL: String?

    init(importID: Int64, checksIdentity: Bool = true, holdsClients: Bool = false, heldClientsLimit: Int = 250_000) {
        self.importID = importID
        self.checksIdentity = checksIdentity
        self.holdsClients = holdsClients
        self.heldClientsLimit = heldClientsLimit
    }

    /// Rows per INSERT statement: one statement step per row costs more than binding its twenty values
    /// (1.34 M generated rows: 11.4 s with one row per statement, 8.4 s with 128; bench/RESULTS.md).
    static let rowsPerStatement = 128

    /// Call at the start of each batch's transaction.
    mutating func beginBatch(_ db: Database) throws {
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
    }

    private static let columnCount = 20

    private func insertSQL(rows: Int) -> String {
        let row = "(" + Array(repeating: "?", count: Self.columnCount).joined(separator: ", ") + ")"
        return """
            INSERT INTO transactions (import_id, source_key, source_hash, client_id, instant, original_time, amount_minor, currency,
                merchant, category, city, state, country, home_lat, home_lon, merch_lat, merch_lon, channel, label, label_kind)
            VALUES \(Array(repeating: row, count: rows).joined(separator: ", "))
            """ + (checksIdentity ? " ON CONFLICT(source_hash) DO NOTHING" : "")
    }

    /// Inserts transactions, `rowsPerStatement` per statement, and says for each (in order) whether it went in, was
    /// already stored, or collides with another key's hash. Rows whose key is already stored are never overwritten.
    ///
    /// A statement skips the rows whose hash is stored (`ON CONFLICT DO NOTHING`); when it inserted fewer rows than
    /// it was given, each of its rows is looked up to tell which went in: those stored under a row id above the
    /// table's maximum before the statement, the first time their hash appears in it.
    ///
    /// `hashes`, when given, are the rows' `FNV1a.sourceHash` values, computed by the caller (the import's
    /// parsing thread) instead of here.
    mutating func insert(_ rows: [Transaction], hashes given: [Int64]? = nil, _ db: Database) throws -> [InsertOutcome] {
        precondition(given == nil || given!.count == rows.count, "one hash per row")
        var outcomes: [InsertOutcome] = []
        outcomes.reserveCapacity(rows.count)
        var start = rows.startIndex
        while start < rows.endIndex {
            let group = rows[start..<min(start + Self.rowsPerStatement, rows.endIndex)]
            start = group.endIndex
            let before = checksIdentity ? try Int64.fetchOne(db, sql: "SELECT max(id) FROM transactions") ?? 0 : 0
            // Bound through SQLite's C API: this is the import's innermost loop, and GRDB's StatementArguments
            // (an array of existentials per row) cost more than the insert itself.
            let sql: String
            if group.count == Self.rowsPerStatement {
                if fullInsertSQL == nil { fullInsertSQL = insertSQL(rows: group.count) }
                sql = fullInsertSQL!
            } else {
                sql = insertSQL(rows: group.count)
            }
            let statement = try db.cachedStatement(sql: sql)
            let s = statement.sqliteStatement
            sqlite3_reset(s)
            var hashes: [Int64] = []
            hashes.reserveCapacity(group.count)
            texts.removeAll(keepingCapacity: true)
            spans.removeAll(keepingCapacity: true)
            for i in group.indices {
                let hash = given?[i] ?? FNV1a.sourceHash(rows[i].sourceKey)
                bind(rows[i], hash: hash, to: s, at: Int32((i - group.startIndex) * Self.columnCount))
                hashes.append(hash)
            }
            // The statement's text values, copied end to end into one buffer and bound without SQLite copying
            // each again (SQLITE_STATIC): the buffer outlives the step that reads them.
            let code = texts.withUnsafeBufferPointer { buffer in
                for span in spans {
                    if span.length == 0 {
                        sqlite3_bind_text(s, span.parameter, "", 0, sqliteTransient)
                    } else {
                        let text = UnsafeRawPointer(buffer.baseAddress! + span.offset).assumingMemoryBound(to: CChar.self)
                        sqlite3_bind_text(s, span.parameter, text, span.length, nil)
                    }
                }
                return sqlite3_step(s)
            }
            guard code == SQLITE_DONE else {
                let error = db.stepError(code, sql: statement.sql)
                sqlite3_reset(s)
                throw error
            }
            if !checksIdentity || db.changesCount == group.count {
                for t in group { aggregate(t) }
                outcomes.append(contentsOf: repeatElement(.inserted, count: group.count))
                continue
            }
            var insertedHashes = Set<Int64>()
            for (t, hash) in zip(group, hashes) {
                let stored = try Row.fetchOne(db, sql: "SELECT id, source_key FROM transactions WHERE source_hash = ?",
                                              arguments: [hash])
                guard let stored else {
                    throw DatabaseError(resultCode: .SQLITE_INTERNAL, message: "row '\(t.sourceKey)' was neither inserted nor found")
                }
                let id: Int64 = stored["id"]
                let key: String = stored["source_key"]
                if key != t.sourceKey {
                    outcomes.append(.identityCollision(existingKey: key))
                } else if id > before, insertedHashes.insert(hash).inserted {
                    aggregate(t)
                    outcomes.append(.inserted)
                } else {
                    outcomes.append(.duplicate)
                }
            }
        }
        return outcomes
    }

    /// Binds one row's twenty values at parameter `offset` (0 for the first row of a statement).
    private mutating func bind(_ t: borrowing Transaction, hash: Int64, to s: OpaquePointer, at offset: Int32) {
        sqlite3_bind_int64(s, offset + 1, importID)
        bindText(s, offset + 2, t.sourceKey)
        sqlite3_bind_int64(s, offset + 3, hash)
        bindText(s, offset + 4, t.clientID)
        sqlite3_bind_int64(s, offset + 5, t.instant)
        bindText(s, offset + 6, t.originalTime)
        sqlite3_bind_int64(s, offset + 7, t.amount.minorUnits)
        bindText(s, offset + 8, t.amount.currency)
        bindText(s, offset + 9, t.merchant)
        bindText(s, offset + 10, t.category)
        bindText(s, offset + 11, t.city)
        bindText(s, offset + 12, t.state)
        bindText(s, offset + 13, t.country)
        bindDouble(s, offset + 14, t.home?.latitude)
        bindDouble(s, offset + 15, t.home?.longitude)
        bindDouble(s, offset + 16, t.merchantLocation?.latitude)
        bindDouble(s, offset + 17, t.merchantLocation?.longitude)
        bindText(s, offset + 18, t.channel?.rawValue)
        if let label = t.label { sqlite3_bind_int64(s, offset + 19, Int64(label)) } else { sqlite3_bind_null(s, offset + 19) }
        bindText(s, offset + 20, t.labelKind)
    }

    private mutating func aggregate(_ t: Transaction) {
        if let i = clients.index(forKey: t.clientID) {
            clients.values[i].add(t)
        } else {
            clients[t.clientID] = ClientAggregate(home: t.home, first: t.instant, last: t.instant, homeInstant: t.instant, count: 1)
        }
    }

    /// Binds NULL now, or queues the text for binding from the statement's buffer just before the step.
    @inline(__always) private mutating func bindText(_ s: OpaquePointer, _ i: Int32, _ value: String?) {
        guard let value else { sqlite3_bind_null(s, i); return }
        let offset = texts.count
        texts.append(contentsOf: value.utf8)
        spans.append((i, offset, Int32(texts.count - offset)))
    }

    @inline(__always) private func bindDouble(_ s: OpaquePointer, _ i: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(s, i, value) } else { sqlite3_bind_null(s, i) }
    }

    /// Writes the batch's client aggregates; call before the batch commits. A writer that `holdsClients` writes
    /// them only at the `last` batch, or once they reach `heldClientsLimit` clients.
    mutating func finishBatch(_ db: Database, last: Bool = true) throws {
        if holdsClients && !last && clients.count < heldClientsLimit { return }
        let statement = try db.cachedStatement(sql: """
            INSERT INTO clients (id, home_lat, home_lon, first_instant, last_instant, transaction_count)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                home_lat = CASE WHEN excluded.home_lat IS NOT NULL AND excluded.last_instant >= clients.last_instant
                                THEN excluded.home_lat ELSE coalesce(clients.home_lat, excluded.home_lat) END,
                home_lon = CASE WHEN excluded.home_lon IS NOT NULL AND excluded.last_instant >= clients.last_instant
                                THEN excluded.home_lon ELSE coalesce(clients.home_lon, excluded.home_lon) END,
                first_instant = min(clients.first_instant, excluded.first_instant),
                last_instant = max(clients.last_instant, excluded.last_instant),
                transaction_count = clients.transaction_count + excluded.transaction_count
            """)
        for (id, c) in clients {
            try statement.execute(arguments: [id, c.home?.latitude, c.home?.longitude, c.first, c.last, c.count])
        }
        clients.removeAll(keepingCapacity: true)
    }
}
