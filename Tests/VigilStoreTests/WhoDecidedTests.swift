import Foundation
import GRDB
import Testing
@testable import VigilStore

/// Issue 24, "who decided": events record the operating-system user and host, the analysts list ties names to users,
/// the chain is sealed with the store's audit key, alerts are checked against their events, anchors, key rotation.
@Suite struct WhoDecidedTests {
    let scratch = ScratchDirectory()
    static let me = OSIdentity(user: "ana-os", host: "ws-1")

    /// A store with three open alerts (no events), its events recording `identity`.
    func store(named name: String = "store-\(UUID().uuidString).sqlite", identity: OSIdentity = me) throws -> Store {
        let path = scratch.path + "/" + name
        do {
            let made = try Store(path: path)
            _ = try made.importFile(try PreparedImport(path: Fixtures.path("cards-2023-sample.csv")))
            try made.pool.write { db in
                try db.execute(sql: "INSERT INTO alerts (transaction_id, score, created_at, updated_at) SELECT id, 0.9, 0, 0 FROM transactions ORDER BY id LIMIT 3")
            }
            try made.closeConnections()
        }
        return try Store(path: path, identity: identity)
    }

    /// Everything a refused write might have touched.
    func snapshot(_ store: Store) throws -> [String] {
        try store.pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT 'e' || id || hash FROM triage_events
                UNION ALL SELECT 'a' || id || status || coalesce(assignee, '-') || version FROM alerts
                UNION ALL SELECT 'c' || id || coalesce(assignee, '-') || version FROM cases
                UNION ALL SELECT 'l' || id FROM list_entries
                UNION ALL SELECT 'n' || name FROM analysts
                UNION ALL SELECT 'h' || events || last_hash FROM audit_head ORDER BY 1
                """)
        }
    }

    @Test func eachEventRecordsTheOperatingSystemUserAndHostUnderItsHash() throws {
        let store = try store()
        let event = try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")[0]
        #expect(event.osUser == "ana-os" && event.host == "ws-1")
        #expect(event.madeBy == "ana (ana-os@ws-1)")
        let stored = try #require(try store.triageEvents(ofAlert: 1).first)
        #expect(stored.osUser == "ana-os" && stored.host == "ws-1" && stored.seal != nil)
        // An event from before they were recorded says so.
        var old = stored
        old.osUser = nil
        old.host = nil
        #expect(old.madeBy == "ana (os user unknown)")
        // The user is covered by the hash: changing it breaks the event.
        try store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER triage_events_no_update; UPDATE triage_events SET os_user = 'bo-os' WHERE id = 1")
        }
        guard case .broken(1, let reason) = try store.verifyAuditChain() else { Issue.record("an edited os user went unnoticed"); return }
        #expect(reason.contains("altered"))
        #expect(OSIdentity.current.user == String(cString: getpwuid(geteuid()).pointee.pw_name))
    }

    @Test func onceAnalystsAreListedANameIsOnlyItsUsersAndAReviewerCannotDecide() throws {
        let store = try store()
        // Before the list, any name.
        try store.addNote("before the list", to: SeenAlert(id: 3, version: 1), analyst: "anyone")
        try store.addAnalyst("ana", osUser: "ana-os", by: "ana", at: 10)
        try store.addAnalyst("bo", osUser: "bo-os", by: "ana", at: 11)
        try store.addAnalyst("rita", osUser: "ana-os", role: .reviewer, by: "ana", at: 12)
        #expect(try store.analysts().map(\.name) == ["ana", "bo", "rita"])
        #expect(try store.analysts()[2] == ListedAnalyst(name: "rita", osUser: "ana-os", role: .reviewer, addedAt: 12, addedBy: "ana"))
        #expect(throws: AnalystListError.alreadyListed(name: "bo", osUser: "bo-os")) {
            try store.addAnalyst("bo", osUser: "x", by: "ana")
        }
        let before = try snapshot(store)
        let notListed = TriageError.analystRefused(analyst: "mallory", osUser: "ana-os",
                                                   reason: "mallory is not in the store's analysts list (`vigil analysts list`)")
        let anotherUsers = TriageError.analystRefused(analyst: "bo", osUser: "ana-os", reason: "bo is listed for operating-system user bo-os")
        let reviewer = TriageError.analystRefused(analyst: "rita", osUser: "ana-os", reason: "rita is a reviewer, who may look but not decide")
        #expect(anotherUsers.description == "operating-system user ana-os may not act as analyst bo: bo is listed for operating-system user bo-os; nothing was changed")
        for (name, refusal) in [("mallory", notListed), ("bo", anotherUsers), ("rita", reviewer)] {
            #expect(throws: refusal) { try store.decide([SeenAlert(id: 1, version: 1)], status: .falsePositive, analyst: name) }
            #expect(throws: refusal) { try store.addNote("x", to: SeenAlert(id: 1, version: 1), analyst: name) }
            #expect(throws: refusal) { try store.recordTriage(alertID: 1, analyst: name, action: "note") }
            #expect(throws: refusal) {
                try store.addListEntry(NewListEntry(kind: .deny, target: .merchant, value: "Skim Ltd", from: 0, until: nil, note: "n"), analyst: name)
            }
            #expect(throws: refusal) { try store.addAnalyst("zed", osUser: "zed", by: name) }
            #expect(throws: refusal) { try store.removeAnalyst("ana", by: name) }
            #expect(try store.cannotDecide(as: name) != nil)
        }
        #expect(try snapshot(store) == before, "a refused write wrote something")
        // The listed analyst, as its own user, decides and undoes.
        #expect(try store.cannotDecide(as: "ana") == nil)
        try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        try store.undoLastDecision(analyst: "ana")
        // bo, run by bo's user, may; ana's user may not undo as bo.
        let asBo = try Store(path: store.path, identity: OSIdentity(user: "bo-os", host: "ws-2"))
        try asBo.decide([SeenAlert(id: 2, version: 1)], status: .escalated, analyst: "bo")
        #expect(throws: anotherUsers) { try store.undoLastDecision(analyst: "bo") }
        // Every change to the list is an event.
        try store.removeAnalyst("rita", by: "ana")
        let actions = try store.latestTriageEvents(limit: 100).map(\.action)
        #expect(actions.filter { $0.hasPrefix("analyst ") } == ["analyst add", "analyst add", "analyst add", "analyst remove"])
        #expect(try store.verifyAuditChain() == .intact(events: actions.count))
    }

    @Test func caseWritesAreCheckedToo() throws {
        let store = try store()
        try store.refreshCases(gapSeconds: 86_400 * 365 * 20, now: 100)
        let caseID = try #require(try store.pool.read { db in try Int64.fetchOne(db, sql: "SELECT case_id FROM alerts WHERE id = 1") })
        try store.addAnalyst("ana", osUser: "ana-os", by: "ana")
        let before = try snapshot(store)
        #expect(throws: TriageError.self) { try store.claimNextCase(analyst: "bo") }
        #expect(throws: TriageError.self) { try store.assignCase(id: caseID, to: "bo", by: "bo") }
        #expect(throws: TriageError.self) { try store.snoozeCase(id: caseID, until: Int64(Date().timeIntervalSince1970) + 999, by: "bo") }
        #expect(throws: TriageError.self) { try store.setCaseDue(id: caseID, at: 5, by: "bo") }
        #expect(throws: TriageError.self) { try store.decideCase(id: caseID, status: .confirmedFraud, analyst: "bo") }
        #expect(try snapshot(store) == before)
        try store.assignCase(id: caseID, to: "ana", by: "ana")
    }

    @Test func aStoreOpenedReadOnlyRefusesEveryWriteAndIsNotChanged() throws {
        let writable = try store()
        try writable.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        let before = try snapshot(writable)
        try writable.closeConnections()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: writable.path))
        let store = try Store(path: writable.path, readOnly: true)
        #expect(try store.cannotDecide(as: "ana") == "the store is open read-only: nothing can be decided")
        #expect(throws: StoreError.readOnly(path: store.path, reason: "it was opened with --read-only")) {
            try store.addNote("x", to: SeenAlert(id: 2, version: 1), analyst: "ana")
        }
        #expect(throws: StoreError.self) { try store.addAnalyst("ana", osUser: "ana-os", by: "ana") }
        #expect(throws: StoreError.self) { try store.rotateAuditKey() }
        #expect(try snapshot(store) == before)
        try store.closeConnections()
        #expect(try Data(contentsOf: URL(fileURLWithPath: writable.path)) == bytes)
    }

    // MARK: - The keyed chain

    /// A store with five events, and what someone editing the file without the key does afterwards: drops the
    /// triggers, applies `edit`, then recomputes every link and SHA-256 and the head (count, last id, last hash). The
    /// seals, which need the key, are left as they were.
    func attacked(_ edit: (Database) throws -> Void) throws -> AuditVerification {
        let store = try store()
        for i in 1...5 {
            try store.recordTriage(alertID: Int64(1 + i % 3), analyst: "ana", action: i % 2 == 0 ? "note" : "decide",
                                   toStatus: i % 2 == 0 ? nil : .escalated, note: "n\(i)", at: 1_000_000 + Int64(i))
        }
        #expect(try store.verifyAuditChain() == .intact(events: 5))
        let raw = try DatabaseQueue(path: store.path)
        try raw.write { db in
            try db.execute(sql: "DROP TRIGGER triage_events_no_update; DROP TRIGGER triage_events_no_delete")
            try edit(db)
            var previous = Store.genesisHash
            var count: Int64 = 0, last: Int64 = 0
            for row in try Row.fetchAll(db, sql: "SELECT * FROM triage_events ORDER BY id") {
                var event = Store.event(row)
                event.previousHash = previous
                event.hash = Store.hash(of: event)
                try db.execute(sql: "UPDATE triage_events SET prev_hash = ?, hash = ? WHERE id = ?", arguments: [event.previousHash, event.hash, event.id])
                previous = event.hash
                count += 1
                last = event.id
            }
            try db.execute(sql: "UPDATE audit_head SET events = ?, last_id = ?, last_hash = ?", arguments: [count, last, previous])
        }
        try raw.close()
        // Without the seals, the trail would pass as it did before they existed.
        #expect(try store.pool.read { db in try Store.verifyTrail(db, key: nil) } == .sealsUnchecked(events: Int(try store.auditAnchor().events), reason: ""))
        return try store.verifyAuditChain()
    }

    @Test func aTrailEditedAndRehashedWithoutTheKeyIsDetected() throws {
        func expectBroken(_ found: AuditVerification, at id: Int64, _ words: String, _ what: String) {
            guard case .broken(let at, let reason) = found else { Issue.record("\(what) went unnoticed: \(found)"); return }
            #expect(at == id, "\(what)")
            #expect(reason.contains(words), "\(what): \(reason)")
        }
        expectBroken(try attacked { db in
            try db.execute(sql: "UPDATE triage_events SET to_status = 'false_positive' WHERE id = 3")
        }, at: 3, "seal does not match", "an edited decision")
        expectBroken(try attacked { db in
            try db.execute(sql: "UPDATE triage_events SET at = at - 30 * 86400 WHERE id = 2")
        }, at: 2, "seal does not match", "a decision back-dated 30 days")
        expectBroken(try attacked { db in
            // A forged event, given the last real event's seal (the attacker cannot make one).
            try db.execute(sql: """
                INSERT INTO triage_events (id, alert_id, at, analyst, action, from_status, to_status, note, prev_hash, hash, os_user, host, seal)
                SELECT 6, 1, 1000009, 'ana', 'decide', 'escalated', 'false_positive', NULL, '', 'x', os_user, host, seal
                FROM triage_events WHERE id = 5
                """)
        }, at: 6, "seal does not match", "a forged event")
        expectBroken(try attacked { db in
            try db.execute(sql: "INSERT INTO triage_events (id, alert_id, at, analyst, action, prev_hash, hash) VALUES (6, 1, 1000009, 'ana', 'note', '', 'x')")
        }, at: 6, "not sealed", "a forged event without a seal")
        expectBroken(try attacked { db in
            try db.execute(sql: "DELETE FROM triage_events WHERE id = 5")
        }, at: 4, "head is not sealed", "the last event deleted")
        expectBroken(try attacked { db in
            try db.execute(sql: "DELETE FROM triage_events")
        }, at: 0, "head is not sealed", "an emptied trail")
    }

    @Test func withoutItsKeyFileVerifyCannotVouchAndWritesFail() throws {
        let made = try store()
        try made.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        try made.closeConnections()
        try FileManager.default.removeItem(atPath: made.keyFile)
        let store = try Store(path: made.path, identity: Self.me)
        let missing = StoreKeyError.missing(file: store.keyFile, store: store.path, needed: "checking the trail's seals")
        #expect(try store.verifyAuditChain() == .sealsUnchecked(events: 1, reason: missing.description))
        let before = try snapshot(store)
        #expect(throws: StoreKeyError.missing(file: store.keyFile, store: store.path, needed: "sealing the audit trail")) {
            try store.decide([SeenAlert(id: 2, version: 1)], status: .confirmedFraud, analyst: "ana")
        }
        #expect(throws: StoreKeyError.self) { try store.addAnalyst("ana", osUser: "ana-os", by: "ana") }
        #expect(try snapshot(store) == before)
        // The workbench's decision keys say so instead of trying.
        #expect(try store.cannotDecide(as: "ana") == "the store's key file \(store.keyFile) is missing or not its own: nothing can be decided")
    }

    // MARK: - Alerts against their events

    @Test func alertsAreCheckedAgainstTheirEvents() throws {
        let store = try store()
        try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        try store.decide([SeenAlert(id: 2, version: 1)], status: .falsePositive, analyst: "ana")
        try store.undoLastDecision(analyst: "ana")
        #expect(try store.alertsAgainstTrail().total == 0)
        try store.pool.write { db in
            try db.execute(sql: "UPDATE alerts SET status = 'false_positive' WHERE id = 1")
            try db.execute(sql: "UPDATE alerts SET assignee = 'bo' WHERE id = 3")
        }
        let found = try store.alertsAgainstTrail()
        #expect(found.total == 2)
        #expect(found.problems == [
            "alert #1 is false positive, but its event #1 by ana says confirmed fraud (its status was changed outside Vigil)",
            "alert #3 names bo as its analyst, but no event of its sets a status, so it is open with no analyst (its analyst was changed outside Vigil)",
        ])
        // The undone decision stands as undone: alert 2 open again; setting it to its undone status is caught.
        try store.pool.write { db in
            try db.execute(sql: "UPDATE alerts SET status = 'confirmed_fraud', assignee = NULL WHERE id = 1")
            try db.execute(sql: "UPDATE alerts SET assignee = NULL WHERE id = 3")
            try db.execute(sql: "UPDATE alerts SET status = 'false_positive' WHERE id = 2")
        }
        #expect(try store.alertsAgainstTrail().problems == [
            "alert #1 names no one as its analyst, but its event #1 by ana says confirmed fraud (its analyst was changed outside Vigil)",
            "alert #2 is false positive, but its event #3 by ana says open (its status was changed outside Vigil)",
        ])
        try store.pool.write { db in
            try db.execute(sql: "UPDATE alerts SET status = 'open' WHERE id = 2")
            try db.execute(sql: "UPDATE alerts SET assignee = 'ana' WHERE id = 1")
        }
        // As sqlite3 would, without foreign keys.
        var config = Configuration()
        config.foreignKeysEnabled = false
        let raw = try DatabaseQueue(path: store.path, configuration: config)
        try raw.write { db in try db.execute(sql: "DELETE FROM alerts WHERE id = 1") }
        try raw.close()
        #expect(try store.alertsAgainstTrail().problems == [
            "alert #1, which event #1 names, is no longer stored (it was deleted outside Vigil)",
        ])
    }

    // MARK: - Anchors

    @Test func anAnchorCatchesARewriteBySomeoneWithTheKey() throws {
        let store = try store()
        try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        try store.decide([SeenAlert(id: 2, version: 1)], status: .falsePositive, analyst: "ana")
        let anchor = try store.auditAnchor()
        #expect(anchor.events == 2 && anchor.lastID == 2)
        #expect(AuditAnchor(anchor.description) == anchor)
        #expect(AuditAnchor("2:2:xyz") == nil)
        try store.addNote("later", to: SeenAlert(id: 3, version: 1), analyst: "ana")
        #expect(try store.verifyAuditChain(anchor: anchor) == .intact(events: 3))
        // Someone with the key rewrites event 2 and reseals everything: the seals pass, the anchor does not.
        let key = try store.requireKey(for: "the test")
        try store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER triage_events_no_update; UPDATE triage_events SET to_status = 'escalated' WHERE id = 2")
            try Store.resealAll(db, key: key)
        }
        #expect(try store.verifyAuditChain() == .intact(events: 3))
        guard case .broken(2, let reason) = try store.verifyAuditChain(anchor: anchor) else { Issue.record("the rewrite passed the anchor"); return }
        #expect(reason.contains("rewritten since the anchor"))
        // And a trail cut back before the anchor.
        let later = AuditAnchor(events: 9, lastID: 9, hash: anchor.hash)
        guard case .broken(_, let cut) = try store.verifyAuditChain(anchor: later) else { Issue.record("a shorter trail passed"); return }
        #expect(cut.contains("before the anchor"))
    }

    // MARK: - Key rotation

    @Test func rotatingTheAuditKeyResealsTheTrailAndKeepsTheCardKey() throws {
        let store = try store()
        try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        let old = try store.requireKey(for: "the test")
        #expect(try store.rotateAuditKey() == 1)
        let new = try #require(try StoreKey.read(file: store.keyFile))
        #expect(new.cardKey == old.cardKey && new.auditKey != old.auditKey && new.previousAuditKey == nil)
        let reopened = try Store(path: store.path, identity: Self.me)
        #expect(reopened.key == new)
        #expect(try reopened.verifyAuditChain() == .intact(events: 2))
        #expect(try reopened.latestTriageEvents(limit: 1).last?.action == "key rotate")
        // The old key no longer verifies it.
        #expect(try reopened.pool.read { db in try Store.verifyTrail(db, key: old) } != .intact(events: 2))
    }

    @Test func aRotationCutShortLeavesAKeyFileThatOpensTheStore() throws {
        let store = try store()
        try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        let old = try store.requireKey(for: "the test")
        // The first step of a rotation, and a crash before the store's transaction commits.
        try StoreKey(cardKey: old.cardKey, auditKey: StoreKey.randomKey(), file: old.file, previousAuditKey: old.auditKey).replace()
        let reopened = try Store(path: store.path, identity: Self.me)
        #expect(reopened.key?.auditKey == old.auditKey && reopened.keyProblem == nil)
        #expect(try reopened.verifyAuditChain() == .intact(events: 1))
        try reopened.rotateAuditKey()
        #expect(try Store(path: store.path).verifyAuditChain() == .intact(events: 2))
    }

    @Test func aBrokenTrailIsNotResealed() throws {
        let store = try store()
        try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        try store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER triage_events_no_update; UPDATE triage_events SET note = 'x' WHERE id = 1")
        }
        let file = try String(contentsOfFile: store.keyFile, encoding: .utf8)
        #expect(throws: KeyRotationError.self) { try store.rotateAuditKey() }
        #expect(try String(contentsOfFile: store.keyFile, encoding: .utf8) == file)
    }

    // MARK: - Migrations

    @Test func resealTrailWorksInsideAMigrationAfterEventContentWasRewritten() throws {
        let store = try store()
        try store.addListEntry(NewListEntry(kind: .deny, target: .merchant, value: "Skim Ltd", from: 0, until: nil, note: "n"), analyst: "ana")
        try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana")
        let head = try store.auditAnchor().hash
        let key = try store.requireKey(for: "the test")
        var migrator = DatabaseMigrator()
        migrator.registerMigration("test-rewrite") { db in
            try db.execute(sql: "DROP TRIGGER triage_events_no_update")
            try db.execute(sql: "UPDATE triage_events SET to_status = replace(to_status, 'Skim', 'S***') WHERE id = 1")
            try Store.resealTrail(db, key: key, reason: "merchant masked")
        }
        try migrator.migrate(store.pool)
        #expect(try store.verifyAuditChain() == .intact(events: 3))
        let last = try #require(try store.latestTriageEvents(limit: 1).last)
        #expect(last.action == "reseal" && last.analyst == "vigil" && last.note == "merchant masked" && last.fromStatus == "head " + head)
        #expect(try store.latestTriageEvents(limit: 3).first?.toStatus?.contains("S***") == true)
        // The triggers are back.
        #expect(throws: DatabaseError.self) { try store.pool.write { db in try db.execute(sql: "UPDATE triage_events SET note = 'y'") } }
    }

    /// A store made before v18: its events are sealed by the migration when their chain is intact, and left broken
    /// when it is not.
    @Test func theMigrationSealsAnIntactOldTrailAndLeavesABrokenOneBroken() throws {
        for breakIt in [false, true] {
            let path = scratch.path + "/old-\(breakIt).sqlite"
            let queue = try DatabaseQueue(path: path)
            try Schema.migrator.migrate(queue, upTo: "v18-card-tokens")
            try queue.write { db in
                try db.execute(sql: "INSERT INTO cases (id, client_id, created_at, updated_at) VALUES (1, 'C1', 0, 0)")
                var previous = Store.genesisHash
                for id in 1...3 {
                    var event = TriageEvent(id: Int64(id), alertID: 0, at: Int64(id), analyst: "ana", action: "case due", fromStatus: nil,
                                            toStatus: "2024-01-0\(id)", note: nil, previousHash: previous, hash: "", caseID: 1)
                    event.hash = Store.hash(of: event)
                    try db.execute(sql: """
                        INSERT INTO triage_events (id, case_id, at, analyst, action, to_status, prev_hash, hash) VALUES (?, 1, ?, 'ana', 'case due', ?, ?, ?)
                        """, arguments: [id, id, event.toStatus, breakIt && id == 2 ? "bad" : event.previousHash, event.hash])
                    previous = event.hash
                }
                try db.execute(sql: "UPDATE audit_head SET events = 3, last_id = 3, last_hash = ?", arguments: [previous])
            }
            try queue.close()
            let store = try Store(path: path, identity: Self.me)
            let found = try store.verifyAuditChain()
            if breakIt {
                guard case .broken(2, _) = found else { Issue.record("the broken old trail reads \(found)"); continue }
            } else {
                #expect(found == .intact(events: 3))
                #expect(try store.triageEvents(ofAlert: 0).isEmpty)
                #expect(try store.caseEvents(id: 1).map(\.madeBy) == Array(repeating: "ana (os user unknown)", count: 3))
            }
        }
    }
}
