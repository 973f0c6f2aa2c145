import Foundation
import GRDB
import Testing

/// A store that is locked by another writer, read-only, or on a full disk: each gives a clear error that names the
/// store and what to do, and loses nothing already committed. And every file Vigil makes is private (0600).
@Suite(.serialized) struct StoreFailureTests {
    let scratch = Scratch()

    /// Runs `executable arguments` with the environment's VIGIL_STORE removed and `environment` added.
    func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Harness.Output {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "VIGIL_STORE")
        for (key, value) in environment { env[key] = value }
        let base = scratch.path + "/run-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let child = try ChildProcess(executable, arguments, environment: env, stdout: base + ".out", stderr: base + ".err")
        let status = child.wait(upTo: 300, what: ([executable] + arguments).joined(separator: " "))
        return Harness.Output(status: status, stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                              stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// `vigil arguments` under /bin/sh after `prelude` (ulimit, umask, trap), exec'd so nothing else runs.
    func vigil(after prelude: String, _ arguments: [String]) throws -> Harness.Output {
        try run("/bin/sh", ["-c", prelude + "; exec \"$0\" \"$@\"", Harness.binary] + arguments)
    }

    /// A small store with alerts: generated, then scanned by the rules.
    func storeWithAlerts(_ path: String) throws {
        #expect(try Harness.run(["demo", "--store", path, "--clients", "100", "--days", "60", "--seed", "3"]).status == 0)
        let scan = try Harness.run(["scan", "--store", path, "--detectors", "rules", "--seed", "7"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let alerts = try KillLoop.read(path) { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts") }
        #expect((alerts ?? 0) >= 3, "the scan gave \(alerts ?? 0) alerts")
    }

    func status(ofAlert id: Int64, in store: String) throws -> String? {
        try KillLoop.read(store) { db in try String.fetchOne(db, sql: "SELECT status FROM alerts WHERE id = ?", arguments: [id]) }
    }

    @Test func aStoreLockedByAnotherWriterWaitsThenExplains() throws {
        let store = scratch.path + "/locked.sqlite"
        try storeWithAlerts(store)
        // Another process's writer, as the test's own connection: it takes the write lock and keeps it.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: store, configuration: configuration)
        defer { try? holder.close() }
        try holder.inDatabase { db in try db.execute(sql: "BEGIN IMMEDIATE") }

        let decide = ["triage", "--store", store, "--alert", "1", "--decision", "escalate", "--analyst", "ana"]
        let refused = try Harness.run(decide, environment: ["VIGIL_BUSY_TIMEOUT": "0.5"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(store): the store is locked by another process"), "\(refused.stderr)")
        #expect(refused.stderr.contains("waited 0.5 s and nothing was changed"))
        #expect(!refused.stderr.contains("SQLite error"))
        let importing = try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store],
                                        environment: ["VIGIL_BUSY_TIMEOUT": "0.2"])
        #expect(importing.status == 1)
        #expect(importing.stderr.contains("locked by another process"), "\(importing.stderr)")

        // Released while a decision waits for it, the decision goes through.
        var env = ProcessInfo.processInfo.environment
        env["VIGIL_BUSY_TIMEOUT"] = "120"
        let out = scratch.path + "/waiting.out"
        let waiting = try ChildProcess(Harness.binary, decide, environment: env, stdout: out, stderr: out)
        usleep(400_000)
        #expect(waiting.isRunning, "the decision did not wait for the lock")
        try holder.inDatabase { db in try db.execute(sql: "COMMIT") }
        #expect(waiting.wait(upTo: 120, what: "vigil triage behind a lock") == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8).contains("alert #1: open → escalated"))
        #expect(try status(ofAlert: 1, in: store) == "escalated")
        #expect(try Harness.run(["audit", "verify", "--store", store]).stdout.contains("intact: 1 triage events"))
    }

    @Test func aReadOnlyStoreIsReadButNeverWritten() throws {
        let directory = scratch.path + "/archive"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let store = directory + "/ro.sqlite"
        try storeWithAlerts(store)
        #expect(try Harness.run(["triage", "--store", store, "--alert", "2", "--decision", "fraud"]).status == 0)
        // Alert 2 as in a store scanned before cases existed: `vigil report` cannot place it here, and says so.
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in try db.execute(sql: "UPDATE alerts SET case_id = NULL WHERE id = 2") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        #expect(!FileManager.default.fileExists(atPath: store + "-wal"))
        // Read-only for whoever runs vigil. Permission bits do not bind root, so under root vigil runs as `nobody`
        // (setpriv drops the user and groups); otherwise as this user.
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory) }
        // `nobody` may not be able to reach the build folder (a clone under /root, say): it runs a copy of the binary
        // from the scratch directory, which it can read.
        let binary = scratch.path + "/vigil-as-nobody"
        if geteuid() == 0 {
            // Copied by `cp`, not here: a process another test spawns meanwhile would inherit our descriptor open for
            // writing, and executing the copy would then fail with "text file busy".
            try Harness.shell("cp \(Harness.binary) \(binary) && chmod 755 \(binary)")
            #expect(FileManager.default.isExecutableFile(atPath: binary))
        }
        func restricted(_ arguments: [String]) throws -> Harness.Output {
            geteuid() == 0
                ? try run("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + arguments)
                : try run(Harness.binary, arguments)
        }

        let verify = try restricted(["audit", "verify", "--store", store])
        if geteuid() == 0 {
            // `nobody` may not read the store's key file (0600, root's): the links and hashes are checked, the seals
            // cannot be, and verify says so rather than "intact".
            #expect(verify.status == 1 && verify.stderr.contains("the hashes and links of its 1 triage events are intact, but their "
                                                                 + "seals could not be checked"), "\(verify.stderr)")
        } else {
            #expect(verify.status == 0 && verify.stdout.contains("intact: 1 triage events"), "\(verify.stderr)")
        }
        let stats = try restricted(["stats", "--store", store])
        #expect(stats.status == 0, "\(stats.stderr)")
        let decide = try restricted(["triage", "--store", store, "--alert", "3", "--decision", "fraud"])
        #expect(decide.status == 1)
        #expect(decide.stderr.contains("\(store): the store is read-only (the file is not writable by this user); nothing was changed"),
                "\(decide.stderr)")
        let importing = try restricted(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        #expect(importing.status == 1)
        #expect(importing.stderr.contains("the store is read-only"), "\(importing.stderr)")
        let report = try restricted(["report", "--store", store])
        #expect(report.status == 0 && report.stderr.contains("1 decided alert is in no case yet and left out"), "\(report.stderr)")
        let scan = try restricted(["scan", "--store", store, "--detectors", "rules"])
        #expect(scan.status != 0)
        #expect(scan.stderr.contains("read-only"), "\(scan.stderr)")

        #expect(try Data(contentsOf: URL(fileURLWithPath: store)) == before, "the read-only store's bytes changed")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["ro.sqlite", "ro.sqlite.key"])
    }

    @Test func aFullDiskStopsAnImportClearlyAndItResumesWithRoom() throws {
        let store = scratch.path + "/full.sqlite"
        #expect(try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store]).status == 0)
        let csv = scratch.path + "/generated.csv"
        #expect(try Harness.run(["demo", "--csv-only", "--export-csv", csv, "--clients", "150", "--days", "120", "--seed", "5"]).status == 0)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count - 1
        // No file may grow past 3 MB (ulimit -f counts 512-byte blocks in /bin/sh), and past that a write fails
        // instead of killing the process: a disk that fills up, for this process only, and honest under root too.
        let full = try vigil(after: "trap '' XFSZ; ulimit -f 6000",
                             ["import", csv, "--store", store, "--batch-size", "500"])
        #expect(full.status == 1)
        #expect(full.stderr.contains(store), "\(full.stderr)")
        #expect(full.stderr.contains("the disk is full") || full.stderr.contains("the disk refused a read or write"), "\(full.stderr)")
        #expect(!full.stderr.contains("SQLite error"), "\(full.stderr)")
        #expect(try KillLoop.integrityCheck(store) == ["ok"])
        let (counted, stored) = try KillLoop.read(store) { db in
            (try Int.fetchOne(db, sql: "SELECT SUM(rows_imported) FROM imports")!, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions")!)
        }
        #expect(counted == stored)
        #expect(stored >= 1_021 && stored < 1_021 + rows)

        let resumed = try Harness.run(["import", csv, "--store", store, "--batch-size", "500"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try KillLoop.read(store) { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions") } == 1_021 + rows)
        try KillLoop.checkStore(store, after: "the resumed import")
    }

    @Test func everyFileVigilMakesIsPrivateWhateverTheUmask() throws {
        let loose = "umask 000"
        let demo = scratch.path + "/demo.sqlite"
        #expect(try vigil(after: loose, ["demo", "--store", demo, "--clients", "100", "--days", "60", "--seed", "3"]).status == 0)
        #expect(try vigil(after: loose, ["scan", "--store", demo, "--detectors", "rules", "--seed", "7"]).status == 0)
        #expect(try vigil(after: loose, ["triage", "--store", demo, "--alert", "1", "--decision", "fraud"]).status == 0)
        let imported = scratch.path + "/imported.sqlite"
        #expect(try vigil(after: loose, ["import", Harness.fixture("cards-2023-sample.csv"), "--store", imported]).status == 0)
        let csv = scratch.path + "/export.csv"
        #expect(try vigil(after: loose, ["demo", "--csv-only", "--export-csv", csv, "--clients", "20", "--days", "10"]).status == 0)
        var reports: [String] = []
        for format in ["md", "csv", "json"] {
            let report = scratch.path + "/cases.\(format)"
            let made = try vigil(after: loose, ["report", "--store", demo, "--format", format, "--out", report])
            #expect(made.status == 0, "\(made.stderr)")
            reports.append(report)
        }
        #expect(try String(contentsOfFile: scratch.path + "/cases.json", encoding: .utf8).contains("confirmed_fraud"))
        let features = scratch.path + "/features.csv"
        #expect(try vigil(after: loose, ["features", "--store", demo, "--out", features]).status == 0)
        // A report written over an existing, world-readable file leaves it private too.
        try Data("old".utf8).write(to: URL(fileURLWithPath: reports[0]))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: reports[0])
        #expect(try vigil(after: loose, ["report", "--store", demo, "--out", reports[0]]).status == 0)

        for file in [demo, imported, csv, features] + reports {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) is mode \(String(mode ?? 0, radix: 8))")
        }
        // The WAL's files, while a connection holds them open, take the store's mode.
        let holder = try DatabaseQueue(path: demo)
        defer { try? holder.close() }
        try holder.write { db in try db.execute(sql: "CREATE TEMP TABLE t (x)") }
        #expect(try holder.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
        for suffix in ["-wal", "-shm"] where FileManager.default.fileExists(atPath: demo + suffix) {
            let mode = try FileManager.default.attributesOfItem(atPath: demo + suffix)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(suffix) is mode \(String(mode ?? 0, radix: 8))")
        }
    }
}
