import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

@Suite struct TransactionWriterTests {
    let scratch = ScratchDirectory()

    private func row(_ key: String, client: String = "C1", at instant: Int64 = 1_700_000_000) -> Transaction {
        Transaction(sourceKey: key, clientID: client, instant: instant, originalTime: "\(instant)",
                    amount: Money(minorUnits: 100), merchant: "m", category: "c")
    }

    /// Outcomes, in order, across statements of `rowsPerStatement` rows: new rows, stored ones, a key repeated inside
    /// one statement, and a key whose hash a different stored key already has.
    @Test func everyRowGetsItsOwnOutcomeAcrossMultiRowStatements() throws {
        let store = try scratch.store()
        let importID = try store.pool.write { db -> Int64 in
            try db.execute(sql: """
                INSERT INTO imports (source, file_name, content_hash, file_size, layout, mapping, status, started_at)
                VALUES ('t', 't', 'h', 0, 't', '', 'running', 0)
                """)
            return db.lastInsertedRowID
        }
        var writer = TransactionWriter(importID: importID)
        let stored = (0..<10).map { row("A\($0)") }
        let first = try store.pool.write { db -> [InsertOutcome] in
            try writer.beginBatch(db)
            let outcomes = try writer.insert(stored, db)
            try writer.finishBatch(db)
            return outcomes
        }
        #expect(first == Array(repeating: .inserted, count: 10))
        try store.pool.write { db in
            try db.execute(sql: "UPDATE transactions SET source_hash = ? WHERE source_key = 'A5'", arguments: [FNV1a.sourceHash("X")])
        }

        var offered = (0..<300).map { row("N\($0)") }
        offered[5] = row("A3")          // already stored
        offered[140] = row("N139")      // repeated inside the second statement
        offered[200] = row("X")         // collides with A5's (forged) hash
        offered[299] = row("N0")        // repeated across statements
        let outcomes = try store.pool.write { db -> [InsertOutcome] in
            try writer.beginBatch(db)
            let outcomes = try writer.insert(offered, db)
            try writer.finishBatch(db)
            return outcomes
        }
        #expect(outcomes.count == 300)
        #expect(outcomes[5] == .duplicate)
        #expect(outcomes[139] == .inserted && outcomes[140] == .duplicate)
        #expect(outcomes[200] == .identityCollision(existingKey: "A5"))
        #expect(outcomes[299] == .duplicate)
        let special: Set<Int> = [5, 140, 200, 299]
        #expect(outcomes.indices.filter { !special.contains($0) }.allSatisfy { outcomes[$0] == .inserted })
        #expect(try store.count("SELECT COUNT(*) FROM transactions") == 10 + 296)
        #expect(try store.count("SELECT COUNT(*) FROM transactions WHERE source_key = 'N139'") == 1)
        #expect(try store.count("SELECT transaction_count FROM clients WHERE id = 'C1'") == 306)
    }
}
