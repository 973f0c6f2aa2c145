import Foundation
import GRDB
import Testing
import VigilStore

/// `vigil analysts`, `--read-only`, `audit verify` (seals, alerts, `--anchor`), `audit anchor`, `key path`, `key rotate`.
@Suite struct WhoDecidedCommandTests {
    let scratch = Scratch()
    let me = OSIdentity.current.user

    /// A store with three open alerts and no events.
    func store() throws -> String {
        let store = scratch.path + "/who-\(UUID().uuidString).sqlite"
        #expect(try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store]).status == 0)
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO alerts (transaction_id, score, created_at, updated_at) SELECT id, 0.9, 0, 0 FROM transactions ORDER BY id LIMIT 3")
        }
        try queue.close()
        return store
    }

    @Test func onceListedANameIsItsUsersAndEveryChangeIsAnEvent() throws {
        let store = try store()
        #expect(try Harness.run(["analysts", "--store", store]).stdout.hasPrefix("no analysts listed"))
        let add = try Harness.run(["analysts", "add", "ana", "--user", me, "--analyst", "ana", "--store", store])
        #expect(add.status == 0 && add.stdout == "ana listed for operating-system user \(me) as analyst\n", "\(add.stderr)")
        #expect(try Harness.run(["analysts", "add", "bo", "--user", "someone-else", "--analyst", "ana", "--store", store]).status == 0)
        #expect(try Harness.run(["analysts", "add", "rita", "--user", me, "--role", "reviewer", "--analyst", "ana", "--store", store]).status == 0)
        let listed = try Harness.run(["analysts", "list", "--store", store]).stdout.split(separator: "\n").map(String.init)
        #expect(listed.map { $0.components(separatedBy: "  added").first ?? "" }
                == ["ana  os user \(me)  analyst", "bo  os user someone-else  analyst", "rita  os user \(me)  reviewer"])
        // bo's name, from this user: refused, nothing written.
        let asBo = try Harness.run(["triage", "--alert", "1", "--decision", "fraud", "--analyst", "bo", "--store", store])
        #expect(asBo.status != 0)
        #expect(asBo.stderr.contains("operating-system user \(me) may not act as analyst bo: bo is listed for operating-system user someone-else; nothing was changed"),
                "\(asBo.stderr)")
        let asRita = try Harness.run(["triage", "--alert", "1", "--note", "looks fine", "--analyst", "rita", "--store", store])
        #expect(asRita.status != 0 && asRita.stderr.contains("rita is a reviewer, who may look but not decide"))
        let unlisted = try Harness.run(["lists", "add", "deny", "--merchant", "Cafe", "--note", "skimmer", "--analyst", "mallory", "--store", store])
        #expect(unlisted.status != 0 && unlisted.stderr.contains("mallory is not in the store's analysts list"), "\(unlisted.stderr)")
        // ana decides, and the log says who did, as which user on which host.
        #expect(try Harness.run(["triage", "--alert", "1", "--decision", "fraud", "--analyst", "ana", "--store", store]).status == 0)
        #expect(try Harness.run(["analysts", "remove", "rita", "--analyst", "ana", "--store", store]).status == 0)
        let log = try Harness.run(["audit", "log", "--store", store]).stdout.split(separator: "\n").map(String.init)
        #expect(log.count == 5)
        #expect(log[0].contains(" \(Harness.madeBy("ana")) analyst add: ana (os user \(me), analyst)"), "\(log[0])")
        #expect(log[3].contains(" alert #1 \(Harness.madeBy("ana")) decide open → confirmed_fraud"), "\(log[3])")
        #expect(log[4].contains(" \(Harness.madeBy("ana")) analyst remove: rita (os user \(me), reviewer)"), "\(log[4])")
        let verify = try Harness.run(["audit", "verify", "--store", store])
        #expect(verify.status == 0 && verify.stdout.contains("audit trail intact: 5 triage events, every hash, link and seal verified"))
    }

    @Test func readOnlyWritesNothing() throws {
        let store = try store()
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        let refused = try Harness.run(["triage", "--alert", "1", "--decision", "fraud", "--read-only", "--store", store])
        #expect(refused.status != 0 && refused.stderr.contains("the store is read-only (it was opened with --read-only); nothing was changed"),
                "\(refused.stderr)")
        #expect(try Harness.run(["audit", "verify", "--read-only", "--store", store]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before)
    }

    @Test func verifyChecksAlertsSealsAndAnchors() throws {
        let store = try store()
        #expect(try Harness.run(["triage", "--alert", "1", "--alert", "2", "--decision", "fraud", "--analyst", "ana", "--store", store]).status == 0)
        let anchor = try Harness.run(["audit", "anchor", "--store", store]).stdout.trimmingCharacters(in: .newlines)
        #expect(anchor.hasPrefix("2:2:") && anchor.count == 68, "\(anchor)")
        #expect(try Harness.run(["triage", "--alert", "3", "--note", "later", "--analyst", "ana", "--store", store]).status == 0)
        let extended = try Harness.run(["audit", "verify", "--anchor", anchor, "--store", store])
        #expect(extended.status == 0 && extended.stdout.contains("and it extends the anchor \(anchor)"), "\(extended.stderr)")
        #expect(try Harness.run(["audit", "verify", "--anchor", "2:2:nothex", "--store", store]).stderr.contains("is not what `vigil audit anchor` prints"))
        // A status and a deleted alert changed behind Vigil's back.
        var config = Configuration()
        config.foreignKeysEnabled = false
        let queue = try DatabaseQueue(path: store, configuration: config)
        try queue.write { db in
            try db.execute(sql: "UPDATE alerts SET status = 'false_positive' WHERE id = 1")
            try db.execute(sql: "DELETE FROM alerts WHERE id = 2")
        }
        try queue.close()
        let caught = try Harness.run(["audit", "verify", "--store", store])
        #expect(caught.status == 1)
        #expect(caught.stdout.contains("audit trail intact: 3 triage events"))
        #expect(caught.stderr == """
            2 alerts DISAGREE with the trail:
              alert #1 is false positive, but its event #1 by ana says confirmed fraud (its status was changed outside Vigil)
              alert #2, which event #2 names, is no longer stored (it was deleted outside Vigil)

            """, "\(caught.stderr)")
    }

    @Test func theKeyFileIsFoundRotatedAndMissed() throws {
        let store = try store()
        #expect(try Harness.run(["triage", "--alert", "1", "--decision", "fraud", "--analyst", "ana", "--store", store]).status == 0)
        #expect(try Harness.run(["key", "path", "--store", store]).stdout == store + ".key\n")
        let before = try String(contentsOfFile: store + ".key", encoding: .utf8)
        let rotated = try Harness.run(["key", "rotate", "--store", store])
        #expect(rotated.status == 0 && rotated.stdout.hasPrefix("audit key rotated: 1 events resealed"), "\(rotated.stderr)")
        let after = try String(contentsOfFile: store + ".key", encoding: .utf8)
        #expect(after != before && after.split(separator: "\n")[1] == before.split(separator: "\n")[1], "the card key stays")
        #expect(try Harness.run(["audit", "verify", "--store", store]).stdout.contains("intact: 2 triage events"))
        // Without the key file: verify cannot vouch, and nothing can be decided.
        try FileManager.default.removeItem(atPath: store + ".key")
        let unchecked = try Harness.run(["audit", "verify", "--store", store])
        #expect(unchecked.status == 1 && unchecked.stderr.contains("their seals could not be checked"), "\(unchecked.stderr)")
        let refused = try Harness.run(["triage", "--alert", "2", "--decision", "fraud", "--analyst", "ana", "--store", store])
        #expect(refused.status != 0 && refused.stderr.contains("its key file \(store).key is missing, and sealing the audit trail needs it"),
                "\(refused.stderr)")
    }
}
