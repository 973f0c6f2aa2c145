import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// Suppressions and allow and deny lists in the store: each change an audit event in the one chain, with who and
/// why; entries apply by a transaction's instant from their start to their end or removal.
@Suite struct ListTests {
    let scratch = ScratchDirectory()
    static let day: Int64 = 86_400
    static let t0: Int64 = 1_700_000_000

    /// A store with two alerts on client C1 (at t0 and t0 + 2 days), counting `impossible_travel` and `burst`.
    func storeWithAlerts() throws -> Store {
        let store = try scratch.store()
        let rows = (0..<2).map { i in
            Transaction(sourceKey: "k\(i)", clientID: "C1", instant: Self.t0 + Int64(i) * 2 * Self.day, originalTime: "t",
                        amount: Money(minorUnits: 1_000), merchant: "Shop", category: "travel")
        }
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        let ids = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY id") }
        _ = try store.refreshAlerts(ids.map { id in
            AlertCandidate(transactionID: id, score: 0.8, reasons: [
                AlertReason(detector: "impossible_travel", score: 1, contribution: 1, text: "too far"),
                AlertReason(detector: "burst", score: 1, contribution: 0.3, text: "quick")])
        }, at: 10)
        return store
    }

    func suppression(_ detector: String = "impossible_travel", from: Int64, until: Int64, note: String = "travelling in Peru") -> NewListEntry {
        NewListEntry(kind: .suppress, target: .card, value: "C1", detector: detector, from: from, until: until, note: note)
    }

    @Test func everyChangeIsAnAuditEventInTheOneChainWithWhoAndWhy() throws {
        let store = try storeWithAlerts()
        try store.recordTriage(alertID: 1, analyst: "ana", action: "note", note: "before the lists", at: 20)
        let (entry, added) = try store.addListEntry(suppression(from: Self.t0, until: Self.t0 + 10 * Self.day), analyst: "ana", at: 30)
        #expect(added)
        let deny = try store.addListEntry(NewListEntry(kind: .deny, target: .merchant, value: "Skim Ltd", from: 0, until: nil,
                                                       note: "skimmer found"), analyst: "bo", at: 31).entry
        try store.changeListExpiry(entry.id, until: Self.t0 + 20 * Self.day, analyst: "cy", note: "trip extended", at: 40)
        let removed = try store.removeListEntry(deny.id, analyst: "bo", note: "terminal replaced", at: 50)
        #expect(removed.removedAt == 50 && removed.removedBy == "bo")

        let events = try store.latestTriageEvents(limit: 10)
        #expect(events.map(\.action) == ["note", "list add #1", "list add #2", "list change #1", "list remove #2"])
        #expect(events.dropFirst().allSatisfy { $0.alertID == 0 })
        #expect(events.map(\.analyst) == ["ana", "ana", "bo", "cy", "bo"])
        #expect(events.map(\.note) == ["before the lists", "travelling in Peru", "skimmer found", "trip extended", "terminal replaced"])
        // What the entry was and became, in the chain.
        #expect(events[3].fromStatus?.hasSuffix("until 2023-11-24 22:13:20 UTC") == true, "\(events[3])")
        #expect(events[3].toStatus?.hasSuffix("until 2023-12-04 22:13:20 UTC") == true, "\(events[3])")
        #expect(try store.verifyAuditChain() == .intact(events: 5))

        // An entry edited outside Vigil is caught through its event.
        try store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER triage_events_no_update")
            try db.execute(sql: "UPDATE triage_events SET note = 'nothing' WHERE id = 2")
        }
        guard case .broken(let id, _) = try store.verifyAuditChain() else { Issue.record("an edited list event went unnoticed"); return }
        #expect(id == 2)
    }

    @Test func anEntryAppliesFromItsStartToItsEndOrRemoval() throws {
        let store = try scratch.store()
        let entry = try store.addListEntry(suppression(from: Self.t0, until: Self.t0 + Self.day), analyst: "ana", at: 5).entry
        #expect(!entry.applies(at: Self.t0 - 1))
        #expect(entry.applies(at: Self.t0) && entry.applies(at: Self.t0 + Self.day - 1))
        #expect(!entry.applies(at: Self.t0 + Self.day))
        let removed = try store.removeListEntry(entry.id, analyst: "ana", note: "back home", at: Self.t0 + 100)
        #expect(removed.applies(at: Self.t0 + 99) && !removed.applies(at: Self.t0 + 100))
        // Removed entries stay stored (they applied before), but are not in force.
        #expect(try store.listEntries().count == 1)
        #expect(try store.listEntries(inForceAt: Self.t0 + 50).count == 1)
        #expect(try store.listEntries(inForceAt: Self.t0 + 100).isEmpty)
        #expect(throws: ListError.alreadyRemoved(entry.id, at: Self.t0 + 100, by: "ana")) {
            try store.removeListEntry(entry.id, analyst: "bo", note: "again", at: Self.t0 + 200)
        }
        #expect(throws: ListError.noSuchEntry(9)) { try store.removeListEntry(9, analyst: "bo", note: "?") }
        #expect(try store.verifyAuditChain() == .intact(events: 2))
    }

    @Test func anEntryAlreadyListedIsNotAddedTwiceAndABadOneNotAtAll() throws {
        let store = try scratch.store()
        #expect(try store.addListEntry(suppression(from: 0, until: 100), analyst: "ana", at: 1).added)
        let again = try store.addListEntry(suppression(from: 50, until: 100), analyst: "bo", at: 2)
        #expect(!again.added && again.entry.id == 1)
        #expect(throws: ListError.invalid("a note saying why is needed")) {
            try store.addListEntry(suppression(from: 0, until: 100, note: " "), analyst: "ana")
        }
        #expect(throws: ListError.invalid("a suppression needs an end (--until)")) {
            try store.addListEntry(NewListEntry(kind: .suppress, target: .card, value: "C1", detector: "burst", from: 0, until: nil,
                                                note: "x"), analyst: "ana")
        }
        #expect(throws: ListError.invalid("a suppression names a card, not a merchant")) {
            try store.addListEntry(NewListEntry(kind: .suppress, target: .merchant, value: "M", detector: "burst", from: 0, until: 9,
                                                note: "x"), analyst: "ana")
        }
        #expect(try store.listEntries().count == 1)
        #expect(try store.verifyAuditChain() == .intact(events: 1))
    }

    /// An open alert created before a suppression that would now hide it says so, and the change moves its version on;
    /// an alert after the start (which the next scan rescores) or one that does not count the detector is left alone.
    @Test func anOpenAlertFromBeforeASuppressionIsMarked() throws {
        let store = try storeWithAlerts()
        let before = try store.alertSummaries(ids: [1, 2])
        let entry = try store.addListEntry(suppression(from: Self.t0 + Self.day, until: Self.t0 + 30 * Self.day), analyst: "ana", at: 30).entry
        let after = try store.alertSummaries(ids: [1, 2])
        #expect(after[0].reasons == before[0].reasons + [entry.cameBeforeReason])
        #expect(after[0].version == before[0].version + 1)
        #expect(after[1] == before[1])
        #expect(entry.cameBeforeReason.text.hasPrefix("impossible_travel now suppressed for this card from 2023-11-15 22:13:20 UTC"))
        #expect(entry.cameBeforeReason.text.hasSuffix("(added by ana on 1970-01-01: travelling in Peru); this alert came before and still counts it"))
        // Not marked twice, and not for a detector the alert does not count.
        try store.addListEntry(suppression(from: Self.t0 + Self.day, until: Self.t0 + 30 * Self.day, note: "second trip"), analyst: "ana", at: 31)
        try store.addListEntry(suppression("card_testing", from: Self.t0 + Self.day, until: Self.t0 + 30 * Self.day), analyst: "ana", at: 32)
        #expect(try store.alertSummaries(ids: [1])[0].reasons.filter { $0.detector == ListEntry.suppressionReasonName }.count == 2)
    }

    /// A store made before `v15-lists` keeps every event and hash when its trail is rebuilt to take list events.
    @Test func anOlderStoresTrailIsKeptWhenListsArrive() throws {
        let path = scratch.path + "/old.sqlite"
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v13-outcomes")
        var event = TriageEvent(id: 1, alertID: 1, at: 5, analyst: "ana", action: "decide", fromStatus: "open",
                                toStatus: "false_positive", note: "fine", previousHash: Store.genesisHash, hash: "")
        event.hash = Store.hash(of: event)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO imports (id, source, file_name, content_hash, file_size, layout, mapping, status, started_at)
                    VALUES (1, 's', 's', 'h', 0, 'l', 'm', 'complete', 0);
                INSERT INTO clients (id, first_instant, last_instant, transaction_count) VALUES ('C1', 0, 0, 1);
                INSERT INTO transactions (id, import_id, source_key, source_hash, client_id, instant, original_time, amount_minor,
                                          currency, merchant, category) VALUES (1, 1, 'k', 1, 'C1', 0, 't', 100, 'USD', 'M', 'c');
                INSERT INTO alerts (id, transaction_id, score, status, created_at, updated_at) VALUES (1, 1, 0.9, 'false_positive', 0, 5);
                """)
            try db.execute(sql: """
                INSERT INTO triage_events (id, alert_id, at, analyst, action, from_status, to_status, note, prev_hash, hash)
                VALUES (1, 1, 5, 'ana', 'decide', 'open', 'false_positive', 'fine', ?, ?);
                UPDATE audit_head SET events = 1, last_id = 1, last_hash = ? WHERE id = 1;
                """, arguments: [event.previousHash, event.hash, event.hash])
        }
        try queue.close()
        let store = try Store(path: path)
        // Kept as it was, and sealed by `v19-who-decided`.
        event.seal = try store.triageEvents(ofAlert: 1).first?.seal
        #expect(event.seal != nil)
        #expect(try store.triageEvents(ofAlert: 1) == [event])
        try store.addListEntry(suppression(from: 0, until: 10), analyst: "ana", at: 6)
        #expect(try store.verifyAuditChain() == .intact(events: 2))
        let nullable = try store.pool.read { db in
            try Row.fetchAll(db, sql: "PRAGMA table_info(triage_events)").first { $0["name"] == "alert_id" }?["notnull"] as Int?
        }
        #expect(nullable == 0)
        let triggers = try store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name = 'triage_events' AND type = 'trigger' ORDER BY name")
        }
        #expect(triggers == ["triage_events_no_delete", "triage_events_no_update"])
    }

    /// A trail that already takes events without an alert but checks that each names an alert or a case (as
    /// `v14-cases` makes it) is rebuilt to take list events too, keeping its extra column.
    /// v14-cases rebuilt the trail requiring an alert or a case on every event; v15-lists lifts that, keeping the
    /// case column and every index, so that a list change (which names neither) joins the same chain.
    @Test func aTrailThatRequiresACaseOrAnAlertTakesListEventsToo() throws {
        let path = scratch.path + "/cases.sqlite"
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v14-cases")
        let check = try queue.read { db in
            try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'triage_events'")
        }
        #expect(check?.contains("CHECK (alert_id IS NOT NULL OR case_id IS NOT NULL)") == true, "v14's shape")
        try queue.close()
        let store = try Store(path: path)
        try store.addListEntry(suppression(from: 0, until: 10), analyst: "ana", at: 6)
        #expect(try store.verifyAuditChain() == .intact(events: 1))
        let columns = try store.pool.read { db in try Row.fetchAll(db, sql: "PRAGMA table_info(triage_events)").map { $0["name"] as String } }
        #expect(columns.contains("case_id"))
        let indexes = try store.pool.read { db in
            try String.fetchAll(db, sql: """
                SELECT name FROM sqlite_master WHERE tbl_name = 'triage_events' AND type = 'index' AND sql IS NOT NULL ORDER BY name
                """)
        }
        #expect(indexes == ["triage_events_by_alert", "triage_events_by_case"])
    }

    @Test func aListFileIsImportedWithEveryBadRowKeptAndOnlyOnce() throws {
        let store = try scratch.store()
        let csv = scratch.file("lists.csv", """
            kind,card,merchant,detector,until,note
            suppress,C1,,impossible_travel,2024-01-31,travelling
            deny,,Skim Ltd,,,skimmer
            allow,C2,,,2024-06-30,vip
            suppress,C3,,no_such_rule,2024-01-31,typo
            suppress,C4,,burst,,no end
            block,C5,,,,what
            allow,C6,Shop,,,both
            deny,C7,,,,

            """)
        let options = ListImportOptions(detectors: ["impossible_travel", "burst"], analyst: "ana", now: 1_000)
        let summary = try store.importLists(try PreparedListImport(path: csv, options: options))
        #expect(summary.rowsRead == 8 && summary.added == 3 && summary.alreadyListed == 0 && summary.rejected == 5)
        #expect(summary.rejections.map(\.line) == [5, 6, 7, 8, 9])
        #expect(summary.rejections.map { $0.column ?? "" } == ["detector", "until", "kind", "merchant", "note"])
        #expect(summary.rejections[0].value == "no_such_rule")
        #expect(summary.rejections[0].reason == "no such detector: one of all, burst, impossible_travel")
        #expect(try store.rejectedRows(importID: summary.importID).count == 5)
        let entries = try store.listEntries()
        #expect(entries.map(\.kind) == [.suppress, .deny, .allow])
        #expect(entries[0].entry.from == 1_000 && entries[0].entry.until == 1_706_745_600)   // through 2024-01-31
        #expect(entries.allSatisfy { $0.addedBy == "ana" })
        #expect(try store.verifyAuditChain() == .intact(events: 3))

        // The same file again adds nothing and keeps no second copy of its rejected rows.
        let again = try store.importLists(try PreparedListImport(path: csv, options: options))
        #expect(again.added == 0 && again.alreadyListed == 3 && again.sameAsImport == summary.importID)
        #expect(try store.listEntries().count == 3)
        #expect(try store.verifyAuditChain() == .intact(events: 3))
    }
}
