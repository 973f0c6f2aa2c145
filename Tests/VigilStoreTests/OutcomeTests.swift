import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

@Suite struct OutcomeTests {
    let scratch = ScratchDirectory()
    /// The first transaction's instant (2023-11-14 22:13:20 UTC); the others follow an hour apart.
    static let t0: Int64 = 1_700_000_000

    /// A store with six transactions `k0`…`k5` an hour apart, each with an open alert; their store ids, in order.
    func store() throws -> (Store, [Int64]) {
        let store = try scratch.store()
        let rows = (0..<6).map { i in
            Transaction(sourceKey: "k\(i)", clientID: "C\(i % 3)", instant: Self.t0 + Int64(i) * 3_600, originalTime: "t",
                        amount: Money(minorUnits: 1_000), merchant: "Shop \(i)", category: "grocery")
        }
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        let ids = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY id") }
        let reason = AlertReason(detector: "burst", score: 1, contribution: 1, text: "reason")
        _ = try store.refreshAlerts(ids.map { AlertCandidate(transactionID: $0, score: 0.9, reasons: [reason]) }, at: 10)
        return (store, ids)
    }

    func seen(_ store: Store, _ transactionID: Int64) throws -> [SeenAlert] {
        let alertID = try store.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM alerts WHERE transaction_id = ?", arguments: [transactionID])!
        }
        return try store.alertSummaries(ids: [alertID]).map { SeenAlert(id: $0.id, version: $0.version) }
    }

    func importFeed(_ store: Store, _ text: String, name: String = "feed.csv",
                    _ options: OutcomeImportOptions = OutcomeImportOptions(feed: "chargebacks")) throws -> OutcomeImportSummary {
        try store.importOutcomes(try PreparedOutcomeImport(path: scratch.file(name, text), options: options))
    }

    // MARK: recording and reading events

    @Test func recordingTheSameOutcomesTwiceAddsNothing() throws {
        let (store, ids) = try store()
        let records = [OutcomeRecord(transactionID: ids[0], outcome: .fraud, knownAt: Self.t0 + 100),
                       OutcomeRecord(transactionID: ids[1], outcome: .genuine, knownAt: Self.t0 + 200)]
        #expect(try store.recordOutcomes(records, feed: "cb") == (recorded: 2, duplicate: 0))
        #expect(try store.recordOutcomes(records, feed: "cb") == (recorded: 0, duplicate: 2))
        // Another feed, or another instant, is another outcome event.
        #expect(try store.recordOutcomes([records[0]], feed: "other") == (recorded: 1, duplicate: 0))
        var later = records[0]
        later.knownAt += 1
        #expect(try store.recordOutcomes([later], feed: "cb") == (recorded: 1, duplicate: 0))
        #expect(try store.feedOutcomeCounts() == [.fraud: 3, .genuine: 1])
        #expect(try store.outcomeEvents().count == 4)
    }

    @Test func aReaderWithACursorGetsOnlyWhatWasRecordedSince() throws {
        let (store, ids) = try store()
        try store.recordOutcomes([OutcomeRecord(transactionID: ids[0], outcome: .fraud, knownAt: Self.t0 + 100)], feed: "cb")
        let (first, cursor) = try store.outcomeEvents(after: OutcomeCursor())
        #expect(first.map(\.transactionID) == [ids[0]])
        #expect(try store.outcomeEvents(after: cursor).events.isEmpty)
        try store.recordOutcomes([OutcomeRecord(transactionID: ids[1], outcome: .fraud, knownAt: Self.t0 + 50)], feed: "cb")
        try store.decide(try seen(store, ids[2]), status: .falsePositive, analyst: "ana", at: Self.t0 + 70)
        let (next, later) = try store.outcomeEvents(after: cursor)
        #expect(next == [OutcomeEvent(transactionID: ids[1], knownAt: Self.t0 + 50, outcome: .fraud, source: .feed),
                         OutcomeEvent(transactionID: ids[2], knownAt: Self.t0 + 70, outcome: .genuine, source: .triage)])
        #expect(try store.outcomeEvents(after: later).events.isEmpty)
        #expect(try store.outcomeEvents() == OutcomeEvent.inApplicationOrder(first + next))
    }

    @Test func feedOutcomesAndDecisionsComeInApplicationOrder() throws {
        let (store, ids) = try store()
        let decided = Self.t0 + 50_000
        try store.recordOutcomes([
            OutcomeRecord(transactionID: ids[3], outcome: .fraud, knownAt: decided + 10),
            OutcomeRecord(transactionID: ids[2], outcome: .fraud, knownAt: decided),
            OutcomeRecord(transactionID: ids[1], outcome: .genuine, knownAt: decided),
        ], feed: "cb")
        try store.decide(try seen(store, ids[2]), status: .falsePositive, analyst: "ana", at: decided)
        try store.decide(try seen(store, ids[0]), status: .confirmedFraud, analyst: "ana", at: decided - 5)
        let events = try store.outcomeEvents()
        let shown = events.map { "\($0.knownAt - decided) \($0.transactionID) \($0.source.rawValue) \($0.outcome?.rawValue ?? "-")" }
        // By instant, then transaction, then source: on the same instant for the same transaction the analyst's
        // decision comes after the feed, so it is the word that stands.
        #expect(shown == [
            "-5 \(ids[0]) triage fraud",
            "0 \(ids[1]) feed genuine",
            "0 \(ids[2]) feed fraud",
            "0 \(ids[2]) triage genuine",
            "10 \(ids[3]) feed fraud",
        ])
        #expect(Store.currentOutcomes(events) == [ids[0]: .fraud, ids[1]: .genuine, ids[2]: .genuine, ids[3]: .fraud])
    }

    // MARK: triage decisions are outcomes

    @Test func aConfirmedFraudDecisionIsAFraudOutcomeKnownWhenDecided() throws {
        let (store, ids) = try store()
        try store.decide(try seen(store, ids[4]), status: .confirmedFraud, analyst: "ana", at: Self.t0 + 90_000)
        #expect(try store.outcomeEvents() == [OutcomeEvent(transactionID: ids[4], knownAt: Self.t0 + 90_000, outcome: .fraud, source: .triage)])
    }

    @Test func aFalsePositiveIsAGenuineOutcome() throws {
        let (store, ids) = try store()
        try store.decide(try seen(store, ids[1]), status: .falsePositive, analyst: "ana", at: Self.t0 + 7_000)
        #expect(try store.outcomeEvents() == [OutcomeEvent(transactionID: ids[1], knownAt: Self.t0 + 7_000, outcome: .genuine, source: .triage)])
    }

    @Test func anUndoneDecisionIsWithdrawnWhenUndone() throws {
        let (store, ids) = try store()
        try store.decide(try seen(store, ids[0]) + seen(store, ids[1]), status: .confirmedFraud, analyst: "ana", at: Self.t0 + 10_000)
        try store.undoLastDecision(analyst: "ana", at: Self.t0 + 20_000)
        let events = try store.outcomeEvents()
        #expect(events == [
            OutcomeEvent(transactionID: ids[0], knownAt: Self.t0 + 10_000, outcome: .fraud, source: .triage),
            OutcomeEvent(transactionID: ids[1], knownAt: Self.t0 + 10_000, outcome: .fraud, source: .triage),
            OutcomeEvent(transactionID: ids[0], knownAt: Self.t0 + 20_000, outcome: nil, source: .triage),
            OutcomeEvent(transactionID: ids[1], knownAt: Self.t0 + 20_000, outcome: nil, source: .triage),
        ])
        #expect(Store.currentOutcomes(events).isEmpty)
        // Statuses that say nothing of the outcome withdraw too: escalating a confirmed case reopens the question.
        try store.decide(try seen(store, ids[2]), status: .confirmedFraud, analyst: "bo", at: Self.t0 + 30_000)
        try store.decide(try seen(store, ids[2]), status: .escalated, analyst: "bo", at: Self.t0 + 40_000)
        #expect(try store.outcomeEvents().suffix(2).map(\.outcome) == [.fraud, nil])
    }

    @Test func aNoteSaysNothingOfTheOutcome() throws {
        let (store, ids) = try store()
        try store.decide(try seen(store, ids[3]), status: .confirmedFraud, analyst: "ana", at: Self.t0 + 10_000)
        let before = try store.outcomeEvents()
        try store.addNote("card blocked", to: try seen(store, ids[3])[0], analyst: "ana", at: Self.t0 + 11_000)
        #expect(try store.triageEvents(ofAlert: try seen(store, ids[3])[0].id).count == 2, "the note is in the trail")
        #expect(try store.outcomeEvents() == before)
    }

    @Test func aWithdrawalTakesBackOnlyWhatItsOwnSourceSaid() throws {
        let events = [
            OutcomeEvent(transactionID: 1, knownAt: 10, outcome: .fraud, source: .feed),
            OutcomeEvent(transactionID: 1, knownAt: 20, outcome: .genuine, source: .triage),
            OutcomeEvent(transactionID: 1, knownAt: 30, outcome: nil, source: .triage),
            OutcomeEvent(transactionID: 2, knownAt: 10, outcome: .fraud, source: .triage),
            OutcomeEvent(transactionID: 2, knownAt: 20, outcome: .genuine, source: .feed),
            OutcomeEvent(transactionID: 3, knownAt: 10, outcome: .fraud, source: .triage),
            OutcomeEvent(transactionID: 3, knownAt: 20, outcome: nil, source: .triage),
        ]
        // 1: the analyst's undone word leaves the chargeback standing; 2: the later word wins; 3: nothing stands.
        #expect(Store.currentOutcomes(events) == [1: .fraud, 2: .genuine])
    }

    // MARK: spellings

    @Test func aFeedsSpellingsOfFraudAndGenuineAreReadAndNothingElseIs() {
        for text in ["fraud", "FRAUD", " Fraudulent ", "confirmed_fraud", "Confirmed Fraud", "fraud-confirmed", "chargeback",
                     "Charged back", "1", "true", "T", "yes", "Y"] {
            #expect(Outcome(feedSpelling: text) == .fraud, "\(text)")
        }
        for text in ["genuine", "legit", "Legitimate", "not_fraud", "Not Fraud", "non-fraud", "no_fraud", "false_positive",
                     "0", "FALSE", "f", "no", "N"] {
            #expect(Outcome(feedSpelling: text) == .genuine, "\(text)")
        }
        for text in ["", "maybe", "2", "-1", "fraud?", "disputed", "pending", "0.0", "1.0", "yes please"] {
            #expect(Outcome(feedSpelling: text) == nil, "\(text)")
        }
    }

    // MARK: importing a feed

    @Test func aFeedIsMatchedBySourceIDAndItsBadRowsAreKeptWithTheirReasons() throws {
        let (store, ids) = try store()
        let summary = try importFeed(store, """
            transaction_id,is_fraud,reported_at
            k0,chargeback,2023-11-20 10:00:00
            k1,Not Fraud,2023-11-21T08:00:00Z
            k9,1,2023-11-20 10:00:00
            k2,maybe,2023-11-20 10:00:00
            k3,1,next week
            k4,1,2023-11-01 00:00:00
            k5,yes
            k5,,2023-11-20 10:00:00
            ,1,2023-11-20 10:00:00
            k5,1,1700900000
            """)
        #expect(summary.rowsRead == 10)
        #expect(summary.recorded == 3 && summary.recordedByOutcome == [.fraud: 2, .genuine: 1])
        #expect(summary.alreadyRecorded == 0 && summary.rejected == 7 && summary.unknownIDs == 1)
        #expect(summary.rowsRead == summary.recorded + summary.alreadyRecorded + summary.rejected)
        let reasons = summary.rejections.map { "\($0.line) \($0.column ?? "-") '\($0.value ?? "")': \($0.reason)" }
        #expect(reasons.count == 7)
        #expect(reasons[0] == "4 transaction_id 'k9': no stored transaction has this id")
        #expect(reasons[1].hasPrefix("5 is_fraud 'maybe': not an outcome: fraud is one of fraud, "))
        #expect(reasons[2].hasPrefix("6 reported_at 'next week': unrecognised timestamp format"))
        #expect(reasons[3] == "7 reported_at '2023-11-01 00:00:00': known at 2023-11-01 00:00:00 UTC, before its "
                + "transaction's own time 2023-11-15 02:13:20 UTC: an outcome cannot be known before it happened")
        #expect(reasons[4] == "8 - '': expected 3 fields, found 2")
        #expect(reasons[5] == "9 is_fraud '': empty outcome")
        #expect(reasons[6] == "10 transaction_id '': empty id")
        // Every rejected row is in the store with its raw text, listed by `vigil rejected`.
        let kept = try store.rejectedRows(importID: summary.importID)
        #expect(kept.map(\.rejection.line) == [4, 5, 6, 7, 8, 9, 10])
        #expect(kept[1].rejection.raw == "k2,maybe,2023-11-20 10:00:00")
        let feed = try store.outcomeEvents().filter { $0.source == .feed }
        #expect(feed == [
            OutcomeEvent(transactionID: ids[0], knownAt: 1_700_474_400, outcome: .fraud, source: .feed),
            OutcomeEvent(transactionID: ids[1], knownAt: 1_700_553_600, outcome: .genuine, source: .feed),
            OutcomeEvent(transactionID: ids[5], knownAt: 1_700_900_000, outcome: .fraud, source: .feed),
        ])
        // The ledger holds the import and its counts agree with what is stored; it is not a transaction import.
        #expect(try store.ledgerProblems().isEmpty)
        #expect(try store.stats().imports == 1)
        #expect(try store.stats().rejected == 7)
    }

    @Test func importingTheSameFeedAgainAddsNothingAndALongerOneOnlyItsNewRows() throws {
        let (store, _) = try store()
        let feed = "id,outcome,known_at\nk0,fraud,2023-11-20 10:00:00\nk1,genuine,2023-11-20 11:00:00\nk7,fraud,2023-11-20 11:00:00\n"
        let first = try importFeed(store, feed)
        #expect(first.recorded == 2 && first.rejected == 1 && first.sameAsImport == nil)
        let again = try importFeed(store, feed, name: "copy.csv")
        #expect(again.recorded == 0 && again.alreadyRecorded == 2 && again.rejected == 1)
        #expect(again.sameAsImport == first.importID && again.importID == first.importID)
        let longer = try importFeed(store, feed + "k2,fraud,2023-11-21 09:00:00\n", name: "longer.csv")
        #expect(longer.recorded == 1 && longer.alreadyRecorded == 2 && longer.rejected == 1 && longer.sameAsImport == nil)
        #expect(longer.importID != first.importID)
        // Two imports in the ledger (the repeat wrote nothing), their rejected rows kept once each, 3 outcomes.
        let ledger = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT rows_read, rows_imported, rows_duplicate, rows_rejected FROM imports WHERE layout = 'outcomes' ORDER BY id")
                .map { [$0[0], $0[1], $0[2], $0[3]] as [Int] }
        }
        #expect(ledger == [[3, 2, 0, 1], [4, 1, 2, 1]])
        #expect(try store.rejectedRows().count == 2)
        #expect(try store.feedOutcomeCounts() == [.fraud: 2, .genuine: 1])
        #expect(try store.ledgerProblems().isEmpty)
        // The same feed under another name is another source: its outcomes are recorded again, under that name.
        #expect(try importFeed(store, feed, OutcomeImportOptions(feed: "customer_calls")).recorded == 2)
    }

    @Test func anOutcomeFeedIsNeverTakenForATransactionImportOfTheSameBytes() throws {
        let store = try scratch.store()
        // A file that is both: a transaction export that a feed's columns can be read from too.
        let text = "id,client,time,amount,outcome,known_at\nx1,C1,2024-01-01 10:00:00,5,fraud,2024-01-03 00:00:00\n"
        let imported = try store.importFile(try PreparedImport(path: scratch.file("both.csv", text)))
        #expect(imported.imported == 1)
        let outcomes = try importFeed(store, text, name: "both-again.csv")
        #expect(outcomes.recorded == 1 && outcomes.sameAsImport == nil)
        // And a transaction import after it still reads its own ledger entry, not the feed's.
        let again = try store.importFile(try PreparedImport(path: scratch.file("both-third.csv", text)))
        #expect(again.alreadyImportedAs == imported.importID)
    }

    @Test func aBareDateCountsFromTheLastSecondOfItsDay() throws {
        let (store, ids) = try store()
        // k0 happened at 22:13:20 on 2023-11-14: a chargeback dated that day is known by its end, not before it.
        let summary = try importFeed(store, "id,outcome,chargeback_date\nk0,fraud,2023-11-14\nk1,fraud,11/16/2023\n")
        #expect(summary.rejected == 0)
        #expect(try store.outcomeEvents().map(\.knownAt) == [1_700_006_399, 1_700_179_199])
        #expect(try store.outcomeEvents().map(\.transactionID) == [ids[0], ids[1]])
        // In another zone, the end of that zone's day.
        let east = try importFeed(store, "id,outcome,chargeback_date\nk2,fraud,2023-11-16\n", name: "east.csv",
                                  OutcomeImportOptions(feed: "east", defaultOffsetSeconds: 3_600))
        #expect(east.rejected == 0)
        #expect(try store.outcomeEvents().first { $0.transactionID == ids[2] }?.knownAt == 1_700_179_199 - 3_600)
    }

    @Test func mappedColumnsCompositeIDsGzipAndOtherDelimitersAreReadAsAnImportReadsThem() throws {
        let store = try scratch.store()
        // The card export identifies a row by three columns, joined with '|'.
        let tx = "trans_num,cc_num,unix_time,client,time,amount\nt1,4111111111111111,1672531229,C1,2023-01-01 00:00:29,7.14\n"
        _ = try store.importFile(try PreparedImport(path: scratch.file("tx.csv", tx), options: ImportOptions(
            overrides: [.id: "trans_num+cc_num+unix_time"])))
        let feed = "\u{FEFF}Trans Num;Card;Unix;Fraud Flag;CB Date\n\"t1\";4111111111111111;1672531229;Y;01/09/2023 14:30\n"
        let path = try scratch.gzipped("cb.csv.gz", feed)
        let prepared = try PreparedOutcomeImport(path: path, options: OutcomeImportOptions(
            overrides: [.id: "trans num+card+unix", .outcome: "fraud flag", .knownAt: "CB Date"], feed: "cb"))
        #expect(prepared.mapping.summary(feed: "cb") == "feed=cb,id=Trans Num+Card+Unix,outcome=Fraud Flag,known_at=CB Date")
        let summary = try store.importOutcomes(prepared)
        #expect(summary.recorded == 1 && summary.rejected == 0)
        #expect(try store.outcomeEvents().map(\.knownAt) == [1_673_274_600])
        // A feed with the card export's own column names needs no --map: its id is theirs, joined the same way.
        let plain = try importFeed(store, "trans_num,cc_num,unix_time,is_fraud,chargeback_date\nt1,4111111111111111,1672531229,1,2023-01-10\n",
                                   name: "plain.csv")
        #expect(plain.mapping == "feed=chargebacks,id=trans_num+cc_num+unix_time,outcome=is_fraud,known_at=chargeback_date")
        #expect(plain.recorded == 1 && plain.rejected == 0)
    }

    @Test func aFeedWithoutTheColumnsItNeedsIsRefusedBeforeTheStoreIsTouched() throws {
        let noTime = scratch.file("no-time.csv", "id,outcome\nk0,fraud\n")
        #expect(throws: ImportError.missingColumn(file: noTime, field: "known_at", header: ["id", "outcome"])) {
            try PreparedOutcomeImport(path: noTime, options: OutcomeImportOptions())
        }
        let wrong = scratch.file("wrong.csv", "id,outcome,when\nk0,fraud,2024-01-01\n")
        #expect(throws: ImportError.unknownColumn(file: wrong, field: "known_at", column: "reported", header: ["id", "outcome", "when"])) {
            try PreparedOutcomeImport(path: wrong, options: OutcomeImportOptions(overrides: [.knownAt: "reported"]))
        }
        #expect(throws: ImportError.empty(file: scratch.file("empty.csv", ""))) {
            try PreparedOutcomeImport(path: scratch.path + "/empty.csv", options: OutcomeImportOptions())
        }
    }

    @Test func feedNamesThatWouldMixWithAnotherSourceAreRefused() {
        #expect(OutcomeImportOptions.problem(withFeedName: "chargebacks") == nil)
        #expect(OutcomeImportOptions.problem(withFeedName: "feed") == nil)
        #expect(OutcomeImportOptions.problem(withFeedName: "triage") != nil)
        #expect(OutcomeImportOptions.problem(withFeedName: "delayed_label") != nil)
        #expect(OutcomeImportOptions.problem(withFeedName: "") != nil)
        #expect(OutcomeImportOptions.problem(withFeedName: "bad\u{1B}[31mname") != nil)
    }

    // MARK: the overview

    @Test func theOverviewSaysWhatEachSourceSaidAndWhatStandsNow() throws {
        let (store, ids) = try store()
        _ = try importFeed(store, "id,outcome,known_at\nk0,fraud,2023-11-20 10:00:00\nk1,genuine,2023-11-22 10:00:00\nk2,fraud,2023-11-21 10:00:00\n")
        try store.decide(try seen(store, ids[1]), status: .confirmedFraud, analyst: "ana", at: 1_700_800_000)
        try store.decide(try seen(store, ids[3]), status: .falsePositive, analyst: "ana", at: 1_700_900_000)
        try store.decide(try seen(store, ids[4]), status: .confirmedFraud, analyst: "bo", at: 1_701_000_000)
        try store.undoLastDecision(analyst: "bo", at: 1_701_100_000)
        let overview = try store.outcomeOverview()
        #expect(overview.sources == [
            OutcomeSourceSummary(name: "chargebacks", kind: .feed, fraud: 2, genuine: 1, firstKnownAt: 1_700_474_400,
                                 lastKnownAt: 1_700_647_200, imports: 1),
            OutcomeSourceSummary(name: "triage", kind: .triage, fraud: 1, genuine: 1, firstKnownAt: 1_700_800_000,
                                 lastKnownAt: 1_700_900_000),
        ])
        // k1: the feed said genuine on the 22nd (1,700,647,200), the analyst fraud later; k4's decision was undone.
        #expect(overview.fraudNow == 3 && overview.genuineNow == 1)
    }
}
