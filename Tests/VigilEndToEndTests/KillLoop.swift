import Foundation
import GRDB
import Testing

/// Kill-and-recover loops: run a `vigil` command, SIGKILL it after a seeded random delay, and check the store, again
/// and again. What every interrupted command must leave is checked here (the store passes `PRAGMA integrity_check`,
/// its audit trail verifies, every file beside it is mode 0600); what a particular command must leave is the
/// caller's `afterEachKill`.
///
/// To cover another command: build its store, measure one uninterrupted run on a copy (its
/// seconds set the delays), call `KillLoop.run` with its arguments and a closure that checks what it must never
/// lose or duplicate, then run it once more to the end and compare with the uninterrupted copy. `FaultTests` does
/// exactly this for import, scan and triage.
enum KillLoop {
    /// One interrupted run.
    struct Interruption {
        var iteration: Int
        /// Seconds after the start that the kill was sent.
        var delay: Double
        /// True when the command had already ended by itself when the kill came.
        var endedFirst: Bool
        var stdout: String
        var stderr: String
    }

    /// Runs `vigil arguments` `iterations` times, each killed with SIGKILL after a delay drawn (from `seed`) between
    /// 2 % and 98 % of `typicalSeconds`, the time one uninterrupted run took. The command runs with umask 000, so the
    /// mode checks see what Vigil asks for, not what the umask leaves. Returns how many runs the kill interrupted.
    @discardableResult
    static func run(_ arguments: [String], store: String, iterations: Int, seed: UInt64, typicalSeconds: Double,
                    input: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
                    afterEachKill: (Interruption) throws -> Void) throws -> Int {
        var random = SplitMix64(seed: seed)
        var interrupted = 0
        for iteration in 0..<iterations {
            let delay = typicalSeconds * (0.02 + 0.96 * random.nextUnit())
            let base = NSTemporaryDirectory() + "vigil-kill-\(UUID().uuidString)"
            defer {
                try? FileManager.default.removeItem(atPath: base + ".out")
                try? FileManager.default.removeItem(atPath: base + ".err")
            }
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "VIGIL_STORE")
            // `exec` keeps the pid, so the kill reaches vigil itself, not a shell around it. `input`, when given, is
            // the command's standard input.
            var script = "umask 000; exec \"$0\" \"$@\""
            if let input {
                environment["VIGIL_KILL_INPUT"] = input
                script += " < \"$VIGIL_KILL_INPUT\""
            }
            let child = try ChildProcess("/bin/sh", ["-c", script, Harness.binary] + arguments,
                                         environment: environment, stdout: base + ".out", stderr: base + ".err")
            let deadline = Date().addingTimeInterval(delay)
            while child.isRunning && Date() < deadline { usleep(1_000) }
            let runningAtDeadline = child.isRunning
            if runningAtDeadline { child.kill() }
            let status = child.wait(upTo: 60, what: "vigil \(arguments.joined(separator: " "))", sourceLocation: sourceLocation)
            // It may finish between the look and the kill: a killed process never exits 0, so a clean exit is a run
            // that ended by itself.
            let endedFirst = !runningAtDeadline || status == 0
            if !endedFirst { interrupted += 1 }
            let run = Interruption(
                iteration: iteration, delay: delay, endedFirst: endedFirst,
                stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
            if endedFirst {
                #expect(status == 0, "run \(iteration) ended by itself but failed: \(run.stderr)", sourceLocation: sourceLocation)
            } else {
                #expect(status == 128 + SIGKILL, "run \(iteration) was killed but reports \(status)", sourceLocation: sourceLocation)
            }
            try checkStore(store, after: "run \(iteration) killed after \(String(format: "%.3f", delay)) s",
                           sourceLocation: sourceLocation)
            try afterEachKill(run)
        }
        return interrupted
    }

    /// What any interruption must leave: a sound file, a verified audit trail, private files.
    static func checkStore(_ store: String, after what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let directory = URL(fileURLWithPath: store).deletingLastPathComponent().path
        let name = URL(fileURLWithPath: store).lastPathComponent
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.contains(name) {
            let mode = try FileManager.default.attributesOfItem(atPath: directory + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) is mode \(String(mode ?? 0, radix: 8)) after \(what)", sourceLocation: sourceLocation)
        }
        guard FileManager.default.fileExists(atPath: store) else { return }
        #expect(try integrityCheck(store) == ["ok"], "integrity_check after \(what)", sourceLocation: sourceLocation)
        let audit = try Harness.run(["audit", "verify", "--store", store])
        #expect(audit.status == 0 && audit.stdout.contains("audit trail intact"), "audit verify after \(what): \(audit.stderr)",
                sourceLocation: sourceLocation)
    }

    static func integrityCheck(_ store: String) throws -> [String] {
        try read(store) { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// Reads the store through a connection of the test's own, closed before returning. Not a read-only one: after a
    /// kill, the first connection may have to rebuild the WAL index, which takes a writer.
    static func read<T>(_ store: String, _ body: (Database) throws -> T) throws -> T {
        let queue = try DatabaseQueue(path: store)
        defer { try? queue.close() }
        return try queue.read(body)
    }

    /// Seconds one uninterrupted `vigil arguments` takes (it must succeed): the scale of the kill delays.
    static func timeOneRun(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> (seconds: Double, output: Harness.Output) {
        let started = Date()
        let output = try Harness.run(arguments)
        #expect(output.status == 0, "vigil \(arguments.joined(separator: " ")): \(output.stderr)", sourceLocation: sourceLocation)
        return (Date().timeIntervalSince(started), output)
    }
}

/// A small seeded generator, so each loop's kill moments are the same from run to run (on the same machine).
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
