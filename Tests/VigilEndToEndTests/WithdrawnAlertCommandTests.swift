import Foundation
import GRDB
import Testing

/// `vigil triage` on an alert a scan withdrew: refused with a message that says so, nothing recorded, and its id
/// still kept for its transaction.
@Suite(.serialized) struct WithdrawnAlertCommandTests {
    let scratch = Scratch()

    @Test func aDecisionOnAWithdrawnAlertIsRefusedSayingSo() throws {
        let store = scratch.path + "/w.sqlite"
        #expect(try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store]).status == 0)
        // Two alerts, then the second withdrawn as a scan withdraws one (deleted from the queue; its id stays given).
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO alerts (transaction_id, score, created_at, updated_at) VALUES (1, 0.9, 0, 0), (2, 0.8, 0, 0)")
            try db.execute(sql: "DELETE FROM alerts WHERE id = 2")
        }
        try queue.close()
        let withdrawn = try Harness.run(["triage", "--store", store, "--alert", "1", "--alert", "2", "--decision", "fraud", "--analyst", "ana"])
        #expect(withdrawn.status != 0)
        #expect(withdrawn.stderr.contains("alert #2 was withdrawn: the latest scan no longer flags its transaction; nothing was changed"),
                "\(withdrawn.stderr)")
        #expect(try Harness.run(["audit", "--store", store]).stdout.contains("audit trail intact: 0 triage events"))
        // An id never given is still reported as no alert.
        let none = try Harness.run(["triage", "--store", store, "--alert", "9", "--decision", "fraud", "--analyst", "ana"])
        #expect(none.status != 0 && none.stderr.contains("no alert #9 in "), "\(none.stderr)")
        // The open one is decided alone when named alone.
        #expect(try Harness.run(["triage", "--store", store, "--alert", "1", "--decision", "fraud", "--analyst", "ana"]).status == 0)
    }
}
