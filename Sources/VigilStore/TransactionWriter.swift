import GRDB
import VigilCore

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
/// Client rows are aggregated in memory and upserted once per batch; a client new to the store gets its row
/// before its first transaction (`createsClientsFirst`).
struct TransactionWriter {
    let importID: Int64
    /// The clients' totals over the rows inserted since `finishBatch` last wrote them.
    private var clients = ClientTotals()

    /// Without identity checks (generated data into an empty store, identity index dropped), rows are
    /// appended with a plain INSERT.
    let checksIdentity: Bool

    /// Keep the clients' totals in memory across batches and write them at the last batch (or once they reach
    /// `heldClientsLimit` clients, which bounds the memory they take), instead of upserting every client a batch
    /// touched at each batch's commit. Only for a load whose batches need not stand alone: into a new store built
    /// all or nothing, with its references checked at the end.
    let holdsClients: Bool
    let heldClientsLimit: Int
    /// Whether the writer totals the clients of the rows it inserts. Off when the caller totals them itself (the
    /// import's parsing thread, for a load in which every row goes in or none does) and writes them itself
    /// (`ClientTotals.write`).
    let countsClients: Bool

    /// Give each client new to the store its row before its first transaction goes in, and fill in its totals at
    /// the batch's end. A transaction inserted before its client's row is a pending violation of the deferred
    /// foreign key, and while any is pending SQLite checks every row inserted into a parent table (`transactions`
    /// is the parent of `scores`, `alerts` and `live_scores`) for children that it might satisfy: a full scan of
    /// `scores`, which has no index by transaction (migration v4), for every later row of the batch. Off for a load
    /// with foreign keys off (into an empty store), which has no pending violations to count.
    let createsClientsFirst: Bool
    /// The clients whose row exists in this batch's transaction (found or created), by their ids' bytes.
    private var clientsPresent = ByteInterner()
    /// The clients whose row this batch created, to remove again if none of their rows went in.
    private var clientsCreated: [Int32] = []

    /// The INSERT for a full statement of `rowsPerStatement` rows, built once.
    private var fullInsertSQL: String?

    init(importID: Int64, checksIdentity: Bool = true, holdsClients: Bool = false, heldClientsLimit: Int = 250_000,
         countsClients: Bool = true, createsClientsFirst: Bool = true) {
        precondition(countsClients || !checksIdentity, "rows totalled before they go in must all go in")
        self.importID = importID
        // A writer holding clients loads with its references checked at the end, not row by row.
        self.createsClientsFirst = createsClientsFirst && !holdsClients
        self.checksIdentity = checksIdentity
        self.holdsClients = holdsClients
        self.heldClientsLimit = heldClientsLimit
        self.countsClients = countsClients
    }

    /// Rows per INSERT statement: one statement step per row costs more than binding its twenty values.
    static let rowsPerStatement = 128

    /// Call at the start of each batch's transaction.
    mutating func beginBatch(_ db: Database) throws {
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        clientsPresent = ByteInterner()
        clientsCreated = []
    }

    /// Creates the rows of the clients of `rows[group]` not stored yet, with no transactions and an empty time
    /// range that the batch's totals replace (`ClientTotals.write` takes the min and max).
    private mutating func createClients(of rows: borrowing PackedRows, _ group: Range<Int>, _ db: Database) throws {
        var statement: Statement?
        for row in group {
            let id = rows.range(row, .clientID)
            let before = clientsPresent.count
            let index = rows.bytes.withUnsafeBufferPointer { all in
                clientsPresent.index(of: all.baseAddress.map { $0 + id.lowerBound }, length: id.count)
            }
            guard clientsPresent.count > before else { continue }
            if statement == nil {
                statement = try db.cachedStatement(sql: """
                    INSERT INTO clients (id, first_instant, last_instant, transaction_count) VALUES (?, ?, ?, 0)
                    ON CONFLICT(id) DO NOTHING
                    """)
            }
            try statement!.execute(arguments: [clientsPresent.string(index), Int64.max, Int64.min])
            if db.changesCount > 0 { clientsCreated.append(index) }
        }
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
    mutating func insert(_ rows: PackedRows, _ db: Database) throws -> [InsertOutcome] {
        try insert(rows, 0..<rows.count, db)
    }

    /// `insert(_:_:)` on `rows[range]` only: outcomes for those rows, in order.
    mutating func insert(_ rows: PackedRows, _ range: Range<Int>, _ db: Database) throws -> [InsertOutcome] {
        var outcomes: [InsertOutcome] = []
        outcomes.reserveCapacity(range.count)
        var start = range.lowerBound
        while start < range.upperBound {
            let group = start..<min(start + Self.rowsPerStatement, range.upperBound)
            start = group.upperBound
            if createsClientsFirst { try createClients(of: rows, group, db) }
            let before = checksIdentity ? try Int64.fetchOne(db, sql: "SELECT max(id) FROM transactions") ?? 0 : 0
            let sql: String
            if group.count == Self.rowsPerStatement {
                if fullInsertSQL == nil { fullInsertSQL = insertSQL(rows: group.count) }
                sql = fullInsertSQL!
            } else {
                sql = insertSQL(rows: group.count)
            }
            // Bound through SQLite's C API: this is the import's innermost loop. Text is bound from the rows' own
            // buffer without SQLite copying it: the buffer outlives the step that reads it.
            let statement = try RawStatement.cached(db, sql: sql)
            statement.reset()
            try rows.bytes.withUnsafeBufferPointer { text in
                for row in group {
                    bind(rows, row, text: text, to: statement, at: Int32((row - group.lowerBound) * Self.columnCount))
                }
                try statement.execute()
            }
            if !checksIdentity || db.changesCount == group.count {
                if countsClients { for row in group { clients.add(rows, row) } }
                outcomes.append(contentsOf: repeatElement(.inserted, count: group.count))
                continue
            }
            var insertedHashes = Set<Int64>()
            for row in group {
                let hash = rows.hashes[row]
                let sourceKey = rows.string(row, .sourceKey)!
                let stored = try Row.fetchOne(db, sql: "SELECT id, source_key FROM transactions WHERE source_hash = ?",
                                              arguments: [hash])
                guard let stored else {
                    throw DatabaseError(resultCode: .SQLITE_INTERNAL, message: "row '\(sourceKey)' was neither inserted nor found")
                }
                let id: Int64 = stored["id"]
                let key: String = stored["source_key"]
                if key != sourceKey {
                    outcomes.append(.identityCollision(existingKey: key))
                } else if id > before, insertedHashes.insert(hash).inserted {
                    clients.add(rows, row)
                    outcomes.append(.inserted)
                } else {
                    outcomes.append(.duplicate)
                }
            }
        }
        return outcomes
    }

    /// Inserts transactions given as values (generated data, tests): `insert(_:_:)` on them packed.
    mutating func insert(_ rows: [Transaction], _ db: Database) throws -> [InsertOutcome] {
        try insert(PackedRows(rows), db)
    }

    /// Binds one row's twenty values at parameter `offset` (0 for the first row of a statement); `text` is the
    /// rows' text buffer, which must outlive the statement's next step.
    @inline(__always)
    private func bind(_ rows: borrowing PackedRows, _ row: Int, text: UnsafeBufferPointer<UInt8>, to s: RawStatement,
                      at offset: Int32) {
        @inline(__always) func bindText(_ i: Int32, _ k: PackedRows.Text) {
            if rows.isAbsent(row, k) { s.bindNull(at: i); return }
            let r = rows.range(row, k)
            s.bindText(text.baseAddress.map { $0 + r.lowerBound }, count: r.count, at: i)
        }
        s.bind(importID, at: offset + 1)
        bindText(offset + 2, .sourceKey)
        s.bind(rows.hashes[row], at: offset + 3)
        bindText(offset + 4, .clientID)
        s.bind(rows.instants[row], at: offset + 5)
        bindText(offset + 6, .originalTime)
        s.bind(rows.amounts[row], at: offset + 7)
        bindText(offset + 8, .currency)
        bindText(offset + 9, .merchant)
        bindText(offset + 10, .category)
        bindText(offset + 11, .city)
        bindText(offset + 12, .state)
        bindText(offset + 13, .country)
        for c in 0..<4 { s.bind(nanAsNull: rows.coordinates[row * 4 + c], at: offset + 14 + Int32(c)) }
        let channel = rows.channels[row]
        if channel >= 0 { s.bindText(Self.channelNames[Int(channel)], at: offset + 18) } else { s.bindNull(at: offset + 18) }
        let label = rows.labels[row]
        if label >= 0 { s.bind(Int64(label), at: offset + 19) } else { s.bindNull(at: offset + 19) }
        bindText(offset + 20, .labelKind)
    }

    /// `Channel.allCases`' stored names, in order, as constants SQLite can read in place.
    private static let channelNames: [StaticString] = {
        let names: [StaticString] = ["card_present", "online", "atm"]
        precondition(names.map { $0.description } == Channel.allCases.map(\.rawValue), "channel names follow Channel")
        return names
    }()

    /// Writes the clients' totals; call before the batch commits. A writer that `holdsClients` writes them only at
    /// the `last` batch, or once they reach `heldClientsLimit` clients.
    mutating func finishBatch(_ db: Database, last: Bool = true) throws {
        defer { clientsCreated = [] }
        if !clientsCreated.isEmpty {
            // Clients created for rows that all turned out duplicates or identity collisions: none of their rows
            // went in, so they go again (the totals below never name them).
            let statement = try db.cachedStatement(sql: "DELETE FROM clients WHERE id = ? AND transaction_count = 0")
            try clients.write(db)
            for index in clientsCreated { try statement.execute(arguments: [clientsPresent.string(index)]) }
            return
        }
        if holdsClients && !last && clients.count < heldClientsLimit { return }
        try clients.write(db)
    }
}
