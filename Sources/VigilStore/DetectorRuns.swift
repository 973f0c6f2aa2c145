import Foundation
import GRDB

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
                let statement = try RawStatement(db, sql: "INSERT INTO score_blocks (run_id, first_id, count, ids, scores) VALUES (?, ?, ?, ?, ?)")
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
                    statement.reset()
                    statement.bind(runID, at: 1)
                    statement.bind(ids[0], at: 2)
                    statement.bind(Int64(ids.count), at: 3)
                    ids.withUnsafeBytes { statement.bindBlob(copying: $0, at: 4) }
                    values.withUnsafeBytes { statement.bindBlob(copying: $0, at: 5) }
                    try statement.execute()
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
        let statement = try RawStatement(db, sql: "INSERT INTO scores (run_id, transaction_id, score, reasons) VALUES (?, ?, ?, ?)")
        for index in order {
            statement.reset()
            statement.bind(runID, at: 1)
            statement.bind(transactionIDs[index], at: 2)
            statement.bind(scores[index], at: 3)
            if let reasons { statement.bindText(copying: reasons[index], at: 4) } else { statement.bindNull(at: 4) }
            try statement.execute()
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
        let blocks = try RawStatement(db, sql: "SELECT count, ids, scores FROM score_blocks WHERE run_id = ? ORDER BY first_id")
        blocks.bind(runID, at: 1)
        while try blocks.step() {
            let count = Int(blocks.int64(0))
            guard blocks.byteCount(1) == 8 * count, blocks.byteCount(2) == 8 * count,
                  let idBytes = blocks.blob(1), let scoreBytes = blocks.blob(2) else {
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "score block of run \(runID) has the wrong size")
            }
            // Copied byte for byte: SQLite's blob need not be aligned for Int64 or Double.
            let base = ids.count
            ids.append(contentsOf: repeatElement(0, count: count))
            scores.append(contentsOf: repeatElement(0, count: count))
            ids.withUnsafeMutableBytes { _ = memcpy($0.baseAddress! + 8 * base, idBytes, 8 * count) }
            scores.withUnsafeMutableBytes { _ = memcpy($0.baseAddress! + 8 * base, scoreBytes, 8 * count) }
        }
        if !ids.isEmpty { return (ids, scores) }
        let rows = try RawStatement(db, sql: "SELECT transaction_id, score FROM scores WHERE run_id = ? ORDER BY transaction_id")
        rows.bind(runID, at: 1)
        while try rows.step() {
            ids.append(rows.int64(0))
            scores.append(rows.double(1))
        }
        return (ids, scores)
    }

    /// Calls `body` with each transaction selected by `sql` (which must yield `id` first, ordered by id, then
    /// one more column) and the run's score for it, 0 where none is stored.
    private static func joinScores(_ db: Database, runID: Int64, sql: String,
                                   _ body: (_ score: Double, _ row: RawStatement) -> Void) throws {
        let (ids, scores) = try runScores(db, runID)
        let statement = try RawStatement(db, sql: sql)
        var next = 0
        while try statement.step() {
            let id = statement.int64(0)
            while next < ids.count && ids[next] < id { next += 1 }
            body(next < ids.count && ids[next] == id ? scores[next] : 0, statement)
        }
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
        let labelled = try labelledScoresAndKinds(runID: runID)
        return (labelled.scores, labelled.labels)
    }

    /// Labelled transactions in id order: the run's score for each (0 where none is stored), its label and its
    /// `label_kind` (nil where it has none), read together so that the three line up.
    public func labelledScoresAndKinds(runID: Int64) throws -> (scores: [Double], labels: [Bool], kinds: [String?]) {
        try pool.read { db in
            var scores: [Double] = [], labels: [Bool] = [], kinds: [String?] = []
            try Self.joinScores(db, runID: runID,
                                sql: "SELECT id, label, label_kind FROM transactions WHERE label IS NOT NULL ORDER BY id") { score, s in
                scores.append(score)
                labels.append(s.int64(1) == 1)
                kinds.append(s.isNull(2) ? nil : s.string(2))
            }
            return (scores, labels, kinds)
        }
    }

    /// The same labelled transactions as `labelledScoresAndKinds`, scored by nothing but their amount (minor units,
    /// whatever the currency): the baseline every detector must beat.
    public func labelledAmounts() throws -> (scores: [Double], labels: [Bool], kinds: [String?]) {
        try pool.read { db in
            var scores: [Double] = [], labels: [Bool] = [], kinds: [String?] = []
            let s = try RawStatement(db, sql: "SELECT amount_minor, label, label_kind FROM transactions WHERE label IS NOT NULL ORDER BY id")
            while try s.step() {
                scores.append(Double(s.int64(0)))
                labels.append(s.int64(1) == 1)
                kinds.append(s.isNull(2) ? nil : s.string(2))
            }
            return (scores, labels, kinds)
        }
    }

    /// Per kind of labelled anomaly (`label_kind`, which demo data carries): how many transactions of that kind there
    /// are, and how many of them the run scored above `threshold`.
    public func recallByKind(runID: Int64, threshold: Double) throws -> [String: (total: Int, found: Int)] {
        try pool.read { db in
            var result: [String: (total: Int, found: Int)] = [:]
            try Self.joinScores(db, runID: runID,
                                sql: "SELECT id, label_kind FROM transactions WHERE label_kind IS NOT NULL ORDER BY id") { score, s in
                let kind = s.string(1)
                result[kind, default: (0, 0)].total += 1
                if score > threshold { result[kind, default: (0, 0)].found += 1 }
            }
            return result
        }
    }
}

