import Foundation
import GRDB
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
    /// Open alerts whose score or reasons the scan changed (their version moves on).
    public var updated = 0
    /// Open alerts the scan raised again exactly as they were: left alone, version and all, so a decision made
    /// against them just before the scan still goes through.
    public var unchanged = 0
    /// Candidates whose alert an analyst has already decided: left exactly as they were.
    public var keptTriaged = 0
    /// Open, untouched alerts (no assignee, no triage event) that the scan no longer raises: removed from the queue.
    /// Each keeps its id, and reopens under it if a later scan raises its transaction again.
    public var withdrawn = 0

    public init() {}
}

extension Store {
    /// Brings the alert queue in line with a scan: candidates become open alerts or update the open alert they
    /// already have; an alert an analyst has triaged (any status but open) is never touched. An open alert the
    /// scan no longer raises is removed only if nobody has worked on it (no assignee, no triage event), so notes
    /// and assignments are never lost. An alert's version moves on only when its score or reasons change, so a
    /// decision made against what the analyst saw is refused only when there is something new to see. An alert id
    /// names its transaction for life (`v12-alerts-ids-for-life`). All in one transaction.
    public func refreshAlerts(_ candidates: [AlertCandidate], at now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> AlertRefresh {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try pool.write { db in
            var refresh = AlertRefresh()
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS scan_alerts (transaction_id INTEGER PRIMARY KEY)")
            try db.execute(sql: "DELETE FROM scan_alerts")
            let status = try db.makeStatement(sql: "SELECT status FROM alerts WHERE transaction_id = ?")
            let insert = try db.makeStatement(sql: "INSERT INTO alerts \(Self.openAlertSQL)")
            // Bit for bit: a score is the same REAL, reasons the same sorted-keys JSON, when nothing changed.
            let update = try db.makeStatement(sql: """
                UPDATE alerts SET score = ?2, reasons = ?3, updated_at = ?4, version = version + 1
                WHERE transaction_id = ?1 AND status = 'open' AND (score IS NOT ?2 OR reasons IS NOT ?3)
                    AND NOT EXISTS (SELECT 1 FROM triage_events e WHERE e.alert_id = alerts.id AND e.action = '\(Self.raisedAction)')
                """)
            let remember = try db.makeStatement(sql: "INSERT OR IGNORE INTO scan_alerts (transaction_id) VALUES (?)")
            for candidate in candidates {
                try remember.execute(arguments: [candidate.transactionID])
                let reasons = String(decoding: try encoder.encode(candidate.reasons), as: UTF8.self)
                switch try String.fetchOne(status, arguments: [candidate.transactionID]) {
                case nil:
                    try insert.execute(arguments: [candidate.transactionID, candidate.score, reasons, now])
                    guard db.changesCount == 1 else {
                        throw DatabaseError(resultCode: .SQLITE_CONSTRAINT_FOREIGNKEY,
                                            message: "no transaction #\(candidate.transactionID) to raise an alert on")
                    }
                    refresh.opened += 1
                case AlertStatus.open.rawValue?:
                    try update.execute(arguments: [candidate.transactionID, candidate.score, reasons, now])
                    if db.changesCount == 1 { refresh.updated += 1 } else { refresh.unchanged += 1 }
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

    /// Opens an alert on transaction ?1 with score ?2, reasons ?3 at time ?4, as `INSERT [OR …] INTO alerts …`: under
    /// the id its transaction was given before (an alert withdrawn by a scan, its version moved on past the one it
    /// had), else under an id above every id ever given, so no id ever names a second transaction (the triggers
    /// of `v12-alerts-ids-for-life` refuse it). The transaction's sort columns are copied into the alert
    /// (`v6-alert-sort-columns`). Scans and live scoring open alerts through this alone.
    static let openAlertSQL = """
        (id, transaction_id, score, reasons, status, created_at, updated_at, version,
         instant, client_id, amount_minor, merchant, category)
        SELECT coalesce(r.id, (SELECT coalesce(max(id), 0) + 1 FROM alert_ids)), ?1, ?2, ?3, 'open', ?4, ?4,
               coalesce(r.version + 1, 1), t.instant, t.client_id, t.amount_minor, t.merchant, t.category
        FROM transactions t LEFT JOIN alert_ids r ON r.transaction_id = t.id WHERE t.id = ?1
        """

    /// The queue, highest score first, with each alert's transaction: alerts of one status (open by default), or
    /// of every status when `status` is nil; only the client `clientID`'s when given (a card may be named by its full
    /// number).
    public func alerts(limit: Int = 100, status: AlertStatus? = .open, clientID: String? = nil) throws -> [AlertSummary] {
        try pool.read { db in
            var clauses: [String] = []
            var arguments = StatementArguments()
            if let status {
                clauses.append("a.status = ?")
                arguments += [status.rawValue]
            }
            if let clientID {
                clauses.append("a.client_id = ?")
                arguments += [try Self.storedClientID(clientID, key: key, db)]
            }
            arguments += [limit]
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let sql = "\(Self.summaryColumns) \(filter) ORDER BY a.score DESC, a.id LIMIT ?"
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
