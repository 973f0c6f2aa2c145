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

extension Store {
    /// Records feed outcomes in one transaction; an outcome already recorded (same transaction, outcome, instant and
    /// feed) is left as it is, so a feed imported twice adds nothing. Returns how many were new and how many were
    /// already there.
    @discardableResult
    public func recordOutcomes(_ records: [OutcomeRecord], feed: String, importID: Int64? = nil) throws -> (recorded: Int, duplicate: Int) {
        try pool.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO outcomes (transaction_id, outcome, known_at, source, import_id, line)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
            var recorded = 0
            for record in records {
                try insert.execute(arguments: [record.transactionID, record.outcome.rawValue, record.knownAt, feed, importID,
                                               record.line])
                recorded += db.changesCount
            }
            return (recorded, records.count - recorded)
        }
    }

    /// Every outcome event the store knows of, in application order (`OutcomeEvent.applicationOrder`): the feeds'
    /// outcomes, and every triage status change (confirmed fraud is fraud, false positive is genuine, and any other
    /// status withdraws what the alert's decision said), known at the instant it was made.
    public func outcomeEvents() throws -> [OutcomeEvent] {
        try pool.read { db in
            var events: [OutcomeEvent] = []
            let feed = try Row.fetchCursor(db, sql: "SELECT transaction_id, known_at, outcome FROM outcomes")
            while let row = try feed.next() {
                let outcome: String = row[2]
                events.append(OutcomeEvent(transactionID: row[0], knownAt: row[1], outcome: Outcome(rawValue: outcome),
                                           source: .feed))
            }
            let decisions = try Row.fetchCursor(db, sql: """
                SELECT a.transaction_id, e.at, e.to_status FROM triage_events AS e JOIN alert_ids AS a ON a.id = e.alert_id
                WHERE e.to_status IS NOT NULL ORDER BY e.id
                """)
            while let row = try decisions.next() {
                let status: String = row[2]
                events.append(OutcomeEvent(transactionID: row[0], knownAt: row[1], outcome: Self.outcome(ofStatus: status),
                                           source: .triage))
            }
            // Stable: two decisions on one alert in the same second keep the trail's order.
            return events.enumerated().sorted { a, b in
                OutcomeEvent.applicationOrder(a.element, b.element)
                    || (!OutcomeEvent.applicationOrder(b.element, a.element) && a.offset < b.offset)
            }.map(\.element)
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
