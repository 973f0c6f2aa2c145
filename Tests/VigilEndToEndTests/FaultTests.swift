import Foundation
import GRDB
import Testing

/// SIGKILL during an import, a scan and triage decisions, at seeded random moments, several times each (`KillLoop`):
/// afterwards the store is sound, its audit trail verifies, nothing committed is lost, and running the command again
/// finishes the work with nothing twice.
@Suite(.serialized) struct FaultTests {
    let scratch = Scratch()

    /// A CSV of generated transactions (about 31,000 rows), in Vigil's own layout.
    func generatedCSV() throws -> (path: String, rows: Int) {
        let path = scratch.path + "/generated.csv"
        let made = try Harness.run(["demo", "--csv-only", "--export-csv", path, "--clients", "150", "--days", "120", "--seed", "5"])
        #expect(made.status == 0, "\(made.stderr)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return (path, text.split(separator: "\n").count - 1)
    }

    func copyStore(_ from: String, to: String) throws {
        // Only the main file: every vigil process has ended, and the last connection to close folds the WAL into it.
        #expect(!FileManager.default.fileExists(atPath: from + "-wal"))
        try FileManager.default.copyItem(atPath: from, toPath: to)
        // With its key: a store copied without it can be read but not written to.
        try FileManager.default.copyItem(atPath: from + ".key", toPath: to + ".key")
    }

    /// Transactions as (count, distinct identities, sum of amounts): equal between two stores only if they hold the
    /// same rows once each.
    func transactionFingerprint(_ store: String) throws -> [Int64] {
        try KillLoop.read(store) { db in
            let row = try Row.fetchOne(db, sql: "SELECT COUNT(*), COUNT(DISTINCT source_hash), SUM(amount_minor) FROM transactions")!
            return [row[0], row[1], row[2]]
        }
    }

    @Test func aKilledImportResumesAndNeverDuplicates() throws {
        let (csv, rows) = try generatedCSV()
        let sampleRows = 1_021
        let store = scratch.path + "/import.sqlite"
        let reference = scratch.path + "/reference.sqlite"
        let importCommand = ["import", csv, "--store", store, "--batch-size", "500"]

        // A kill during the first import into a new store: the store appears whole or not at all.
        let firstTime = try KillLoop.timeOneRun(["import", csv, "--store", reference, "--batch-size", "500"]).seconds
        let fresh = scratch.path + "/fresh.sqlite"
        try KillLoop.run(["import", csv, "--store", fresh], store: fresh, iterations: 2, seed: 11, typicalSeconds: firstTime) { run in
            if FileManager.default.fileExists(atPath: fresh) {
                #expect(try transactionFingerprint(fresh) == transactionFingerprint(reference), "a partial new store after \(run.delay) s")
                try FileManager.default.removeItem(atPath: fresh)
            }
        }
        let completed = try Harness.run(["import", csv, "--store", fresh])
        #expect(completed.status == 0 && completed.stdout.contains("imported \(Formatting.grouped(rows))"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.contains(".building-") }
        #expect(leftovers.isEmpty, "half-built stores left behind: \(leftovers)")

        // Kills while a file imports into an existing store, batch by batch.
        #expect(try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store]).status == 0)
        try FileManager.default.removeItem(atPath: reference)
        #expect(try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", reference]).status == 0)
        let seconds = try KillLoop.timeOneRun(["import", csv, "--store", reference, "--batch-size", "500"]).seconds
        let interrupted = try KillLoop.run(importCommand, store: store, iterations: 5, seed: 2024, typicalSeconds: seconds) { run in
            // The ledger and the rows commit together: every row it counts is stored, none it does not.
            let (ledgers, counted, stored) = try KillLoop.read(store) { db in
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM imports WHERE file_name = 'generated.csv'")!,
                 try Int.fetchOne(db, sql: "SELECT SUM(rows_imported) FROM imports")!,
                 try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions")!)
            }
            #expect(ledgers <= 1, "the file has \(ledgers) imports after run \(run.iteration)")
            #expect(counted == stored, "the ledger counts \(counted) rows, the store holds \(stored), after run \(run.iteration)")
            let identities = try KillLoop.read(store) { db in try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT source_hash) FROM transactions")! }
            #expect(identities == stored)
        }
        #expect(interrupted >= 1, "no kill landed during an import")

        // Run again to the end: every row exactly once, and a further run says there is nothing to add.
        let finished = try Harness.run(importCommand)
        #expect(finished.status == 0, "\(finished.stderr)")
        #expect(try transactionFingerprint(store) == transactionFingerprint(reference))
        #expect(try transactionFingerprint(store)[0] == Int64(sampleRows + rows))
        let again = try Harness.run(importCommand)
        #expect(again.status == 0 && again.stdout.contains("already imported"), "\(again.stdout)")
        #expect(try transactionFingerprint(store)[0] == Int64(sampleRows + rows))
        try KillLoop.checkStore(store, after: "the final import")
    }

    /// A store with the generated transactions, scanned once, and a few alerts decided.
    func scannedStore(_ path: String, csv: String) throws {
        #expect(try Harness.run(["import", csv, "--store", path]).status == 0)
        let scan = try Harness.run(["scan", "--store", path, "--detectors", "rules,iforest", "--seed", "7"])
        #expect(scan.status == 0, "\(scan.stderr)")
    }

    func alertState(_ store: String) throws -> [String] {
        try KillLoop.read(store) { db in
            try Row.fetchAll(db, sql: "SELECT transaction_id, status, score, reasons FROM alerts ORDER BY transaction_id").map { row in
                "\(row[0] as Int64) \(row[1] as String) \(row[2] as Double) \(row[3] as String)"
            }
        }
    }

    /// Live scores as (source key, score, alert or not) for every transaction scored live: equal between two stores
    /// only if each arrival was scored once, alike.
    func liveState(_ store: String) throws -> [String] {
        try KillLoop.read(store) { db in
            try Row.fetchAll(db, sql: """
                SELECT t.source_key, s.score, a.id IS NOT NULL AS alerted, a.score AS alert_score
                FROM live_scores s JOIN transactions t ON t.id = s.transaction_id
                LEFT JOIN alerts a ON a.transaction_id = s.transaction_id ORDER BY t.source_key
                """).map { row in "\(row[0] as String) \(row[1] as Double) \(row[2] as Bool) \((row[3] as Double?) ?? -1)" }
        }
    }

    @Test func aKilledIngestLosesNothingAndARerunScoresTheRestOnce() throws {
        let (csv, _) = try generatedCSV()
        // The first 100 days are imported and scanned; the last 20 arrive through `vigil ingest -`.
        let text = try String(contentsOfFile: csv, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let header = lines.removeFirst()
        let cut = lines.firstIndex { $0.contains(",2025-04-11T") } ?? lines.count * 5 / 6
        let early = scratch.path + "/early.csv", late = scratch.path + "/late.csv"
        try ([header] + lines[..<cut]).joined(separator: "\n").appending("\n").write(toFile: early, atomically: true, encoding: .utf8)
        try ([header] + lines[cut...]).joined(separator: "\n").appending("\n").write(toFile: late, atomically: true, encoding: .utf8)
        let arrivals = lines.count - cut
        #expect(arrivals > 3_000)
        let store = scratch.path + "/ingest.sqlite"
        try scannedStore(store, csv: early)
        let reference = scratch.path + "/ingest-reference.sqlite"
        try copyStore(store, to: reference)
        let started = Date()
        let whole = try Harness.shell("VIGIL_STORE= \(Harness.binary) ingest --quiet --store \(reference) - < \(late)")
        let seconds = Date().timeIntervalSince(started)
        #expect(whole.contains("\(Formatting.grouped(arrivals)) stored") && whole.contains("\(Formatting.grouped(arrivals)) scored"), "\(whole)")
        let expected = try liveState(reference)
        #expect(expected.count == arrivals)

        let command = ["ingest", "--quiet", "--store", store, "-"]
        let interrupted = try KillLoop.run(command, store: store, iterations: 4, seed: 808, typicalSeconds: seconds, input: late) { run in
            // Scores commit with the scored mark: every arrival up to the mark has its score, none beyond it has one.
            let (marked, scored, pending) = try KillLoop.read(store) { db in
                let mark = try Int64.fetchOne(db, sql: "SELECT scored_through FROM live_cursor")!
                return (mark, try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM live_scores")!,
                        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM live_scores WHERE transaction_id > ?", arguments: [mark])!)
            }
            #expect(pending == 0, "scores beyond the mark \(marked) after run \(run.iteration)")
            // What was scored so far was scored as the uninterrupted run scored it.
            let state = try liveState(store)
            #expect(state.count == scored)
            #expect(Set(state).isSubset(of: Set(expected)), "scores differ from the uninterrupted run's after run \(run.iteration)")
        }
        #expect(interrupted >= 1, "no kill landed during an ingest")
        // Sending the same input again stores nothing twice and scores what the kills left unscored, once.
        let rerun = try Harness.shell("VIGIL_STORE= \(Harness.binary) ingest --quiet --store \(store) - < \(late)")
        #expect(rerun.contains("0 rejected"), "\(rerun)")
        #expect(try transactionFingerprint(store) == transactionFingerprint(reference))
        #expect(try liveState(store) == expected)
        try KillLoop.checkStore(store, after: "the final ingest")
    }

    @Test func aKilledScanLeavesTheQueueAsItWasAndARerunCompletes() throws {
        let (csv, _) = try generatedCSV()
        let store = scratch.path + "/scan.sqlite"
        try scannedStore(store, csv: csv)
        let decided = try Harness.run(["triage", "--store", store, "--alert", "1", "--alert", "2", "--alert", "3",
                                       "--decision", "fraud", "--analyst", "ana"])
        #expect(decided.status == 0, "\(decided.stderr)")
        let reference = scratch.path + "/scan-reference.sqlite"
        try copyStore(store, to: reference)
        let before = try alertState(store)
        #expect(before.count > 10)
        let scanCommand = ["scan", "--detectors", "rules,iforest", "--seed", "7", "--store"]
        // The same scan again gives the same alerts (a seeded scan is deterministic), so any kill must leave them so.
        let (seconds, _) = try KillLoop.timeOneRun(scanCommand + [reference])
        #expect(try alertState(reference) == before)

        let interrupted = try KillLoop.run(scanCommand + [store], store: store, iterations: 5, seed: 77, typicalSeconds: seconds) { run in
            #expect(try alertState(store) == before, "the queue changed after run \(run.iteration) was killed")
            let complete = try KillLoop.read(store) { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT detector FROM detector_runs WHERE status = 'complete' ORDER BY detector")
            }
            let referenceComplete = try KillLoop.read(reference) { db in
                try String.fetchAll(db, sql: "SELECT DISTINCT detector FROM detector_runs WHERE status = 'complete' ORDER BY detector")
            }
            #expect(complete == referenceComplete, "a detector lost its complete runs after run \(run.iteration)")
        }
        #expect(interrupted >= 1, "no kill landed during a scan")
        let rerun = try Harness.run(scanCommand + [store])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(try alertState(store) == alertState(reference))
        let decisions = try KillLoop.read(store) { db in
            try String.fetchAll(db, sql: "SELECT status FROM alerts WHERE id IN (1, 2, 3)")
        }
        #expect(decisions == ["confirmed_fraud", "confirmed_fraud", "confirmed_fraud"])
        try KillLoop.checkStore(store, after: "the final scan")
    }

    @Test func killedDecisionsAreAllKeptOrNotMadeAndARerunMakesTheRest() throws {
        let (csv, _) = try generatedCSV()
        let store = scratch.path + "/triage.sqlite"
        try scannedStore(store, csv: csv)
        let alerts = try KillLoop.read(store) { db in try Int64.fetchAll(db, sql: "SELECT id FROM alerts ORDER BY id LIMIT 400") }
        #expect(alerts.count >= 50, "the scan gave only \(alerts.count) alerts")
        let triage = ["triage", "--store", store, "--one-by-one", "--decision", "false-positive", "--analyst", "kill-test",
                      "--note", "bulk review"] + alerts.flatMap { ["--alert", String($0)] }
        // The scale of the delays: the same decisions on a copy.
        let reference = scratch.path + "/triage-reference.sqlite"
        try copyStore(store, to: reference)
        let seconds = try KillLoop.timeOneRun(triage.map { $0 == store ? reference : $0 }).seconds

        var reported: [Int64: Int64] = [:]  // alert → event, from the lines the killed runs printed
        let pattern = /alert #(\d+): open → false positive \(event #(\d+), kill-test\)/
        // Another round of kills while none has landed after a decision: on a loaded machine a run's start-up can take
        // most of the reference time, and every kill of a round may come before the first decision.
        var interrupted = 0
        for round in 0 ..< 4 where round == 0 || reported.isEmpty {
            interrupted += try KillLoop.run(triage, store: store, iterations: 6, seed: 5150 + UInt64(round), typicalSeconds: seconds) { run in
                for line in run.stdout.split(separator: "\n") {
                    if let match = line.firstMatch(of: pattern), let alert = Int64(match.1), let event = Int64(match.2) {
                        #expect(reported[alert] == nil, "alert #\(alert) was decided twice")
                        reported[alert] = event
                    }
                }
                // Every decision reported is stored, with its event; no alert was decided twice.
                let (events, statuses) = try KillLoop.read(store) { db in
                    (try Row.fetchAll(db, sql: "SELECT id, alert_id FROM triage_events WHERE analyst = 'kill-test' AND to_status = 'false_positive'")
                        .map { ($0[1] as Int64, $0[0] as Int64) },
                     try Row.fetchAll(db, sql: "SELECT id, status FROM alerts").map { ($0[0] as Int64, $0[1] as String) })
                }
                let eventByAlert = Dictionary(events, uniquingKeysWith: { first, _ in
                    Issue.record("an alert has two decisions after run \(run.iteration)")
                    return first
                })
                let statusByAlert = Dictionary(uniqueKeysWithValues: statuses)
                for (alert, event) in reported {
                    #expect(eventByAlert[alert] == event, "alert #\(alert)'s reported event #\(event) is missing after run \(run.iteration)")
                }
                // And the alerts' statuses are exactly what the trail says.
                for (alert, status) in statusByAlert {
                    #expect((status == "false_positive") == (eventByAlert[alert] != nil), "alert #\(alert) is \(status)")
                }
            }
        }
        #expect(interrupted >= 1, "no kill landed during the decisions")
        #expect(!reported.isEmpty, "no killed run got as far as one decision")

        let decidedBefore = try KillLoop.read(store) { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE status = 'false_positive'")!
        }
        #expect(reported.count <= decidedBefore)
        let rerun = try Harness.run(triage)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let (decided, decideEvents) = try KillLoop.read(store) { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE status = 'false_positive'")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM triage_events WHERE analyst = 'kill-test'")!)
        }
        #expect(decided == alerts.count)
        #expect(decideEvents == alerts.count, "\(decideEvents) events for \(alerts.count) decisions")
        #expect(rerun.stdout.components(separatedBy: "already false positive").count - 1 == decidedBefore)
        try KillLoop.checkStore(store, after: "the final decisions")
    }
}

enum Formatting {
    /// 31169 → "31,169", as vigil prints counts.
    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }
}
