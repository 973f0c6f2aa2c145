import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

@Suite struct TriageTests {
    let scratch = ScratchDirectory()

    /// A store with `count` open alerts on transactions of three clients, scores falling with the id, with reasons
    /// from two detectors and amounts rising with the id.
    func storeWithAlerts(_ count: Int = 6) throws -> Store {
        let store = try scratch.store()
        var rows: [Transaction] = []
        for i in 0..<count {
            let instant: Int64 = 1_700_000_000 + Int64(i) * 3_600
            let amount = Money(minorUnits: Int64(1_000 * (i + 1)))
            let merchant: String = i == 4 ? "Acme Hardware" : "Shop \(i)"
            let category: String = i % 2 == 0 ? "grocery" : "travel"
            rows.append(Transaction(sourceKey: "k\(i)", clientID: "C\(i % 3)", instant: instant, originalTime: "t",
                                    amount: amount, merchant: merchant, category: category))
        }
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        let ids = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY id") }
        var candidates: [AlertCandidate] = []
        for (i, id) in ids.enumerated() {
            let detector: String = i % 2 == 0 ? "burst" : "impossible_travel"
            let text: String = i == 2 ? "5 charges in 10 minutes" : "reason \(i)"
            let reason = AlertReason(detector: detector, score: 1, contribution: 1, text: text)
            candidates.append(AlertCandidate(transactionID: id, score: 0.9 - Double(i) / 100, reasons: [reason]))
        }
        _ = try store.refreshAlerts(candidates, at: 10)
        return store
    }

    func seen(_ store: Store, _ ids: [Int64]) throws -> [SeenAlert] {
        try store.alertSummaries(ids: ids).map { SeenAlert(id: $0.id, version: $0.version) }
    }

    /// Live scoring's daily budget counts a day's alerts through the index on alerts by instant (migration v11),
    /// not by reading the whole table.
    @Test func aDaysAlertsAreCountedThroughTheInstantIndex() throws {
        let store = try storeWithAlerts()
        // The six alerts lie an hour apart from 1,700,000,000 (day 19,675 ends 6,400 s later).
        #expect(try store.alertCount(onDay: 19_675) == 2)
        #expect(try store.alertCount(onDay: 19_676) == 4)
        #expect(try store.alertCount(onDay: 19_677) == 0)
        let plan = try store.pool.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM alerts WHERE instant >= 0 AND instant < 86400")
                .map { $0["detail"] as String }.joined(separator: "; ")
        }
        #expect(plan.contains("alerts_by_instant"), "\(plan)")
    }

    @Test func decisionsOnSeveralAlertsCommitTogetherWithTheirEvents() throws {
        let store = try storeWithAlerts()
        let events = try store.decide(try seen(store, [1, 2, 3]), status: .falsePositive, analyst: "ana", note: "known merchant", at: 50)
        #expect(events.map(\.alertID) == [1, 2, 3])
        #expect(events.allSatisfy { $0.fromStatus == "open" && $0.toStatus == "false_positive" && $0.note == "known merchant" })
        let after = try store.alertSummaries(ids: [1, 2, 3, 4])
        #expect(after.map(\.status) == ["false_positive", "false_positive", "false_positive", "open"])
        #expect(after.prefix(3).allSatisfy { $0.assignee == "ana" && $0.version == 2 } && after[3].version == 1)
        #expect(try store.verifyAuditChain() == .intact(events: 3))
    }

    @Test func aDecisionOnAnAlertThatChangedSinceItWasShownIsRefusedWhole() throws {
        let store = try storeWithAlerts()
        let shown = try seen(store, [1, 2])
        // Another analyst decides alert 2 first.
        try store.decide([shown[1]], status: .confirmedFraud, analyst: "bo")
        #expect(throws: TriageError.changedSinceShown(alertID: 2, status: "confirmed_fraud", by: "bo")) {
            try store.decide(shown, status: .falsePositive, analyst: "ana")
        }
        let now = try store.alertSummaries(ids: [1, 2])
        #expect(now.map(\.status) == ["open", "confirmed_fraud"], "alert 1 was not decided either")
        #expect(try store.triageEvents(ofAlert: 1).isEmpty)
        // Looking again gives the new version, and the decision goes through once confirmed as overturning bo's.
        try store.decide(try seen(store, [2]), status: .escalated, analyst: "ana", note: "not proven yet", overturning: true)
        #expect(try store.alertSummaries(ids: [2]).first?.status == "escalated")
        #expect(TriageError.changedSinceShown(alertID: 2, status: "confirmed_fraud", by: "bo").description
            == "alert #2 changed since it was shown (now confirmed fraud, last touched by bo); nothing was changed: look again and decide")
    }

    @Test func aNoteIsAnEventThatKeepsTheStatus() throws {
        let store = try storeWithAlerts()
        let event = try store.addNote("called the client;\nno answer", to: try seen(store, [3])[0], analyst: "ana", at: 70)
        #expect(event.action == "note" && event.toStatus == nil && event.fromStatus == "open")
        let alert = try #require(try store.alertSummaries(ids: [3]).first)
        #expect(alert.status == "open" && alert.version == 2)
        #expect(try store.triageEvents(ofAlert: 3).map(\.note) == ["called the client;\nno answer"])
    }

    @Test func undoAppendsCompensatingEventsForTheWholeLastDecision() throws {
        let store = try storeWithAlerts()
        try store.decide(try seen(store, [1]), status: .escalated, analyst: "ana", at: 10)
        try store.decide(try seen(store, [2, 3]), status: .confirmedFraud, analyst: "ana", at: 20)
        try store.decide(try seen(store, [4]), status: .needsInfo, analyst: "bo", at: 25)
        let undone = try store.undoLastDecision(analyst: "ana", at: 30)
        #expect(undone.map(\.alertID) == [2, 3])
        #expect(undone.allSatisfy { $0.fromStatus == "confirmed_fraud" && $0.toStatus == "open" })
        #expect(undone.map(\.action) == ["undo #2", "undo #3"])
        #expect(try store.triageEvents(ofAlert: 3).first?.action == "decide with #2", "the trail says what was decided together")
        #expect(try store.alertSummaries(ids: [1, 2, 3, 4]).map(\.status) == ["escalated", "open", "open", "needs_info"])
        // The next undo reaches the decision before; then there is nothing left.
        #expect(try store.undoLastDecision(analyst: "ana", at: 40).map(\.alertID) == [1])
        #expect(throws: TriageError.nothingToUndo(analyst: "ana")) { try store.undoLastDecision(analyst: "ana") }
        // Every event is still there: history is never rewritten.
        #expect(try store.verifyAuditChain() == .intact(events: 7))
    }

    @Test func separateDecisionsInTheSameSecondAreUndoneOneAtATime() throws {
        let store = try storeWithAlerts()
        for id in Int64(1)...3 { try store.decide(try seen(store, [id]), status: .falsePositive, analyst: "ana", at: 100) }
        #expect(try store.undoLastDecision(analyst: "ana", at: 100).map(\.alertID) == [3])
        #expect(try store.undoLastDecision(analyst: "ana", at: 100).map(\.alertID) == [2])
        #expect(try store.alertSummaries(ids: [1, 2, 3]).map(\.status) == ["false_positive", "open", "open"])
    }

    @Test func undoIsRefusedWhenSomeoneActedOnTheAlertSince() throws {
        let store = try storeWithAlerts()
        try store.decide(try seen(store, [1]), status: .falsePositive, analyst: "ana")
        try store.addNote("disagree", to: try seen(store, [1])[0], analyst: "bo")
        #expect(throws: TriageError.changedSinceShown(alertID: 1, status: "false_positive", by: "bo")) {
            try store.undoLastDecision(analyst: "ana")
        }
        #expect(try store.alertSummaries(ids: [1]).first?.status == "false_positive")
    }

    @Test func aRescanBumpsTheVersionOfOpenAlertsSoStaleDecisionsAreRefused() throws {
        let store = try storeWithAlerts(2)
        let shown = try seen(store, [1])
        let transaction = try #require(try store.alertSummaries(ids: [1]).first?.transactionID)
        _ = try store.refreshAlerts([AlertCandidate(transactionID: transaction, score: 0.99, reasons: [])])
        #expect(throws: TriageError.self) { try store.decide(shown, status: .falsePositive, analyst: "ana") }
    }

    @Test func theQueueFiltersSortsAndPagesByID() throws {
        let store = try storeWithAlerts(9)
        #expect(try store.alertIDs(matching: AlertQuery()) == Array(1...9))
        #expect(try store.alertIDs(matching: AlertQuery(sort: .amount, descending: true)) == Array((1...9).reversed()))
        #expect(try store.alertIDs(matching: AlertQuery(sort: .client, descending: false)) == [1, 4, 7, 2, 5, 8, 3, 6, 9])
        #expect(try store.alertIDs(matching: AlertQuery(clientID: "C1")) == [2, 5, 8])
        #expect(try store.alertIDs(matching: AlertQuery(detector: "impossible_travel")) == [2, 4, 6, 8])
        #expect(try store.alertIDs(matching: AlertQuery(minimumAmountMinor: 3_000, maximumAmountMinor: 5_000)) == [3, 4, 5])
        #expect(try store.alertIDs(matching: AlertQuery(from: 1_700_000_000 + 3_600, until: 1_700_000_000 + 3 * 3_600)) == [2, 3])
        try store.decide(try seen(store, [5]), status: .confirmedFraud, analyst: "ana")
        #expect(try store.alertIDs(matching: AlertQuery()) == [1, 2, 3, 4, 6, 7, 8, 9])
        #expect(try store.alertIDs(matching: AlertQuery(statuses: [.confirmedFraud])) == [5])
        #expect(try store.alertIDs(matching: AlertQuery(statuses: nil)).count == 9)
        // Rows come back in the order asked for, whatever the store's order.
        #expect(try store.alertSummaries(ids: [7, 2, 9]).map(\.id) == [7, 2, 9])
        #expect(try store.alertSummaries(ids: [7, 9_999, 2]).map(\.id) == [7, 2])
    }

    @Test func searchFindsMerchantsClientsAndReasonsBothWaysAndWraps() throws {
        let store = try storeWithAlerts(9)
        let ids = try store.alertIDs(matching: AlertQuery())
        #expect(try store.searchAlerts("acme", in: ids, after: 0) == 4)
        #expect(try store.searchAlerts("ACME", in: ids, after: 4) == 4, "wraps round to itself")
        #expect(try store.searchAlerts("10 minutes", in: ids, after: 5) == 2, "reasons, wrapping past the end")
        #expect(try store.searchAlerts("c2", in: ids, after: 4, forward: false) == 2)
        #expect(try store.searchAlerts("nowhere", in: ids, after: 0) == nil)
    }

    @Test func theChangeTokenMovesWhenAnotherConnectionCommits() throws {
        let store = try storeWithAlerts()
        let other = try Store(path: store.path)
        let before = try store.changeToken()
        #expect(try store.changeToken() == before, "nothing happened")
        try other.decide(try seen(other, [1]), status: .escalated, analyst: "bo")
        let after = try store.changeToken()
        #expect(after != before)
        #expect(try store.changeToken() == after)
        try store.decide(try seen(store, [2]), status: .escalated, analyst: "ana")
        #expect(try store.changeToken() != after, "this store's own writes count too")
    }
}
