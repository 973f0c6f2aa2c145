import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

@Suite struct CaseTests {
    let scratch = ScratchDirectory()
    static let hour: Int64 = 3_600
    static let start: Int64 = 1_700_000_000

    /// One alert to raise: its client, hours after `start`, score, amount and reasons (detector, contribution).
    struct Planned {
        var client: String
        var hours: Int64
        var score: Double
        var amount: Int64 = 1_000
        var reasons: [(String, Double)] = [("burst", 1)]
    }

    /// A store with a transaction and an open alert for each of `planned`, in that order (alert ids 1, 2, …).
    func store(_ planned: [Planned]) throws -> Store {
        let store = try scratch.store()
        try raise(planned, in: store, from: 0)
        return store
    }

    /// Adds transactions for `planned` (source keys from `from`) and opens their alerts, keeping the alerts already open.
    func raise(_ planned: [Planned], in store: Store, from: Int) throws {
        let rows = planned.enumerated().map { i, p in
            Transaction(sourceKey: "k\(from + i)", clientID: p.client, instant: Self.start + p.hours * Self.hour, originalTime: "t",
                        amount: Money(minorUnits: p.amount), merchant: "Shop \(from + i)", category: "grocery")
        }
        _ = try store.appendGenerated(name: "t\(from)", identity: "t\(from)") { sink in try sink(rows) }
        let ids = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY id") }
        let earlier = try store.alerts(limit: 10_000, status: .open).map {
            AlertCandidate(transactionID: $0.transactionID, score: $0.score, reasons: $0.reasons)
        }
        let candidates = zip(ids.suffix(planned.count), planned).map { id, p in
            AlertCandidate(transactionID: id, score: p.score, reasons: p.reasons.map {
                AlertReason(detector: $0.0, score: 1, contribution: $0.1, text: "\($0.0) found it")
            })
        }
        _ = try store.refreshAlerts(earlier + candidates, at: 10)
    }

    func seen(_ store: Store, _ ids: [Int64]) throws -> [SeenAlert] {
        try store.alertSummaries(ids: ids).map { SeenAlert(id: $0.id, version: $0.version) }
    }

    /// Which alerts each case holds, by case id.
    func members(_ store: Store) throws -> [Int64: [Int64]] {
        try store.pool.read { db in
            var byCase: [Int64: [Int64]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, case_id FROM alerts WHERE case_id IS NOT NULL ORDER BY id") {
                byCase[row["case_id"], default: []].append(row["id"])
            }
            return byCase
        }
    }

    @Test func alertsGroupIntoOneCasePerCardUntilAGap() throws {
        let store = try store([
            Planned(client: "A", hours: 0, score: 0.9), Planned(client: "A", hours: 10, score: 0.8),
            Planned(client: "B", hours: 5, score: 0.7),
            // 80 hours after A's latest: beyond the 72-hour gap.
            Planned(client: "A", hours: 90, score: 0.6),
        ])
        let refresh = try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        #expect(refresh == { var r = CaseRefresh(); r.opened = 3; r.alertsPlaced = 4; return r }())
        #expect(try members(store) == [1: [1, 2], 2: [4], 3: [3]])
        // Idempotent: nothing left to place.
        #expect(try store.refreshCases(gapSeconds: 72 * Self.hour, now: 101) == CaseRefresh())

        // A's next alert within the gap of its newest case joins it, and that case's version moves on.
        let before = try #require(try store.caseDetail(id: 2, now: 102)).summary.version
        try raise([Planned(client: "A", hours: 100, score: 0.5)], in: store, from: 4)
        let again = try store.refreshCases(gapSeconds: 72 * Self.hour, now: 103)
        #expect(again.opened == 0 && again.alertsPlaced == 1 && again.grown == 1)
        #expect(try members(store)[2] == [4, 5])
        #expect(try store.caseDetail(id: 2, now: 104)?.summary.version == before + 1)
        #expect(try store.case(ofAlert: 5, now: 104)?.id == 2)
        #expect(try store.case(ofAlert: 99, now: 104) == nil)
    }

    /// An alert from long before the card's newest case (an older file imported late, an exposure raised on an old
    /// visit) goes with the case whose span it is within a gap of, or starts its own; it never joins the newest case.
    @Test func aBackDatedAlertJoinsTheCaseItsTimeFitsNotTheNewest() throws {
        let store = try store([
            Planned(client: "A", hours: 0, score: 0.9), Planned(client: "A", hours: 10, score: 0.8),
            Planned(client: "A", hours: 1_000, score: 0.7), Planned(client: "A", hours: 1_010, score: 0.6),
        ])
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        #expect(try members(store) == [1: [1, 2], 2: [3, 4]])
        // Within the gap of the older case (after its last alert), far before the newest: it joins the older case.
        // Between the two, beyond the gap of either: a case of its own. Two back-dated alerts close together
        // share that new case.
        try raise([Planned(client: "A", hours: 50, score: 0.5), Planned(client: "A", hours: 500, score: 0.4),
                   Planned(client: "A", hours: 510, score: 0.3)], in: store, from: 4)
        let refresh = try store.refreshCases(gapSeconds: 72 * Self.hour, now: 110)
        #expect(try members(store) == [1: [1, 2, 5], 2: [3, 4], 3: [6, 7]])
        #expect(refresh.opened == 1 && refresh.alertsPlaced == 3 && refresh.grown == 1)
        // The case figures follow: the older case now holds three alerts.
        #expect(try store.caseDetail(id: 1, now: 120)?.summary.alertCount == 3)
        #expect(try store.caseDetail(id: 3, now: 120)?.summary.alertCount == 2)
    }

    @Test func anOpenAlertAfterADecidedCaseStartsANewCase() throws {
        let store = try store([Planned(client: "A", hours: 0, score: 0.9), Planned(client: "A", hours: 1, score: 0.8)])
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        try store.decideCase(id: 1, status: .confirmedFraud, analyst: "ana", at: 110)
        try raise([Planned(client: "A", hours: 2, score: 0.7)], in: store, from: 2)
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 120)
        #expect(try members(store) == [1: [1, 2], 2: [3]])
        #expect(try store.caseDetail(id: 1, now: 130)?.summary.status == .decided)
        #expect(try store.caseDetail(id: 1, now: 130)?.summary.decision == .confirmedFraud)
    }

    @Test func aSummarySaysWhatTheCaseHolds() throws {
        let store = try store([
            Planned(client: "4111111111111111", hours: 3, score: 0.6, amount: 2_500,
                    reasons: [("spree", 5), ("burst", 0.5), ("unusual_amount", 0.4)]),
            Planned(client: "4111111111111111", hours: 1, score: 0.9, amount: 1_000,
                    reasons: [("impossible_travel", 0.7), ("burst", 0.3), ("unusual_hour", 0.1)]),
            Planned(client: "4111111111111111", hours: 2, score: 0.7, amount: 400, reasons: [("unusual_hour", 0.2)]),
        ])
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        try store.decide(try seen(store, [3]), status: .falsePositive, analyst: "ana", at: 105)
        let detail = try #require(try store.caseDetail(id: 1, now: 110))
        let summary = detail.summary
        #expect(summary.clientID == "4111111111111111" && summary.status == .open && summary.assignee == nil)
        #expect(summary.alertCount == 3 && summary.openAlertCount == 2)
        #expect(summary.topScore == 0.9)
        #expect(summary.amountAtRiskMinor == 3_500, "the open alerts' amounts only")
        #expect(summary.currency == "USD")
        #expect(summary.firstInstant == Self.start + Self.hour && summary.lastInstant == Self.start + 3 * Self.hour)
        // burst 0.8, impossible travel 0.7, unusual amount 0.4, unusual hour 0.3; never the spree.
        #expect(summary.leadingDetectors == ["burst", "impossible_travel", "unusual_amount"])
        #expect(summary.createdAt == 100 && summary.dueAt == nil && summary.decision == nil)
        #expect(detail.alerts.map(\.id) == [2, 3, 1], "in time order")
    }

    @Test func listingsFilterByStatusAndAssigneeAndSortByTopScore() throws {
        let store = try store([
            Planned(client: "A", hours: 0, score: 0.5), Planned(client: "B", hours: 0, score: 0.9),
            Planned(client: "C", hours: 0, score: 0.7), Planned(client: "D", hours: 0, score: 0.6),
        ])
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        // Cases 1 (A), 2 (B), 3 (C), 4 (D).
        try store.assignCase(id: 3, to: "ana", by: "lead", at: 110)
        try store.snoozeCase(id: 2, until: 500, by: "bo", note: "waiting for the client", at: 120)
        try store.decideCase(id: 4, status: .falsePositive, analyst: "bo", at: 130)
        #expect(try store.cases(CaseFilter(), now: 200).map(\.id) == [3, 1])
        #expect(try store.cases(CaseFilter(statuses: nil), now: 200).map(\.id) == [2, 3, 4, 1])
        #expect(try store.cases(CaseFilter(statuses: [.snoozed]), now: 200).map(\.id) == [2])
        #expect(try store.cases(CaseFilter(statuses: [.decided]), now: 200).map(\.id) == [4])
        #expect(try store.cases(.mine("ana"), now: 200).map(\.id) == [3])
        #expect(try store.cases(CaseFilter(unassigned: true), now: 200).map(\.id) == [1])
        #expect(try store.cases(CaseFilter(statuses: nil, limit: 2), now: 200).map(\.id) == [2, 3])
        // A queue's way: the ids in order, then the summaries of a page of them.
        #expect(try store.caseIDs(CaseFilter(statuses: nil), now: 200) == [2, 3, 4, 1])
        #expect(try store.caseIDs(.mine("ana"), now: 200) == [3])
        #expect(try store.caseSummaries(ids: [4, 99, 2], now: 200) == (try store.cases(CaseFilter(statuses: nil), now: 200)).filter { [4, 2].contains($0.id) }.reversed())
        // The snooze passes: the case is open again by itself, its date kept.
        let woken = try store.cases(CaseFilter(), now: 500)
        #expect(woken.map(\.id) == [2, 3, 1])
        #expect(woken.first?.status == .open && woken.first?.snoozedUntil == 500)
        #expect(throws: TriageError.snoozeNotInFuture(caseID: 1)) { try store.snoozeCase(id: 1, until: 90, by: "bo", at: 100) }
        #expect(throws: TriageError.noSuchCase(9)) { try store.assignCase(id: 9, to: "ana", by: "bo") }
    }

    @Test func claimingTakesTheHighestOpenUnassignedCaseThatIsNotSnoozed() throws {
        let store = try store([
            Planned(client: "A", hours: 0, score: 0.5), Planned(client: "B", hours: 0, score: 0.9),
            Planned(client: "C", hours: 0, score: 0.8), Planned(client: "D", hours: 0, score: 0.7),
        ])
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        try store.snoozeCase(id: 2, until: 1_000, by: "bo", at: 100)
        try store.assignCase(id: 3, to: "bo", by: "bo", at: 100)
        try store.decideCase(id: 4, status: .escalated, analyst: "bo", at: 100)
        let claimed = try #require(try store.claimNextCase(analyst: "ana", now: 200))
        #expect(claimed.id == 1 && claimed.assignee == "ana")
        #expect(try store.claimNextCase(analyst: "ana", now: 200) == nil)
        // Once the snooze is over, the snoozed case is the next.
        #expect(try store.claimNextCase(analyst: "ana", now: 1_000)?.id == 2)
        let events = try store.caseEvents(id: 1)
        #expect(events.map(\.action) == ["case claim"] && events.first?.toStatus == "ana" && events.first?.alertID == 0)
    }

    /// Two store connections (each its own pool, as two processes have) claiming at once never get the same case.
    @Test func twoConnectionsClaimingAtOnceNeverGetTheSameCase() async throws {
        let count = 120
        let planned = (0..<count).map { Planned(client: "C\($0)", hours: 0, score: Double($0 + 1) / Double(count + 1)) }
        let first = try store(planned)
        try first.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        let second = try scratch.store()
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (store, analyst) in [(first, "ana"), (second, "bo")] {
                group.addTask {
                    var mine: [Int64] = []
                    while let claimed = try store.claimNextCase(analyst: analyst, now: 200) { mine.append(claimed.id) }
                    return mine
                }
            }
            var all: [[Int64]] = []
            for try await claimed in group { all.append(claimed) }
            return all
        }
        let all = claims.flatMap { $0 }
        #expect(all.count == count && Set(all).count == count, "every case claimed once")
        #expect(try first.cases(CaseFilter(unassigned: true), now: 200).isEmpty)
        #expect(try first.verifyAuditChain() == .intact(events: count))
    }

    @Test func aCaseDecisionDecidesItsOpenAlertsTogetherAndUndoTakesItBackWhole() throws {
        let store = try store([
            Planned(client: "A", hours: 0, score: 0.9), Planned(client: "A", hours: 1, score: 0.8),
            Planned(client: "A", hours: 2, score: 0.7), Planned(client: "B", hours: 0, score: 0.6),
        ])
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        try store.decide(try seen(store, [2]), status: .falsePositive, analyst: "ana", at: 105)
        let version = try #require(try store.caseDetail(id: 1, now: 106)).summary.version
        let events = try store.decideCase(id: 1, status: .confirmedFraud, analyst: "ana", note: "card stolen", version: version, at: 110)
        #expect(events.map(\.alertID) == [1, 3], "the open alerts only")
        #expect(events.map(\.action) == ["decide", "decide with #\(events[0].id)"])
        #expect(events.allSatisfy { $0.caseID == 1 && $0.note == "card stolen" })
        #expect(try store.alertSummaries(ids: [1, 2, 3, 4]).map(\.status) == ["confirmed_fraud", "false_positive", "confirmed_fraud", "open"])
        let decided = try #require(try store.caseDetail(id: 1, now: 120)).summary
        #expect(decided.status == .decided && decided.decision == .confirmedFraud && decided.amountAtRiskMinor == 0)
        // A decision against the version shown before is refused.
        #expect(throws: TriageError.caseChangedSinceShown(caseID: 1)) {
            try store.decideCase(id: 1, status: .escalated, analyst: "ana", version: version, at: 121)
        }
        let undone = try store.undoLastDecision(analyst: "ana", at: 130)
        #expect(Set(undone.map(\.alertID)) == [1, 3])
        #expect(try store.caseDetail(id: 1, now: 140)?.summary.status == .open)
        #expect(try store.alertSummaries(ids: [1, 2, 3]).map(\.status) == ["open", "false_positive", "open"])
        #expect(try store.verifyAuditChain() == .intact(events: 5))
    }

    @Test func overturningAnotherAnalystsDecisionNeedsAConfirmationAndANote() throws {
        let store = try store([Planned(client: "A", hours: 0, score: 0.9), Planned(client: "A", hours: 1, score: 0.8)])
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        try store.decide(try seen(store, [1]), status: .confirmedFraud, analyst: "bo", at: 105)
        #expect(throws: TriageError.decidedByAnother(alertID: 1, analyst: "bo", status: "confirmed_fraud")) {
            try store.decide(try seen(store, [2, 1]), status: .falsePositive, analyst: "ana", at: 110)
        }
        #expect(try store.triageEvents(ofAlert: 2).isEmpty, "nothing was written, alert 2 included")
        #expect(throws: TriageError.overturnNeedsNote(alertID: 1)) {
            try store.decide(try seen(store, [1]), status: .falsePositive, analyst: "ana", note: "  ", overturning: true, at: 110)
        }
        // Bo changing his own decision, or anyone agreeing with it, overturns nothing.
        try store.decide(try seen(store, [1]), status: .escalated, analyst: "bo", at: 111)
        try store.decide(try seen(store, [1]), status: .escalated, analyst: "ana", at: 112)
        #expect(throws: TriageError.decidedByAnother(alertID: 1, analyst: "ana", status: "escalated")) {
            try store.decide(try seen(store, [1]), status: .confirmedFraud, analyst: "bo", at: 113)
        }
        try store.decide(try seen(store, [1]), status: .confirmedFraud, analyst: "bo", note: "chargeback came in", overturning: true, at: 114)
        #expect(try store.alertSummaries(ids: [1]).first?.status == "confirmed_fraud")

        // The whole case: its open alert first; once decided, re-deciding it overturns the other analyst's.
        try store.decideCase(id: 1, status: .confirmedFraud, analyst: "bo", at: 120)
        #expect(throws: TriageError.decidedByAnother(alertID: 1, analyst: "bo", status: "confirmed_fraud")) {
            try store.decideCase(id: 1, status: .falsePositive, analyst: "ana", at: 130)
        }
        let events = try store.decideCase(id: 1, status: .falsePositive, analyst: "ana", note: "the client's own purchases",
                                          overturning: true, at: 130)
        #expect(events.map(\.alertID) == [1, 2])
        #expect(throws: TriageError.nothingToDecide(caseID: 1, status: "false_positive")) {
            try store.decideCase(id: 1, status: .falsePositive, analyst: "ana", at: 140)
        }
        #expect(TriageError.decidedByAnother(alertID: 1, analyst: "bo", status: "confirmed_fraud").description
                == "alert #1 is confirmed fraud by bo's decision; overturning it needs a confirmation and a note saying why; nothing was changed")
    }

    @Test func everyCaseChangeIsAnEventInTheChain() throws {
        let store = try store([Planned(client: "A", hours: 0, score: 0.9)])
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        var version = try #require(try store.caseDetail(id: 1, now: 100)).summary.version
        try store.assignCase(id: 1, to: "ana", by: "lead", at: 101)
        try store.assignCase(id: 1, to: nil, by: "lead", at: 102)
        _ = try store.claimNextCase(analyst: "bo", now: 103)
        try store.snoozeCase(id: 1, until: 86_400 * 3, by: "bo", note: "asked the client", at: 104)
        try store.snoozeCase(id: 1, until: nil, by: "bo", at: 105)
        try store.setCaseDue(id: 1, at: 86_400 * 2, by: "lead", at: 106)
        try store.decideCase(id: 1, status: .confirmedFraud, analyst: "bo", at: 107)
        let events = try store.caseEvents(id: 1)
        #expect(events.map(\.action) == ["case assign", "case unassign", "case claim", "case snooze", "case wake", "case due", "decide"])
        #expect(events.map(\.toStatus) == ["ana", nil, "bo", "1970-01-04 00:00:00", nil, "1970-01-03 00:00:00", "confirmed_fraud"])
        #expect(events[1].fromStatus == "ana" && events[3].note == "asked the client")
        let summary = try #require(try store.caseDetail(id: 1, now: 200)).summary
        #expect(summary.dueAt == 86_400 * 2 && summary.snoozedUntil == nil && summary.assignee == "bo")
        version += 7
        #expect(summary.version == version, "each change moved the version on")
        #expect(try store.verifyAuditChain() == .intact(events: 7))
        // A case event altered in place is caught like any other.
        try store.pool.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER triage_events_no_update")
            try db.execute(sql: "UPDATE triage_events SET case_id = NULL WHERE id = 7")
        }
        #expect(try store.verifyAuditChain() == .broken(eventID: 7, reason: "its content does not match its hash (it was altered)"))
    }

    /// A trail written before cases (schema v13) still verifies after the store is upgraded, and new events extend it.
    @Test func aTrailFromBeforeCasesStillVerifies() throws {
        let path = scratch.path + "/old.sqlite"
        do {
            let pool = try DatabasePool(path: path)
            try Schema.migrator.migrate(pool, upTo: "v13-outcomes")
            try pool.write { db in
                try db.execute(sql: "PRAGMA application_id = \(Store.applicationID)")
                try db.execute(sql: """
                    INSERT INTO imports (id, source, file_name, content_hash, file_size, layout, mapping, status, started_at)
                        VALUES (1, 's', 'f', 'h', 0, 'l', 'm', 'complete', 0);
                    INSERT INTO clients (id, first_instant, last_instant) VALUES ('A', 0, 0);
                    INSERT INTO transactions (id, import_id, source_key, source_hash, client_id, instant, original_time, amount_minor,
                                              currency, merchant, category) VALUES (1, 1, 'k', 1, 'A', 0, 't', 100, 'USD', 'm', 'c');
                    """)
                try db.execute(sql: "INSERT INTO alerts \(Store.openAlertSQL)", arguments: [1, 0.9, "[]", 5])
                var previous = Store.genesisHash
                for (id, action, to) in [(1, "decide", "confirmed_fraud"), (2, "note", nil)] as [(Int64, String, String?)] {
                    var event = TriageEvent(id: id, alertID: 1, at: 10, analyst: "ana", action: action, fromStatus: "open",
                                            toStatus: to, note: "n", previousHash: previous, hash: "")
                    event.hash = Store.hash(of: event)
                    try db.execute(sql: """
                        INSERT INTO triage_events (id, alert_id, at, analyst, action, from_status, to_status, note, prev_hash, hash)
                        VALUES (?, 1, 10, 'ana', ?, 'open', ?, 'n', ?, ?)
                        """, arguments: [id, action, to, previous, event.hash])
                    previous = event.hash
                }
                try db.execute(sql: "UPDATE alerts SET status = 'confirmed_fraud', assignee = 'ana'")
                try db.execute(sql: "UPDATE audit_head SET events = 2, last_id = 2, last_hash = ?", arguments: [previous])
            }
            try pool.close()
        }
        let store = try Store(path: path)
        #expect(try store.verifyAuditChain() == .intact(events: 2))
        try store.refreshCases(gapSeconds: 72 * Self.hour, now: 100)
        try store.assignCase(id: 1, to: "ana", by: "ana", at: 101)
        #expect(try store.verifyAuditChain() == .intact(events: 3))
        #expect(try store.caseDetail(id: 1, now: 102)?.summary.status == .decided)
    }
}
