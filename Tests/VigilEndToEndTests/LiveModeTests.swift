import Foundation
import GRDB
import Testing

/// Live mode end to end: `vigil ingest --follow` tails a growing file while a workbench runs under tmux; the
/// workbench shows the live indicator, and the alerts the new lines raise appear in its queue marked new.
@Suite(.serialized) struct LiveModeTests {
    let scratch = Scratch()

    @Test func linesAppendedToAFollowedFileShowUpAsNewAlertsInAnOpenWorkbench() throws {
        let all = scratch.path + "/all.csv"
        let made = try Harness.run(["demo", "--csv-only", "--export-csv", all, "--clients", "60", "--days", "90", "--seed", "3"])
        #expect(made.status == 0, "\(made.stderr)")
        var lines = try String(contentsOfFile: all, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines.removeFirst()
        // The first 80 days are in the store and scanned; the last 10 arrive while the workbench is open.
        let cut = try #require(lines.firstIndex { $0.contains(",2025-03-22T") })
        let early = scratch.path + "/early.csv"
        try ([header] + lines[..<cut]).joined(separator: "\n").appending("\n").write(toFile: early, atomically: true, encoding: .utf8)
        let store = scratch.path + "/live.sqlite"
        #expect(try Harness.run(["import", early, "--store", store]).status == 0)
        let scan = try Harness.run(["scan", "--store", store, "--detectors", "rules,iforest"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let alertsBefore = try count(store, "SELECT COUNT(*) FROM alerts")

        let session = try TmuxSession(width: 140, height: 40,
                                      command: "\(Harness.binary) --store \(store) --analyst live; echo EXIT=\\$?; sleep 30")
        _ = try session.waitFor { $0.contains("live.sqlite — open cases") && $0.contains(" 1/") }
        try session.send("Tab")
        let opened = try session.waitFor { $0.contains("live.sqlite — open alerts") && $0.contains(" 1/") }
        #expect(!opened.contains("● new") && !opened.contains("● live"))

        // The feed starts with its header only; `vigil ingest --follow` waits on it.
        let feed = scratch.path + "/feed.csv"
        try (header + "\n").write(toFile: feed, atomically: true, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "VIGIL_STORE")
        let ingest = try ChildProcess(Harness.binary, ["ingest", "--store", store, "--follow", feed], environment: environment,
                                      stdout: scratch.path + "/ingest.out", stderr: scratch.path + "/ingest.err")
        defer {
            ingest.kill()
            _ = ingest.wait(upTo: 30, what: "vigil ingest --follow")
        }
        let live = try session.waitFor(timeout: 60) { $0.contains("● live") }
        #expect(live.contains("● live 0/s"), "nothing has arrived yet")

        // Ten days of transactions arrive at the end of the file.
        let handle = try #require(FileHandle(forWritingAtPath: feed))
        handle.seekToEndOfFile()
        handle.write(Data((lines[cut...].joined(separator: "\n") + "\n").utf8))
        try handle.close()
        let arrived = lines.count - cut
        // Wait until the ingest has stored and scored them all.
        var scored = 0
        for _ in 0 ..< 600 where scored < arrived {
            scored = try count(store, "SELECT COUNT(*) FROM live_scores")
            if scored < arrived { usleep(100_000) }
        }
        #expect(scored == arrived)
        let raised = try count(store, "SELECT COUNT(*) FROM alerts") - alertsBefore
        #expect(raised > 0, "ten days of a demo raise alerts")
        let screen = try session.waitFor(timeout: 30) { $0.contains("\(raised) new") && $0.contains("● new") }
        #expect(screen.contains("● new"))
        #expect(screen.contains("\(raised) new"))

        // Opening a new alert reads it: one fewer is new.
        try session.send("Enter")
        _ = try session.waitFor { !$0.contains("Top reason") }
        try session.send("q")
        _ = try session.waitFor { $0.contains("\(raised - 1) new") || (raised == 1 && !$0.contains(" new")) }

        // Once the ingest stops, its heartbeat goes stale and the indicator goes.
        ingest.kill(signal: SIGTERM)
        _ = ingest.wait(upTo: 30, what: "vigil ingest --follow")
        _ = try session.waitFor(timeout: 30) { !$0.contains("● live") && $0.contains(" new") }
        try session.send("q")
        #expect(try session.waitFor { $0.contains("EXIT=") }.contains("EXIT=0"))
    }

    func count(_ store: String, _ sql: String) throws -> Int {
        let queue = try DatabaseQueue(path: store)
        defer { try? queue.close() }
        return try queue.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }
}
