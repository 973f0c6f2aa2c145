import Foundation
import GRDB
import Testing

@Suite(.serialized) struct CommandLineTests {
    let scratch = Scratch()

    @Test func importThenStatsJSON() throws {
        let store = scratch.path + "/s.sqlite"
        let imported = try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        #expect(imported.status == 0)
        #expect(imported.stdout.contains("read 1,021 rows: imported 1,021, rejected 0, duplicate 0"))
        #expect(imported.stderr.isEmpty, "no progress line when not on a terminal: \(imported.stderr)")

        let stats = try Harness.run(["stats", "--store", store, "--json"])
        #expect(stats.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(object?["transactions"] as? Int == 1021)
        #expect(object?["clients"] as? Int == 300 || (object?["clients"] as? Int ?? 0) > 0)
        #expect(object?["labelled_fraud"] as? Int == 9)
        #expect(object?["rejected"] as? Int == 0)

        let again = try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already imported"))
    }

    @Test func badRowsAreReportedWithLineColumnValueAndReason() throws {
        let store = scratch.path + "/bad.sqlite"
        let result = try Harness.run(["import", Harness.fixture("bad-rows.csv"), "--store", store,
                                      "--map", "time=when", "--map", "amount=value", "--map", "merchant=shop"])
        // 6 of 11 rows rejected is more than --max-rejected's 1 %: the import exits 1 and says so last.
        #expect(result.status == 1)
        #expect(result.stdout.split(separator: "\n").last
                == "6 rows rejected (54.5 % of 11 read): more than --max-rejected 1 % allows; see `vigil rejected --store \(store)`")
        #expect(result.stdout.contains("read 11 rows: imported 4, rejected 6, duplicate 1"))
        #expect(result.stdout.contains("line 4, column when, value 'not a date'"))
        #expect(result.stdout.contains("line 8: expected 8 fields, found 5"))
        let rejected = try Harness.run(["rejected", "--store", store, "--raw"])
        #expect(rejected.stdout.split(separator: "\n").count == 6)
        #expect(rejected.stdout.contains("T7,C3,2024-03-02 11:00:00,5.00,Cafe"))
    }

    @Test func fileErrorsNameTheFileAndTheOtherFilesStillImport() throws {
        let store = scratch.path + "/e.sqlite"
        let missing = scratch.path + "/missing.csv"
        let noTime = scratch.path + "/notime.csv"
        try "client,amount\nC1,5\n".write(toFile: noTime, atomically: true, encoding: .utf8)
        let result = try Harness.run(["import", missing, noTime, Harness.fixture("cards-2023-sample.csv"), "--store", store])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(missing): cannot read"))
        #expect(result.stderr.contains("\(noTime): no column for required field 'time'"))
        #expect(result.stdout.contains("imported 1,021"))
    }

    @Test func repeatedRowsInAFirstImportAreCountedAsDuplicates() throws {
        let store = scratch.path + "/r.sqlite"
        let csv = scratch.path + "/repeats.csv"
        try "id,client,time,amount\n1,C1,2024-01-01 10:00:00,5\n2,C2,2024-01-01 11:00:00,6\n1,C1,2024-01-01 10:00:00,5\n"
            .write(toFile: csv, atomically: true, encoding: .utf8)
        let result = try Harness.run(["import", csv, Harness.fixture("cards-2023-sample.csv"), "--store", store])
        #expect(result.status == 0)
        #expect(result.stdout.contains("read 3 rows: imported 2, rejected 0, duplicate 1"))
        #expect(result.stdout.contains("imported 1,021"))
        #expect(result.stdout.components(separatedBy: "\n").filter { $0.contains("repeats.csv") }.count == 1,
                "the discarded first attempt prints nothing")
        let stats = try JSONSerialization.jsonObject(with: Data(try Harness.run(["stats", "--store", store, "--json"]).stdout.utf8)) as? [String: Any]
        #expect(stats?["transactions"] as? Int == 1_023)
        // The first file's hash, computed after its rows went in, is stored: importing it again adds nothing.
        let again = try Harness.run(["import", csv, "--store", store])
        #expect(again.status == 0 && again.stdout.contains("already imported (import #1)"), "\(again.stdout)")
    }

    @Test func aThemeThatCannotBeUsedIsAnErrorBeforeTheTerminalIsTouched() throws {
        let unknown = try Harness.run(["--theme", "nosuch"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("nosuch: no such theme (available: dark, high-contrast, light)"), "\(unknown.stderr)")
        let file = scratch.path + "/broken.theme"
        try "name = broken\n\nalert = red blink\n".write(toFile: file, atomically: true, encoding: .utf8)
        let broken = try Harness.run(["--theme", file])
        #expect(broken.status != 0)
        #expect(broken.stderr.contains("\(file):3: alert: unknown attribute 'blink'"), "\(broken.stderr)")
    }

    @Test func reportExportsNothingBeforeAnyDecisionAndRefusesABadDate() throws {
        let store = scratch.path + "/report.sqlite"
        try Harness.run(["demo", "--store", store, "--clients", "5", "--days", "10"])
        let empty = try Harness.run(["report", "--store", store])
        #expect(empty.status == 0 && empty.stdout.hasPrefix("# Vigil case report\n\n0 cases, 0 alerts."))
        let csv = try Harness.run(["report", "--store", store, "--format", "csv"])
        #expect(csv.stdout.hasPrefix("case_id,case_status,alert_id,transaction_id,"))
        let bad = try Harness.run(["report", "--store", store, "--since", "2025-02-30"])
        #expect(bad.status != 0 && bad.stderr.contains("--since must be a day like 2025-03-01, not '2025-02-30'"))
    }

    @Test func aBadFileAloneNeverCreatesAStore() throws {
        let store = scratch.path + "/never.sqlite"
        let result = try Harness.run(["import", scratch.path + "/nothing.csv", "--store", store])
        #expect(result.status == 1)
        #expect(!FileManager.default.fileExists(atPath: store))
        let unknown = try Harness.run(["import", Harness.fixture("bad-rows.csv"), "--store", store, "--map", "colour=red"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown field 'colour'"))
    }

    @Test func auditVerifiesTheTrailAndFailsWhenItIsTamperedWith() throws {
        let store = scratch.path + "/audit.sqlite"
        try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        let clean = try Harness.run(["audit", "--store", store])
        #expect(clean.status == 0)
        #expect(clean.stdout.contains("audit trail intact: 0 triage events"))
        // Two events chained by hand as the store would, then one altered behind the triggers' back.
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO alerts (transaction_id, score, created_at, updated_at) VALUES (1, 0.9, 0, 0)")
            try db.execute(sql: "INSERT INTO triage_events (alert_id, at, analyst, action, prev_hash, hash) VALUES (1, 5, 'ana', 'note', ?, 'not-a-real-hash')",
                           arguments: [String(repeating: "0", count: 64)])
        }
        let broken = try Harness.run(["audit", "verify", "--store", store])
        #expect(broken.status == 1)
        #expect(broken.stderr.contains("BROKEN at triage event #1"))
        // `vigil audit` alone verifies too.
        #expect(try Harness.run(["audit", "--store", store]).status == 1)
    }

    @Test func statsOnAMissingStoreIsAClearError() throws {
        let result = try Harness.run(["stats", "--store", scratch.path + "/none.sqlite"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("no store at"))
    }

    @Test func demoIsDeterministicAndReimportsFromItsCSV() throws {
        let a = scratch.path + "/a.csv", b = scratch.path + "/b.csv"
        try Harness.run(["demo", "--csv-only", "--export-csv", a, "--clients", "40", "--days", "60", "--seed", "7"])
        try Harness.run(["demo", "--csv-only", "--export-csv", b, "--clients", "40", "--days", "60", "--seed", "7"])
        let da = try Data(contentsOf: URL(fileURLWithPath: a)), db = try Data(contentsOf: URL(fileURLWithPath: b))
        #expect(da == db && da.count > 10_000)

        let store = scratch.path + "/demo.sqlite"
        let generated = try Harness.run(["demo", "--store", store, "--clients", "40", "--days", "60", "--seed", "7"])
        #expect(generated.status == 0)
        let rows = String(decoding: da, as: UTF8.self).split(separator: "\n").count - 1
        let stats = try JSONSerialization.jsonObject(with: Data(try Harness.run(["stats", "--store", store, "--json"]).stdout.utf8)) as? [String: Any]
        #expect(stats?["transactions"] as? Int == rows)

        // The exported CSV imported into a fresh store gives the same transactions.
        let viaCSV = scratch.path + "/via.sqlite"
        let imported = try Harness.run(["import", a, "--store", viaCSV])
        #expect(imported.stdout.contains("vigil layout"))
        let q = "SELECT source_key, client_id, instant, amount_minor, merchant, label, label_kind FROM transactions ORDER BY source_key"
        let left = try DatabaseQueue(path: store).read { db in try Row.fetchAll(db, sql: q) }
        let right = try DatabaseQueue(path: viaCSV).read { db in try Row.fetchAll(db, sql: q) }
        #expect(left == right)

        let twice = try Harness.run(["demo", "--store", store, "--clients", "40", "--days", "60", "--seed", "7"])
        #expect(twice.stdout.contains("already in the store"))
    }

    @Test func anImportIntoAnExistingStoreKilledMidwayLeavesItConsistentAndResumes() throws {
        let csv = scratch.path + "/big.csv"
        try Harness.run(["demo", "--csv-only", "--export-csv", csv, "--clients", "300", "--days", "200"])
        let total = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count - 1
        let small = scratch.path + "/small.csv"
        try Harness.run(["demo", "--csv-only", "--export-csv", small, "--clients", "3", "--days", "5", "--seed", "9"])
        let smallRows = try String(contentsOfFile: small, encoding: .utf8).split(separator: "\n").count - 1
        let store = scratch.path + "/k.sqlite"
        #expect(try Harness.run(["import", small, "--store", store]).status == 0)

        let child = try ChildProcess(Harness.binary, ["import", csv, "--store", store, "--batch-size", "500"],
                                     environment: ProcessInfo.processInfo.environment)
        // Kill it once some batches have committed.
        let deadline = Date().addingTimeInterval(60)
        var committed = 0
        let progress = "SELECT rows_read FROM imports WHERE id = 2"
        while committed < 2_000 && Date() < deadline && child.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            committed = (try? DatabaseQueue(path: store).read { db in try Int.fetchOne(db, sql: progress) ?? 0 }) ?? 0
        }
        #expect(child.isRunning, "the import finished before it could be killed; make the file larger")
        child.kill()
        child.wait(upTo: 60, what: "the killed import")

        let (read, status, stored) = try DatabaseQueue(path: store).read { db in
            (try Int.fetchOne(db, sql: progress)!, try String.fetchOne(db, sql: "SELECT status FROM imports WHERE id = 2")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE import_id = 2")!)
        }
        #expect(status == "running")
        #expect(read > 0 && read < total)
        #expect(stored == read, "committed counters and rows agree")

        let resumed = try Harness.run(["import", csv, "--store", store])
        #expect(resumed.status == 0)
        #expect(resumed.stdout.contains("resumed an interrupted import"))
        let final = try DatabaseQueue(path: store).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions")! }
        #expect(final == total + smallRows)
        let indexes = try DatabaseQueue(path: store).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'transactions'")
        }
        #expect(indexes.contains("transactions_by_client_time"))
    }

    @Test func anImportIntoANewStoreKilledMidwayLeavesNoStore() throws {
        let csv = scratch.path + "/big.csv"
        try Harness.run(["demo", "--csv-only", "--export-csv", csv, "--clients", "300", "--days", "200"])
        let total = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n").count - 1
        let directory = scratch.path + "/stores"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = directory + "/n.sqlite"

        let child = try ChildProcess(Harness.binary, ["import", csv, "--store", store, "--batch-size", "500"],
                                     environment: ProcessInfo.processInfo.environment)
        // The new store is built beside its path; kill the import once that file has grown.
        let building = directory + "/.n.sqlite.building-\(child.pid)"
        let deadline = Date().addingTimeInterval(60)
        var size = 0
        while size < 2_000_000 && Date() < deadline && child.isRunning {
            Thread.sleep(forTimeInterval: 0.05)
            size = ((try? FileManager.default.attributesOfItem(atPath: building))?[.size] as? Int) ?? 0
        }
        #expect(child.isRunning, "the import finished before it could be killed; make the file larger")
        child.kill()
        child.wait(upTo: 60, what: "the killed import")
        #expect(!FileManager.default.fileExists(atPath: store), "a load into a new store is all or nothing")

        let again = try Harness.run(["import", csv, "--store", store])
        #expect(again.status == 0)
        #expect(!again.stdout.contains("resumed"))
        let final = try DatabaseQueue(path: store).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions")! }
        #expect(final == total)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["n.sqlite", "n.sqlite.key"],
                "the killed build's files (the store's and its key's) are removed by the next build")
    }
}
