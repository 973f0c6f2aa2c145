import Foundation
import GRDB
import VigilCore

extension Store {
    /// Appends generated transactions (the demo) as one import whose identity is `identity` (say, the
    /// generator's settings): generating the same data into the same store twice adds nothing.
    /// `generate` calls its sink with batches; each batch commits atomically with the import's counters.
    public func appendGenerated(
        name: String, identity: String, batchSize: Int = 20_000,
        generate: (_ sink: ([Transaction]) throws -> Void) throws -> Void
    ) throws -> ImportSummary {
        let started = Date()
        let hash = Digest.sha256Hex(Data(identity.utf8))
        if let previous = try pool.read({ db in
            try Int64.fetchOne(db, sql: "SELECT id FROM imports WHERE content_hash = ? AND status = 'complete'", arguments: [hash])
        }) {
            return ImportSummary(file: name, importID: previous, layout: "demo", mapping: identity, rowsRead: 0, imported: 0,
                                 rejected: 0, duplicate: 0, alreadyImportedAs: previous, resumedAfterRows: nil,
                                 seconds: Date().timeIntervalSince(started), rejections: [])
        }
        let existing = try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, rows_read, rows_imported, rows_duplicate FROM imports WHERE content_hash = ?", arguments: [hash])
        }
        var counts = (read: 0, imported: 0, duplicate: 0)
        let importID: Int64
        if let existing {
            // An interrupted run: regenerate and let source keys skip what is already stored.
            importID = existing["id"]
            try pool.write { db in
                try db.execute(sql: "UPDATE imports SET rows_read = 0, rows_imported = 0, rows_duplicate = 0 WHERE id = ?", arguments: [importID])
            }
        } else {
            importID = try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO imports (source, file_name, content_hash, file_size, layout, mapping, status, started_at)
                    VALUES (?, ?, ?, 0, 'demo', ?, 'running', ?)
                    """, arguments: [name, name, hash, identity, Int64(started.timeIntervalSince1970)])
                return db.lastInsertedRowID
            }
        }
        var writer = TransactionWriter(importID: importID)
        // Generators hand over small batches (a day at a time); commit in import-sized ones, holding the
        // batches as they came rather than copying every transaction into one array.
        var pending: [[Transaction]] = []
        var pendingRows = 0
        func commit(last: Bool = false) throws {
            try pool.write { db in
                try writer.beginBatch(db)
                for batch in pending {
                    for (transaction, outcome) in zip(batch, try writer.insert(batch, db)) {
                        counts.read += 1
                        switch outcome {
                        case .inserted: counts.imported += 1
                        case .duplicate: counts.duplicate += 1
                        case .identityCollision(let existing):
                            throw StoreError.identityCollision(key: transaction.sourceKey, existingKey: existing)
                        }
                    }
                }
                try writer.finishBatch(db, last: last)
                try db.execute(sql: "UPDATE imports SET rows_read = ?, rows_imported = ?, rows_duplicate = ? WHERE id = ?",
                               arguments: [counts.read, counts.imported, counts.duplicate, importID])
            }
            pending.removeAll(keepingCapacity: true)
            pendingRows = 0
        }
        // Generated keys are unique by construction: into an empty store they load without per-row identity
        // checks, and the unique index built at the end would refuse a repeated key.
        var loadedUnchecked = false
        do {
            try withBulkWriting(identityIsUnique: existing == nil) { load in
                loadedUnchecked = load.uncheckedIdentity
                writer = TransactionWriter(importID: importID, checksIdentity: !load.uncheckedIdentity,
                                           holdsClients: isBuilding && load.intoEmptyStore)
                try generate { batch in
                    pending.append(batch)
                    pendingRows += batch.count
                    if pendingRows >= batchSize { try commit() }
                }
                try commit(last: true)
            }
        } catch StoreError.repeatedKeysInNewStore where loadedUnchecked {
            // The generator repeated a key (a bug, never seen): undo this load, which had the store to itself.
            try pool.write { db in
                try db.execute(sql: "DELETE FROM transactions WHERE import_id = ?", arguments: [importID])
                try db.execute(sql: "DELETE FROM clients")
                try db.execute(sql: "DELETE FROM imports WHERE id = ?", arguments: [importID])
                try Schema.ensureIndexes(db)
            }
            throw StoreError.repeatedGeneratedKeys(name: name)
        }
        try pool.write { db in
            try db.execute(sql: "UPDATE imports SET status = 'complete', finished_at = ? WHERE id = ?",
                           arguments: [Int64(Date().timeIntervalSince1970), importID])
        }
        return ImportSummary(file: name, importID: importID, layout: "demo", mapping: identity, rowsRead: counts.read,
                             imported: counts.imported, rejected: 0, duplicate: counts.duplicate, alreadyImportedAs: nil,
                             resumedAfterRows: existing == nil ? nil : 0, seconds: Date().timeIntervalSince(started), rejections: [])
    }
}
