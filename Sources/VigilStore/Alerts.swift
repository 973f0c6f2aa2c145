import Foundation
import GRDB
import GRDBSQLite
import VigilCore

/// A transaction the latest scan puts in the alert queue.
public struct AlertCandidate: Sendable, Equatable {
    public var transactionID: Int64
    public var score: Double
    public var reasons: [AlertReason]

    public init(transactionID: Int64, score: Double, reasons: [AlertReason]) {
        self.transactionID = transactionID
        self.score = score
        self.reasons = reasons
    }
}

/// What refreshing the queue did.
public struct AlertRefresh: Sendable, Equatable {
    /// New alerts.
    public var opened = 0
    /// Open alerts whose score and reasons the scan rewrote.
    public var updated = 0
    /// Candidates whose alert an analyst has already decided: left exactly as they were.
    public var keptTriaged = 0
    /// Open, untouched alerts (no assignee, no triage event) that the scan no longer raises: removed.
    public var withdrawn = 0

    public init() {}
}

extension Store {
    /// Brings the alert queue in line with a scan: candidates become open alerts or update the open alert they
    /// already have; an alert an analyst has triaged (any status but open) is never touched. An open alert the
    /// scan no longer raises is removed only if nobody has worked on it (no assignee, no triage event), so notes
    /// and assignments are never lost. All in one transaction.
    public func refreshAlerts(_ candidates: [AlertCandidate], at now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> AlertRefresh {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try pool.write { db in
            var refresh = AlertRefresh()
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS scan_alerts (transaction_id INTEGER PRIMARY KEY)")
            try db.execute(sql: "DELETE FROM scan_alerts")
            let status = try db.makeStatement(sql: "SELECT status FROM alerts WHERE transaction_id = ?")
            // The transaction's sort columns are copied into the alert as it opens (`v6-alert-sort-columns`).
            let insert = try db.makeStatement(sql: """
                INSERT INTO alerts (transaction_id, score, reasons, status, created_at, updated_at,
                                    instant, client_id, amount_minor, merchant, category)
                SELECT ?1, ?2, ?3, 'open', ?4, ?5, t.instant, t.client_id, t.amount_minor, t.merchant, t.category
                FROM transactions t WHERE t.id = ?1
                """)
            let update = try db.makeStatement(sql: """
                UPDATE alerts SET score = ?, reasons = ?, updated_at = ?, version = version + 1
                WHERE transaction_id = ? AND status = 'open'
                """)
            let remember = try db.makeStatement(sql: "INSERT OR IGNORE INTO scan_alerts (transaction_id) VALUES (?)")
            for candidate in candidates {
                try remember.execute(arguments: [candidate.transactionID])
                let reasons = String(decoding: try encoder.encode(candidate.reasons), as: UTF8.self)
                switch try String.fetchOne(status, arguments: [candidate.transactionID]) {
                case nil:
                    try insert.execute(arguments: [candidate.transactionID, candidate.score, reasons, now, now])
                    guard db.changesCount == 1 else {
                        throw DatabaseError(resultCode: .SQLITE_CONSTRAINT_FOREIGNKEY,
                                            message: "no transaction #\(candidate.transactionID) to raise an alert on")
                    }
                    refresh.opened += 1
                case AlertStatus.open.rawValue?:
                    try update.execute(arguments: [candidate.score, reasons, now, candidate.transactionID])
                    refresh.updated += 1
                default:
                    refresh.keptTriaged += 1
                }
            }
            try db.execute(sql: """
                DELETE FROM alerts WHERE status = 'open' AND assignee IS NULL
                    AND transaction_id NOT IN (SELECT transaction_id FROM scan_alerts)
                    AND NOT EXISTS (SELECT 1 FROM triage_events e WHERE e.alert_id = alerts.id)
                """)
            refresh.withdrawn = db.changesCount
            try db.execute(sql: "DELETE FROM scan_alerts")
            return refresh
        }
    }

    /// The queue, highest score first, with each alert's transaction: alerts of one status (open by default), or
    /// of every status when `status` is nil.
    public func alerts(limit: Int = 100, status: AlertStatus? = .open) throws -> [AlertSummary] {
        try pool.read { db in
            let filter = status == nil ? "" : "WHERE a.status = ?"
            let sql = "\(Self.summaryColumns) \(filter) ORDER BY a.score DESC, a.id LIMIT ?"
            let arguments: StatementArguments = status.map { [$0.rawValue, limit] } ?? [limit]
            let decoder = JSONDecoder()
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { Self.summary($0, decoder) }
        }
    }

    static let summaryColumns = """
        SELECT a.id, a.transaction_id, t.client_id, t.instant, t.amount_minor, t.currency, t.merchant, t.category,
               a.score, a.reasons, a.status, a.assignee, a.updated_at, a.version
        FROM alerts a JOIN transactions t ON t.id = a.transaction_id
        """

    static func summary(_ row: Row, _ decoder: JSONDecoder) -> AlertSummary {
        let reasonsJSON: String = row["reasons"]
        let reasons = (try? decoder.decode([AlertReason].self, from: Data(reasonsJSON.utf8))) ?? []
        return AlertSummary(
            id: row["id"], transactionID: row["transaction_id"], clientID: row["client_id"], instant: row["instant"],
            amountMinor: row["amount_minor"], currency: row["currency"], merchant: row["merchant"],
            category: row["category"], score: row["score"], reasons: reasons, status: row["status"],
            assignee: row["assignee"], updatedAt: row["updated_at"], version: row["version"])
    }

    /// Alerts per status.
    public func alertCounts() throws -> [String: Int] {
        try pool.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM alerts GROUP BY status") {
                counts[row["status"]] = row["n"]
            }
            return counts
        }
    }
}
