import Foundation
import GRDB
import Testing
@testable import VigilStore

@Suite struct AuditTrailTests {
    let scratch = ScratchDirectory()

    func storeWithAlerts(named name: String = "store.sqlite") throws -> Store {
        let store = try Store(path: scratch.path + "/" + name)
        _ = try store.importFile(try PreparedImport(path: Fixtures.path("cards-2023-sample.csv")))
        try store.pool.write { db in
            try db.execute(sql: "INSERT INTO alerts (transaction_id, score, created_at, updated_at) SELECT id, 0.9, 0, 0 FROM transactions ORDER BY id LIMIT 3")
        }
        return store
    }

    @Test func decisionsUpdateTheAlertAndChainTheirEvents() throws {
        let store = try storeWithAlerts()
        let first = try store.recordTriage(alertID: 1, analyst: "ana", action: "decide", toStatus: .confirmedFraud, note: "card stolen", at: 100)
        let second = try store.recordTriage(alertID: 2, analyst: "bo", action: "note", note: "called client", at: 200)
        #expect(first.previousHash == Store.genesisHash)
        #expect(second.previousHash == first.hash)
        #expect(first.fromStatus == "open" && first.toStatus == "confirmed_fraud")
        let status = try store.pool.read { db in try String.fetchOne(db, sql: "SELECT status FROM alerts WHERE id = 1") }
        #expect(status == "confirmed_fraud")
        #expect(try store.verifyAuditChain() == .intact(events: 2))
        #expect(throws: TriageError.noSuchAlert(99)) { try store.recordTriage(alertID: 99, analyst: "x", action: "note") }
    }

    @Test func eventsCannotBeEditedOrDeleted() throws {
        let store = try storeWithAlerts()
        try store.recordTriage(alertID: 1, analyst: "ana", action: "decide", toStatus: .falsePositive)
        #expect(throws: DatabaseError.self) { try store.pool.write { db in try db.execute(sql: "UPDATE triage_events SET note = 'x'") } }
        #expect(throws: DatabaseError.self) { try store.pool.write { db in try db.execute(sql: "DELETE FROM triage_events") } }
    }

    @Test func tamperingIsDetected() throws {
        let store = try storeWithAlerts()
        for i in 1...3 { try store.recordTriage(alertID: Int64(i), analyst: "ana", action: "decide", toStatus: .escalated, at: Int64(i)) }
        // Someone with raw access drops the guard and rewrites history.
        try store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER triage_events_no_update")
            try db.execute(sql: "UPDATE triage_events SET to_status = 'false_positive' WHERE id = 2")
        }
        #expect(try store.verifyAuditChain() == .broken(eventID: 2, reason: "its content does not match its hash (it was altered)"))
        try store.pool.write { db in
            try db.execute(sql: "UPDATE triage_events SET to_status = 'escalated' WHERE id = 2")
            try db.execute(sql: "DROP TRIGGER triage_events_no_delete")
            try db.execute(sql: "DELETE FROM triage_events WHERE id = 2")
        }
        if case .broken(let id, let reason) = try store.verifyAuditChain() {
            #expect(id == 3)
            #expect(reason.contains("removed or reordered"))
        } else {
            Issue.record("a deleted event went unnoticed")
        }
    }

    /// A store with five chained events, then a raw connection of its own, as someone editing the file would use,
    /// with the append-only triggers dropped.
    func tamperable() throws -> (store: Store, raw: DatabaseQueue) {
        let store = try storeWithAlerts(named: "tampered-\(UUID().uuidString).sqlite")
        for i in 1...5 {
            try store.recordTriage(alertID: Int64(1 + i % 3), analyst: "ana", action: i % 2 == 0 ? "note" : "decide",
                                   toStatus: i % 2 == 0 ? nil : .escalated, note: "n\(i)", at: Int64(i))
        }
        #expect(try store.verifyAuditChain() == .intact(events: 5))
        let raw = try DatabaseQueue(path: store.path)
        try raw.write { db in
            try db.execute(sql: "DROP TRIGGER triage_events_no_update; DROP TRIGGER triage_events_no_delete")
        }
        return (store, raw)
    }

    func brokenAt(_ store: Store) throws -> (id: Int64, reason: String)? {
        if case .broken(let id, let reason) = try store.verifyAuditChain() { return (id, reason) }
        return nil
    }

    @Test func anEditedEventIsDetectedWhicheverFieldChanged() throws {
        for (column, value) in [("note", "'n3 (edited)'"), ("analyst", "'bo'"), ("at", "99"), ("alert_id", "2"),
                                ("action", "'note'"), ("from_status", "NULL")] {
            let (store, raw) = try tamperable()
            try raw.write { db in try db.execute(sql: "UPDATE triage_events SET \(column) = \(value) WHERE id = 3") }
            try raw.close()
            let broken = try brokenAt(store)
            #expect(broken?.id == 3, "an edited \(column) went unnoticed")
            #expect(broken?.reason.contains("altered") == true)
        }
    }

    @Test func aDeletedEventIsDetectedWhereverItWas() throws {
        for id in 1...5 {
            let (store, raw) = try tamperable()
            try raw.write { db in try db.execute(sql: "DELETE FROM triage_events WHERE id = ?", arguments: [id]) }
            try raw.close()
            let broken = try brokenAt(store)
            #expect(broken != nil, "deleting event #\(id) went unnoticed")
            if id == 5 { #expect(broken?.reason.contains("removed from its end") == true) }
        }
        // The whole trail, and the trail with its head.
        let (store, raw) = try tamperable()
        try raw.write { db in try db.execute(sql: "DELETE FROM triage_events") }
        #expect(try brokenAt(store) != nil, "an emptied trail went unnoticed")
        try raw.write { db in try db.execute(sql: "DELETE FROM audit_head") }
        try raw.close()
        #expect(try brokenAt(store) != nil, "an emptied trail without its head went unnoticed")
    }

    @Test func aReorderedEventIsDetected() throws {
        // Two events' ids swapped.
        do {
            let (store, raw) = try tamperable()
            try raw.write { db in
                try db.execute(sql: "UPDATE triage_events SET id = 100 WHERE id = 2")
                try db.execute(sql: "UPDATE triage_events SET id = 2 WHERE id = 4")
                try db.execute(sql: "UPDATE triage_events SET id = 4 WHERE id = 100")
            }
            try raw.close()
            #expect(try brokenAt(store)?.id == 2)
        }
        // Every row's content moved one place along (ids kept, contents rotated).
        do {
            let (store, raw) = try tamperable()
            try raw.write { db in
                try db.execute(sql: "UPDATE triage_events SET id = id + 100")
                try db.execute(sql: "UPDATE triage_events SET id = CASE WHEN id = 105 THEN 1 ELSE id - 99 END")
            }
            try raw.close()
            #expect(try brokenAt(store) != nil, "rotated events went unnoticed")
        }
        // Rows renumbered with their order kept: `decide with #N` and `undo #N` would point elsewhere.
        do {
            let (store, raw) = try tamperable()
            try raw.write { db in try db.execute(sql: "UPDATE triage_events SET id = id + 10") }
            try raw.close()
            #expect(try brokenAt(store)?.id == 11)
        }
        do {
            let (store, raw) = try tamperable()
            try raw.write { db in
                try db.execute(sql: "UPDATE triage_events SET id = id + 100 WHERE id >= 4")
                try db.execute(sql: "UPDATE triage_events SET id = id - 99 WHERE id >= 100")
            }
            try raw.close()
            #expect(try brokenAt(store)?.id == 5)
        }
    }

    @Test func anEventAddedOutsideVigilIsDetected() throws {
        let (store, raw) = try tamperable()
        // Chained correctly by hand, but the head was not told.
        let last = try #require(try store.latestTriageEvents(limit: 1).last)
        var forged = TriageEvent(id: 6, alertID: 1, at: 9, analyst: "mallory", action: "note", fromStatus: "open",
                                 toStatus: nil, note: "forged", previousHash: last.hash, hash: "")
        forged.hash = Store.hash(of: forged)
        try raw.write { db in
            try db.execute(sql: """
                INSERT INTO triage_events (id, alert_id, at, analyst, action, from_status, to_status, note, prev_hash, hash)
                VALUES (6, 1, 9, 'mallory', 'note', 'open', NULL, 'forged', ?, ?)
                """, arguments: [forged.previousHash, forged.hash])
        }
        try raw.close()
        #expect(try brokenAt(store) != nil)
    }

    @Test func theHeadFollowsEveryWayOfAppending() throws {
        let store = try storeWithAlerts()
        let decided = try store.decide([SeenAlert(id: 1, version: 1), SeenAlert(id: 2, version: 1)], status: .confirmedFraud, analyst: "ana")
        try store.addNote("more", to: SeenAlert(id: 3, version: 1), analyst: "bo")
        try store.undoLastDecision(analyst: "ana")
        #expect(decided.count == 2)
        #expect(try store.verifyAuditChain() == .intact(events: 5))
    }
}
