import Foundation
import Testing
@testable import VigilEngine

/// Following a file by name as `tail -F` does: appends, truncation, a rewrite longer than what was read, a
/// replacement (rotation) and a file that disappears and comes back, each seen the moment it happens.
@Suite struct FollowedFileTests {
    let directory = NSTemporaryDirectory() + "vigil-follow-tests-" + UUID().uuidString

    init() throws { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }

    func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func append(_ text: String, to path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// Replaces the file's content in place (the same inode), as `cat new > file` does.
    func rewrite(_ text: String, at path: String) throws {
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(text.utf8))
    }

    /// Everything `next` gives until it is idle, data joined into text.
    func drain(_ file: FollowedFile) throws -> [String] {
        var events: [String] = []
        while true {
            switch try file.next(limit: 7) {
            case .idle: return events
            case .data(let bytes):
                let text = String(decoding: bytes, as: UTF8.self)
                if let last = events.last, last.hasPrefix("data:") { events[events.count - 1] = last + text } else { events.append("data:" + text) }
            case let event: events.append("\(event)")
            }
        }
    }

    @Test func appendsAreReadAsTheyCome() throws {
        let path = directory + "/feed.csv"
        try write("h\n1\n", to: path)
        let file = try FollowedFile(path: path)
        #expect(try drain(file) == ["data:h\n1\n"])
        #expect(try drain(file) == [])
        try append("2\n3\n", to: path)
        #expect(try drain(file) == ["data:2\n3\n"])
    }

    @Test func aShorterFileWasTruncatedAndIsReadFromItsStart() throws {
        let path = directory + "/feed.csv"
        try write("h\n1\n2\n", to: path)
        let file = try FollowedFile(path: path)
        _ = try drain(file)
        try rewrite("h\n9\n", at: path)
        #expect(try drain(file) == ["truncated", "data:h\n9\n"])
        // Truncated to nothing, then written again.
        try rewrite("", at: path)
        #expect(try drain(file) == ["truncated"])
        try append("h\n7\n", to: path)
        #expect(try drain(file) == ["data:h\n7\n"])
    }

    @Test func aFileRewrittenLongerBetweenTwoLooksIsReadFromItsStart() throws {
        let path = directory + "/feed.csv"
        try write("h\nfirst\n", to: path)
        let file = try FollowedFile(path: path)
        _ = try drain(file)
        try rewrite("h\nsecond\nthird\nfourth\n", at: path)
        #expect(try drain(file) == ["rewritten", "data:h\nsecond\nthird\nfourth\n"])
        // A rewrite that keeps what was read and adds to it is an append.
        try rewrite("h\nsecond\nthird\nfourth\nfifth\n", at: path)
        #expect(try drain(file) == ["data:fifth\n"])
    }

    @Test func aRewriteOfALongFileIsSeenWhereverItsReadBytesChanged() throws {
        let path = directory + "/feed.csv"
        let old = (0 ..< 2_000).map { "row \($0)\n" }.joined()
        try write(old, to: path)
        let file = try FollowedFile(path: path)
        _ = try drain(file)
        // Same first bytes, different last ones before the read position.
        var changed = Array(old.utf8)
        changed[changed.count - 3] = UInt8(ascii: "X")
        try rewrite(String(decoding: changed, as: UTF8.self) + "more\n", at: path)
        #expect(try drain(file).first == "rewritten")
    }

    @Test func aReplacedFileIsReadToItsEndThenTheNewOneFromItsStart() throws {
        let path = directory + "/feed.csv"
        try write("h\n1\n", to: path)
        let file = try FollowedFile(path: path)
        _ = try drain(file)
        // Rotated: moved away (the writer still adds a line to it), and a new file made at the path.
        try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
        try append("2\n", to: path + ".1")
        try write("h\n3\n", to: path)
        #expect(try drain(file) == ["data:2\n", "replaced", "data:h\n3\n"])
    }

    @Test func aFileThatDisappearsIsWaitedForAndReadWhenItComesBack() throws {
        let path = directory + "/feed.csv"
        try write("h\n1\n", to: path)
        let file = try FollowedFile(path: path)
        _ = try drain(file)
        try FileManager.default.removeItem(atPath: path)
        #expect(try drain(file) == ["vanished"])
        #expect(try drain(file) == [])
        try write("h\n2\n", to: path)
        #expect(try drain(file) == ["replaced", "data:h\n2\n"])
    }

    @Test func aMissingFileIsAnErrorNamingIt() throws {
        let path = directory + "/missing.csv"
        #expect(throws: FollowError(path: path, reason: "No such file or directory")) { try FollowedFile(path: path) }
    }
}
