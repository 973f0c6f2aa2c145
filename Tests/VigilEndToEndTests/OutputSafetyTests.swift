import Foundation
import GRDB
import Testing

/// Where and how Vigil's output goes: exports never written through a link or into a device, never left half
/// written; spreadsheet formulas and terminal controls from data neutralised in every report; and a standard output
/// or error that cannot be written is an error with a non-zero exit, never a crash nor a silent success.
@Suite struct OutputSafetyTests {
    let scratch = Scratch()

    /// `vigil arguments` under /bin/sh after `prelude` (ulimit, trap, a closed descriptor), its output in files.
    func vigil(after prelude: String, _ arguments: [String], stdout: String? = nil) throws -> Harness.Output {
        let base = scratch.path + "/run-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "VIGIL_STORE")
        let child = try ChildProcess("/bin/sh", ["-c", prelude + "; exec \"$0\" \"$@\"", Harness.binary] + arguments,
                                     environment: env, stdout: stdout ?? base + ".out", stderr: base + ".err")
        let status = child.wait(upTo: 300, what: "vigil " + arguments.joined(separator: " "))
        return Harness.Output(status: status, stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                              stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// A small store with its first alert decided, and a note of `noteLength` characters on it when given.
    func storeWithCases(_ name: String, noteLength: Int? = nil) throws -> String {
        let store = scratch.path + "/" + name
        #expect(try Harness.run(["demo", "--store", store, "--clients", "60", "--days", "60", "--seed", "3"]).status == 0)
        #expect(try Harness.run(["scan", "--store", store, "--detectors", "rules", "--seed", "7"]).status == 0)
        let triage = try Harness.run(["triage", "--store", store, "--alert", "1", "--decision", "fraud", "--analyst", "ana"]
                                     + (noteLength.map { ["--note", String(repeating: "n", count: $0)] } ?? []))
        #expect(triage.status == 0, "\(triage.stderr)")
        return store
    }

    func mode(_ path: String) throws -> Int? {
        try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    }

    @Test func exportsAreNeverWrittenThroughALinkNorIntoADevice() throws {
        let store = try storeWithCases("links.sqlite")
        let victim = scratch.path + "/victim.txt"
        try "keep me\n".write(toFile: victim, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: victim)
        let symlink = scratch.path + "/symlink.md"
        try FileManager.default.createSymbolicLink(atPath: symlink, withDestinationPath: victim)
        let hardLink = scratch.path + "/hardlink.md"
        try FileManager.default.linkItem(atPath: victim, toPath: hardLink)
        let directory = scratch.path + "/a-directory"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let fifo = scratch.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let devNullMode = try mode("/dev/null")

        let cases: [(target: String, says: String)] = [
            (symlink, "is a symbolic link"), (hardLink, "hard links"), (directory, "is a directory"),
            (fifo, "named pipe"), ("/dev/null", "is a device"),
        ]
        for (target, says) in cases {
            for arguments in [["report", "--store", store, "--out", target], ["features", "--store", store, "--out", target],
                              ["demo", "--csv-only", "--export-csv", target, "--clients", "5", "--days", "3"]] {
                let result = try Harness.run(arguments)
                #expect(result.status == 1, "\(arguments): \(result.stderr)")
                #expect(result.stderr.contains("cannot write \(target): it ") && result.stderr.contains(says),
                        "\(arguments): \(result.stderr)")
            }
        }
        // The link's target, its content and its mode, are as they were; so is /dev/null.
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep me\n")
        #expect(try mode(victim) == 0o644)
        #expect(try mode("/dev/null") == devNullMode)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: symlink) == victim)
        // Nothing was left beside them.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasSuffix(".tmp") } == [])
    }

    @Test func aFullDiskLeavesNoPartialFileAndTheOldOneUntouched() throws {
        // A report of over 100 KiB, and files limited to 50 KiB: past that, writes fail with EFBIG as on a full disk,
        // while the store (read only) is untouched by the limit.
        let store = try storeWithCases("full.sqlite", noteLength: 120_000)
        let fileLimit = "trap '' XFSZ; ulimit -f 100"
        // A new report that cannot be written is not created at all: no empty file.
        let report = scratch.path + "/report.md"
        let failed = try vigil(after: fileLimit, ["report", "--store", store, "--out", report])
        #expect(failed.status == 1, "\(failed.stderr)")
        #expect(failed.stderr.contains("cannot write \(report): File too large"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: report))
        // An existing export is left exactly as it was.
        let export = scratch.path + "/export.csv"
        try "old export\n".write(toFile: export, atomically: false, encoding: .utf8)
        let export2 = try vigil(after: fileLimit, ["demo", "--csv-only", "--export-csv", export, "--clients", "20", "--days", "30"])
        #expect(export2.status == 1, "\(export2.stderr)")
        #expect(export2.stderr.contains("the existing file is unchanged"), "\(export2.stderr)")
        #expect(try String(contentsOfFile: export, encoding: .utf8) == "old export\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasSuffix(".tmp") } == [])
        // With room, the same commands write whole files.
        #expect(try Harness.run(["report", "--store", store, "--out", report]).status == 0)
        #expect(try String(contentsOfFile: report, encoding: .utf8).contains("\n1 case, "))
        #expect(try mode(report) == 0o600)
    }

    @Test func reportsNeutraliseFormulasAndControlsFromData() throws {
        let store = try storeWithCases("hostile.sqlite")
        let formula = "=HYPERLINK(\"http://evil\",\"x\")"
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in
            try db.execute(sql: "UPDATE transactions SET merchant = ?, category = ? WHERE id = (SELECT transaction_id FROM alerts WHERE id = 1)",
                           arguments: [formula, "@SUM(A1)"])
            try db.execute(sql: "UPDATE alerts SET merchant = ?, category = ? WHERE id = 1", arguments: [formula, "@SUM(A1)"])
        }
        try queue.close()
        let note = "called \u{1B}[31mred\u{07} \u{202E}olleh\u{9B}2J\r\nend"
        #expect(try Harness.run(["triage", "--store", store, "--alert", "1", "--note", note, "--analyst", "bo\u{1B}]0;x\u{07}"]).status == 0)

        let csv = try Harness.run(["report", "--store", store, "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(csv.stdout.contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\",'@SUM(A1),"), "\(csv.stdout)")
        // The note's line break stays inside its quoted cell; its controls are shown.
        #expect(csv.stdout.contains("\"bo␛]0;x␇: called ␛[31mred␇ �olleh�2J\r\nend\""), "\(csv.stdout)")
        let json = try Harness.run(["report", "--store", store, "--format", "json"])
        #expect(json.stdout.contains("\\u202e") && json.stdout.contains("\\u009b") && json.stdout.contains("\\u001b"), "\(json.stdout)")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let alert = (parsed[0]["alerts"] as? [[String: Any]])?.first { $0["alert_id"] as? Int == 1 }
        #expect((alert?["notes"] as? [[String: Any]])?.first?["text"] as? String == note)
        let markdown = try Harness.run(["report", "--store", store, "--format", "md"])
        for output in [csv.stdout, json.stdout, markdown.stdout] {
            let bytes = Array(output.utf8)
            #expect(!bytes.contains(0x1B) && !bytes.contains(0x07), "a raw control went out")
            #expect(!String(decoding: bytes, as: UTF8.self).unicodeScalars.contains { $0 == "\u{202E}" || $0 == "\u{9B}" })
        }
        #expect(markdown.stdout.contains("bo␛]0;x␇"), "\(markdown.stdout)")
    }

    @Test func aStandardOutputThatCannotBeWrittenIsAnError() throws {
        let store = try storeWithCases("stdout.sqlite")
        let commands: [[String]] = [
            ["stats", "--store", store], ["stats", "--json", "--store", store], ["alerts", "--store", store],
            ["eval", "--store", store], ["audit", "log", "--store", store], ["audit", "verify", "--store", store],
            ["report", "--store", store], ["report", "--format", "json", "--store", store],
            ["config", "--print-defaults"],
        ]
        for arguments in commands {
            let full = try vigil(after: ":", arguments, stdout: "/dev/full")
            #expect(full.status == 1, "\(arguments) into /dev/full: \(full.status) \(full.stderr)")
            #expect(full.stderr.contains("cannot write standard output: No space left on device"), "\(arguments): \(full.stderr)")
            let closed = try vigil(after: "exec >&-", arguments)
            #expect(closed.status == 1, "\(arguments) with stdout closed: \(closed.status) \(closed.stderr)")
            #expect(closed.stderr.contains("cannot write standard output: Bad file descriptor"), "\(arguments): \(closed.stderr)")
        }
    }

    @Test func errorMessagesThatRepeatAValueShowItSafely() throws {
        let bad = try Harness.run(["report", "--store", scratch.path + "/none.sqlite", "--since", "\u{1B}]0;owned\u{07}"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("not '␛]0;owned␇'"), "\(bad.stderr)")
        #expect(!bad.stderr.utf8.contains(0x1B) && !bad.stderr.utf8.contains(0x07))
        let unknown = try Harness.run(["stats", "--\u{1B}[2J"])
        #expect(unknown.status != 0 && !unknown.stderr.utf8.contains(0x1B), "\(unknown.stderr)")
        // Help is output too: into a full disk it is an error.
        #expect(try vigil(after: ":", ["--help"]).status == 0)
        let help = try vigil(after: ":", ["--help"], stdout: "/dev/full")
        #expect(help.status == 1 && help.stderr.contains("cannot write standard output"), "\(help.stderr)")
    }

    @Test func anImportWhoseStandardErrorFailsStillCompletes() throws {
        let store = scratch.path + "/import.sqlite"
        let missing = scratch.path + "/missing.csv"
        // The missing file's error goes to a standard error that cannot take it; the good file is imported anyway.
        let result = try vigil(after: "exec 2>/dev/full", ["import", Harness.fixture("cards-2023-sample.csv"), missing, "--store", store])
        #expect(result.status == 1)
        #expect(result.stdout.contains("cards-2023-sample.csv: read "), "\(result.stdout)")
        let queue = try DatabaseQueue(path: store)
        defer { try? queue.close() }
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM imports") } == 1)
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM transactions") } ?? 0 > 0)
    }
}
