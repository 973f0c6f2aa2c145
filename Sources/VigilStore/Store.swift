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
    /// The store cannot be written: the file or its directory is not writable by this user, or the file system is
    /// mounted read-only. Nothing was changed.
    case readOnly(path: String, reason: String)
    /// Another connection (another process's import, scan or workbench) held the store's write lock for longer than
    /// the busy timeout.
    case locked(path: String, waitedSeconds: Double)
    /// The disk (or the file system's quota, or the store's size limit) is full.
    case diskFull(path: String)
    /// The operating system refused a read or a write.
    case ioFailure(path: String, reason: String)
    /// SQLite found the file damaged.
    case damaged(path: String, reason: String)
    /// The path names something that is not a regular file (a directory, a FIFO, a device, a socket); it was not
    /// opened, since SQLite would fail on it with a bare I/O error, or wait forever on a FIFO.
    case notAFile(path: String, kind: String)
    /// An SQLite database that another application made: nothing was written to it.
    case notVigils(path: String, reason: String)
    /// A store whose schema has migrations this binary does not know: nothing was written to it.
    case newerSchema(path: String, schema: Int, this: Int)
    /// A store opened only to be read whose schema this binary would first have to upgrade.
    case olderSchema(path: String)

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
        case .readOnly(let path, let reason):
            return "\(path): the store is read-only (\(reason)); nothing was changed. "
                + "Use a copy you can write to, or fix the permissions of the file and its directory"
        case .locked(let path, let waited):
            return "\(path): the store is locked by another process that is writing to it (an import, a scan or a "
                + "workbench's decision); waited \(Self.seconds(waited)) and nothing was changed. Try again when it has "
                + "finished, or stop the other process"
        case .diskFull(let path):
            return "\(path): the disk is full; the step that needed the space was rolled back and everything committed "
                + "before it is intact. Free some space and run the command again (an interrupted import resumes)"
        case .ioFailure(let path, let reason):
            return "\(path): the disk refused a read or write (\(reason)); the step that failed was rolled back"
        case .damaged(let path, let reason):
            return "\(path): the store is damaged (\(reason)). " + Self.damageAdvice(path: path)
        case .notAFile(let path, let kind): return "\(path) is \(kind), not a store file; nothing was opened"
        case .notVigils(let path, let reason):
            return "\(path): not a Vigil store (\(reason)); nothing was written to it. Give the path of a store Vigil "
                + "made, or a new file name to make one"
        case .newerSchema(let path, let schema, let this):
            return "\(path): made by a newer Vigil (schema v\(schema)); this is v\(this). Nothing was written to it: "
                + "use that newer Vigil"
        case .olderSchema(let path):
            return "\(path): made by an older Vigil, and this one must upgrade its schema before it can read it; that "
                + "needs a write, and the store was opened only to be read. Run a command that writes to it (such as "
                + "`vigil stats`) once, then try again"
        }
    }

    /// What to do about a damaged store, in one sentence: find out what is wrong, then save what can be read.
    public static func damageAdvice(path: String) -> String {
        "Run `vigil doctor --store \(path)` to see what is wrong; " + recoveryAdvice(path: path)
    }

    /// How to save what a damaged store still holds.
    public static func recoveryAdvice(path: String) -> String {
        "keep a copy of the file (and its -wal), stop writing to it, and save what can still be read with "
            + "`sqlite3 \(path) '.recover' | sqlite3 recovered.sqlite`"
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }

    /// `error` as a store error naming `path` and its cause, when it is one of the database's own failures that a
    /// user can act on (locked, full, read-only, I/O); any other error unchanged.
    public static func explaining(_ error: any Error, path: String, waitedSeconds: Double = Store.busyTimeout) -> any Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return StoreError.locked(path: path, waitedSeconds: waitedSeconds)
        case .SQLITE_FULL: return StoreError.diskFull(path: path)
        case .SQLITE_READONLY: return StoreError.readOnly(path: path, reason: Store.readOnlyReason(path: path))
        case .SQLITE_IOERR:
            // SQLite reports a write refused for lack of space as a full disk; a write past the process's file-size
            // limit (EFBIG) and other failures arrive here.
            return StoreError.ioFailure(path: path, reason: error.message ?? "disk I/O error")
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return StoreError.damaged(path: path, reason: error.message ?? "corrupt")
        default: return error
        }
    }
}

extension Store {
    /// How long a write waits for another connection's write lock before giving up with `StoreError.locked`:
    /// long enough to ride out another process's batch or decision, short enough that a user is not left
    /// wondering. `$VIGIL_BUSY_TIMEOUT` (seconds) overrides it.
    public static let busyTimeout: Double = {
        if let text = ProcessInfo.processInfo.environment["VIGIL_BUSY_TIMEOUT"], let value = Double(text), value >= 0 {
            return value
        }
        return 5
    }()

    /// Busy handler: tries again every millisecond until `busyTimeout` has passed. SQLite's own timeout backs off to
    /// a try every 100 ms, and a writer that commits every few hundred milliseconds and starts its next transaction
    /// at once (an import) leaves gaps far shorter than that, so a decision waiting behind it could miss gap after
    /// gap; the importer pauses briefly after each commit, and a try every millisecond finds that pause.
    static let waitForLock: Database.BusyCallback = { tries in
        guard Double(tries) < busyTimeout * 1_000 else { return false }
        usleep(1_000)
        return true
    }

    /// `path` escaped for a SQLite URI filename.
    static func uriPath(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path
    }

    /// Why this process cannot write the store at `path`, in words.
    static func readOnlyReason(path: String) -> String {
        if access(path, W_OK) != 0 {
            return errno == EROFS ? "its file system is mounted read-only" : "the file is not writable by this user"
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if access(directory, W_OK) != 0 {
            return errno == EROFS ? "its file system is mounted read-only"
                : "its directory is not writable by this user, and SQLite keeps the store's -wal and -shm files there"
        }
        return "SQLite could not open it for writing"
    }

    /// Whether this process can write the store at `path`: the file, and its directory when the WAL's files must be
    /// made there. `access` asks with this user's real permissions, and for a read-only file system says so for root too.
    static func isWritable(path: String) -> Bool {
        guard access(path, W_OK) == 0 else { return false }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if access(directory, W_OK) == 0 { return true }
        // An existing -wal and -shm that we may write will do without a writable directory.
        return access(path + "-wal", W_OK) == 0 && access(path + "-shm", W_OK) == 0
    }
}

/// What a path names, when it is not a regular file.
public enum FileKind {
    /// "a directory", "a FIFO", "a character device", "a block device" or "a socket" for what `path` names (links
    /// followed), nil for a regular file or nothing at all.
    public static func notRegular(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "a special file"
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
    /// True when this process may not write the store (`isWritable(path:)`): it was opened read-only, and every
    /// write fails with `StoreError.readOnly`.
    public let isReadOnly: Bool
    /// True when it was opened read-only on request (`vigil --read-only`), not for want of permission.
    public let openedReadOnly: Bool
    /// The operating-system user and host its audit events record (`OSIdentity.current`).
    public let identity: OSIdentity
    /// What upgrading the store on this open did that its user should hear of (card numbers turned into tokens), in
    /// words; empty when nothing was upgraded. Commands print it once.
    public var upgradeNotes: [String] { notes.read { $0 } }
    private let notes = Guarded<[String]>([])
    /// The store's secret (`StoreKey`), read from its key file or made with the store; nil when the store has a key
    /// whose file is not there (reading still works; what needs the key says so), or a read-only store has none.
    public let key: StoreKey?
    /// Why `key` is nil when its file is there but could not be used (unreadable, open to others, not this store's);
    /// what needs the key reports it. The store still opens, so that reading works.
    public let keyProblem: StoreKeyError?
    /// Where the store's key file is (or would be).
    public let keyFile: String
    /// The read-only connection of `watcher`, once opened.
    private let watcherConnection = Guarded<DatabaseQueue?>(nil)

    /// A read-only connection of its own for `changeToken()`, opened on first use, from any thread.
    var watcher: DatabaseQueue {
        get throws {
            try watcherConnection.update { opened -> Result<DatabaseQueue, any Error> in
                if let opened { return .success(opened) }
                var config = Configuration()
                config.readonly = true
                config.label = "vigil-store-watcher"
                let queue = Result { try DatabaseQueue(path: path, configuration: config) }
                opened = try? queue.get()
                return queue
            }.get()
        }
    }

    /// Closes the store's connections now rather than when the last reference goes. Call it before removing the
    /// store's files: SQLite keeps one record per open file (by device and inode) for the whole process, and a file
    /// deleted under open connections, whose inode a new store then reuses, would share that record with it.
    /// Using the store afterwards throws.
    public func closeConnections() throws {
        try watcherConnection.read { opened in Result { try opened?.close() } }.get()
        try pool.close()
    }

    /// Opens the store at `path`, creating it (mode 0600) and its directory when missing.
    public convenience init(path: String) throws {
        try self.init(path: path, building: false)
    }

    /// Opens the store at `path` without ever creating it or writing to it, when `readOnly`: a missing file is an
    /// error, and a store that needs a schema upgrade is refused rather than upgraded.
    public convenience init(path: String, readOnly: Bool) throws {
        try self.init(path: path, building: false, readOnly: readOnly)
    }

    /// Opens the store at `path` as `init(path:readOnly:)` does, its events recording `identity` instead of this
    /// process's: for tests, whose screens and logs must read alike on every machine.
    public convenience init(path: String, readOnly: Bool = false, identity: OSIdentity) throws {
        try self.init(path: path, building: false, readOnly: readOnly, identity: identity)
    }

    init(path: String, building: Bool, readOnly requested: Bool = false, keyFile: String? = nil,
         identity: OSIdentity = .current) throws {
        self.path = path
        self.identity = identity
        openedReadOnly = requested
        isBuilding = building
        self.keyFile = keyFile ?? StoreKey.file(forStore: path)
        let url = URL(fileURLWithPath: path)
        let fm = FileManager.default
        // A directory, FIFO or device is refused by what it is: SQLite would report a bare "disk I/O error" for it,
        // or block opening a FIFO.
        if let kind = FileKind.notRegular(path) { throw StoreError.notAFile(path: path, kind: kind) }
        let exists = fm.fileExists(atPath: path)
        if requested && !exists { throw StoreError.cannotOpen(path: path, reason: "there is no store there") }
        // An existing file is identified before any connection that may write opens it: a writing pool would
        // switch another application's database to WAL, or a newer Vigil's store would be "migrated".
        if exists && !building && !requested && Self.isWritable(path: path) { try Self.identify(path: path) }
        if !exists {
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
        config.busyMode = .callback(Store.waitForLock)
        // A store this process may not write (its permissions, or a read-only mount) is opened read-only, so that
        // reading commands work and writing ones fail with `StoreError.readOnly` instead of an I/O error.
        let readOnly = requested || (!building && !Self.isWritable(path: path))
        config.readonly = readOnly
        isReadOnly = readOnly
        config.label = "vigil-store"
        let sharedKey = Guarded<StoreKey?>(nil)
        config.prepareDatabase { db in
            db.add(function: Store.cardTokenFunction(sharedKey))
            // A store being built is a private file that is thrown away unless the whole load succeeds, so it
            // needs neither a journal nor syncs until it is complete (`Store.build`).
            if readOnly { return }
            try db.execute(sql: building ? "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF" : "PRAGMA synchronous = FULL")
        }
        do {
            if readOnly && !FileManager.default.fileExists(atPath: path + "-wal")
                && access(url.deletingLastPathComponent().path, W_OK) != 0 {
                // SQLite reads a WAL store only through its -shm file, which cannot be made here; with no -wal file
                // there is nothing beyond the main file to read, so it is read as an immutable file instead.
                pool = try DatabaseQueue(path: "file:" + Self.uriPath(path) + "?immutable=1", configuration: config)
            } else {
                pool = building ? try DatabaseQueue(path: path, configuration: config)
                                : try DatabasePool(path: path, configuration: config)
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAStore(path: path)
        } catch {
            let explained = StoreError.explaining(error, path: path)
            if explained is StoreError { throw explained }
            throw StoreError.cannotOpen(path: path, reason: "\(error)")
        }
        do {
            (key, keyProblem) = try Self.resolveKey(pool, file: self.keyFile, store: path, readOnly: readOnly)
            sharedKey.update { $0 = key }
            if readOnly {
                let current = try pool.read { db in
                    try Self.identify(db, path: path)
                    return try Schema.migrator.hasCompletedMigrations(db)
                }
                if !current {
                    if requested { throw StoreError.olderSchema(path: path) }
                    throw StoreError.readOnly(path: path, reason: "it is not writable, and this version of Vigil must upgrade its schema first")
                }
            } else {
                let migrator = Schema.migrator(key: key)
                // Whether this open upgrades the store, and among that converts its card numbers (said once, below).
                let (upgrading, convertingCards) = try pool.writeWithoutTransaction { db in
                    let upgrading = try !migrator.hasCompletedMigrations(db)
                    return (upgrading, try upgrading && !migrator.appliedIdentifiers(db).contains(CardMigration.identifier))
                }
                do {
                    try migrator.migrate(pool)
                } catch is StoreKeyError {
                    // A migration that needs the key (sealing the trail, tokenising card numbers) names it by this
                    // store's file and path, which it does not know.
                    throw keyProblem ?? StoreKeyError.missing(file: self.keyFile, store: path, needed: "upgrading the store")
                }
                // A migration may have rewritten what the store must no longer hold (card numbers in clear): the file is
                // rebuilt when it asks (stale bytes in pages' free space; asked until done, so a rebuild cut short is
                // done at the next open), and the log's frames, which still hold the pages as they were, are folded in
                // and the log emptied.
                try pool.writeWithoutTransaction { db in
                    let pending = try Self.setting(CardMigration.vacuumSetting, db) != nil
                    if pending {
                        try db.execute(sql: "VACUUM")
                        try Self.setSetting(CardMigration.vacuumSetting, nil, db)
                    }
                    if pending || upgrading { _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
                    if convertingCards, let converted = try Self.setting(CardMigration.conversionSetting, db) {
                        notes.update { $0.append(converted) }
                    }
                }
                try pool.write { db in
                    try Schema.ensureIndexes(db)
                    if let key { try Self.recordKeyChecks(db, key) }
                    // Marks the store as Vigil's: new stores, and those made before stores were marked.
                    if try Int32.fetchOne(db, sql: "PRAGMA application_id") != Self.applicationID {
                        try db.execute(sql: "PRAGMA application_id = \(Self.applicationID)")
                    }
                }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAStore(path: path)
        } catch let error as DatabaseError {
            throw StoreError.explaining(error, path: path)
        }
    }

    /// The store's key: its file when there is one and it is this store's, else a new one written beside the store,
    /// when the store may be written and has never had a key. Done before migrations, which may need it, so that
    /// nothing is keyed with a key that was not safely on disk first. A key file that cannot be used is not an
    /// error here (reading needs no key) but the problem that what needs the key reports.
    static func resolveKey(_ pool: any DatabaseWriter, file: String, store: String,
                           readOnly: Bool) throws -> (StoreKey?, StoreKeyError?) {
        // Through the writer's connection: a reader opened on a new file before the migrations set up WAL keeps the
        // pool from removing its -wal file when it closes.
        let checks = try pool.writeWithoutTransaction { db -> [String: String] in
            guard try db.tableExists("store_settings") else { return [:] }
            return try Dictionary(uniqueKeysWithValues: Row.fetchAll(
                db, sql: "SELECT name, value FROM store_settings WHERE name IN ('card_key_check', 'audit_key_check')")
                .map { ($0["name"] as String, $0["value"] as String) })
        }
        let found: StoreKey?
        do { found = try StoreKey.read(file: file) } catch { return (nil, error) }
        if let key = found {
            if let card = checks["card_key_check"], card != key.cardCheck { return (nil, .wrongKey(file: file, store: store)) }
            if let audit = checks["audit_key_check"], audit != key.auditCheck {
                // A rotation that wrote the new key file and did not get to commit the resealed trail: the trail is
                // still sealed under the previous audit key, which the file keeps until it does (`rotateAuditKey`).
                if let previous = key.previousAuditKey {
                    let before = StoreKey(cardKey: key.cardKey, auditKey: previous, file: file)
                    if audit == before.auditCheck { return (before, nil) }
                }
                return (nil, .wrongKey(file: file, store: store))
            }
            return (key, nil)
        }
        guard checks.isEmpty, !readOnly else { return (nil, nil) }
        let key = StoreKey.generate(file: file)
        do { try key.create() } catch { return (nil, error) }
        return (key, nil)
    }

    /// A value of `store_settings` (what the store says about itself that is not data), nil when it is not set.
    static func setting(_ name: String, _ db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM store_settings WHERE name = ?", arguments: [name])
    }

    /// Sets `name` in `store_settings` to `value`, or removes it for nil.
    static func setSetting(_ name: String, _ value: String?, _ db: Database) throws {
        if let value {
            try db.execute(sql: "INSERT OR REPLACE INTO store_settings (name, value) VALUES (?, ?)", arguments: [name, value])
        } else {
            try db.execute(sql: "DELETE FROM store_settings WHERE name = ?", arguments: [name])
        }
    }

    /// Records the key's check values when the store has none yet (a new store, or one made before keys).
    static func recordKeyChecks(_ db: Database, _ key: StoreKey) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO store_settings (name, value) VALUES ('card_key_check', ?), ('audit_key_check', ?)
            """, arguments: [key.cardCheck, key.auditCheck])
    }

    /// The store's key, or an error saying that `needed` (what was being done, in words) needs it and its file is
    /// missing.
    public func requireKey(for needed: String) throws -> StoreKey {
        if let key { return key }
        throw keyProblem ?? StoreKeyError.missing(file: keyFile, store: path, needed: needed)
    }

    /// The SQLite application id that marks a file as a Vigil store: "VGIL" in ASCII.
    public static let applicationID: Int32 = 0x5647_494C

    /// Checks, through a read-only connection of its own, that the existing file at `path` is a Vigil store this
    /// binary may open (`identify(_:path:)`).
    static func identify(path: String) throws {
        var config = Configuration()
        config.readonly = true
        config.label = "vigil-store-identify"
        config.busyMode = .timeout(Store.busyTimeout)
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            try queue.read { db in try identify(db, path: path) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAStore(path: path)
        } catch let error as DatabaseError {
            throw StoreError.explaining(error, path: path)
        }
    }

    /// Refuses a database that is not a Vigil store (another application id, or tables and no Vigil migrations) and
    /// a store made by a newer Vigil (migrations this binary does not know). An empty database passes: it becomes
    /// a store. Reads only the header and the schema, so it costs the same on any size of store.
    static func identify(_ db: Database, path: String) throws {
        let id = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
        if id != 0 && id != applicationID {
            throw StoreError.notVigils(path: path, reason: "its SQLite application id is \(id), another application's")
        }
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        guard tables.contains("grdb_migrations") else {
            if tables.isEmpty { return }
            let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
            throw StoreError.notVigils(path: path, reason: "it holds tables (\(shown)) and no Vigil schema")
        }
        let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
        guard applied.contains(Schema.migrator.migrations[0]) else {
            throw StoreError.notVigils(path: path, reason: "its schema is another application's")
        }
        let known = Set(Schema.migrator.migrations)
        let unknown = applied.filter { !known.contains($0) }
        if !unknown.isEmpty {
            let newest = unknown.compactMap(Schema.version(of:)).max() ?? Schema.version + 1
            throw StoreError.newerSchema(path: path, schema: max(newest, Schema.version + 1), this: Schema.version)
        }
    }

    /// What `PRAGMA integrity_check` finds wrong with the file (at most `limit` problems), or nothing when it is
    /// sound. Reads every page, so it takes a while on a large store: `vigil doctor` and `vigil audit verify` run it.
    public func integrityProblems(limit: Int = 20) throws -> [String] {
        do {
            let found = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check(\(limit))") }
            return found == ["ok"] ? [] : found
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
            return [error.message ?? "the file is corrupt"]
        }
    }

    /// Rows that refer to a parent row that is not stored (`PRAGMA foreign_key_check`), counted per table and parent.
    public func brokenReferences() throws -> [(table: String, parent: String, rows: Int)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT "table" AS t, parent AS p, COUNT(*) AS n FROM pragma_foreign_key_check GROUP BY "table", parent ORDER BY "table", parent
                """).map { (table: $0["t"], parent: $0["p"], rows: $0["n"]) }
        }
    }

    /// Where the import ledger disagrees with what is stored: an import whose recorded count of imported (or
    /// rejected) rows differs from the transactions (or rejected rows) that name it, or rows naming no import.
    public func ledgerProblems() throws -> [String] {
        try pool.read { db in
            var problems: [String] = []
            var stored: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT import_id, COUNT(*) AS n FROM transactions GROUP BY import_id") {
                stored[row["import_id"]] = row["n"]
            }
            var rejected: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT import_id, COUNT(*) AS n FROM rejected_rows GROUP BY import_id") {
                rejected[row["import_id"]] = row["n"]
            }
            // An outcomes feed's import (`vigil outcomes import`) stores outcomes, not transactions.
            var outcomes: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT import_id, COUNT(*) AS n FROM outcomes WHERE import_id IS NOT NULL GROUP BY import_id") {
                outcomes[row["import_id"]] = row["n"]
            }
            // A list file's import (`vigil lists import`) stores list entries.
            var entries: [Int64: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT import_id, COUNT(*) AS n FROM list_entries WHERE import_id IS NOT NULL GROUP BY import_id") {
                entries[row["import_id"]] = row["n"]
            }
            var ledgered = Set<Int64>()
            for row in try Row.fetchAll(db, sql: "SELECT id, file_name, layout, rows_imported, rows_rejected FROM imports ORDER BY id") {
                let id: Int64 = row["id"]
                let name: String = row["file_name"]
                ledgered.insert(id)
                let imported: Int = row["rows_imported"], refused: Int = row["rows_rejected"]
                let layout: String = row["layout"]
                let (fromIt, what) = layout == OutcomeLedger.layout ? (outcomes[id, default: 0], "outcomes")
                    : layout == ListLedger.layout ? (entries[id, default: 0], "list entries") : (stored[id, default: 0], "transactions")
                if fromIt != imported {
                    problems.append("import #\(id) (\(name)) records \(imported) rows imported, but \(fromIt) \(what) are stored from it")
                }
                if rejected[id, default: 0] != refused {
                    problems.append("import #\(id) (\(name)) records \(refused) rows rejected, but \(rejected[id, default: 0]) rejected rows are stored from it")
                }
            }
            for (id, count) in stored.sorted(by: { $0.key < $1.key }) where !ledgered.contains(id) {
                problems.append("\(count) transactions name import #\(id), which the ledger does not hold")
            }
            return problems
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
            // Transaction imports: an outcomes feed's import is summed up by `vigil outcomes`, a list file's by `vigil lists`.
            let imports = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM imports WHERE layout NOT IN (?, ?)",
                                           arguments: [OutcomeLedger.layout, ListLedger.layout]) ?? 0
            let rejected = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejected_rows") ?? 0
            var alerts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM alerts GROUP BY status") {
                alerts[row["status"]] = row["n"]
            }
            // One scan for the totals and the time range (nothing indexes transactions by time alone).
            // SUM(amount_minor) stops with "integer overflow" once a currency's total passes 64 bits, so each amount
            // is summed as its high and low 32-bit words (neither sum can overflow) and joined exactly (AmountSum).
            var totals: [String: Int64] = [:]
            var first: Int64?, last: Int64?
            for row in try Row.fetchAll(db, sql: """
                SELECT currency, SUM(amount_minor >> 32) AS high, SUM(amount_minor & 4294967295) AS low,
                       MIN(instant) AS lo, MAX(instant) AS hi
                FROM transactions GROUP BY currency
                """) {
                let high: Int64 = row["high"] ?? 0, low: Int64 = row["low"] ?? 0
                totals[row["currency"]] = AmountSum(highWords: high, lowWords: low).clampedMinorUnits
                if let lo: Int64 = row["lo"] { first = min(first ?? lo, lo) }
                if let hi: Int64 = row["hi"] { last = max(last ?? hi, hi) }
            }
            return StoreStats(
                path: path, transactions: transactions, clients: clients, labelledFraud: fraud, imports: imports,
                rejected: rejected, alertsByStatus: alerts, firstInstant: first, lastInstant: last,
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
