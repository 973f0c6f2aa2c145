import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// An alert id, once given, names the same transaction for life: withdrawn alerts reopen under their id, new ones
/// never take a retired id; and a rescan moves an alert's version only when something an analyst sees changed.
@Suite struct AlertIdentityTests {
    let scratch = ScratchDirectory()

    /// A store with `count` transactions and no alerts; returns it with the transaction ids in order.
    func store(transactions count: Int) throws -> (Store, [Int64]) {
        let store = try scratch.store()
        let rows = (0..<count).map { i in
            Transaction(sourceKey: "k\(i)", clientID: "C\(i % 3)", instant: 1_700_000_000 + Int64(i) * 3_600,
                        originalTime: "t", amount: Money(minorUnits: Int64(1_000 * (i + 1))), merchant: "Shop \(i)",
                        category: "grocery")
        }
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        let ids = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY id") }
        return (store, ids)
    }

    func candidate(_ transaction: Int64, score: Double = 0.8, text: String = "reason") -> AlertCandidate {
        AlertCandidate(transactionID: transaction, score: score,
                       reasons: [AlertReason(detector: "burst", score: 1, contribution: 1, text: text)])
    }

    /// Every alert id the store holds, with its transaction.
    func ids(_ store: Store) throws -> [Int64: Int64] {
        try store.pool.read { db in
            var map: [Int64: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, transaction_id FROM alerts") { map[row[0]] = row[1] }
            return map
        }
    }

    /// The case in small: a narrower scan withdraws the alerts at the end of the id range, and the next
    /// full scan raises a different mix; the withdrawn ids must not go to other transactions.
    @Test func aWithdrawnAlertsIDIsNeverGivenToAnotherTransaction() throws {
        let (store, tx) = try store(transactions: 12)
        _ = try store.refreshAlerts(tx.prefix(10).map { candidate($0) }, at: 1)
        let first = try ids(store)
        #expect(first.count == 10)
        // A narrower scan: only the first five are raised, the other five (the highest ids) are withdrawn.
        let narrow = try store.refreshAlerts(tx.prefix(5).map { candidate($0) }, at: 2)
        #expect(narrow.withdrawn == 5)
        // The full scan raises two new transactions first, then the ten of the first scan.
        _ = try store.refreshAlerts((tx.suffix(2) + tx.prefix(10)).map { candidate($0) }, at: 3)
        let now = try ids(store)
        #expect(now.count == 12)
        for (id, transaction) in first { #expect(now[id] == transaction, "alert #\(id) names another transaction") }
        // The two new alerts got ids never given before.
        let fresh = now.filter { first[$0.key] == nil }
        #expect(fresh.count == 2 && fresh.keys.allSatisfy { $0 > first.keys.max()! })
    }

    func seen(_ store: Store, _ ids: [Int64]) throws -> [SeenAlert] {
        try store.alertSummaries(ids: ids).map { SeenAlert(id: $0.id, version: $0.version) }
    }

    @Test func aWithdrawnAlertIsRefusedClearlyAndReopensUnderItsIDWithANewVersion() throws {
        let (store, tx) = try store(transactions: 3)
        _ = try store.refreshAlerts(tx.map { candidate($0) }, at: 1)
        let shown = try seen(store, [3])[0]
        #expect(try store.alertSummaries(ids: [3]).first?.transactionID == tx[2])
        _ = try store.refreshAlerts(tx.prefix(2).map { candidate($0) }, at: 2)
        // Gone from the queue, and a decision on it says it was withdrawn rather than that it never existed.
        #expect(try store.alertSummaries(ids: [3]).isEmpty)
        #expect(throws: TriageError.withdrawn(alertID: 3)) { try store.decide([shown], status: .falsePositive, analyst: "ana") }
        #expect(throws: TriageError.withdrawn(alertID: 3)) { try store.addNote("seen", to: shown, analyst: "ana") }
        #expect(try store.missingAlert(3) == .withdrawn(alertID: 3))
        #expect(try store.missingAlert(4) == .noSuchAlert(4))
        #expect(TriageError.withdrawn(alertID: 3).description.hasPrefix("alert #3 was withdrawn: the latest scan no longer flags"))
        // A decision made with it, on an alert still open, is refused whole.
        #expect(throws: TriageError.withdrawn(alertID: 3)) {
            try store.decide(try seen(store, [1]) + [shown], status: .falsePositive, analyst: "ana")
        }
        #expect(try store.alertSummaries(ids: [1]).first?.status == "open")
        // Flagged again: the same id, open, and a version past the one shown, so the stale view is refused.
        _ = try store.refreshAlerts(tx.map { candidate($0) }, at: 3)
        let reopened = try #require(try store.alertSummaries(ids: [3]).first)
        #expect(reopened.transactionID == tx[2] && reopened.status == "open" && reopened.version > shown.version)
        #expect(throws: TriageError.self) { try store.decide([shown], status: .falsePositive, analyst: "ana") }
        try store.decide(try seen(store, [3]), status: .falsePositive, analyst: "ana")
        #expect(try store.verifyAuditChain() == .intact(events: 1))
    }

    /// Live scoring opens alerts through the same statement: a transaction whose alert was withdrawn gets its id
    /// back, and a new one an id never given.
    @Test func liveScoringReopensUnderTheSameIDAndNeverRecyclesOne() throws {
        let (store, tx) = try store(transactions: 4)
        _ = try store.refreshAlerts(tx.prefix(3).map { candidate($0) }, at: 1)
        _ = try store.refreshAlerts(tx.prefix(1).map { candidate($0) }, at: 2)
        #expect(try ids(store) == [1: tx[0]])
        let opened = try store.commitLiveScores([], alerts: [candidate(tx[3]), candidate(tx[2])], through: tx[3])
        #expect(opened == [4, 3])
        #expect(try ids(store) == [1: tx[0], 3: tx[2], 4: tx[3]])
        // An alert that exists is left exactly as it is: no second alert, no version moved.
        let before = try #require(try store.alertSummaries(ids: [1]).first)
        #expect(try store.commitLiveScores([], alerts: [candidate(tx[0], score: 0.95)], through: tx[3]).isEmpty)
        #expect(try store.alertSummaries(ids: [1]).first == before)
    }

    /// The mechanism, not only the code paths that use it: a write that gives an id to a second transaction, moves
    /// an alert to another transaction or forgets an id is refused by the store itself.
    @Test func theStoreRefusesAnyWriteThatWouldRecycleAnID() throws {
        let (store, tx) = try store(transactions: 3)
        _ = try store.refreshAlerts(tx.prefix(2).map { candidate($0) }, at: 1)
        _ = try store.refreshAlerts(tx.prefix(1).map { candidate($0) }, at: 2)
        // SQLite alone would give the next alert id 2 (the highest plus one), alert #2's id.
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in
                try db.execute(sql: "INSERT INTO alerts (transaction_id, score, created_at, updated_at) VALUES (?, 1, 0, 0)",
                               arguments: [tx[2]])
            }
        }
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in try db.execute(sql: "UPDATE alerts SET transaction_id = ? WHERE id = 1", arguments: [tx[2]]) }
        }
        #expect(throws: DatabaseError.self) {
            try store.pool.write { db in try db.execute(sql: "DELETE FROM alert_ids") }
        }
        #expect(try ids(store) == [1: tx[0]])
        // Through the store, the new transaction gets an id never given.
        _ = try store.refreshAlerts([candidate(tx[2])], at: 3)
        #expect(try ids(store)[3] == tx[2])
    }

    /// A store made before `v12-alerts-ids-for-life` keeps its alerts' ids: the migration records them all.
    @Test func theMigrationRecordsTheIDsOfExistingAlerts() throws {
        let (store, tx) = try store(transactions: 3)
        _ = try store.refreshAlerts(tx.map { candidate($0) }, at: 1)
        // Back to the schema before the migration, as a store of the previous release has it.
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: """
                DROP TRIGGER alert_ids_no_delete; DROP TRIGGER alert_ids_no_move; DROP TRIGGER alerts_register_id;
                DROP TRIGGER alerts_keep_id; DROP TRIGGER alerts_withdrawn; DROP TABLE alert_ids;
                DELETE FROM grdb_migrations WHERE identifier = 'v12-alerts-ids-for-life';
                """)
        }
        try store.closeConnections()
        let reopened = try scratch.store()
        defer { try? reopened.closeConnections() }
        #expect(try reopened.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert_ids") } == 3)
        _ = try reopened.refreshAlerts([candidate(tx[1])], at: 2)
        _ = try reopened.refreshAlerts(tx.map { candidate($0) }, at: 3)
        #expect(try ids(reopened) == [1: tx[0], 2: tx[1], 3: tx[2]])
    }

    /// Item 2: a rescan that raises an alert exactly as it was leaves its version (and time) alone, so a decision
    /// made just before it goes through; a rescan that changes its score or reasons moves its version on.
    @Test func aRescanMovesAVersionOnlyWhenSomethingAnAnalystSeesChanged() throws {
        let (store, tx) = try store(transactions: 4)
        let candidates = tx.map { candidate($0) }
        _ = try store.refreshAlerts(candidates, at: 1)
        let before = try store.alertSummaries(ids: [1, 2, 3, 4])
        let same = try store.refreshAlerts(candidates, at: 2)
        #expect(same.updated == 0 && same.unchanged == 4 && same.opened == 0 && same.withdrawn == 0)
        #expect(try store.alertSummaries(ids: [1, 2, 3, 4]) == before, "versions and times as they were")
        try store.decide([SeenAlert(id: 1, version: before[0].version)], status: .falsePositive, analyst: "ana")

        // Alert 2's score moves, alert 3's reasons; alert 4 comes again as it was.
        var changed = candidates
        changed[1].score = 0.81
        changed[2] = candidate(tx[2], text: "another reason")
        let refresh = try store.refreshAlerts(changed, at: 3)
        #expect(refresh.updated == 2 && refresh.unchanged == 1 && refresh.keptTriaged == 1)
        let after = try store.alertSummaries(ids: [2, 3, 4])
        #expect(after.map(\.version) == [before[1].version + 1, before[2].version + 1, before[3].version])
        #expect(after[0].updatedAt == 3 && after[2].updatedAt == 1)
        for stale in [before[1], before[2]] {
            #expect(throws: TriageError.self) {
                try store.decide([SeenAlert(id: stale.id, version: stale.version)], status: .falsePositive, analyst: "ana")
            }
        }
        try store.decide([SeenAlert(id: 4, version: before[3].version)], status: .escalated, analyst: "ana")
    }
}
