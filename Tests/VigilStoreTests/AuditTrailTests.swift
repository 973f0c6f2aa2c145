import Foundation
import GRDB
import Testing
@testable import VigilStore

@Suite struct AuditTrailTests {
    let scratch = ScratchDirectory()

    func storeWithAlerts() throws -> Store {
        let store = try scratch.store()
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
}
