import GRDB
import GRDBSQLite

/// A GRDB statement driven through SQLite's C API: for bulk writes and column reads, where GRDB's arguments (an
/// array of existentials per row) and `Row` values cost more than the work itself. GRDB's `Statement`, kept here,
/// owns the handle and finalizes it when the last reference goes.
///
/// Parameter indices count from 1 and column indices from 0, as in SQLite. A failed step throws the store's error
/// (`DatabaseError` with SQLite's code and message), read before the statement is reset.
struct RawStatement {
    let statement: Statement
    let handle: OpaquePointer
    private let db: Database
    /// The SQL an error names: as the caller wrote it, or else GRDB's (read only when a step fails).
    private let sql: String?

    init(_ statement: Statement, _ db: Database, sql: String? = nil) {
        self.statement = statement
        handle = statement.sqliteStatement
        self.db = db
        self.sql = sql
    }

    /// A new statement of `sql`, finalized when the value goes.
    init(_ db: Database, sql: String, arguments: StatementArguments? = nil) throws {
        let statement = try db.makeStatement(sql: sql)
        if let arguments { try statement.setArguments(arguments) }
        self.init(statement, db, sql: sql)
    }

    /// `sql`'s statement from the connection's cache, for one prepared again and again (an insert per batch).
    static func cached(_ db: Database, sql: String) throws -> RawStatement {
        RawStatement(try db.cachedStatement(sql: sql), db)
    }

    // MARK: Binding

    @inline(__always) func reset() { sqlite3_reset(handle) }

    @inline(__always) func bind(_ value: Int64, at index: Int32) { sqlite3_bind_int64(handle, index, value) }

    @inline(__always) func bind(_ value: Double, at index: Int32) { sqlite3_bind_double(handle, index, value) }

    @inline(__always) func bindNull(at index: Int32) { sqlite3_bind_null(handle, index) }

    /// NULL for NaN, which is how the store keeps a missing coordinate.
    @inline(__always) func bind(nanAsNull value: Double, at index: Int32) {
        if value.isNaN { bindNull(at: index) } else { bind(value, at: index) }
    }

    /// Binds `count` bytes at `start` as text without copying them: they must stay where they are until the
    /// statement's next step has read them. No bytes bind the empty text, not NULL.
    @inline(__always) func bindText(_ start: UnsafePointer<UInt8>?, count: Int, at index: Int32) {
        guard let start, count > 0 else {
            sqlite3_bind_text(handle, index, "", 0, Self.transient)
            return
        }
        sqlite3_bind_text(handle, index, UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self), Int32(count), nil)
    }

    /// Binds a constant as text without copying it.
    @inline(__always) func bindText(_ text: StaticString, at index: Int32) {
        bindText(text.utf8Start, count: text.utf8CodeUnitCount, at: index)
    }

    /// Binds a copy of `text`'s UTF-8, for a value that does not outlive the call.
    func bindText(copying text: String, at index: Int32) {
        var text = text
        text.withUTF8 { bindText(copying: UnsafeRawBufferPointer($0), at: index) }
    }

    /// Binds a copy of `bytes` as text (the empty text, not NULL, when there are none).
    func bindText(copying bytes: UnsafeRawBufferPointer, at index: Int32) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            sqlite3_bind_text(handle, index, "", 0, Self.transient)
            return
        }
        sqlite3_bind_text(handle, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), Self.transient)
    }

    /// Binds a copy of `bytes` as a blob.
    func bindBlob(copying bytes: UnsafeRawBufferPointer, at index: Int32) {
        sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), Self.transient)
    }

    /// SQLite's "copy this buffer now" destructor, which Swift cannot import as a macro.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    // MARK: Stepping

    /// Steps to the next row: true when there is one to read, false when the statement is done.
    @inline(__always) func step() throws -> Bool {
        let code = sqlite3_step(handle)
        if code == SQLITE_ROW { return true }
        if code == SQLITE_DONE { return false }
        throw failure(code)
    }

    /// Runs a statement that returns no rows.
    @inline(__always) func execute() throws {
        let code = sqlite3_step(handle)
        if code != SQLITE_DONE { throw failure(code) }
    }

    /// The error for result `code`, read before the reset that may replace the connection's message.
    private func failure(_ code: Int32) -> DatabaseError {
        let error = DatabaseError(resultCode: ResultCode(rawValue: code),
                                  message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                                  sql: sql ?? statement.sql)
        reset()
        return error
    }

    // MARK: Columns of the current row

    @inline(__always) func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    @inline(__always) func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    @inline(__always) func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    /// The column as a double, NaN for NULL (a missing coordinate).
    @inline(__always) func doubleOrNaN(_ column: Int32) -> Double { isNull(column) ? .nan : double(column) }

    /// The column's text, valid until the next step or reset; nil for NULL.
    @inline(__always) func text(_ column: Int32) -> UnsafePointer<UInt8>? { sqlite3_column_text(handle, column) }

    /// The length in bytes of the column's text or blob; read it after `text` or `blob`.
    @inline(__always) func byteCount(_ column: Int32) -> Int { Int(sqlite3_column_bytes(handle, column)) }

    /// The column's blob, valid until the next step or reset; nil for NULL or an empty blob.
    @inline(__always) func blob(_ column: Int32) -> UnsafeRawPointer? { sqlite3_column_blob(handle, column) }

    /// The column's text as a String, empty for NULL.
    func string(_ column: Int32) -> String { text(column).map { String(cString: $0) } ?? "" }

    /// A copy of the column's text bytes, empty for NULL.
    func bytes(_ column: Int32) -> [UInt8] {
        let count = byteCount(column)
        guard count > 0, let text = text(column) else { return [] }
        return Array(UnsafeBufferPointer(start: text, count: count))
    }
}
