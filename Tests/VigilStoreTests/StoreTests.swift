import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

@Suite struct StoreTests {
    let scratch = ScratchDirectory()

    @Test func migrationsOnAnEmptyFileCreateTheSchema() throws {
        let path = scratch.path + "/nested/dir/new.sqlite"
        let store = try Store(path: path)
        #expect(try store.appliedMigrations() == ["v1-foundation", "v2-client-profiles", "v3-score-blocks", "v4-no-scores-by-transaction", "v5-alert-versions", "v6-alert-sort-columns", "v7-sequence-models", "v8-live-scoring", "v9-audit-head", "v10-no-time-index", "v11-alerts-by-instant", "v12-alerts-ids-for-life", "v13-outcomes", "v14-cases", "v15-lists", "v16-case-figures", "v17-store-key", "v18-card-tokens"])
        let tables = Set(try store.tableNames())
        for table in ["transactions", "clients", "imports", "rejected_rows", "detector_runs", "scores", "alerts", "alert_ids", "triage_events",
                      "client_profiles", "cases", "list_entries"] {
            #expect(tables.contains(table), "missing \(table)")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let pragmas = try store.pool.read { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA foreign_keys"))
        }
        #expect(pragmas.0 == "wal" && pragmas.1 == 1)
        let indexes = Set(try store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") })
        for index in ["transactions_by_client_time", "alerts_by_score", "alerts_by_status_score", "alerts_by_instant"] {
            #expect(indexes.contains(index), "missing \(index)")
        }
        // Opening again migrates nothing and keeps data.
        let again = try Store(path: path)
        #expect(try again.appliedMigrations() == ["v1-foundation", "v2-client-profiles", "v3-score-blocks", "v4-no-scores-by-transaction", "v5-alert-versions", "v6-alert-sort-columns", "v7-sequence-models", "v8-live-scoring", "v9-audit-head", "v10-no-time-index", "v11-alerts-by-instant", "v12-alerts-ids-for-life", "v13-outcomes", "v14-cases", "v15-lists", "v16-case-figures", "v17-store-key", "v18-card-tokens"])
        #expect(try again.stats().transactions == 0)
    }

    /// A store made before v10 has an index on transactions by time alone; opening it drops the index, and the
    /// store's time range (which the index used to answer) comes out the same from the stats' own scan.
    @Test func theTimeIndexOfAnOlderStoreIsDroppedAndTheTimeRangeStillCounted() throws {
        let path = scratch.path + "/older.sqlite"
        do {
            let store = try Store(path: path)
            try store.pool.write { db in
                try db.execute(sql: """
                    INSERT INTO imports (id, source, file_name, content_hash, file_size, layout, mapping, status, started_at)
                    VALUES (1, '/f.csv', 'f.csv', 'h', 0, 'vigil', '{}', 'complete', 0);
                    INSERT INTO clients (id, first_instant, last_instant, transaction_count) VALUES ('C1', 100, 900, 2), ('C2', 50, 50, 1);
                    """)
                for (id, client, instant, currency) in [(1, "C1", 100, "USD"), (2, "C1", 900, "EUR"), (3, "C2", 50, "USD")] {
                    try db.execute(sql: """
                        INSERT INTO transactions (id, import_id, source_key, source_hash, client_id, instant, original_time,
                            amount_minor, currency, merchant, category) VALUES (?, 1, ?, ?, ?, ?, '', 100, ?, 'm', 'c')
                        """, arguments: [id, "k\(id)", id, client, instant, currency])
                }
                // As v1 left it, and as if v10 had not run yet.
                try db.execute(sql: "CREATE INDEX transactions_by_time ON transactions(instant)")
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v10-no-time-index'")
            }
        }
        let reopened = try Store(path: path)
        let indexes = try reopened.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
        #expect(!indexes.contains("transactions_by_time"))
        #expect(try reopened.appliedMigrations().contains("v10-no-time-index"))
        let stats = try reopened.stats()
        #expect(stats.firstInstant == 50 && stats.lastInstant == 900, "the range over both currencies")
        #expect(stats.totalMinorUnitsByCurrency == ["USD": 200, "EUR": 100])
    }

    @Test func aFileThatIsNotADatabaseIsRefused() throws {
        let path = scratch.file("junk.sqlite", String(repeating: "not sqlite ", count: 200))
        #expect(throws: StoreError.self) { try Store(path: path) }
    }

    @Test func foreignKeysAndChecksAreEnforced() throws {
        let store = try scratch.store()
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in
                try db.execute(sql: "INSERT INTO alerts (transaction_id, score, created_at, updated_at) VALUES (999, 1, 0, 0)")
            }
        }
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in
                try db.execute(sql: "INSERT INTO imports (source, file_name, content_hash, file_size, layout, mapping, status, started_at, rows_read) VALUES ('a','a','h',0,'x','','complete',0,5)")
            }
        }
    }

    @Test func defaultDemoPathFollowsXDG() {
        #expect(Store.defaultDemoPath(environment: ["XDG_DATA_HOME": "/data", "HOME": "/home/a"]) == "/data/vigil/demo.sqlite")
        #expect(Store.defaultDemoPath(environment: ["HOME": "/home/a"]) == "/home/a/.local/share/vigil/demo.sqlite")
        #expect(Store.defaultDemoPath(environment: ["XDG_DATA_HOME": "relative", "HOME": "/home/a"]) == "/home/a/.local/share/vigil/demo.sqlite")
    }

    @Test func exportedCSVReimportsIdentically() throws {
        let t = Transaction(sourceKey: "k1", clientID: "C, \"1\"", instant: 1_700_000_000, originalTime: "x",
                            amount: Money(minorUnits: -1205), merchant: "A\nB", category: "misc", city: "Town", state: "ST",
                            country: "US", home: GeoPoint(latitude: 40.123456, longitude: -74.5),
                            merchantLocation: GeoPoint(latitude: -33.9, longitude: 151.2), channel: .online, label: 1,
                            labelKind: "burst")
        let path = scratch.file("export.csv", TransactionCSV.header + "\n" + TransactionCSV.row(t) + "\n")
        let store = try scratch.store()
        let summary = try store.importFile(try PreparedImport(path: path))
        #expect(summary.layout == "vigil" && summary.imported == 1)
        let row = try #require(try store.pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM transactions") })
        #expect(row["client_id"] as String == t.clientID)
        #expect(row["merchant"] as String == "A\nB")
        #expect(row["amount_minor"] as Int64 == -1205)
        #expect(row["instant"] as Int64 == 1_700_000_000)
        #expect(row["channel"] as String == "online")
        #expect(row["label"] as Int == 1)
        #expect(row["label_kind"] as String == "burst")
        #expect(row["merch_lat"] as Double == -33.9)
        #expect(row["home_lat"] as Double == 40.123456)
    }
}

@Suite struct StoreCloseTests {
    let scratch = ScratchDirectory()

    @Test func aClosedStoreRefusesWorkAndItsFilesCanGo() throws {
        let store = try scratch.store()
        _ = try store.changeToken()
        #expect(try store.transactionCount() == 0)
        try store.closeConnections()
        #expect(throws: (any Error).self) { _ = try store.transactionCount() }
        // Reopening the path works: nothing of the closed connections lingers.
        let again = try scratch.store()
        #expect(try again.transactionCount() == 0)
    }
}
