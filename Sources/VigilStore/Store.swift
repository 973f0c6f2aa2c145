import Foundation
import GRDB
import VigilCore

/// Errors opening or using a store; each names the file.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotOpen(path: String, reason: String)
    case notAStore(path: String)
    case identityCollision(key: String, existingKey: String)
    case repeatedGeneratedKeys(name: String)
    case brokenReferences(table: String, rows: Int)
    /// A load that skipped per-row identity checks (into an empty store) found repeated row ids when it built
    /// the unique index at its end.
    case repeatedKeysInNewStore

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): return "\(path): cannot create the store: \(reason)"
        case .cannotOpen(let path, let reason): return "\(path): cannot open the store: \(reason)"
        case .notAStore(let path): return "\(path): not a Vigil store (not an SQLite database)"
        case .repeatedGeneratedKeys(let name):
            return "\(name): the generated data repeated a transaction key; nothing was kept"
        case .repeatedKeysInNewStore:
            return "the data repeats a row id; load it again with duplicate checks"
        case .brokenReferences(let table, let rows):
            return "\(rows) rows of \(table) refer to a client or import that is not stored (a bug in Vigil; please report it)"
        case .identityCollision(let key, let existing):
            return "row identity '\(key)' shares its 64-bit hash with stored row '\(existing)'"
        }
    }
}

/// A Vigil transaction store: one SQLite file in WAL mode with foreign keys on, a busy timeout
/// and versioned migrations. A new file is created readable by its owner only.
public final class Store: Sendable {
    public let path: String
    /// A pool of readers beside one writer in WAL mode; a single connection with no journal while a new store
    /// is built beside its final path (`Store.build(at:_:)`).
    let pool: any DatabaseWriter
    /// True while this is a new store being built beside its final path.
    let isBuilding: Bool
    private let watcherConnection = WatcherConnection()

    /// A read-only connection of its own for `changeToken()`, opened on first use.
    var watcher: DatabaseQueue {
        get throws { try watcherConnection.queue(path: path) }
    }

    /// Closes the store's connections now rather than when the last reference goes. Call it before removing the
    /// store's files: SQLite keeps one record per open file (by device and inode) for the whole process, and a file
    /// deleted under open connections, whose inode a new store then reuses, would share that record with it.
    /// Using the store afterwards throws.
    public func closeConnections() throws {
        try watcherConnection.close()
        try pool.close()
    }

    /// Opens the store at `path`, creating it (mode 0600) and its directory when missing.
    public convenience init(path: String) throws {
        try self.init(path: path, building: false)
    }

    init(path: String, building: Bool) throws {
        self.path = path
        isBuilding = building
        let url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) {
            let directory = url.deletingLastPathComponent().path
            do {
                try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw StoreError.cannotCreate(path: path, reason: "cannot create directory \(directory): \(error.localizedDescription)")
            }
            // Create the file ourselves so it is born 0600; SQLite gives its -wal and -shm files the same mode.
            let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            if fd < 0 {
                let reason = String(cString: strerror(errno))
                if errno != EEXIST { throw StoreError.cannotCreate(path: path, reason: reason) }
            } else {
                close(fd)
            }
        }
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.label = "vigil-store"
        config.prepareDatabase { db in
            // A store being built is a private file that is thrown away unless the whole load succeeds, so it
            // needs neither a journal nor syncs until it is complete (`Store.build`).
            try db.execute(sql: building ? "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF" : "PRAGMA synchronous = FULL")
        }
        do {
            pool = building ? try DatabaseQueue(path: path, configuration: config)
                            : try DatabasePool(path: path, configuration: config)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAStore(path: path)
        } catch {
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        do {
            try Schema.migrator.migrate(pool)
            try pool.write { db in try Schema.ensureIndexes(db) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAStore(path: path)
        }
    }

    /// The migrations applied to this file, in order.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Schema.migrator.appliedMigrations(db) }
    }

    /// Names of the tables in the schema.
    public func tableNames() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name")
        }
    }

    /// How many transactions the store holds: one count, without the scans `stats()` makes for its totals.
    public func transactionCount() throws -> Int {
        try pool.read(Self.transactionCount)
    }

    private static func transactionCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions") ?? 0
    }

    /// Counts for `vigil stats` and the workbench's first screen.
    public func stats() throws -> StoreStats {
        try pool.read { db in
            let transactions = try Self.transactionCount(db)
            let clients = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clients") ?? 0
            let fraud = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE label = 1") ?? 0
            let imports = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM imports") ?? 0
            let rejected = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejected_rows") ?? 0
            var alerts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM alerts GROUP BY status") {
                alerts[row["status"]] = row["n"]
            }
            let range = try Row.fetchOne(db, sql: "SELECT MIN(instant) AS lo, MAX(instant) AS hi FROM transactions")
            var totals: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT currency, SUM(amount_minor) AS total FROM transactions GROUP BY currency") {
                totals[row["currency"]] = row["total"]
            }
            return StoreStats(
                path: path, transactions: transactions, clients: clients, labelledFraud: fraud, imports: imports,
                rejected: rejected, alertsByStatus: alerts, firstInstant: range?["lo"], lastInstant: range?["hi"],
                totalMinorUnitsByCurrency: totals)
        }
    }

    /// The default place for the demo store: `$XDG_DATA_HOME/vigil/demo.sqlite`, else `~/.local/share/vigil/demo.sqlite`.
    public static func defaultDemoPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base: String
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty, xdg.hasPrefix("/") {
            base = xdg
        } else {
            let home = environment["HOME"] ?? NSHomeDirectory()
            base = home + "/.local/share"
        }
        return base + "/vigil/demo.sqlite"
    }
}

extension Store {
    /// The currency most of the first 10,000 transactions use, or nil for an empty store: what reasons and
    /// reports write amounts in.
    public func predominantCurrency() throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: """
                SELECT currency FROM (SELECT currency FROM transactions LIMIT 10000)
                GROUP BY currency ORDER BY COUNT(*) DESC, currency LIMIT 1
                """)
        }
    }
}

/// The store's change-watching connection, opened once, on first use, from any thread.
private final class WatcherConnection: @unchecked Sendable {
    // Unchecked: `opened` is only touched under `lock`.
    private let lock = NSLock()
    private var opened: DatabaseQueue?

    func queue(path: String) throws -> DatabaseQueue {
        lock.lock()
        defer { lock.unlock() }
        if let opened { return opened }
        var config = Configuration()
        config.readonly = true
        config.label = "vigil-store-watcher"
        let queue = try DatabaseQueue(path: path, configuration: config)
        opened = queue
        return queue
    }

    func close() throws {
        lock.lock()
        defer { lock.unlock() }
        try opened?.close()
    }
}
