import Foundation
import GRDB
import Testing
import VigilCore
import VigilDemo
@testable import VigilStore

@Suite struct StoreBuildTests {
    let scratch = ScratchDirectory()

    func siblings() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted()
    }

    @Test func aNewStoreIsBuiltBesideItsPathAndLinkedIntoPlace() throws {
        let path = scratch.path + "/new.sqlite"
        let generator = try DemoGenerator(config: DemoConfig(clients: 12, days: 20, seed: 5))
        let summary = try Store.build(at: path) { store in
            #expect(store.path != path)
            #expect(!FileManager.default.fileExists(atPath: path), "the store appears only once it is complete")
            #expect(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "off")
            return try store.appendGenerated(name: "demo", identity: "b") { sink in try generator.generate(sink) }
        }
        #expect(summary.imported == generator.count().transactions)
        #expect(try siblings() == ["new.sqlite", "new.sqlite.key"], "no building file, WAL or shared-memory file is left behind")
        for file in [path, path + ".key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) is its owner's alone")
        }
        let store = try Store(path: path)
        #expect(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        #expect(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
        #expect(try store.stats().transactions == summary.imported)
        let indexes = Set(try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions'")
        })
        #expect(indexes.isSuperset(of: ["transactions_by_source_hash", "transactions_by_client_time"]))
        #expect(!indexes.contains("transactions_by_time"), "dropped by migration v10")
    }

    @Test func aFailedBuildLeavesNothing() throws {
        struct Boom: Error {}
        let path = scratch.path + "/failed.sqlite"
        #expect(throws: Boom.self) {
            try Store.build(at: path) { store in
                _ = try store.appendGenerated(name: "demo", identity: "f") { sink in
                    try sink([Transaction(sourceKey: "k1", clientID: "C1", instant: 1_700_000_000, originalTime: "t",
                                          amount: Money(minorUnits: 100), merchant: "m", category: "c")])
                }
                throw Boom()
            }
        }
        #expect(try siblings().isEmpty)
    }

    @Test func aBuildNeverReplacesAFile() throws {
        let path = scratch.file("taken.sqlite", "someone's file")
        #expect(throws: StoreError.self) { try Store.build(at: path) { _ in } }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "someone's file")
    }

    @Test func aBuildKilledMidwayIsCleanedUpByTheNext() throws {
        // A pid that no process has: the building file of a build that was killed.
        var dead: pid_t = 4_000_000
        while kill(dead, 0) == 0 || errno != ESRCH { dead -= 1 }
        let abandoned = scratch.file(".store.sqlite.building-\(dead)", "half a store")
        let unrelated = scratch.file(".other.sqlite.building-\(dead)", "not ours")
        try Store.build(at: scratch.path + "/store.sqlite") { _ in }
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: unrelated))
    }

    @Test func loadUsesAnExistingStoreAndBuildsAMissingOne() throws {
        let path = scratch.path + "/s.sqlite"
        let first = try Store.load(into: path) { store in
            try store.appendGenerated(name: "a", identity: "a") { sink in
                try sink([Transaction(sourceKey: "k1", clientID: "C1", instant: 1_700_000_000, originalTime: "t",
                                      amount: Money(minorUnits: 100), merchant: "m", category: "c")])
            }
        }
        #expect(first.imported == 1)
        let existing = try Store(path: path)
        let second = try Store.load(into: path) { store in
            #expect(store.path == path)
            return try store.appendGenerated(name: "b", identity: "b") { sink in
                try sink([Transaction(sourceKey: "k2", clientID: "C1", instant: 1_700_000_100, originalTime: "t",
                                      amount: Money(minorUnits: 100), merchant: "m", category: "c")])
            }
        }
        #expect(second.imported == 1)
        #expect(try existing.stats().transactions == 2)
    }

    @Test func orphanedTransactionsAreCounted() throws {
        let store = try scratch.store()
        _ = try store.appendGenerated(name: "a", identity: "a") { sink in
            try sink([Transaction(sourceKey: "k1", clientID: "C1", instant: 1_700_000_000, originalTime: "t",
                                  amount: Money(minorUnits: 100), merchant: "m", category: "c")])
        }
        #expect(try store.pool.read(Schema.orphanedTransactions) == 0)
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: """
                INSERT INTO transactions (import_id, source_key, source_hash, client_id, instant, original_time,
                    amount_minor, currency, merchant, category)
                VALUES (1, 'x', 11, 'nobody', 0, '', 1, 'USD', 'm', 'c'), (1, 'y', 12, 'nobody', 1, '', 1, 'USD', 'm', 'c'),
                       (99, 'z', 13, 'C1', 2, '', 1, 'USD', 'm', 'c')
                """)
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        #expect(try store.pool.read(Schema.orphanedTransactions) == 3)
    }

    @Test func theFirstImportIntoANewStoreIsCheckedByItsUniqueIndex() throws {
        let csv = scratch.file("rows.csv", "id,client,time,amount\n1,C1,2024-01-01 10:00:00,5\n2,C2,2024-01-01 11:00:00,6\n")
        let path = scratch.path + "/clean.sqlite"
        let summary = try Store.build(at: path) { store in
            let summary = try store.importFile(try PreparedImport(path: csv))
            // Loaded without per-row checks, but the unique index is back.
            #expect(throws: DatabaseError.self) {
                try store.pool.write { db in
                    try db.execute(sql: "INSERT INTO transactions (import_id, source_key, source_hash, client_id, instant, original_time, amount_minor, currency, merchant, category) SELECT import_id, 'copy', source_hash, client_id, instant, '', 1, 'USD', 'm', 'c' FROM transactions LIMIT 1")
                }
            }
            return summary
        }
        #expect(summary.imported == 2)
        #expect(try Store(path: path).stats().transactions == 2)
    }

    @Test func aRepeatedIdInTheFirstImportIntoANewStoreAsksForACheckedLoad() throws {
        let csv = scratch.file("repeats.csv", """
            id,client,time,amount
            1,C1,2024-01-01 10:00:00,5
            2,C2,2024-01-01 11:00:00,6
            1,C1,2024-01-01 10:00:00,5

            """)
        let path = scratch.path + "/repeats.sqlite"
        #expect(throws: StoreError.repeatedKeysInNewStore) {
            try Store.build(at: path) { store in try store.importFile(try PreparedImport(path: csv)) }
        }
        #expect(!FileManager.default.fileExists(atPath: path))
        var options = ImportOptions()
        options.checksIdentityAsItLoads = true
        let summary = try Store.build(at: path) { store in try store.importFile(try PreparedImport(path: csv, options: options)) }
        #expect(summary.rowsRead == 3 && summary.imported == 2 && summary.duplicate == 1)
        #expect(try Store(path: path).stats().transactions == 2)
    }

    func sha256(ofFile path: String) throws -> String {
        Digest.sha256Hex(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Rows of `clients` clients, each client's transactions spread over the file, `rows` in all.
    func interleavedCSV(rows: Int, clients: Int, firstID: Int = 0) -> String {
        var text = "id,client,time,amount,lat,long\n"
        for i in firstID..<(firstID + rows) {
            text += "\(i),C\(i % clients),2024-01-\(String(format: "%02d", 1 + i % 28)) 10:\(String(format: "%02d", i % 60)):00,\(i % 97 + 1),\(10 + i % 7).5,\(20 + i % 3).25\n"
        }
        return text
    }

    /// Clients whose stored totals (count, first and last instant) differ from what their transactions say.
    func clientsDisagreeingWithTheirTransactions(_ store: Store) throws -> Int? {
        try store.pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM clients c LEFT JOIN (
                    SELECT client_id, COUNT(*) AS n, MIN(instant) AS lo, MAX(instant) AS hi FROM transactions GROUP BY client_id
                ) t ON t.client_id = c.id
                WHERE t.n IS NOT c.transaction_count OR t.lo IS NOT c.first_instant OR t.hi IS NOT c.last_instant
                """)
        }
    }

    @Test func theFirstFileIntoANewStoreIsHashedAsItIsReadAndRecognisedWhenImportedAgain() throws {
        let csv = scratch.file("hashed.csv", interleavedCSV(rows: 250, clients: 7))
        let path = scratch.path + "/hashed.sqlite"
        let first = try Store.build(at: path) { store in try store.importFile(try PreparedImport(path: csv, options: ImportOptions(batchSize: 40))) }
        #expect(first.imported == 250)
        let store = try Store(path: path)
        let stored = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT content_hash FROM imports") }
        #expect(stored == [try sha256(ofFile: csv)])
        let again = try store.importFile(try PreparedImport(path: csv))
        #expect(again.alreadyImportedAs == first.importID && again.imported == 0)
    }

    @Test func aCompressedFirstFileIsHashedFromItsCompressedBytes() throws {
        let gz = try scratch.gzipped("hashed.csv.gz", interleavedCSV(rows: 60, clients: 4))
        let path = scratch.path + "/gz.sqlite"
        let first = try Store.build(at: path) { store in try store.importFile(try PreparedImport(path: gz)) }
        let store = try Store(path: path)
        #expect(try store.pool.read { db in try String.fetchAll(db, sql: "SELECT content_hash FROM imports") } == [try sha256(ofFile: gz)])
        #expect(try store.importFile(try PreparedImport(path: gz)).alreadyImportedAs == first.importID)
    }

    /// A new store's clients are totalled in memory across batches (by the parsing thread) and written once: the
    /// totals must equal what the stored transactions say, with many batches, and when the held clients reach the
    /// limit midway. A second file into the same store is totalled by the writer, batch by batch.
    @Test func clientsTotalledAcrossBatchesMatchTheirTransactions() throws {
        let csv = scratch.file("clients.csv", interleavedCSV(rows: 600, clients: 23))
        let more = scratch.file("more.csv", interleavedCSV(rows: 90, clients: 29, firstID: 600))
        for (batchSize, limit) in [(600, 250_000), (37, 250_000), (37, 5)] {
            let path = scratch.path + "/clients-\(batchSize)-\(limit).sqlite"
            var options = ImportOptions(batchSize: batchSize)
            options.heldClientsLimit = limit
            _ = try Store.build(at: path) { store in
                let first = try store.importFile(try PreparedImport(path: csv, options: options))
                let second = try store.importFile(try PreparedImport(path: more, options: options))
                #expect(first.imported == 600 && second.imported == 90)
            }
            let store = try Store(path: path)
            let mismatches = try clientsDisagreeingWithTheirTransactions(store)
            #expect(mismatches == 0, "batch size \(batchSize), at most \(limit) clients held")
            #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clients") } == 29)
            #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clients WHERE home_lat IS NULL") } == 0)
        }
    }

    @Test func aGeneratedStoreBuiltInManyBatchesHasClientsThatMatchTheirTransactions() throws {
        let path = scratch.path + "/generated.sqlite"
        let generator = try DemoGenerator(config: DemoConfig(clients: 9, days: 30, seed: 3))
        _ = try Store.build(at: path) { store in
            try store.appendGenerated(name: "demo", identity: "g", batchSize: 50) { sink in try generator.generate(sink) }
        }
        let store = try Store(path: path)
        let mismatches = try clientsDisagreeingWithTheirTransactions(store)
        #expect(mismatches == 0)
        #expect(try store.stats().clients == 9)
    }

    @Test func aWriterHoldingClientsWritesThemAtTheLastBatchOrAtItsLimit() throws {
        let store = try Store(path: scratch.path + "/held.sqlite")
        let importID = try store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO imports (source, file_name, content_hash, file_size, layout, mapping, status, started_at)
                VALUES ('t', 't', 'h', 0, 'x', 'x', 'running', 0)
                """)
            return db.lastInsertedRowID
        }
        func row(_ n: Int, client: String) -> Transaction {
            Transaction(sourceKey: "k\(n)", clientID: client, instant: Int64(n), originalTime: "t",
                        amount: Money(minorUnits: 100, currency: "USD"), merchant: "m", category: "c")
        }
        func clientCount() throws -> Int { try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clients") ?? -1 } }
        var writer = TransactionWriter(importID: importID, holdsClients: true)
        try store.pool.write { db in
            try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            _ = try writer.insert([row(1, client: "A"), row(2, client: "B")], db)
            try writer.finishBatch(db, last: false)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clients") == 0, "held until the last batch")
            _ = try writer.insert([row(3, client: "A")], db)
            try writer.finishBatch(db, last: true)
        }
        #expect(try clientCount() == 2)
        #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT transaction_count FROM clients WHERE id = 'A'") } == 2)

        var limited = TransactionWriter(importID: importID, holdsClients: true, heldClientsLimit: 2)
        try store.pool.write { db in
            try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
            _ = try limited.insert([row(4, client: "C")], db)
            try limited.finishBatch(db, last: false)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clients") == 2, "one held client is under the limit")
            _ = try limited.insert([row(5, client: "D"), row(6, client: "A")], db)
            try limited.finishBatch(db, last: false)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM clients") == 4, "three held clients reach the limit")
            #expect(try Int.fetchOne(db, sql: "SELECT transaction_count FROM clients WHERE id = 'A'") == 3, "merged with the stored totals")
        }
    }
}
