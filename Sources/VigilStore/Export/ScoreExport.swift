import Foundation
import GRDB

/// One column of the scores export: a detector's newest complete run.
public struct ScoreSource: Sendable, Hashable {
    public var detector: String
    public var runID: Int64
    /// Whether the run stored a score for every transaction it scored (models, the ensemble: `ScoreStorage.blocks`);
    /// a sparse run (a rule) stored scores only for what it flagged, and scored 0 elsewhere.
    public var isDense: Bool
}

/// A transaction as the scores export streams it, valid only during the call it is handed to.
public struct ScoreExportRow {
    public var transactionID: Int64
    /// The transaction's id in its source (`source_key`), as stored.
    public var sourceKey: UnsafeBufferPointer<UInt8>
    /// One score per source, in the order asked for; NaN where the transaction has none (it came after the run).
    public var scores: UnsafeBufferPointer<Double>
}

extension Store {
    /// Each detector's newest complete run, in no particular order: whatever detectors the store's scans ran.
    public func latestCompleteRuns() throws -> [ScoreSource] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT r.detector, r.id, EXISTS (SELECT 1 FROM score_blocks b WHERE b.run_id = r.id) AS dense
                FROM detector_runs r
                WHERE r.status = 'complete'
                  AND r.id = (SELECT MAX(id) FROM detector_runs s WHERE s.detector = r.detector AND s.status = 'complete')
                """).map { ScoreSource(detector: $0["detector"], runID: $0["id"], isDense: $0["dense"]) }
        }
    }

    /// Calls `body` with every transaction, in id order, and its score in each of `sources`, reading one score block
    /// (or one rule's row) at a time beside the transactions, so memory stays flat however many there are. All in one
    /// read transaction: a scan finishing meanwhile changes nothing that is read.
    ///
    /// A sparse run's missing score is 0 when the transaction was scored at all (a dense source has a score for it,
    /// or there is no dense source), and NaN otherwise, like a dense run's: a transaction stored after the scan has
    /// no scores, rather than zeros that would pass for "looked at and found nothing".
    public func streamScores(_ sources: [ScoreSource], _ body: (ScoreExportRow) throws -> Void) throws {
        try pool.read { db in
            var cursors = try sources.map { try ScoreCursor(db, $0) }
            let hasDense = sources.contains(where: \.isDense)
            var scores = [Double](repeating: .nan, count: sources.count)
            let transactions = try RawStatement(db, sql: "SELECT id, source_key FROM transactions ORDER BY id")
            while try transactions.step() {
                let id = transactions.int64(0)
                var scored = !hasDense
                for index in cursors.indices where cursors[index].isDense {
                    scores[index] = try cursors[index].score(of: id)
                    if !scores[index].isNaN { scored = true }
                }
                for index in cursors.indices where !cursors[index].isDense {
                    let score = try cursors[index].score(of: id)
                    scores[index] = score.isNaN ? (scored ? 0 : .nan) : score
                }
                let key = UnsafeBufferPointer(start: transactions.text(1), count: transactions.byteCount(1))
                try scores.withUnsafeBufferPointer { values in
                    try body(ScoreExportRow(transactionID: id, sourceKey: key, scores: values))
                }
            }
        }
    }
}

/// One run's scores read in transaction id order, a block (or a row) at a time.
private struct ScoreCursor {
    let isDense: Bool
    private let statement: RawStatement
    private var ids: [Int64] = []
    private var values: [Double] = []
    private var next = 0
    private var exhausted = false

    init(_ db: Database, _ source: ScoreSource) throws {
        isDense = source.isDense
        statement = try RawStatement(db, sql: source.isDense
            ? "SELECT count, ids, scores FROM score_blocks WHERE run_id = ? ORDER BY first_id"
            : "SELECT transaction_id, score FROM scores WHERE run_id = ? ORDER BY transaction_id")
        statement.bind(source.runID, at: 1)
    }

    /// The run's score for transaction `id`, NaN when it has none. Ids must come in ascending order.
    mutating func score(of id: Int64) throws -> Double {
        while true {
            while next < ids.count && ids[next] < id { next += 1 }
            if next < ids.count { return ids[next] == id ? values[next] : .nan }
            guard !exhausted, try load() else { return .nan }
        }
    }

    /// Reads the next block (or rule row) into `ids` and `values`; false at the end.
    private mutating func load() throws -> Bool {
        guard try statement.step() else {
            exhausted = true
            return false
        }
        next = 0
        ids.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
        guard isDense else {
            ids.append(statement.int64(0))
            values.append(statement.double(1))
            return true
        }
        let count = Int(statement.int64(0))
        guard statement.byteCount(1) == 8 * count, statement.byteCount(2) == 8 * count,
              let idBytes = statement.blob(1), let scoreBytes = statement.blob(2) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "a score block has the wrong size")
        }
        // Copied byte for byte: SQLite's blob need not be aligned for Int64 or Double.
        ids.append(contentsOf: repeatElement(0, count: count))
        values.append(contentsOf: repeatElement(0, count: count))
        ids.withUnsafeMutableBytes { _ = memcpy($0.baseAddress!, idBytes, 8 * count) }
        values.withUnsafeMutableBytes { _ = memcpy($0.baseAddress!, scoreBytes, 8 * count) }
        return true
    }
}
