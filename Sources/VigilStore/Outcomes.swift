import Foundation
import GRDB
import VigilCore

/// One outcome from a feed, to be recorded against a stored transaction.
public struct OutcomeRecord: Sendable, Hashable {
    public var transactionID: Int64
    public var outcome: Outcome
    /// UTC epoch seconds at which it became known.
    public var knownAt: Int64
    /// The feed's line it came from, when it came from a file.
    public var line: Int?

    public init(transactionID: Int64, outcome: Outcome, knownAt: Int64, line: Int? = nil) {
        self.transactionID = transactionID
        self.outcome = outcome
        self.knownAt = knownAt
        self.line = line
    }
}

/// Where a reader of outcome events got to: the last feed row and the last triage event it has read.
public struct OutcomeCursor: Sendable, Hashable {
    public var feedID: Int64 = 0
    public var triageEventID: Int64 = 0

    public init() {}
}

extension Store {
    /// Records feed outcomes in one transaction; an outcome already recorded (same transaction, outcome, instant and
    /// feed) is left as it is, so a feed imported twice adds nothing. Returns how many were new and how many were
    /// already there.
    @discardableResult
    public func recordOutcomes(_ records: [OutcomeRecord], feed: String, importID: Int64? = nil) throws -> (recorded: Int, duplicate: Int) {
        try pool.write { db in
            let recorded = try Self.insertOutcomes(records, feed: feed, importID: importID, db).count
            return (recorded, records.count - recorded)
        }
    }

    /// Inserts feed outcomes within the caller's transaction, leaving those already recorded as they are: how many
    /// were new, in all and by outcome.
    static func insertOutcomes(_ records: [OutcomeRecord], feed: String, importID: Int64?,
                               _ db: Database) throws -> (count: Int, byOutcome: [Outcome: Int]) {
        let insert = try RawStatement(db, sql: """
            INSERT OR IGNORE INTO outcomes (transaction_id, outcome, known_at, source, import_id, line)
            VALUES (?, ?, ?, ?, ?, ?)
            """)
        insert.bindText(copying: feed, at: 4)
        if let importID { insert.bind(importID, at: 5) } else { insert.bindNull(at: 5) }
        var byOutcome: [Outcome: Int] = [:]
        var count = 0
        for record in records {
            insert.reset()
            insert.bind(record.transactionID, at: 1)
            insert.bindText(copying: record.outcome.rawValue, at: 2)
            insert.bind(record.knownAt, at: 3)
            if let line = record.line { insert.bind(Int64(line), at: 6) } else { insert.bindNull(at: 6) }
            try insert.execute()
            if db.changesCount > 0 {
                count += 1
                byOutcome[record.outcome, default: 0] += 1
            }
        }
        return (count, byOutcome)
    }

    /// Every outcome event the store knows of, in application order (`OutcomeEvent.applicationOrder`): the feeds'
    /// outcomes, and every triage status change (confirmed fraud is fraud, false positive is genuine, and any other
    /// status withdraws what the alert's decision said), known at the instant it was made.
    public func outcomeEvents() throws -> [OutcomeEvent] {
        try outcomeEvents(after: OutcomeCursor()).events
    }

    /// The outcome events recorded after `cursor` (feed rows and triage events are append-only, so their ids only
    /// grow), in application order, and the cursor past them: live scoring reads only what is new at each batch.
    public func outcomeEvents(after cursor: OutcomeCursor) throws -> (events: [OutcomeEvent], through: OutcomeCursor) {
        try pool.read { db in
            var events: [OutcomeEvent] = []
            var through = cursor
            let feed = try Row.fetchCursor(db, sql: "SELECT id, transaction_id, known_at, outcome FROM outcomes WHERE id > ? ORDER BY id",
                                           arguments: [cursor.feedID])
            while let row = try feed.next() {
                let outcome: String = row[3]
                events.append(OutcomeEvent(transactionID: row[1], knownAt: row[2], outcome: Outcome(rawValue: outcome),
                                           source: .feed))
                through.feedID = row[0]
            }
            let decisions = try Row.fetchCursor(db, sql: """
                SELECT e.id, a.transaction_id, e.at, e.to_status FROM triage_events AS e JOIN alert_ids AS a ON a.id = e.alert_id
                WHERE e.id > ? AND e.to_status IS NOT NULL ORDER BY e.id
                """, arguments: [cursor.triageEventID])
            while let row = try decisions.next() {
                let status: String = row[3]
                events.append(OutcomeEvent(transactionID: row[1], knownAt: row[2], outcome: Self.outcome(ofStatus: status),
                                           source: .triage))
                through.triageEventID = row[0]
            }
            // Stable: two decisions on one alert in the same second keep the trail's order.
            return (OutcomeEvent.inApplicationOrder(events), through)
        }
    }

    /// What an alert status says of its transaction: a decision that it was fraud or genuine, or nothing.
    public static func outcome(ofStatus status: String) -> Outcome? {
        switch AlertStatus(rawValue: status) {
        case .confirmedFraud?: return .fraud
        case .falsePositive?: return .genuine
        default: return nil
        }
    }

    /// How many feed outcomes the store holds, by outcome.
    public func feedOutcomeCounts() throws -> [Outcome: Int] {
        try pool.read { db in
            var counts: [Outcome: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT outcome, COUNT(*) FROM outcomes GROUP BY outcome") {
                let name: String = row[0]
                if let outcome = Outcome(rawValue: name) { counts[outcome] = row[1] }
            }
            return counts
        }
    }
}

/// What one source of outcomes (a feed, or the analysts' triage) has said.
public struct OutcomeSourceSummary: Sendable, Equatable {
    /// The feed's name, or `triage`.
    public var name: String
    public var kind: OutcomeSource
    /// A feed: the outcomes it recorded. Triage: the decisions standing now (an undone one no longer counts).
    public var fraud: Int
    public var genuine: Int
    /// When the first and the last of them became known (UTC epoch seconds).
    public var firstKnownAt: Int64?
    public var lastKnownAt: Int64?
    /// A feed: how many imports recorded its outcomes.
    public var imports: Int

    public init(name: String, kind: OutcomeSource, fraud: Int, genuine: Int, firstKnownAt: Int64?, lastKnownAt: Int64?,
                imports: Int = 0) {
        self.name = name
        self.kind = kind
        self.fraud = fraud
        self.genuine = genuine
        self.firstKnownAt = firstKnownAt
        self.lastKnownAt = lastKnownAt
        self.imports = imports
    }
}

/// Everything known of outcomes: by source, and the transactions whose outcome is known now, all sources together.
public struct OutcomeOverview: Sendable, Equatable {
    /// The feeds by name, then triage.
    public var sources: [OutcomeSourceSummary]
    /// Transactions whose latest standing word is fraud, and genuine (`Store.currentOutcomes`).
    public var fraudNow: Int
    public var genuineNow: Int
}

extension Store {
    /// What each source of outcomes has said, and what is known now (`vigil outcomes`).
    public func outcomeOverview() throws -> OutcomeOverview {
        let events = try outcomeEvents()
        var sources = try pool.read { db in
            var byName: [String: OutcomeSourceSummary] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT source, outcome, COUNT(*) AS n, MIN(known_at) AS first, MAX(known_at) AS last
                FROM outcomes GROUP BY source, outcome
                """) {
                let name: String = row["source"]
                var s = byName[name] ?? OutcomeSourceSummary(name: name, kind: .feed, fraud: 0, genuine: 0,
                                                             firstKnownAt: nil, lastKnownAt: nil)
                let n: Int = row["n"], first: Int64 = row["first"], last: Int64 = row["last"]
                if row["outcome"] as String == Outcome.fraud.rawValue { s.fraud += n } else { s.genuine += n }
                s.firstKnownAt = min(s.firstKnownAt ?? first, first)
                s.lastKnownAt = max(s.lastKnownAt ?? last, last)
                byName[name] = s
            }
            for row in try Row.fetchAll(db, sql: "SELECT source, COUNT(DISTINCT import_id) AS n FROM outcomes GROUP BY source") {
                byName[row["source"]]?.imports = row["n"]
            }
            return byName.values.sorted { $0.name < $1.name }
        }
        // Triage: each transaction's latest decision, if it stands.
        var decisions: [Int64: OutcomeEvent] = [:]
        for event in events where event.source == .triage { decisions[event.transactionID] = event }
        var triage = OutcomeSourceSummary(name: OutcomeSource.triage.rawValue, kind: .triage, fraud: 0, genuine: 0,
                                          firstKnownAt: nil, lastKnownAt: nil)
        for event in decisions.values {
            guard let outcome = event.outcome else { continue }
            if outcome == .fraud { triage.fraud += 1 } else { triage.genuine += 1 }
            triage.firstKnownAt = min(triage.firstKnownAt ?? event.knownAt, event.knownAt)
            triage.lastKnownAt = max(triage.lastKnownAt ?? event.knownAt, event.knownAt)
        }
        if !decisions.isEmpty { sources.append(triage) }
        let now = Self.currentOutcomes(events)
        return OutcomeOverview(sources: sources, fraudNow: now.values.filter { $0 == .fraud }.count,
                               genuineNow: now.values.filter { $0 == .genuine }.count)
    }

    /// Each transaction's outcome after `events` (in application order): the latest word that still stands. A
    /// withdrawal takes back only what its own source said (an analyst's undone decision leaves a chargeback standing).
    public static func currentOutcomes(_ events: [OutcomeEvent]) -> [Int64: Outcome] {
        var latest: [Int64: [OutcomeSource: (order: Int, outcome: Outcome?)]] = [:]
        for (order, event) in events.enumerated() {
            latest[event.transactionID, default: [:]][event.source] = (order, event.outcome)
        }
        return latest.compactMapValues { bySource in
            bySource.values.filter { $0.outcome != nil }.max { $0.order < $1.order }?.outcome
        }
    }
}
