/// Ids bound to one statement a run at a time: a statement takes a bounded number of parameters, and a list of
/// thousands of ids (a queue's cases, a report's alerts) would pass it.
enum IDChunks {
    static let size = 500

    /// Calls `body` with each run of at most `size` of `ids`, in order, and its placeholders (`?, ?, …`) for an
    /// `IN (…)` clause.
    static func forEach(_ ids: [Int64], _ body: (_ chunk: [Int64], _ placeholders: String) throws -> Void) rethrows {
        for start in stride(from: 0, to: ids.count, by: size) {
            let chunk = Array(ids[start..<min(start + size, ids.count)])
            try body(chunk, chunk.map { _ in "?" }.joined(separator: ", "))
        }
    }
}
