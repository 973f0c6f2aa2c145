import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// Imports that share the store with other writers: clients made before their transactions, batches that commit by
/// time, a cap on the rejected rows kept, and one ledger entry per content.
@Suite struct ImportReliabilityTests {
    let scratch = ScratchDirectory()

    /// `rows` data rows of clients `C0`…, every `badEvery`-th row (when given) with an amount that cannot be read.
    func csv(rows: Int, clients: Int, firstID: Int = 0, clientPrefix: String = "C", badEvery: Int? = nil) -> String {
        var text = "id,client,time,amount,merchant\n"
        for i in 0..<rows {
            let bad = badEvery.map { i % $0 == $0 - 1 } ?? false
            text += "T\(firstID + i),\(clientPrefix)\(i % clients),2024-03-01 \(String(format: "%02d:%02d:%02d", (i / 3600) % 24, (i / 60) % 60, i % 60)),"
                + (bad ? "twelve" : "\(i % 97 + 1).25") + ",Shop\(i % 5)\n"
        }
        return text
    }

    func importFile(_ path: String, into store: Store, _ options: ImportOptions = ImportOptions()) throws -> ImportSummary {
        try store.importFile(try PreparedImport(path: path, options: options))
    }

    /// The import's ledger against what the store holds under its id.
    func ledgerMatchesRows(_ store: Store) throws -> Bool {
        try store.pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM imports i WHERE rows_imported != (SELECT COUNT(*) FROM transactions t WHERE t.import_id = i.id)
                """) == 0
        }
    }

    func clientsMatchTransactions(_ store: Store) throws -> Bool {
        try store.pool.read { db in
            let disagreeing = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM clients c LEFT JOIN (
                    SELECT client_id, COUNT(*) AS n, MIN(instant) AS lo, MAX(instant) AS hi FROM transactions GROUP BY client_id
                ) t ON t.client_id = c.id
                WHERE t.n IS NOT c.transaction_count OR t.lo IS NOT c.first_instant OR t.hi IS NOT c.last_instant
                """)
            let orphans = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM transactions t WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = t.client_id)
                """)
            return disagreeing == 0 && orphans == 0
        }
    }

    @Test func aNewClientsRowExistsBeforeItsFirstTransactionGoesIn() throws {
        // While a transaction waits for its client's row (a deferred foreign key), SQLite checks every later row
        // inserted into `transactions` against `scores`, which has no index by transaction: a full scan per row.
        let store = try scratch.store()
        _ = try importFile(scratch.file("old.csv", csv(rows: 100, clients: 10)), into: store)
        try store.pool.write { db in
            try db.execute(sql: """
                CREATE TEMP TRIGGER client_first BEFORE INSERT ON main.transactions
                WHEN NOT EXISTS (SELECT 1 FROM main.clients WHERE id = NEW.client_id)
                BEGIN SELECT RAISE(ABORT, 'a transaction went in before its client'); END
                """)
        }
        let summary = try importFile(scratch.file("new.csv", csv(rows: 300, clients: 30, firstID: 1000, clientPrefix: "N")),
                                     into: store)
        #expect(summary.imported == 300)
        #expect(try clientsMatchTransactions(store))
        #expect(try store.count("SELECT COUNT(*) FROM clients WHERE id LIKE 'N%'") == 30)
    }

    @Test func aClientMadeForRowsThatWereAllDuplicatesIsRemovedAgain() throws {
        let store = try scratch.store()
        _ = try importFile(scratch.file("old.csv", csv(rows: 50, clients: 5)), into: store)
        // The same ids under another client: duplicates, so client Z never gets a transaction.
        let again = scratch.file("again.csv", csv(rows: 50, clients: 1, clientPrefix: "Z"))
        let summary = try importFile(again, into: store)
        #expect(summary.duplicate == 50 && summary.imported == 0)
        #expect(try store.count("SELECT COUNT(*) FROM clients WHERE id LIKE 'Z%'") == 0)
        #expect(try clientsMatchTransactions(store))
    }

    @Test func batchesCommitByTimeAndResumeWhereTheLastPartEnded() throws {
        let store = try scratch.store()
        _ = try importFile(scratch.file("seed.csv", csv(rows: 10, clients: 2, firstID: 900_000)), into: store)
        let commits = CommitCounter()
        store.pool.add(transactionObserver: commits, extent: .databaseLifetime)
        // No time at all for each batch's transaction: every part of 512 rows commits on its own.
        var options = ImportOptions(batchSize: 2_000)
        options.commitSeconds = 0
        options.interruptAfterBatches = 1
        let file = scratch.file("parts.csv", csv(rows: 5_000, clients: 40, badEvery: 7))
        #expect(throws: SimulatedInterruption.self) { try importFile(file, into: store, options) }
        #expect(commits.count >= 4, "2,000 rows in parts of at most 512 rows")
        #expect(try ledgerMatchesRows(store))
        let ledger = try #require(try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM imports WHERE file_name = 'parts.csv'")
        })
        #expect(ledger["rows_read"] as Int == 2_000)
        let kept = try store.count("SELECT COUNT(*) FROM rejected_rows WHERE import_id = \(ledger["id"] as Int64)")
        #expect(ledger["rows_rejected"] as Int == kept)

        options.interruptAfterBatches = nil
        let resumed = try importFile(file, into: store, options)
        #expect(resumed.resumedAfterRows == 2_000)
        #expect(resumed.rowsRead == 5_000)
        #expect(resumed.rejected == 5_000 / 7)
        #expect(resumed.imported == 5_000 - 5_000 / 7)
        #expect(resumed.duplicate == 0)
        #expect(try ledgerMatchesRows(store))
        #expect(try clientsMatchTransactions(store))
        #expect(try store.count("SELECT COUNT(*) FROM (SELECT line FROM rejected_rows GROUP BY import_id, line HAVING COUNT(*) > 1)") == 0)
        #expect(try store.count("SELECT COUNT(*) FROM rejected_rows WHERE import_id = \(resumed.importID)") == 5_000 / 7)
    }

    @Test func rejectedRowsPastTheCapAreCountedButNotKeptAcrossAResume() throws {
        let store = try scratch.store()
        var options = ImportOptions(batchSize: 100, rejectionsKept: 30)
        options.interruptAfterBatches = 2
        let file = scratch.file("garbage.csv", csv(rows: 600, clients: 3, badEvery: 2))
        #expect(throws: SimulatedInterruption.self) { try importFile(file, into: store, options) }
        options.interruptAfterBatches = nil
        let summary = try importFile(file, into: store, options)
        #expect(summary.rowsRead == 600 && summary.rejected == 300 && summary.imported == 300)
        #expect(summary.rejectedNotKept == 270)
        #expect(try store.count("SELECT COUNT(*) FROM rejected_rows") == 30)
        // The first rows rejected are the ones kept.
        #expect(try store.rejectedRows().map(\.rejection.line) == (0..<30).map { 2 * $0 + 3 })
        let notKept = try store.rejectedRowsNotKept()
        #expect(notKept.count == 1 && notKept.first?.counted == 300 && notKept.first?.kept == 30)
        #expect(try ledgerMatchesRows(store))
    }

    @Test func aSecondImportOfTheSameContentFindsTheFirstsLedgerEntry() throws {
        // Two stores on one file, as two processes would have: the second import resumes the first's entry, and a
        // batch committed by one makes the other's next batch stand back instead of counting rows twice.
        let path = scratch.path + "/shared.sqlite"
        let first = try Store(path: path)
        let second = try Store(path: path)
        _ = try importFile(scratch.file("seed.csv", csv(rows: 10, clients: 2, firstID: 900_000)), into: first)
        let file = scratch.file("same.csv", csv(rows: 3_000, clients: 20, badEvery: 11))
        var options = ImportOptions(batchSize: 500)
        options.interruptAfterBatches = 2
        #expect(throws: SimulatedInterruption.self) { try importFile(file, into: first, options) }
        options.interruptAfterBatches = nil
        let finished = try importFile(file, into: second, options)
        #expect(finished.resumedAfterRows == 1_000 && finished.rowsRead == 3_000)
        #expect(try first.count("SELECT COUNT(*) FROM imports WHERE file_name = 'same.csv'") == 1)
        #expect(try importFile(file, into: first, options).alreadyImportedAs == finished.importID)
        #expect(try ledgerMatchesRows(first))
        #expect(try first.count("SELECT COUNT(*) FROM rejected_rows WHERE import_id = \(finished.importID)") == 3_000 / 11)
    }
}

/// Counts the commits of a store's writer connection.
private final class CommitCounter: TransactionObserver, @unchecked Sendable {
    // Unchecked: called on the writer's queue only, and read after the writes it counts.
    private(set) var count = 0
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { count += 1 }
    func databaseDidRollback(_ db: Database) {}
}
