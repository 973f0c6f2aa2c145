import GRDB

extension Store {
    /// The source ids (`source_key`, the transaction's id in the file it came from) of these transactions, by store
    /// id; an id the store does not hold is left out.
    public func sourceKeys(of transactionIDs: [Int64]) throws -> [Int64: String] {
        try pool.read { db in
            var keys: [Int64: String] = [:]
            let statement = try db.cachedStatement(sql: "SELECT source_key FROM transactions WHERE id = ?")
            for id in transactionIDs where keys[id] == nil {
                if let key = try String.fetchOne(statement, arguments: [id]) { keys[id] = key }
            }
            return keys
        }
    }
}
