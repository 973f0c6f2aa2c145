import Foundation
import GRDB
import VigilCore

/// One triaged alert, as a report shares it: the transaction, the decision, who made it, the notes and the reasons.
public struct TriagedCase: Sendable, Equatable {
    public var alert: AlertSummary
    /// The analyst of the latest decision, and when it was made.
    public var analyst: String?
    public var decidedAt: Int64?
    /// Every note on the alert, oldest first, with who wrote it.
    public var notes: [(analyst: String, at: Int64, text: String)]

    public static func == (a: TriagedCase, b: TriagedCase) -> Bool {
        a.alert == b.alert && a.analyst == b.analyst && a.decidedAt == b.decidedAt
            && a.notes.map(\.analyst) == b.notes.map(\.analyst) && a.notes.map(\.at) == b.notes.map(\.at)
            && a.notes.map(\.text) == b.notes.map(\.text)
    }
}

extension Store {
    /// Alerts an analyst has decided (any status but open), oldest decision first; with `since`, only those whose
    /// latest decision is at or after it.
    public func triagedCases(since: Int64? = nil) throws -> [TriagedCase] {
        try pool.read { db in
            let decoder = JSONDecoder()
            // Each case with its latest decision event (the one that set a status).
            let sql = """
                SELECT s.*, e.analyst AS decider, e.at AS decided_at
                FROM (\(Self.summaryColumns) WHERE a.status != 'open') AS s
                LEFT JOIN triage_events e
                    ON e.id = (SELECT max(id) FROM triage_events WHERE alert_id = s.id AND to_status IS NOT NULL)
                """
            var cases: [TriagedCase] = []
            for row in try Row.fetchAll(db, sql: sql) {
                let decidedAt: Int64? = row["decided_at"]
                if let since, (decidedAt ?? Int64.min) < since { continue }
                let alert = Self.summary(row, decoder)
                let notes = try Row.fetchAll(db, sql: """
                    SELECT analyst, at, note FROM triage_events WHERE alert_id = ? AND note IS NOT NULL ORDER BY id
                    """, arguments: [alert.id]).map { (analyst: $0["analyst"] as String, at: $0["at"] as Int64, text: $0["note"] as String) }
                cases.append(TriagedCase(alert: alert, analyst: row["decider"], decidedAt: decidedAt, notes: notes))
            }
            return cases.sorted { ($0.decidedAt ?? 0, $0.alert.id) < ($1.decidedAt ?? 0, $1.alert.id) }
        }
    }

}
