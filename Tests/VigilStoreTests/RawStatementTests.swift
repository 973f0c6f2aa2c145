import Foundation
import GRDB
import Testing
@testable import VigilStore

/// The C-API statement the bulk writes and column reads use: what each bind stores, what each read returns, and the
/// error a failed step throws.
@Suite struct RawStatementTests {
    let scratch = ScratchDirectory()

    @Test func valuesBoundAreReadBackAsSQLiteStoredThem() throws {
        let store = try scratch.store()
        let rows = try store.pool.write { db -> [[String?]] in
            try db.execute(sql: "CREATE TEMP TABLE t (i, d, nan, empty, constant, copied, blob, absent)")
            let insert = try RawStatement(db, sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            let bytes: [UInt8] = [0x00, 0xFF, 0x41]
            insert.bind(Int64.min, at: 1)
            insert.bind(-0.1, at: 2)
            insert.bind(nanAsNull: .nan, at: 3)
            insert.bindText(nil, count: 0, at: 4)
            insert.bindText("online", at: 5)
            insert.bindText(copying: "zürich", at: 6)
            bytes.withUnsafeBytes { insert.bindBlob(copying: $0, at: 7) }
            insert.bindNull(at: 8)
            try insert.execute()
            return try Row.fetchAll(db, sql: """
                SELECT typeof(i), CAST(i AS TEXT), typeof(d), quote(d), typeof(nan), typeof(empty), quote(empty), constant, copied,
                       hex(blob), typeof(absent) FROM t
                """).map { row in (0..<row.count).map { row[$0] as String? } }
        }
        #expect(rows == [["integer", "-9223372036854775808", "real", "-0.1", "null", "text", "''", "online", "zürich",
                          "00FF41", "null"]])
    }

    @Test func columnsAreReadWithoutRows() throws {
        let store = try scratch.store()
        let read = try store.pool.write { db -> [String] in
            try db.execute(sql: """
                CREATE TEMP TABLE t (k INTEGER, x REAL, s TEXT, b BLOB);
                INSERT INTO t VALUES (7, 2.5, 'caf\u{e9}', x'0102'), (8, NULL, NULL, NULL);
                """)
            let select = try RawStatement(db, sql: "SELECT k, x, s, b FROM t WHERE k >= ? ORDER BY k", arguments: [7])
            var seen: [String] = []
            while try select.step() {
                let blob = select.blob(3).map { Array(UnsafeRawBufferPointer(start: $0, count: select.byteCount(3))) }
                seen.append("\(select.int64(0)) \(select.doubleOrNaN(1)) \(select.isNull(1)) '\(select.string(2))' "
                            + "\(select.bytes(2)) \(select.byteCount(2)) \(blob.map { "\($0)" } ?? "nil")")
            }
            return seen
        }
        #expect(read == ["7 2.5 false 'café' [99, 97, 102, 195, 169] 5 [1, 2]", "8 nan true '' [] 0 nil"])
    }

    @Test func aFailedStepThrowsSQLitesErrorAndLeavesTheStatementReusable() throws {
        let store = try scratch.store()
        let sql = "INSERT INTO t (k) VALUES (?)"
        let (error, after) = try store.pool.write { db -> (DatabaseError?, [Int64]) in
            try db.execute(sql: "CREATE TEMP TABLE t (k INTEGER NOT NULL UNIQUE)")
            let insert = try RawStatement(db, sql: sql)
            insert.bind(Int64(1), at: 1)
            try insert.execute()
            var caught: DatabaseError?
            do {
                insert.reset()
                insert.bind(Int64(1), at: 1)
                try insert.execute()
            } catch let error as DatabaseError {
                caught = error
            }
            insert.bind(Int64(2), at: 1)
            try insert.execute()
            return (caught, try Int64.fetchAll(db, sql: "SELECT k FROM t ORDER BY k"))
        }
        #expect(error?.resultCode == .SQLITE_CONSTRAINT)
        #expect(error?.message == "UNIQUE constraint failed: t.k")
        #expect(error?.sql == sql)
        #expect(after == [1, 2])
    }
}
