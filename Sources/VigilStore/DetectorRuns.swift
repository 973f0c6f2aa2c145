import Foundation
import GRDB
import GRDBSQLite

/// One run of one detector over the store, as `vigil scan` records it.
public struct DetectorRun: Sendable, Equatable {
    public var id: Int64
    public var detector: String
    /// The detector's settings as JSON.
    public var parameters: String
    public var seed: Int64?
    public var status: String
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var transactionsScored: Int
    public var flagged: Int
    /// Seconds per stage as JSON (features, fit, score, write).
    public var timings: String
}

extension Store {
    /// Records the start of a detector run and returns its id; its scores follow with `finishDetectorRun`.
    public func beginDetectorRun(detector: String, parameters: String, seed: Int64?) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO detector_runs (detector, parameters, seed, status, started_at) VALUES (?, ?, ?, 'running', ?)
                """, arguments: [detector, parameters, seed, Int64(Date().timeIntervalSince1970)])
            return db.lastInsertedRowID
        }
    }

    /// Writes a run's scores (one per transaction id) and marks it complete, in one transaction: a run is either
    /// whole in the store or still 'running' with no scores.
    ///
    /// A rule scores only what it flags: it passes those transactions with a reason each, and `transactionsScored`
    /// says how many it looked at; a transaction without a stored score scored 0.
    public func finishDetectorRun(_ runID: Int64, transactionIDs: [Int64], scores: [Double], reasons: [String]? = nil,
                                  transactionsScored: Int? = nil, flagged: Int, timings: String) throws {
        precondition(transactionIDs.count == scores.count, "one score per transaction")
        precondition(reasons == nil || reasons!.count == scores.count, "one reason per score")
        // In id order, so the (run, transaction) key grows and every insert appends.
        let order = transactionIDs.indices.sorted { transactionIDs[$0] < transactionIDs[$1] }
        try pool.write { db in
            let statement = try db.makeStatement(sql: "INSERT INTO scores (run_id, transaction_id, score, reasons) VALUES (?, ?, ?, ?)")
            let s = statement.sqliteStatement
            for index in order {
                let (id, score) = (transactionIDs[index], scores[index])
                sqlite3_reset(s)
                sqlite3_bind_int64(s, 1, runID)
                sqlite3_bind_int64(s, 2, id)
                sqlite3_bind_double(s, 3, score)
                if let reasons {
                    _ = sqlite3_bind_text(s, 4, reasons[index], -1, sqliteTransient)
                } else {
                    sqlite3_bind_null(s, 4)
                }
                let code = sqlite3_step(s)
                guard code == SQLITE_DONE else { throw db.stepError(code, sql: statement.sql) }
            }
            try db.execute(sql: """
                UPDATE detector_runs SET status = 'complete', finished_at = ?, transactions_scored = ?, flagged = ?, timings = ?
                WHERE id = ?
                """, arguments: [Int64(Date().timeIntervalSince1970), transactionsScored ?? scores.count, flagged, timings, runID])
        }
    }

    /// Marks a run that stopped without scores.
    public func failDetectorRun(_ runID: Int64) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE detector_runs SET status = 'failed', finished_at = ? WHERE id = ?",
                           arguments: [Int64(Date().timeIntervalSince1970), runID])
        }
    }

    /// Detector runs, newest first.
    public func detectorRuns() throws -> [DetectorRun] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM detector_runs ORDER BY id DESC").map { row in
                DetectorRun(id: row["id"], detector: row["detector"], parameters: row["parameters"], seed: row["seed"],
                            status: row["status"], startedAt: row["started_at"], finishedAt: row["finished_at"],
                            transactionsScored: row["transactions_scored"], flagged: row["flagged"], timings: row["timings"])
            }
        }
    }

    /// A run's scores beside each scored transaction's ground truth, for labelled transactions only
    /// (in transaction id order).
    public func labelledScores(runID: Int64) throws -> (scores: [Double], labels: [Bool]) {
        try pool.read { db in
            let statement = try db.makeStatement(sql: """
                SELECT coalesce(s.score, 0), t.label FROM transactions t
                LEFT JOIN scores s ON s.run_id = ?1 AND s.transaction_id = t.id
                WHERE t.label IS NOT NULL ORDER BY t.id
                """)
            let s = statement.sqliteStatement
            sqlite3_bind_int64(s, 1, runID)
            var scores: [Double] = []
            var labels: [Bool] = []
            var code = sqlite3_step(s)
            while code == SQLITE_ROW {
                scores.append(sqlite3_column_double(s, 0))
                labels.append(sqlite3_column_int64(s, 1) == 1)
                code = sqlite3_step(s)
            }
            guard code == SQLITE_DONE else { throw db.stepError(code, sql: statement.sql) }
            return (scores, labels)
        }
    }

    /// Per kind of labelled anomaly (`label_kind`, which demo data carries): how many transactions of that kind there
    /// are, and how many of them the run scored above `threshold`.
    public func recallByKind(runID: Int64, threshold: Double) throws -> [String: (total: Int, found: Int)] {
        try pool.read { db in
            var result: [String: (total: Int, found: Int)] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT t.label_kind AS kind, COUNT(*) AS total, SUM(coalesce(s.score, 0) > ?2) AS found FROM transactions t
                LEFT JOIN scores s ON s.run_id = ?1 AND s.transaction_id = t.id
                WHERE t.label_kind IS NOT NULL GROUP BY t.label_kind
                """, arguments: [runID, threshold]) {
                result[row["kind"]] = (row["total"], row["found"])
            }
            return result
        }
    }
}
