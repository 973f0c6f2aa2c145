import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// A full disk, simulated with SQLite's page limit on the store's writer connection: SQLite then fails a write
/// with SQLITE_FULL exactly as it does when the file system has no space left.
@Suite struct FullDiskTests {
    let scratch = ScratchDirectory()

    func limitPages(_ store: Store, to pages: Int?) throws {
        try store.pool.writeWithoutTransaction { db in
            let limit = pages ?? 1_073_741_823
            try db.execute(sql: "PRAGMA max_page_count = \(limit)")
        }
    }

    func pageCount(_ store: Store) throws -> Int {
        try store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
    }

    /// A CSV of `rows` distinct transactions over a few clients.
    func csv(rows: Int) -> String {
        var lines = ["source_key,client,time,amount,merchant,category"]
        for i in 0..<rows {
            lines.append("r\(i),C\(i % 37),2025-0\(1 + i % 9)-1\(i % 10) 1\(i % 10):00:00,\(1 + i % 500).\(10 + i % 90),"
                         + "merchant number \(i % 211) with a long enough name,cat\(i % 13)")
        }
        return scratch.file("rows.csv", lines.joined(separator: "\n") + "\n")
    }

    @Test func anImportThatFillsTheDiskStopsClearlyAndResumesWhenThereIsRoom() throws {
        let store = try scratch.store()
        _ = try store.importFile(try PreparedImport(path: Fixtures.path("cards-2023-sample.csv")))
        let before = try store.transactionCount()
        let file = csv(rows: 20_000)
        var options = ImportOptions()
        options.batchSize = 1_000
        try limitPages(store, to: try pageCount(store) + 300)
        var caught: (any Error)?
        do {
            _ = try store.importFile(try PreparedImport(path: file, options: options))
        } catch {
            caught = error
        }
        let error = try #require(caught, "the import did not run out of room")
        let explained = StoreError.explaining(error, path: store.path)
        #expect(explained as? StoreError == .diskFull(path: store.path))
        #expect("\(explained)".contains(store.path) && "\(explained)".contains("disk is full"))

        // What committed before the disk filled is all there and consistent with the import's ledger.
        let ledger = try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT status, rows_read, rows_imported FROM imports ORDER BY id DESC LIMIT 1")
        }
        #expect(ledger?["status"] as String? == "running")
        let committed: Int = ledger?["rows_imported"] ?? -1
        #expect(committed % 1_000 == 0 && committed > 0 && committed < 20_000, "\(committed) rows committed")
        #expect(try store.transactionCount() == before + committed)
        #expect(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")

        // With room again, importing the file resumes where it stopped and ends with every row exactly once.
        try limitPages(store, to: nil)
        let resumed = try store.importFile(try PreparedImport(path: file, options: options))
        #expect(resumed.resumedAfterRows == committed)
        #expect(resumed.imported == 20_000 && resumed.duplicate == 0)
        #expect(try store.transactionCount() == before + 20_000)
        let again = try store.importFile(try PreparedImport(path: file, options: options))
        #expect(again.alreadyImportedAs == resumed.importID)
    }

    @Test func aDecisionOnAFullDiskIsRefusedAndChangesNothing() throws {
        let store = try scratch.store()
        _ = try store.importFile(try PreparedImport(path: Fixtures.path("cards-2023-sample.csv")))
        let ids = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY id LIMIT 400") }
        _ = try store.refreshAlerts(ids.map {
            AlertCandidate(transactionID: $0, score: 0.9, reasons: [AlertReason(detector: "rules", score: 1, contribution: 1, text: "x")])
        })
        try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        try limitPages(store, to: try pageCount(store))
        // Long notes on many alerts at once need new pages, which the full disk refuses.
        let all = try store.alertSummaries(ids: Array(2...400)).map { SeenAlert(id: $0.id, version: $0.version) }
        var caught: (any Error)?
        do {
            try store.decide(all, status: .falsePositive, analyst: "ana", note: String(repeating: "evidence ", count: 500))
        } catch {
            caught = error
        }
        let error = try #require(caught, "the decision did not run out of room")
        #expect(StoreError.explaining(error, path: store.path) as? StoreError == .diskFull(path: store.path))
        try limitPages(store, to: nil)
        #expect(try store.verifyAuditChain() == .intact(events: 1))
        #expect(try store.alertCounts() == ["confirmed_fraud": 1, "open": 399])
        // And once there is room the same decision goes through whole.
        try store.decide(all, status: .falsePositive, analyst: "ana", note: "later")
        #expect(try store.verifyAuditChain() == .intact(events: 400))
    }
}
