import Foundation
import GRDB
import Testing
import VigilCore
import VigilDemo
@testable import VigilStore

@Suite struct GeneratedImportTests {
    let scratch = ScratchDirectory()

    func transaction(_ key: String, client: String = "C1", at instant: Int64 = 1_700_000_000) -> Transaction {
        Transaction(sourceKey: key, clientID: client, instant: instant, originalTime: "t", amount: Money(minorUnits: 100),
                    merchant: "m", category: "c", label: 0)
    }

    @Test func aFastLoadIntoAnEmptyStoreEndsWithEveryIndex() throws {
        let store = try scratch.store()
        let generator = try DemoGenerator(config: DemoConfig(clients: 30, days: 40, seed: 3))
        let summary = try store.appendGenerated(name: "demo", identity: "t1") { sink in try generator.generate(sink) }
        #expect(summary.imported == generator.count().transactions)
        let indexes = Set(try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions'")
        })
        #expect(indexes.isSuperset(of: ["transactions_by_source_hash", "transactions_by_client_time"]))
        #expect(!indexes.contains("transactions_by_time"), "dropped by migration v10")
        // Foreign keys, off for the load, are enforced again afterwards.
        #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") } == 1)
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in
                try db.execute(sql: """
                    INSERT INTO transactions (import_id, source_key, source_hash, client_id, instant, original_time,
                        amount_minor, currency, merchant, category) VALUES (1, 'x', 1, 'nobody', 0, '', 1, 'USD', 'm', 'c')
                    """)
            }
        }
        // With the identity index back, a later load is checked: the same rows are duplicates.
        let again = try store.appendGenerated(name: "demo", identity: "t2") { sink in try generator.generate(sink) }
        #expect(again.imported == 0)
        #expect(again.duplicate == summary.imported)
    }

    @Test func aRepeatedGeneratedKeyUndoesTheLoadAndSaysSo() throws {
        let store = try scratch.store()
        #expect(throws: StoreError.self) {
            try store.appendGenerated(name: "broken", identity: "b") { sink in
                try sink([transaction("k1"), transaction("k2", client: "C2")])
                try sink([transaction("k1")])
            }
        }
        #expect(try store.stats().transactions == 0)
        #expect(try store.stats().clients == 0)
        #expect(try store.stats().imports == 0)
        // The store is whole again: the identity index exists, and a clean load works.
        let fine = try store.appendGenerated(name: "fine", identity: "f") { sink in try sink([transaction("k1")]) }
        #expect(fine.imported == 1)
    }
}
