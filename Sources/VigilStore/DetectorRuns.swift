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

/// How a run's scores are kept.
public enum ScoreStorage: Sendable {
    /// One row of `scores` per scored transaction, each with its reason: rules, which flag few transactions.
    case rows
    /// Every transaction's score in blocks of ascending ids (`score_blocks`): models and the ensemble.
    case blocks
}

#if _endian(big)
#error("score blocks are stored little-endian; this code writes them with the machine's byte order")
#endif

extension Store {
    /// Transactions per row of `score_blocks`.
    static let scoreBlockSize = 65_536

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
    ///
    /// With `.blocks` storage (models, the ensemble: a score for every transaction, no reasons) the scores are
    /// written as blocks of `scoreBlockSize` ascending ids.
    public func finishDetectorRun(_ runID: Int64, transactionIDs: [Int64], scores: [Double], reasons: [String]? = nil,
                                  transactionsScored: Int? = nil, flagged: Int, timings: String,
                                  storage: ScoreStorage = .rows) throws {
        precondition(transactionIDs.count == scores.count, "one score per transaction")
        precondition(reasons == nil || reasons!.count == scores.count, "one reason per score")
        precondition(storage == .rows || reasons == nil, "score blocks carry no reasons")
        // In id order, so the (run, transaction) key grows and every insert appends.
        let order = transactionIDs.indices.sorted { transactionIDs[$0] < transactionIDs[$1] }
        if storage == .blocks {
            try pool.write { db in
                let statement = try db.makeStatement(sql: "INSERT INTO score_blocks (run_id, first_id, count, ids, scores) VALUES (?, ?, ?, ?, ?)")
                defer { withExtendedLifetime(statement) {} }
                let s = statement.sqliteStatement
                var start = 0
                var ids: [Int64] = []
                var values: [Double] = []
                while start < order.count {
                    let block = order[start..<min(start + Self.scoreBlockSize, order.count)]
                    start = block.endIndex
                    ids.removeAll(keepingCapacity: true)
                    values.removeAll(keepingCapacity: true)
                    for index in block {
                        ids.append(transactionIDs[index])
                        values.append(scores[index])
                    }
                    sqlite3_reset(s)
                    sqlite3_bind_int64(s, 1, runID)
                    sqlite3_bind_int64(s, 2, ids[0])
                    sqlite3_bind_int64(s, 3, Int64(ids.count))
                    ids.withUnsafeBytes { _ = sqlite3_bind_blob(s, 4, $0.baseAddress, Int32($0.count), sqliteTransient) }
                    values.withUnsafeBytes { _ = sqlite3_bind_blob(s, 5, $0.baseAddress, Int32($0.count), sqliteTransient) }
                    let code = sqlite3_step(s)
                    guard code == SQLITE_DONE else { throw db.stepError(code, sql: statement.sql) }
                }
                try Self.completeRun(db, runID, scored: transactionsScored ?? scores.count, flagged: flagged, timings: timings)
            }
            return
        }
        try pool.write { db in
            try Self.insertScoreRows(db, runID, order: order, transactionIDs: transactionIDs, scores: scores, reasons: reasons)
            try Self.completeRun(db, runID, scored: transactionsScored ?? scores.count, flagged: flagged, timings: timings)
        }
    }

    private static func insertScoreRows(_ db: Database, _ runID: Int64, order: [Int], transactionIDs: [Int64], scores: [Double],
                                        reasons: [String]?) throws {
            let statement = try db.makeStatement(sql: "INSERT INTO scores (run_id, transaction_id, score, reasons) VALUES (?, ?, ?, ?)")
            defer { withExtendedLifetime(statement) {} }
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
    }

    private static func completeRun(_ db: Database, _ runID: Int64, scored: Int, flagged: Int, timings: String) throws {
        try db.execute(sql: """
            UPDATE detector_runs SET status = 'complete', finished_at = ?, transactions_scored = ?, flagged = ?, timings = ?
            WHERE id = ?
            """, arguments: [Int64(Date().timeIntervalSince1970), scored, flagged, timings, runID])
    }

    /// A run's stored scores in transaction id order, from blocks or rows, whichever it was written as.
    /// Transactions a rule did not flag have no stored score (they scored 0).
    public func runScores(runID: Int64) throws -> (ids: [Int64], scores: [Double]) {
        try pool.read { db in try Self.runScores(db, runID) }
    }

    static func runScores(_ db: Database, _ runID: Int64) throws -> (ids: [Int64], scores: [Double]) {
        var ids: [Int64] = []
        var scores: [Double] = []
        let blocks = try db.makeStatement(sql: "SELECT count, ids, scores FROM score_blocks WHERE run_id = ? ORDER BY first_id")
        defer { withExtendedLifetime(blocks) {} }
        let b = blocks.sqliteStatement
        sqlite3_bind_int64(b, 1, runID)
        var code = sqlite3_step(b)
        while code == SQLITE_ROW {
            let count = Int(sqlite3_column_int64(b, 0))
            guard sqlite3_column_bytes(b, 1) == Int32(8 * count), sqlite3_column_bytes(b, 2) == Int32(8 * count),
                  let idBytes = sqlite3_column_blob(b, 1), let scoreBytes = sqlite3_column_blob(b, 2) else {
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "score block of run \(runID) has the wrong size")
            }
            // Copied byte for byte: SQLite's blob need not be aligned for Int64 or Double.
            let base = ids.count
            ids.append(contentsOf: repeatElement(0, count: count))
            scores.append(contentsOf: repeatElement(0, count: count))
            ids.withUnsafeMutableBytes { _ = memcpy($0.baseAddress! + 8 * base, idBytes, 8 * count) }
            scores.withUnsafeMutableBytes { _ = memcpy($0.baseAddress! + 8 * base, scoreBytes, 8 * count) }
            code = sqlite3_step(b)
        }
        guard code == SQLITE_DONE else { throw db.stepError(code, sql: blocks.sql) }
        if !ids.isEmpty { return (ids, scores) }
        let rows = try db.makeStatement(sql: "SELECT transaction_id, score FROM scores WHERE run_id = ? ORDER BY transaction_id")
        defer { withExtendedLifetime(rows) {} }
        let r = rows.sqliteStatement
        sqlite3_bind_int64(r, 1, runID)
        code = sqlite3_step(r)
        while code == SQLITE_ROW {
            ids.append(sqlite3_column_int64(r, 0))
            scores.append(sqlite3_column_double(r, 1))
            code = sqlite3_step(r)
        }
        guard code == SQLITE_DONE else { throw db.stepError(code, sql: rows.sql) }
        return (ids, scores)
    }

    /// Calls `body` with each transaction selected by `sql` (which must yield `id` first, ordered by id, then
    /// one more column) and the run's score for it, 0 where none is stored.
    private static func joinScores(_ db: Database, runID: Int64, sql: String,
                                   _ body: (_ score: Double, _ statement: OpaquePointer) -> Void) throws {
        let (ids, scores) = try runScores(db, runID)
        let statement = try db.makeStatement(sql: sql)
        defer { withExtendedLifetime(statement) {} }
        let s = statement.sqliteStatement
        var next = 0
        var code = sqlite3_step(s)
        while code == SQLITE_ROW {
            let id = sqlite3_column_int64(s, 0)
            while next < ids.count && ids[next] < id { next += 1 }
            body(next < ids.count && ids[next] == id ? scores[next] : 0, s)
            code = sqlite3_step(s)
        }
        guard code == SQLITE_DONE else { throw db.stepError(code, sql: statement.sql) }
    }

    /// Complete runs kept per detector by `pruneDetectorRuns`.
    public static let runsKeptPerDetector = 3

    /// Deletes each detector's runs but its newest `keeping` complete ones, with their scores, and every run
    /// that never completed (failed, or left running by a scan that was killed) unless it is newer than them.
    /// Returns how many runs went. A scan stores a score for every transaction for each model and for the
    /// ensemble, so without this a store scanned daily would grow by hundreds of megabytes a day.
    @discardableResult
    public func pruneDetectorRuns(keeping: Int = Store.runsKeptPerDetector) throws -> Int {
        try pool.write { db in
            var doomed: [Int64] = []
            var kept: [String: [Int64]] = [:]
            // Newest first: a detector's first `keeping` complete runs stay; older complete runs go, and so does a
            // run that never completed once a complete run newer than it is kept. A newer unfinished run may be a
            // scan still going, and stays.
            let runs = try Row.fetchAll(db, sql: "SELECT id, detector, status FROM detector_runs ORDER BY id DESC")
            for run in runs {
                let id: Int64 = run["id"]
                let detector: String = run["detector"]
                if run["status"] as String == "complete" {
                    if kept[detector, default: []].count < keeping { kept[detector, default: []].append(id) } else { doomed.append(id) }
                } else if !(kept[detector] ?? []).isEmpty {
                    doomed.append(id)
                }
            }
            for id in doomed { try db.execute(sql: "DELETE FROM detector_runs WHERE id = ?", arguments: [id]) }
            return doomed.count
        }
    }

    /// Marks a run that stopped without scores.
    public func failDetectorRun(_ runID: Int64) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE detector_runs SET status = 'failed', finished_at = ? WHERE id = ?",
                           arguments: [Int64(Date().timeIntervalSince1970), runID])
        }
    }

    /// Marks runs that a cancelled scan began as 'cancelled' and deletes whatever scores they had written, in one
    /// transaction, complete runs included: the newest complete run of each detector is then again the one the last
    /// whole scan wrote, so evaluation and the alert queue's reasons stay consistent with each other.
    public func cancelDetectorRuns(_ runIDs: [Int64]) throws {
        guard !runIDs.isEmpty else { return }
        try pool.write { db in
            let now = Int64(Date().timeIntervalSince1970)
            for id in runIDs {
                try db.execute(sql: "DELETE FROM score_blocks WHERE run_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM scores WHERE run_id = ?", arguments: [id])
                try db.execute(sql: "UPDATE detector_runs SET status = 'cancelled', finished_at = ? WHERE id = ?",
                               arguments: [now, id])
            }
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
            var scores: [Double] = []
            var labels: [Bool] = []
            try Self.joinScores(db, runID: runID, sql: "SELECT id, label FROM transactions WHERE label IS NOT NULL ORDER BY id") { score, s in
                scores.append(score)
                labels.append(sqlite3_column_int64(s, 1) == 1)
            }
            return (scores, labels)
        }
    }

    /// Per kind of labelled anomaly (`label_kind`, which demo data carries): how many transactions of that kind there
    /// are, and how many of them the run scored above `threshold`.
    public func recallByKind(runID: Int64, threshold: Double) throws -> [String: (total: Int, found: Int)] {
        try pool.read { db in
            var result: [String: (total: Int, found: Int)] = [:]
            try Self.joinScores(db, runID: runID,
                                sql: "SELECT id, label_kind FROM transactions WHERE label_kind IS NOT NULL ORDER BY id") { score, s in
                let kind = String(cString: sqlite3_column_text(s, 1))
                result[kind, default: (0, 0)].total += 1
                if score > threshold { result[kind, default: (0, 0)].found += 1 }
            }
            return result
        }
    }
}
