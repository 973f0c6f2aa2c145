import Foundation
import VigilCore
import GRDB

/// The imports ledger as a whole-file feed import keeps it (an outcomes feed, a list file): the file's earlier
/// complete import of the same content and mapping, a running entry for this one, and, once its rows are in, the
/// rejected rows and the counts that complete it. One transaction does all three, so a feed is in or it is not.
enum FeedLedger {
    /// The latest complete import of the same content, layout and mapping, if any.
    static func previous(_ db: Database, contentHash: String, layout: String, mapping: String) throws -> Int64? {
        try Int64.fetchOne(db, sql: """
            SELECT id FROM imports WHERE content_hash = ? AND layout = ? AND mapping = ? AND status = 'complete'
            ORDER BY id DESC LIMIT 1
            """, arguments: [contentHash, layout, mapping])
    }

    /// A running ledger entry for the file at `path`; its id.
    static func begin(_ db: Database, path: String, contentHash: String, fileSize: Int64, layout: String, mapping: String,
                      startedAt: Int64) throws -> Int64 {
        let url = URL(fileURLWithPath: path)
        try db.execute(sql: """
            INSERT INTO imports (source, file_name, content_hash, file_size, layout, mapping, status, started_at)
            VALUES (?, ?, ?, ?, ?, ?, 'running', ?)
            """, arguments: [url.standardizedFileURL.path, url.lastPathComponent, contentHash, fileSize, layout, mapping,
                             startedAt])
        return db.lastInsertedRowID
    }

    /// Keeps `kept` in `rejected_rows` and marks the entry complete with its counts.
    static func finish(_ db: Database, importID: Int64, kept: some Sequence<Rejection>, rowsRead: Int, imported: Int,
                       rejected: Int, duplicate: Int) throws {
        let masks = try Store.cardNumberPolicy(db) == .tokens
        for r in kept {
            // A feed's rows name cards in full; what the store keeps of a rejected one has them masked.
            let value = masks ? r.value.map { CardNumber.maskingDigitRuns(in: $0) } : r.value
            let raw = masks ? CardNumber.maskingDigitRuns(in: r.raw) : r.raw
            try db.execute(sql: """
                INSERT INTO rejected_rows (import_id, line, column_name, value, reason, raw) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [importID, r.line, r.column, value, r.reason, raw])
        }
        try db.execute(sql: """
            UPDATE imports SET status = 'complete', finished_at = ?, rows_read = ?, rows_imported = ?,
                rows_rejected = ?, rows_duplicate = ? WHERE id = ?
            """, arguments: [Int64(Date().timeIntervalSince1970), rowsRead, imported, rejected, duplicate, importID])
    }
}
