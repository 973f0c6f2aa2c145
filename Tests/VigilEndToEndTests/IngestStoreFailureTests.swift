import Foundation
import GRDB
import Testing

/// `vigil ingest` on a store another process keeps locked, or on a full disk: it waits out a lock (bounded, saying
/// so), and otherwise stops cleanly, having kept every line before the batch that failed and saying where to resume.
@Suite(.serialized) struct IngestStoreFailureTests {
    let scratch = Scratch()
    let rotation = FollowRotationTests()

    /// Another process's writer, as the test's own connection: it takes the store's write lock and keeps it.
    final class LockHolder {
        let queue: DatabaseQueue

        init(_ store: String) throws {
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true
            queue = try DatabaseQueue(path: store, configuration: configuration)
            try queue.inDatabase { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        }

        func release() throws {
            try queue.inDatabase { db in if db.isInsideTransaction { try db.execute(sql: "COMMIT") } }
            try queue.close()
        }
    }

    @Test func aLockedStoreIsWaitedOutAndNothingIsLost() throws {
        let feed = try rotation.feed()
        try (feed.header + "\n").write(toFile: feed.path, atomically: false, encoding: .utf8)
        let (ingest, errors) = try rotation.follow(feed, environment: ["VIGIL_BUSY_TIMEOUT": "0.2"])
        defer { rotation.stop(ingest) }
        #expect(FollowRotationTests.waitUntil(errors, says: "warning: transactions are stored but not scored").contains("not scored"))
        let holder = try LockHolder(feed.store)
        try rotation.append(feed.lines(0 ..< 100), to: feed.path)
        let waiting = FollowRotationTests.waitUntil(errors, says: "waiting for it")
        #expect(waiting.contains("the store is locked by another process that is writing to it; waiting for it (up to 60 s, --lock-wait)"),
                "\(waiting)")
        #expect(try FollowRotationTests.stored(feed.store) == 200)
        try holder.release()
        #expect(try FollowRotationTests.waitUntil(feed.store, holds: 300) == 300)
        try rotation.expectEveryRowOnce(feed, through: 300)
        let said = FollowRotationTests.waitUntil(errors, says: "released")
        #expect(said.contains("the store's write lock was released; carrying on"), "\(said)")
        #expect(!said.contains("SQLite error") && !said.contains("error:"), "\(said)")
        #expect(ingest.isRunning)
    }

    @Test func aLockHeldPastTheWaitStopsSayingWhereToResume() throws {
        let feed = try rotation.feed()
        try (feed.header + "\n").write(toFile: feed.path, atomically: false, encoding: .utf8)
        let (ingest, errors) = try rotation.follow(feed, environment: ["VIGIL_BUSY_TIMEOUT": "0.2"], arguments: ["--lock-wait", "1"])
        defer { rotation.stop(ingest) }
        #expect(FollowRotationTests.waitUntil(errors, says: "warning: transactions are stored but not scored").contains("not scored"))
        let holder = try LockHolder(feed.store)
        try rotation.append(feed.lines(0 ..< 100), to: feed.path)
        #expect(ingest.wait(upTo: 60, what: "vigil ingest on a locked store") == 1)
        let said = try String(contentsOfFile: errors, encoding: .utf8)
        #expect(said.contains("error: \(feed.store): the store is locked by another process"), "\(said)")
        #expect(said.contains("stopped at line 2 of \(feed.path): every line before it is stored"), "\(said)")
        #expect(said.contains("lines already stored are skipped"), "\(said)")
        #expect(!said.contains("SQLite error"), "\(said)")
        try holder.release()
        #expect(try FollowRotationTests.stored(feed.store) == 200)

        // Run again on the same input, it stores every line once.
        let again = try Harness.shell("VIGIL_STORE= \(Harness.binary) ingest --quiet --store \(feed.store) - < \(feed.path)")
        #expect(again.contains("ingested: 100 stored"), "\(again)")
        try rotation.expectEveryRowOnce(feed, through: 300)
    }

    @Test func aFullDiskStopsSayingWhereToResumeAndFeedingAgainStoresEachLineOnce() throws {
        let feed = try rotation.feed()
        let big = scratch.path + "/big.csv"
        #expect(try Harness.run(["demo", "--csv-only", "--export-csv", big, "--clients", "60", "--days", "90", "--seed", "4"]).status == 0)
        let rows = try String(contentsOfFile: big, encoding: .utf8).split(separator: "\n").count - 1
        // No file may grow past 512 kB (ulimit -f counts 512-byte blocks in /bin/sh), and past that a write fails
        // instead of killing the process: a disk that fills up, for this process only.
        let out = scratch.path + "/full.out"
        let full = try ChildProcess("/bin/sh", ["-c", "trap '' XFSZ; ulimit -f 1000; exec \"$0\" ingest - --store \(feed.store) --batch-size 200 < \(big)",
                                                Harness.binary],
                                    environment: ["PATH": "/usr/bin:/bin"], stdout: out, stderr: out)
        #expect(full.wait(upTo: 300, what: "vigil ingest on a full disk") == 1)
        let said = try String(contentsOfFile: out, encoding: .utf8)
        #expect(said.contains("error: \(feed.store): the disk"), "\(said)")
        #expect(!said.contains("SQLite error"), "\(said)")
        let stopped = try #require(said.firstMatch(of: /stopped at line (\d+) of standard input: every line before it is stored/), "\(said)")
        let line = try #require(Int(stopped.output.1))
        // Every line before it (line 1 is the header) is stored, and none from it on.
        let stored = try FollowRotationTests.stored(feed.store)
        #expect(stored == 200 + line - 2, "stopped at line \(line) with \(stored - 200) stored")
        #expect(line > 2 && line < rows + 2)
        #expect(try KillLoop.integrityCheck(feed.store) == ["ok"])

        let again = try Harness.shell("VIGIL_STORE= \(Harness.binary) ingest --quiet --store \(feed.store) - < \(big)")
        let storedAgain = try #require(again.firstMatch(of: /ingested: ([\d,]+) stored, 0 rejected, ([\d,]+) duplicate/), "\(again)")
        #expect(Int(storedAgain.output.1.filter(\.isNumber)) == rows - (line - 2))
        #expect(Int(storedAgain.output.2.filter(\.isNumber)) == line - 2)
        #expect(try FollowRotationTests.stored(feed.store) == 200 + rows)
    }

    /// A batch size is a buffer sized before reading: a huge one is refused up front, naming the option, the value
    /// and the allowed range, instead of aborting on the allocation.
    @Test func numericOptionsOutOfRangeAreRefusedNamingTheOptionAndTheValue() throws {
        let feed = try rotation.feed()
        for arguments in [["ingest", "-", "--store", feed.store, "--batch-size", "999999999999"],
                          ["import", Harness.fixture("cards-2023-sample.csv"), "--store", feed.store, "--batch-size", "999999999999"],
                          ["ingest", "-", "--store", feed.store, "--batch-size", "0"]] {
            let refused = try Harness.run(arguments)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("--batch-size must be between 1 and 100,000, got \(arguments.last!)"), "\(refused.stderr)")
        }
        for value in ["-1", "3601", "nan"] {
            let refused = try Harness.run(["ingest", "-", "--store", feed.store, "--lock-wait=\(value)"])
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("--lock-wait must be between 0 and 3600 seconds, got"), "\(refused.stderr)")
        }
        #expect(try FollowRotationTests.stored(feed.store) == 200)
    }
}
