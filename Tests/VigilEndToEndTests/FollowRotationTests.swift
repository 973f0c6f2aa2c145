import Foundation
import GRDB
import Testing

/// `vigil ingest --follow` follows its file by name, as `tail -F` does: whatever happens to the file (copied and
/// truncated, emptied and written again, moved away and replaced, rewritten longer in place), every row written to
/// it is stored exactly once, and stderr says what happened.
@Suite(.serialized) struct FollowRotationTests {
    let scratch = Scratch()

    /// A store holding a small demo's first 200 rows; the demo's other rows, to be fed; and their header.
    struct Feed {
        var store: String
        var path: String
        var header: String
        var rows: [String]

        /// The rows' lines joined, each with its line end.
        func lines(_ range: Range<Int>, withHeader: Bool = false) -> String {
            ((withHeader ? [header] : []) + rows[range]).map { $0 + "\n" }.joined()
        }
    }

    func feed() throws -> Feed {
        let all = scratch.path + "/all.csv"
        let made = try Harness.run(["demo", "--csv-only", "--export-csv", all, "--clients", "10", "--days", "30", "--seed", "3"])
        #expect(made.status == 0, "\(made.stderr)")
        var rows = try String(contentsOfFile: all, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = rows.removeFirst()
        let early = scratch.path + "/early.csv"
        try ([header] + rows[..<200]).map { $0 + "\n" }.joined().write(toFile: early, atomically: true, encoding: .utf8)
        let store = scratch.path + "/live.sqlite"
        #expect(try Harness.run(["import", early, "--store", store]).status == 0)
        return Feed(store: store, path: scratch.path + "/feed.csv", header: header, rows: Array(rows[200...]))
    }

    /// `vigil ingest --follow` on the feed, its stderr in a file.
    func follow(_ feed: Feed, environment extra: [String: String] = [:], arguments: [String] = []) throws -> (ChildProcess, String) {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "VIGIL_STORE")
        for (key, value) in extra { environment[key] = value }
        let errors = scratch.path + "/ingest-\(UUID().uuidString).err"
        let child = try ChildProcess(Harness.binary, ["ingest", "--store", feed.store, "--follow", feed.path] + arguments,
                                     environment: environment, stdout: scratch.path + "/ingest.out", stderr: errors)
        return (child, errors)
    }

    static func stored(_ store: String) throws -> Int {
        try KillLoop.read(store) { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions") ?? 0 }
    }

    /// Polls until the store holds `count` transactions (or a minute has passed); returns what it holds.
    @discardableResult
    static func waitUntil(_ store: String, holds count: Int) throws -> Int {
        var now = try stored(store)
        for _ in 0 ..< 600 where now < count {
            usleep(100_000)
            now = try stored(store)
        }
        return now
    }

    /// Polls until the file at `path` contains `text` (or a minute has passed); returns its content.
    @discardableResult
    static func waitUntil(_ path: String, says text: String) -> String {
        var content = ""
        for _ in 0 ..< 600 {
            content = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if content.contains(text) { break }
            usleep(100_000)
        }
        return content
    }

    /// Every one of the demo's first `count` rows (the store's 200 and the feed's first `count - 200`) is stored, each
    /// exactly once.
    func expectEveryRowOnce(_ feed: Feed, through count: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let keys = try KillLoop.read(feed.store) { db in try String.fetchAll(db, sql: "SELECT source_key FROM transactions") }
        #expect(keys.count == count, "\(keys.count) rows stored", sourceLocation: sourceLocation)
        #expect(Set(keys).count == keys.count, "a row was stored twice", sourceLocation: sourceLocation)
        let fed = Set(feed.rows[..<(count - 200)].map { String($0.prefix { $0 != "," }) })
        #expect(fed.isSubset(of: Set(keys)), "\(fed.subtracting(keys).count) fed rows are missing", sourceLocation: sourceLocation)
    }

    /// Overwrites the file in place (the same inode), as `cat new > file` does.
    func rewrite(_ path: String, with text: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func stop(_ ingest: ChildProcess) {
        ingest.kill(signal: SIGTERM)
        _ = ingest.wait(upTo: 30, what: "vigil ingest --follow")
    }

    /// logrotate's copytruncate: the file is copied away and truncated, and its writer carries on with rows (no header).
    @Test func copyTruncateLosesNothing() throws {
        let feed = try feed()
        try feed.lines(0 ..< 100, withHeader: true).write(toFile: feed.path, atomically: false, encoding: .utf8)
        let (ingest, errors) = try follow(feed)
        defer { stop(ingest) }
        #expect(try Self.waitUntil(feed.store, holds: 300) == 300)
        try FileManager.default.copyItem(atPath: feed.path, toPath: feed.path + ".1")
        try rewrite(feed.path, with: "")
        #expect(Self.waitUntil(errors, says: "feed.csv was truncated; reading from the start").contains("was truncated"))
        try append(feed.lines(100 ..< 200), to: feed.path)
        #expect(try Self.waitUntil(feed.store, holds: 400) == 400)
        try expectEveryRowOnce(feed, through: 400)
        let said = try String(contentsOfFile: errors, encoding: .utf8)
        #expect(said.contains("feed.csv starts again without a header line; reading its lines under the previous header"), "\(said)")
        #expect(!said.contains("rejected"), "\(said)")
    }

    /// Emptied, then written again from a header.
    @Test func truncateToEmptyThenAppendLosesNothing() throws {
        let feed = try feed()
        try feed.lines(0 ..< 100, withHeader: true).write(toFile: feed.path, atomically: false, encoding: .utf8)
        let (ingest, errors) = try follow(feed)
        defer { stop(ingest) }
        #expect(try Self.waitUntil(feed.store, holds: 300) == 300)
        try rewrite(feed.path, with: "")
        #expect(Self.waitUntil(errors, says: "feed.csv was truncated; reading from the start").contains("was truncated"))
        try append(feed.lines(100 ..< 150, withHeader: true), to: feed.path)
        try append(feed.lines(150 ..< 200), to: feed.path)
        #expect(try Self.waitUntil(feed.store, holds: 400) == 400)
        try expectEveryRowOnce(feed, through: 400)
        let said = try String(contentsOfFile: errors, encoding: .utf8)
        #expect(!said.contains("rejected") && !said.contains("without a header"), "\(said)")
    }

    /// Moved away (its writer still finishing a few rows in it), and a new file with a header made at the path.
    @Test func renameAndNewFileLosesNothing() throws {
        let feed = try feed()
        try feed.lines(0 ..< 100, withHeader: true).write(toFile: feed.path, atomically: false, encoding: .utf8)
        let (ingest, errors) = try follow(feed)
        defer { stop(ingest) }
        #expect(try Self.waitUntil(feed.store, holds: 300) == 300)
        try FileManager.default.moveItem(atPath: feed.path, toPath: feed.path + ".1")
        try append(feed.lines(100 ..< 110), to: feed.path + ".1")
        try feed.lines(110 ..< 200, withHeader: true).write(toFile: feed.path, atomically: false, encoding: .utf8)
        #expect(try Self.waitUntil(feed.store, holds: 400) == 400)
        try expectEveryRowOnce(feed, through: 400)
        let said = Self.waitUntil(errors, says: "replaced")
        #expect(said.contains("feed.csv was replaced (rotated); finished the old file, reading the new one"), "\(said)")
        #expect(!said.contains("rejected"), "\(said)")

        // Removed altogether, then made again: read from its start.
        try FileManager.default.removeItem(atPath: feed.path)
        #expect(Self.waitUntil(errors, says: "disappeared").contains("feed.csv disappeared; finished reading it, waiting for a new file"))
        try feed.lines(200 ..< 250, withHeader: true).write(toFile: feed.path, atomically: false, encoding: .utf8)
        #expect(try Self.waitUntil(feed.store, holds: 450) == 450)
        try expectEveryRowOnce(feed, through: 450)
    }

    /// Truncated and written again in place, longer than before, between two looks: its old rows and new ones.
    @Test func truncateAndRewriteLongerLosesNothing() throws {
        let feed = try feed()
        try feed.lines(0 ..< 100, withHeader: true).write(toFile: feed.path, atomically: false, encoding: .utf8)
        let (ingest, errors) = try follow(feed)
        defer { stop(ingest) }
        #expect(try Self.waitUntil(feed.store, holds: 300) == 300)
        // Rows 50–99 again (already stored), then 200 new ones.
        try rewrite(feed.path, with: feed.lines(50 ..< 300, withHeader: true))
        #expect(try Self.waitUntil(feed.store, holds: 500) == 500)
        try expectEveryRowOnce(feed, through: 500)
        let said = try String(contentsOfFile: errors, encoding: .utf8)
        // Seen as a rewrite, or as a truncation if the ingest looked while the file was empty.
        #expect(said.contains("feed.csv was rewritten") || said.contains("feed.csv was truncated"), "\(said)")
        #expect(!said.contains("rejected"), "\(said)")
    }
}
