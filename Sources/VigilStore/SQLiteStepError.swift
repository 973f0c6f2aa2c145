import GRDB
import GRDBSQLite

extension Database {
    /// The failure SQLite reported for result `code` of a statement stepped through the C API, as GRDB's error.
    /// Read it before resetting the statement, which may replace the connection's message.
    func stepError(_ code: Int32, sql: String) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqliteConnection)), sql: sql)
    }
}
