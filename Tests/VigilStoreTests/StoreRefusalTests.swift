import Foundation
import GRDB
import Testing
@testable import VigilStore

/// Files that are not Vigil's stores, stores from a newer Vigil, damaged stores and paths that are not files: each is
/// refused (or reported) by name, and nothing is written to a file that is refused.
@Suite struct StoreRefusalTests {
    let scratch = ScratchDirectory()

    /// The file's bytes and modification time, to show that nothing was written.
    func fingerprint(_ path: String) throws -> (Data, Int, Int) {
        var info = stat()
        #expect(stat(path, &info) == 0)
        return (try Data(contentsOf: URL(fileURLWithPath: path)), info.st_mtim.tv_sec, info.st_mtim.tv_nsec)
    }

    /// The file is as it was; a file in rollback-journal mode (another application's) also gained no -wal file,
    /// which would show it switched to WAL. (A read-only look at a WAL store may leave an empty -wal beside it.)
    func expectUnchanged(_ path: String, since before: (Data, Int, Int), rollbackJournal: Bool = true,
                         sourceLocation: SourceLocation = #_sourceLocation) throws {
        let after = try fingerprint(path)
        #expect(after.0 == before.0, "the file's bytes changed", sourceLocation: sourceLocation)
        #expect(after.1 == before.1 && after.2 == before.2, "the file's modification time changed", sourceLocation: sourceLocation)
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? nil
        if rollbackJournal {
            #expect(wal == nil, "a -wal file was made", sourceLocation: sourceLocation)
        } else {
            #expect((wal ?? 0) == 0, "a -wal file holds \(wal ?? 0) bytes", sourceLocation: sourceLocation)
        }
    }

    /// An SQLite file made by `sql`, closed.
    func database(_ name: String, _ sql: String) throws -> String {
        let path = scratch.path + "/" + name
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
        try queue.close()
        return path
    }

    @Test func anotherApplicationsDatabaseIsRefusedWithoutWritingAByte() throws {
        let path = try database("notes.sqlite", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')")
        let before = try fingerprint(path)
        #expect(throws: StoreError.notVigils(path: path, reason: "it holds tables (notes) and no Vigil schema")) { try Store(path: path) }
        // The import's way in (an existing file is loaded into, not rebuilt) refuses it the same way.
        #expect(throws: StoreError.notVigils(path: path, reason: "it holds tables (notes) and no Vigil schema")) {
            try Store.load(into: path) { _ in () }
        }
        try expectUnchanged(path, since: before)
    }

    @Test func aDatabaseWithAnotherApplicationIDIsRefused() throws {
        let path = try database("other-id.sqlite", "PRAGMA application_id = 42; CREATE TABLE t (x)")
        let before = try fingerprint(path)
        #expect(throws: StoreError.notVigils(path: path, reason: "its SQLite application id is 42, another application's")) {
            try Store(path: path)
        }
        try expectUnchanged(path, since: before)
        #expect(StoreError.notVigils(path: path, reason: "r").description.contains("not a Vigil store (r); nothing was written to it"))
    }

    @Test func anotherGRDBApplicationsMigrationsAreNotVigils() throws {
        let path = try database("grdb-app.sqlite", """
            CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
            INSERT INTO grdb_migrations VALUES ('createPlayers');
            CREATE TABLE players (id INTEGER PRIMARY KEY)
            """)
        let before = try fingerprint(path)
        #expect(throws: StoreError.notVigils(path: path, reason: "its schema is another application's")) { try Store(path: path) }
        try expectUnchanged(path, since: before)
    }

    /// A store whose migrations this binary does not know, writable or not, is refused naming both versions.
    @Test func aStoreFromANewerVigilIsRefusedWithoutWriting() throws {
        let path = scratch.path + "/newer.sqlite"
        let store = try Store(path: path)
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v\(Schema.version + 1)-something-new'), ('v\(Schema.version + 2)-and-more')")
        }
        try store.closeConnections()
        let before = try fingerprint(path)
        #expect(Schema.version == Schema.migrator.migrations.count, "one migration per version, numbered from 1")
        let numbers = Schema.migrator.migrations.compactMap(Schema.version(of:))
        #expect(numbers == Array(1 ... Schema.migrator.migrations.count), "migrations numbered from 1, in order")
        let refusal = StoreError.newerSchema(path: path, schema: Schema.version + 2, this: Schema.version)
        #expect(throws: refusal) { try Store(path: path) }
        #expect(throws: refusal) { try Store(path: path, readOnly: true) }
        #expect(refusal.description == "\(path): made by a newer Vigil (schema v\(Schema.version + 2)); this is v\(Schema.version). Nothing was written to it: use that newer Vigil")
        try expectUnchanged(path, since: before, rollbackJournal: false)
    }

    @Test func storesAreMarkedAsVigilsNewAndOld() throws {
        let path = scratch.path + "/marked.sqlite"
        func applicationID() throws -> Int32? {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in try Int32.fetchOne(db, sql: "PRAGMA application_id") }
        }
        try Store(path: path).closeConnections()
        #expect(try applicationID() == Store.applicationID)
        // A store made before stores were marked is marked when it is next opened for writing.
        let unmarked = try DatabaseQueue(path: path)
        try unmarked.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA application_id = 0") }
        try unmarked.close()
        #expect(try applicationID() == 0)
        try Store(path: path).closeConnections()
        #expect(try applicationID() == Store.applicationID)
        // A store built beside its path (a first import) is marked too.
        let built = scratch.path + "/built.sqlite"
        try Store.build(at: built) { _ in () }
        let queue = try DatabaseQueue(path: built)
        #expect(try queue.read { db in try Int32.fetchOne(db, sql: "PRAGMA application_id") } == Store.applicationID)
        try queue.close()
    }

    @Test func aDirectoryOrAFIFOIsNotAStoreFile() throws {
        let directory = scratch.path + "/a-directory"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        #expect(throws: StoreError.notAFile(path: directory, kind: "a directory")) { try Store(path: directory) }
        let fifo = scratch.path + "/a-fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: StoreError.notAFile(path: fifo, kind: "a FIFO")) { try Store(path: fifo) }
        #expect(throws: StoreError.notAFile(path: fifo, kind: "a FIFO")) { try Store.load(into: fifo) { _ in () } }
        #expect(StoreError.notAFile(path: fifo, kind: "a FIFO").description == "\(fifo) is a FIFO, not a store file; nothing was opened")
        #expect(throws: StoreError.notAFile(path: "/dev/null", kind: "a character device")) { try Store(path: "/dev/null") }
    }

    @Test func openingReadOnlyNeverCreatesNorWrites() throws {
        let missing = scratch.path + "/missing/store.sqlite"
        #expect(throws: StoreError.cannotOpen(path: missing, reason: "there is no store there")) { try Store(path: missing, readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/missing"))

        let path = scratch.path + "/existing.sqlite"
        let store = try Store(path: path)
        _ = try store.importFile(try PreparedImport(path: Fixtures.path("cards-2023-sample.csv")))
        try store.closeConnections()
        let before = try fingerprint(path)
        let reader = try Store(path: path, readOnly: true)
        #expect(reader.isReadOnly)
        #expect(try reader.stats().transactions > 0)
        #expect(try reader.integrityProblems().isEmpty)
        #expect(try reader.verifyAuditChain() == .intact(events: 0))
        #expect(throws: (any Error).self) { try reader.pool.write { db in try db.execute(sql: "DELETE FROM rejected_rows") } }
        try reader.closeConnections()
        let after = try fingerprint(path)
        #expect(after.0 == before.0 && after.1 == before.1 && after.2 == before.2)
    }

    /// A store from an older Vigil, opened only to be read, is not upgraded (that would write): it is refused
    /// saying so, and reads once a writing open has upgraded it.
    @Test func anOlderStoreOpenedToBeReadIsNotUpgraded() throws {
        let path = scratch.path + "/older.sqlite"
        let store = try Store(path: path)
        try store.pool.write { db in
            try db.execute(sql: "DROP INDEX alerts_by_instant; DELETE FROM grdb_migrations WHERE identifier = 'v11-alerts-by-instant'")
        }
        try store.closeConnections()
        let before = try fingerprint(path)
        #expect(throws: StoreError.olderSchema(path: path)) { try Store(path: path, readOnly: true) }
        try expectUnchanged(path, since: before, rollbackJournal: false)
        try Store(path: path).closeConnections()
        #expect(try Set(Store(path: path, readOnly: true).appliedMigrations()) == Set(Schema.migrator.migrations))
    }

    /// A store whose index no longer matches its table: it opens and reads, but fails `integrity_check`.
    func storeWithAMismatchedIndex(_ name: String, index: String, sql: String) throws -> String {
        let path = scratch.path + "/" + name
        let store = try Store(path: path)
        _ = try store.importFile(try PreparedImport(path: Fixtures.path("cards-2023-sample.csv")))
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO alerts (transaction_id, score, created_at, updated_at) SELECT id, 0.9, 0, 0 FROM transactions ORDER BY id LIMIT 3")
        }
        for i in 1...3 { try store.recordTriage(alertID: Int64(i), analyst: "ana\(i)", action: "decide", toStatus: .escalated, at: Int64(i)) }
        try store.closeConnections()
        let raw = try DatabaseQueue(path: path)
        try raw.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA writable_schema = ON")
            try db.execute(sql: "UPDATE sqlite_master SET sql = ? WHERE name = ?", arguments: [sql, index])
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        try raw.close()
        return path
    }

    @Test func aDamagedStoreFailsTheIntegrityCheckAndItsTrailIsNotIntact() throws {
        let path = try storeWithAMismatchedIndex("damaged-trail.sqlite", index: "triage_events_by_alert",
                                                 sql: "CREATE INDEX triage_events_by_alert ON triage_events(analyst, id)")
        let store = try Store(path: path)
        let problems = try store.integrityProblems()
        #expect(!problems.isEmpty)
        #expect(problems.contains { $0.contains("triage_events_by_alert") }, "\(problems)")
        guard case .damaged(let found) = try store.verifyAuditChain() else {
            Issue.record("the trail of a damaged store verified")
            return
        }
        #expect(found.contains { $0.contains("triage_events_by_alert") })
    }

    @Test func damageElsewhereIsFoundByTheFullCheck() throws {
        let path = try storeWithAMismatchedIndex("damaged-index.sqlite", index: "transactions_by_client_time",
                                                 sql: "CREATE INDEX transactions_by_client_time ON transactions(merchant, instant)")
        let store = try Store(path: path)
        #expect(try store.integrityProblems().contains { $0.contains("transactions_by_client_time") })
        #expect(try store.verifyAuditChain() == .intact(events: 3))
    }

    /// Pages overwritten with garbage: reading them fails with SQLite's corrupt error, which is explained with advice.
    @Test func aCorruptPageIsExplainedWithAdvice() throws {
        let path = scratch.path + "/garbage.sqlite"
        let store = try Store(path: path)
        _ = try store.importFile(try PreparedImport(path: Fixtures.path("cards-2023-sample.csv")))
        let (root, pageSize) = try store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT rootpage FROM sqlite_master WHERE name = 'transactions'")!,
             try Int.fetchOne(db, sql: "PRAGMA page_size")!)
        }
        try store.closeConnections()
        // Every page in the main file, so that the garbage below is what is read.
        let raw = try DatabaseQueue(path: path)
        try raw.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try raw.close()
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: UInt64((root - 1) * pageSize))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: pageSize))
        try handle.close()

        let damaged = try Store(path: path)
        #expect(!(try damaged.integrityProblems()).isEmpty)
        do {
            _ = try damaged.stats()
            Issue.record("a corrupt table was read")
        } catch {
            let explained = StoreError.explaining(error, path: path)
            guard case StoreError.damaged = explained else {
                Issue.record("not explained as damage: \(explained)")
                return
            }
            #expect("\(explained)".contains("vigil doctor --store \(path)"))
            #expect("\(explained)".contains("sqlite3 \(path) '.recover' | sqlite3 recovered.sqlite"))
        }
    }

    @Test func theLedgerAndReferencesAreReconciled() throws {
        let store = try scratch.store()
        let outcome = try store.importFile(try PreparedImport(path: Fixtures.path("cards-2023-sample.csv")))
        #expect(try store.ledgerProblems().isEmpty)
        #expect(try store.brokenReferences().isEmpty)
        let imported = outcome.imported
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "DELETE FROM transactions WHERE id = (SELECT MAX(id) FROM transactions)")
            try db.execute(sql: "UPDATE transactions SET client_id = 'nobody' WHERE id = 1")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        #expect(try store.ledgerProblems() == [
            "import #1 (cards-2023-sample.csv) records \(imported) rows imported, but \(imported - 1) transactions are stored from it",
        ])
        let broken = try store.brokenReferences()
        #expect(broken.count == 1)
        #expect(broken.first?.table == "transactions" && broken.first?.parent == "clients" && broken.first?.rows == 1)
    }
}
