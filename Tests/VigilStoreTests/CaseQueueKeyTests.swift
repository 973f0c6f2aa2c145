import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// The figures the case queue orders by, kept on each case by triggers (`v16-case-figures`); `n`'s claim through
/// their index; and the search's candidates.
@Suite struct CaseQueueKeyTests {
    let base = CaseTests()
    typealias Planned = CaseTests.Planned
    static let hour = CaseTests.hour

    /// Each case's key says what its alerts say, as `cases` works it out from them.
    func expectKeysMatchAlerts(_ store: Store, now: Int64 = 200, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let keys = try store.caseKeys()
        let summaries = try store.cases(CaseFilter(statuses: nil), now: now).sorted { $0.id < $1.id }
        #expect(keys.map(\.id) == summaries.map(\.id), sourceLocation: sourceLocation)
        for (key, summary) in zip(keys, summaries) {
            #expect(key == CaseKey(id: summary.id, clientID: summary.clientID, topScore: summary.topScore, openAlerts: summary.openAlertCount,
                                   assignee: summary.assignee, snoozedUntil: summary.snoozedUntil), sourceLocation: sourceLocation)
            #expect(key.status(at: now) == summary.status, sourceLocation: sourceLocation)
        }
    }

    @Test func eachCasesFiguresFollowEveryChangeToItsAlerts() throws {
        let store = try base.store([
            Planned(client: "A", hours: 0, score: 0.9), Planned(client: "A", hours: 1, score: 0.8),
            Planned(client: "A", hours: 2, score: 0.7), Planned(client: "B", hours: 0, score: 0.6),
            Planned(client: "C", hours: 0, score: 0.5),
        ])
        try expectKeysMatchAlerts(store)
        #expect(try store.caseKeys().isEmpty, "no case before the alerts are placed")
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        try expectKeysMatchAlerts(store)
        #expect(try store.caseKeys().map(\.topScore) == [0.9, 0.6, 0.5])

        // One alert decided alone, a whole case decided, and that decision undone.
        try store.decide(try base.seen(store, [1]), status: .falsePositive, analyst: "ana", at: 105)
        try expectKeysMatchAlerts(store)
        try store.decideCase(id: 2, status: .confirmedFraud, analyst: "ana", at: 106)
        try expectKeysMatchAlerts(store)
        #expect(try store.caseKeys(ids: [2]).first?.openAlerts == 0)
        _ = try store.undoLastDecision(analyst: "ana", at: 107)
        try expectKeysMatchAlerts(store)
        try store.assignCase(id: 1, to: "ana", by: "ana", at: 108)
        try store.snoozeCase(id: 2, until: 1_000, by: "ana", at: 108)
        try expectKeysMatchAlerts(store)

        // A rescan lowers A's open alerts' scores and withdraws C's alert: C's case has no alert left and is not keyed.
        let open = try store.alerts(limit: 100, status: .open)
        _ = try store.refreshAlerts(open.filter { $0.clientID != "C" }.map {
            AlertCandidate(transactionID: $0.transactionID, score: $0.score / 2, reasons: $0.reasons)
        }, at: 110)
        try expectKeysMatchAlerts(store)
        #expect(try store.caseKeys().map(\.id) == [1, 2])
        #expect(try store.caseKeys(ids: [1]).first?.topScore == 0.9, "the decided alert still holds the top score")

        // New alerts of A join its case; a late one opens another.
        try base.raise([Planned(client: "A", hours: 3, score: 0.95), Planned(client: "A", hours: 200, score: 0.4)], in: store, from: 5)
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 120)
        try expectKeysMatchAlerts(store)
        #expect(try store.caseKeys(ids: [1, 4, 99]).map(\.topScore) == [0.95, 0.4])
    }

    /// `n` takes the cases in the queue's order, past the assigned, snoozed and decided ones, through the index.
    @Test func claimingFollowsTheQueuesOrderThroughTheIndex() throws {
        let planned = (0..<40).map { Planned(client: "C\($0 % 25)", hours: Int64($0 / 25) * 100, score: Double(($0 * 7) % 40) / 40 + 0.01) }
        let store = try base.store(planned)
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        let ids = try store.caseIDs(CaseFilter(statuses: nil), now: 200)
        try store.assignCase(id: ids[0], to: "bo", by: "bo", at: 150)
        try store.snoozeCase(id: ids[1], until: 1_000, by: "bo", at: 150)
        try store.decideCase(id: ids[2], status: .falsePositive, analyst: "bo", at: 150)
        let expected = try store.caseIDs(CaseFilter(statuses: [.open], unassigned: true), now: 200)
        #expect(expected.count == ids.count - 3)
        var claimed: [Int64] = []
        while let next = try store.claimNextCase(analyst: "ana", now: 200) { claimed.append(next.id) }
        #expect(claimed == expected)
        try expectKeysMatchAlerts(store)
        let plan = try store.pool.read { db in
            try Row.fetchAll(db, sql: """
                EXPLAIN QUERY PLAN SELECT id FROM cases INDEXED BY cases_claimable
                WHERE assignee IS NULL AND open_alerts > 0 AND (snoozed_until IS NULL OR snoozed_until <= 0)
                ORDER BY top_score DESC, id LIMIT 1
                """).map { $0["detail"] as String }.joined(separator: "; ")
        }
        #expect(plan.contains("cases_claimable") && !plan.contains("TEMP B-TREE"), "walks the index in order: \(plan)")
    }

    @Test func theSearchFindsCasesByCardDigitsClientAssigneeMerchantAndReason() throws {
        let store = try base.store([
            Planned(client: "4111111111111111", hours: 0, score: 0.9, reasons: [("card_testing", 1), ("spree", 2)]),
            Planned(client: "C2", hours: 0, score: 0.8, reasons: [("unusual_amount", 1)]),
            Planned(client: "C3_x", hours: 0, score: 0.7),
        ])
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        try store.assignCase(id: 2, to: "ana", by: "ana", at: 100)
        #expect(try store.caseIDs(matching: CaseSearch("4111 1111-1111")) == [1], "a card number typed in groups")
        #expect(try store.caseIDs(matching: CaseSearch("c2")) == [2], "letters in either case")
        #expect(try store.caseIDs(matching: CaseSearch("ANA")) == [2])
        #expect(try store.caseIDs(matching: CaseSearch("shop 2")) == [3], "an alert's merchant")
        #expect(try store.caseIDs(matching: CaseSearch("shop")) == [1, 2, 3])
        #expect(try store.caseIDs(matching: CaseSearch("nothing"), detectors: ["card_testing"]) == [1])
        #expect(try store.caseIDs(matching: CaseSearch("nothing"), detectors: ["spree"]).isEmpty, "the spree is not a reason to find")
        #expect(try store.caseIDs(matching: CaseSearch("nothing"), detectors: ["burst", "unusual_amount"]) == [2, 3])
        #expect(try store.caseIDs(matching: CaseSearch("_")) == [3], "_ is a character, not a wildcard")
        #expect(try store.caseIDs(matching: CaseSearch("%")).isEmpty)
        #expect(try store.caseIDs(matching: CaseSearch("  ")).isEmpty)
        #expect(try store.caseIDs(ofAlerts: [3, 1, 99]) == [1, 3])
    }

    /// A store made before `v16-case-figures` gets its cases' figures and reasons when it opens.
    @Test func anOlderStoresCasesGetTheirFiguresWhenItOpens() throws {
        let path = base.scratch.path + "/old.sqlite"
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(queue, upTo: "v15-lists")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO imports (id, source, file_name, content_hash, file_size, layout, mapping, status, started_at)
                    VALUES (1, 's', 's', 'h', 0, 'l', 'm', 'complete', 0);
                INSERT INTO clients (id, first_instant, last_instant, transaction_count) VALUES ('C1', 0, 60, 2);
                INSERT INTO transactions (id, import_id, source_key, source_hash, client_id, instant, original_time, amount_minor,
                                          currency, merchant, category)
                    VALUES (1, 1, 'k1', 1, 'C1', 0, 't', 100, 'USD', 'M', 'c'), (2, 1, 'k2', 2, 'C1', 60, 't', 200, 'USD', 'N', 'c');
                INSERT INTO cases (id, client_id, created_at, updated_at) VALUES (1, 'C1', 0, 0), (2, 'C1', 0, 0);
                INSERT INTO alerts (id, transaction_id, score, status, created_at, updated_at, case_id, reasons, merchant, client_id, instant)
                    VALUES (1, 1, 0.9, 'false_positive', 0, 5, 1, '[{"detector":"burst","contribution":1,"score":1,"text":"b"}]', 'M', 'C1', 0),
                           (2, 2, 0.4, 'open', 0, 5, 1, '[{"detector":"spree","contribution":1,"score":1,"text":"s"}]', 'N', 'C1', 60);
                """)
        }
        try queue.close()
        let store = try Store(path: path)
        #expect(try store.caseKeys() == [CaseKey(id: 1, clientID: "C1", topScore: 0.9, openAlerts: 1, assignee: nil, snoozedUntil: nil)])
        #expect(try store.caseIDs(matching: CaseSearch("zz"), detectors: ["burst"]) == [1])
        #expect(try store.caseIDs(matching: CaseSearch("zz"), detectors: ["spree"]).isEmpty)
        #expect(try store.claimNextCase(analyst: "ana", now: 10)?.id == 1)
    }
}
