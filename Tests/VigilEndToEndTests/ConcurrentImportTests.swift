import Foundation
import GRDB
import Testing

/// Imports run by real processes side by side, a file that breaks part-way, and a file of garbage.
@Suite(.serialized) struct ConcurrentImportTests {
    let scratch = Scratch()

    /// A CSV of `rows` rows of clients `PREFIX0`…, every `badEvery`-th with an amount that cannot be read (7.7 % of
    /// them by default: its imports raise `--max-rejected` to 10 % unless a test is about the limit).
    func writeCSV(_ name: String, rows: Int, clients: Int, firstID: Int = 0, prefix: String = "C", badEvery: Int = 13) throws -> String {
        var text = "id,client,time,amount,merchant\n"
        text.reserveCapacity(rows * 48)
        for i in 0..<rows {
            let amount = i % badEvery == badEvery - 1 ? "n/a" : "\(i % 89 + 1).50"
            text += "T\(firstID + i),\(prefix)\(i % clients),\(1_700_000_000 + i * 37),\(amount),Shop\(i % 7)\n"
        }
        let path = scratch.path + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func seededStore(_ name: String) throws -> String {
        let store = scratch.path + "/" + name
        let seed = try writeCSV("seed-\(name).csv", rows: 20, clients: 3, firstID: 9_000_000, prefix: "S")
        #expect(try Harness.run(["import", "--max-rejected", "10%", seed, "--store", store]).status == 0)
        return store
    }

    /// Every way the ledger can disagree with the rows, counted; 0 when the store is consistent.
    func inconsistencies(_ store: String) throws -> [String: Int] {
        try DatabaseQueue(path: store).read { db in
            func count(_ sql: String) throws -> Int { try Int.fetchOne(db, sql: sql) ?? -1 }
            return [
                "imports whose imported count differs from their rows": try count("""
                    SELECT COUNT(*) FROM imports i WHERE rows_imported != (SELECT COUNT(*) FROM transactions t WHERE t.import_id = i.id)
                    """),
                "imports whose rejected count differs from their kept rows": try count("""
                    SELECT COUNT(*) FROM imports i WHERE rows_rejected != (SELECT COUNT(*) FROM rejected_rows r WHERE r.import_id = i.id)
                    """),
                "lines rejected twice": try count("""
                    SELECT COUNT(*) FROM (SELECT 1 FROM rejected_rows GROUP BY import_id, line HAVING COUNT(*) > 1)
                    """),
                "transactions without their client": try count("""
                    SELECT COUNT(*) FROM transactions t WHERE NOT EXISTS (SELECT 1 FROM clients c WHERE c.id = t.client_id)
                    """),
                "clients whose count differs from their transactions": try count("""
                    SELECT COUNT(*) FROM clients c WHERE transaction_count != (SELECT COUNT(*) FROM transactions t WHERE t.client_id = c.id)
                    """),
            ].filter { $0.value != 0 }
        }
    }

    @Test func twoImportsOfTheSameFileAtOnceKeepOneLedgerEqualToItsRows() throws {
        let store = try seededStore("same.sqlite")
        let rows = 60_000
        let csv = try writeCSV("same.csv", rows: rows, clients: 500)
        let outputs = (0..<2).map { scratch.path + "/same-\($0)" }
        let children = try outputs.map {
            try ChildProcess(Harness.binary, ["import", "--max-rejected", "10%", csv, "--store", store, "--batch-size", "1000"],
                             environment: ProcessInfo.processInfo.environment, stdout: $0 + ".out", stderr: $0 + ".err")
        }
        for child in children { #expect(child.wait(upTo: 300, what: "an import") == 0) }
        for output in outputs {
            let err = (try? String(contentsOfFile: output + ".err", encoding: .utf8)) ?? ""
            #expect(err.isEmpty, "\(err)")
        }
        #expect(try inconsistencies(store) == [:])
        let (imports, imported, rejected) = try DatabaseQueue(path: store).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM imports WHERE file_name = 'same.csv'")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE client_id LIKE 'C%'")!,
             try Int.fetchOne(db, sql: "SELECT SUM(rows_rejected) FROM imports WHERE file_name = 'same.csv'")!)
        }
        #expect(imports == 1, "one ledger entry for one content")
        #expect(rejected == rows / 13)
        #expect(imported == rows - rows / 13)
        let again = try Harness.run(["import", "--max-rejected", "10%", csv, "--store", store])
        #expect(again.stdout.contains("already imported"))
    }

    @Test func twoDifferentFilesImportingAtOnceBothReconcile() throws {
        let store = try seededStore("two.sqlite")
        // Overlapping ids: the rows both files hold go in once, counted as a duplicate by whichever comes second.
        let first = try writeCSV("a.csv", rows: 40_000, clients: 300)
        let second = try writeCSV("b.csv", rows: 40_000, clients: 300, firstID: 30_000, prefix: "C")
        let children = try [first, second].map {
            try ChildProcess(Harness.binary, ["import", "--max-rejected", "10%", $0, "--store", store, "--batch-size", "1000"],
                             environment: ProcessInfo.processInfo.environment)
        }
        for child in children { #expect(child.wait(upTo: 300, what: "an import") == 0) }
        #expect(try inconsistencies(store) == [:])
        let (distinct, duplicates) = try DatabaseQueue(path: store).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE client_id LIKE 'C%'")!,
             try Int.fetchOne(db, sql: "SELECT SUM(rows_duplicate) FROM imports")!)
        }
        // Ids 0..<70,000 less the unreadable rows of each file; the overlap's readable rows once each.
        let readable = { (first: Int, count: Int) in (0..<count).filter { $0 % 13 != 12 }.map { first + $0 } }
        let expected = Set(readable(0, 40_000)).union(readable(30_000, 40_000))
        #expect(distinct == expected.count)
        #expect(duplicates == Set(readable(0, 40_000)).intersection(readable(30_000, 40_000)).count)
    }

    @Test func aTruncatedGzipAsTheFirstFileLeavesNoStoreAndAnExistingStoreConsistent() throws {
        let csv = try writeCSV("whole.csv", rows: 80_000, clients: 2_000)
        let whole = csv + ".gz"
        let cut = scratch.path + "/cut.csv.gz"
        try Harness.shell("gzip -c '\(csv)' > '\(whole)' && head -c $(( $(stat -c %s '\(whole)') / 2 )) '\(whole)' > '\(cut)'")
        let directory = scratch.path + "/new"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let store = directory + "/new.sqlite"

        let failed = try Harness.run(["import", "--max-rejected", "10%", cut, "--store", store, "--batch-size", "1000"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("truncated"), "\(failed.stderr)")
        #expect(failed.stderr.contains("was not created"), "\(failed.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == [], "no store, no half-built file")

        // Into an existing store the committed batches stay, with their clients, and the whole file completes them.
        let existing = try seededStore("existing.sqlite")
        let partly = try Harness.run(["import", "--max-rejected", "10%", cut, "--store", existing, "--batch-size", "1000"])
        #expect(partly.status == 1)
        #expect(try inconsistencies(existing) == [:])
        let complete = try Harness.run(["import", "--max-rejected", "10%", whole, "--store", existing])
        #expect(complete.status == 0)
        #expect(try inconsistencies(existing) == [:])
        let stored = try DatabaseQueue(path: existing).read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE client_id LIKE 'C%'")!
        }
        #expect(stored == 80_000 - 80_000 / 13)
        let scan = try Harness.run(["scan", "--store", existing, "--detectors", "rules"])
        #expect(scan.status == 0, "\(scan.stderr)")
    }

    @Test func rejectedRowsPastTheCapAreCountedAndSaidToBeNotKept() throws {
        let store = try seededStore("cap.sqlite")
        let csv = try writeCSV("garbage.csv", rows: 3_000, clients: 10, badEvery: 2)
        let result = try Harness.run(["import", csv, "--store", store, "--keep-rejected", "100"])
        // Half the rows rejected: past the default --max-rejected of 1 %, so the import says so last and fails; the
        // rows it could read are in all the same.
        #expect(result.status == 1)
        #expect(result.stdout.hasSuffix("1,500 rows rejected (50.0 % of 3,000 read): more than --max-rejected 1 % allows; "
                                        + "see `vigil rejected --store \(store)`\n"), "\(result.stdout)")
        #expect(result.stdout.contains("rejected 1,500"))
        #expect(result.stdout.contains("1,400 rejected rows were counted but not kept"), "\(result.stdout)")
        let kept = try DatabaseQueue(path: store).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejected_rows WHERE import_id = 2")! }
        #expect(kept == 100)
        let listed = try Harness.run(["rejected", "--store", store, "--limit", "5"])
        #expect(listed.stdout.contains("import 2: 1,400 more rejected rows were counted but not kept"), "\(listed.stdout)")
        let raw = try Harness.run(["rejected", "--store", store, "--raw", "--limit", "5"])
        #expect(raw.stdout.split(separator: "\n").count == 5)
        #expect(raw.stderr.contains("counted but not kept"))
    }
}
