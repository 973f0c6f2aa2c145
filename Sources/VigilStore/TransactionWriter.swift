import GRDB
import GRDBSQLite
import VigilCore

/// SQLite's "copy this buffer now" destructor constant, which Swift cannot import as a macro.
private let sqliteTransient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

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

    /// Without identity checks (generated data into an empty store, identity index dropped), rows are
    /// appended with a plain INSERT.
    let checksIdentity: Bool

    init(importID: Int64, checksIdentity: Bool = true) {
        self.importID = importID
        self.checksIdentity = checksIdentity
    }

    private var insertStatement: Statement?

    /// Call at the start of each batch's transaction.
    mutating func beginBatch(_ db: Database) throws {
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        insertStatement = try db.cachedStatement(sql: checksIdentity ? Self.insertSQL + " ON CONFLICT(source_hash) DO NOTHING" : Self.insertSQL)
    }

    private static let insertSQL = """
        INSERT INTO transactions (import_id, source_key, source_hash, client_id, instant, original_time, amount_minor, currency,
            merchant, category, city, state, country, home_lat, home_lon, merch_lat, merch_lon, channel, label, label_kind)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts one transaction unless its source key is already in the store.
    mutating func insert(_ t: Transaction, _ db: Database) throws -> InsertOutcome {
        guard let statement = insertStatement else { preconditionFailure("beginBatch(_:) not called") }
        // Bound through SQLite's C API: this is the import's innermost loop, and GRDB's StatementArguments
        // (an array of existentials per row) cost more than the insert itself.
        let s = statement.sqliteStatement
        sqlite3_reset(s)
        sqlite3_bind_int64(s, 1, importID)
        let hash = FNV1a.sourceHash(t.sourceKey)
        bindText(s, 2, t.sourceKey)
        sqlite3_bind_int64(s, 3, hash)
        bindText(s, 4, t.clientID)
        sqlite3_bind_int64(s, 5, t.instant)
        bindText(s, 6, t.originalTime)
        sqlite3_bind_int64(s, 7, t.amount.minorUnits)
        bindText(s, 8, t.amount.currency)
        bindText(s, 9, t.merchant)
        bindText(s, 10, t.category)
        bindText(s, 11, t.city)
        bindText(s, 12, t.state)
        bindText(s, 13, t.country)
        bindDouble(s, 14, t.home?.latitude)
        bindDouble(s, 15, t.home?.longitude)
        bindDouble(s, 16, t.merchantLocation?.latitude)
        bindDouble(s, 17, t.merchantLocation?.longitude)
        bindText(s, 18, t.channel?.rawValue)
        if let label = t.label { sqlite3_bind_int64(s, 19, Int64(label)) } else { sqlite3_bind_null(s, 19) }
        bindText(s, 20, t.labelKind)
        let code = sqlite3_step(s)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
            sqlite3_reset(s)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
        }
        if db.changesCount == 0 {
            let existing = try String.fetchOne(db, sql: "SELECT source_key FROM transactions WHERE source_hash = ?", arguments: [hash])
            if let existing, existing != t.sourceKey { return .identityCollision(existingKey: existing) }
            return .duplicate
        }
        if let i = clients.index(forKey: t.clientID) {
            clients.values[i].add(t)
        } else {
            clients[t.clientID] = ClientAggregate(home: t.home, first: t.instant, last: t.instant, homeInstant: t.instant, count: 1)
        }
        return .inserted
    }

    @inline(__always) private func bindText(_ s: OpaquePointer, _ i: Int32, _ value: String?) {
        guard let value else { sqlite3_bind_null(s, i); return }
        var copy = value
        copy.withUTF8 { bytes in
            _ = sqlite3_bind_text(s, i, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count), sqliteTransient)
        }
    }

    @inline(__always) private func bindDouble(_ s: OpaquePointer, _ i: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(s, i, value) } else { sqlite3_bind_null(s, i) }
    }

    /// Writes the batch's client aggregates; call before the batch commits.
    mutating func flushClients(_ db: Database) throws {
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
