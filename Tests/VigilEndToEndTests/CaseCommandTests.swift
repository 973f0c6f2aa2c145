import Foundation
import GRDB
import Testing

/// `vigil cases` and `vigil triage --case` through the real binary: a scan puts its alerts into cases, listings mask
/// card numbers, two processes taking cases at once never get the same one, and every change is in the audit chain.
@Suite(.serialized) struct CaseCommandTests {
    let scratch = Scratch()

    /// The card sample scanned with a low threshold (hundreds of alerts) and cases split after 24 hours.
    func scannedSample(_ name: String) throws -> String {
        let store = scratch.path + "/\(name).sqlite"
        #expect(try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store]).status == 0)
        let config = scratch.path + "/\(name).toml"
        try "[alerts]\nthreshold = 0.1\n[cases]\ngap_hours = 24\n".write(toFile: config, atomically: true, encoding: .utf8)
        let scan = try Harness.run(["scan", "--store", store, "--config", config, "--detectors", "iforest,unusual_amount,burst"])
        #expect(scan.status == 0, "\(scan.stderr)")
        return store
    }

    func json(_ output: Harness.Output) throws -> Any {
        #expect(output.status == 0, "\(output.stderr)")
        return try JSONSerialization.jsonObject(with: Data(output.stdout.utf8), options: [.fragmentsAllowed])
    }

    /// Any run of 12 or more digits: a card number shown in full.
    func fullCardNumber(in text: String) -> Bool {
        text.range(of: "[0-9]{12,}", options: .regularExpression) != nil
    }

    @Test func aScanGroupsItsAlertsIntoCasesListedHighestFirstWithCardsMasked() throws {
        let store = try scannedSample("list")
        let cases = try #require(try json(Harness.run(["cases", "--store", store, "--status", "all", "--limit", "10000", "--json"])) as? [[String: Any]])
        let alerts = try #require(try json(Harness.run(["alerts", "--store", store, "--status", "all", "--limit", "100000", "--json"])) as? [[String: Any]])
        #expect(!cases.isEmpty && cases.count < alerts.count, "some cases hold several alerts")
        #expect(cases.reduce(0) { $0 + ($1["alerts"] as? Int ?? 0) } == alerts.count, "every alert in exactly one case")
        let scores = cases.compactMap { $0["top_score"] as? Double }
        #expect(scores.count == cases.count && scores == scores.sorted(by: >))
        #expect(cases.allSatisfy { ($0["client"] as? String)?.contains("*") == true && $0["status"] as? String == "open" })
        // What the detectors found, in words, never the spree (an alert whose only reason is the spree has none).
        let leading = cases.map { $0["leading_detectors"] as? [String] ?? [] }
        #expect(leading.allSatisfy { !$0.contains("spree") && $0.count <= 3 } && !leading[0].isEmpty)
        #expect(cases[0]["leading_reasons"] as? [String] == leading[0].map { $0 == "iforest" ? "Isolation Forest" : $0.replacingOccurrences(of: "_", with: " ") })

        let text = try Harness.run(["cases", "--store", store, "--limit", "5"])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("case #\(cases[0]["id"] as? Int ?? 0)  ") == true, "\(text.stdout)")
        #expect(lines.filter { $0.hasPrefix("case #") }.count == 5)
        #expect(!fullCardNumber(in: text.stdout), "\(text.stdout)")

        let bad = try Harness.run(["cases", "--store", store, "--status", "closed"])
        #expect(bad.status != 0 && bad.stderr.contains("unknown status 'closed'; choose from open, snoozed, decided, all"), "\(bad.stderr)")
    }

    @Test func twoProcessesTakingCasesAtOnceNeverGetTheSameOne() throws {
        let store = try scannedSample("claim")
        // Leave 40 cases to take: the others are given to someone else first.
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in
            try db.execute(sql: """
                UPDATE cases SET assignee = 'someone' WHERE id NOT IN (
                    SELECT case_id FROM alerts GROUP BY case_id ORDER BY max(score) DESC, case_id LIMIT 40)
                """)
        }
        try queue.close()
        var children: [(ChildProcess, String)] = []
        for analyst in ["ana", "bo"] {
            let out = scratch.path + "/\(analyst).out"
            let loop = "for i in $(seq 30); do \"$0\" cases next --store \"$1\" --analyst \(analyst) --json || echo failed; done"
            children.append((try ChildProcess("/bin/sh", ["-c", loop, Harness.binary, store], environment: ProcessInfo.processInfo.environment,
                                              stdout: out, stderr: out), out))
        }
        var taken: [String: [Int]] = [:]
        for (child, out) in children {
            #expect(child.wait(upTo: 300, what: "a loop of vigil cases next") == 0)
            let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 30 && !lines.contains("failed"), "\(lines)")
            for line in lines where line != "null" {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                taken[object["assignee"] as? String ?? "?", default: []].append(object["id"] as? Int ?? 0)
            }
        }
        let all = taken.values.flatMap { $0 }
        #expect(all.count == 40 && Set(all).count == 40, "every case taken once: \(taken)")
        #expect(Set(taken.keys).isSubset(of: ["ana", "bo"]))
        let mine = try #require(try json(Harness.run(["cases", "--store", store, "--analyst", "ana", "--mine", "--json", "--limit", "100"])) as? [[String: Any]])
        #expect(Set(mine.compactMap { $0["id"] as? Int }) == Set(taken["ana"] ?? []))
        let verify = try Harness.run(["audit", "verify", "--store", store])
        #expect(verify.status == 0 && verify.stdout.contains("audit trail intact: 40 triage events"), "\(verify.stdout)")
    }

    @Test func casesAreAssignedSnoozedAndDecidedWholeWithEveryChangeAudited() throws {
        let store = try scannedSample("work")
        let cases = try #require(try json(Harness.run(["cases", "--store", store, "--limit", "100", "--json"])) as? [[String: Any]])
        let spree = try #require(cases.first { ($0["open_alerts"] as? Int ?? 0) >= 2 })
        let id = String(try #require(spree["id"] as? Int))
        let other = String(try #require(cases.first { $0["id"] as? Int != spree["id"] as? Int }?["id"] as? Int))

        let assign = try Harness.run(["cases", "assign", id, "--store", store, "--analyst", "lead", "--to", "ana"])
        #expect(assign.status == 0 && assign.stdout.hasPrefix("case #\(id): assigned to ana (event #1, lead)"), "\(assign.stdout)\(assign.stderr)")
        let snooze = try Harness.run(["cases", "snooze", other, "--store", store, "--until", "2999-01-01", "--note", "asked the bank",
                                      "--analyst", "bo"])
        #expect(snooze.status == 0 && snooze.stdout.contains("snoozed until 2999-01-01"), "\(snooze.stderr)")
        let snoozed = try Harness.run(["cases", "--store", store, "--status", "snoozed"])
        #expect(snoozed.stdout.hasPrefix("case #\(other)  ") && snoozed.stdout.contains("snoozed until 2999-01-01"), "\(snoozed.stdout)")
        let past = try Harness.run(["cases", "snooze", other, "--store", store, "--until", "2001-01-01", "--note", "x"])
        #expect(past.status != 0 && past.stderr.contains("case #\(other) can only be snoozed until a time after now"), "\(past.stderr)")

        // The whole case is decided in one command; another analyst's change of it is an overturn.
        let decided = try Harness.run(["triage", "--store", store, "--case", id, "--decision", "fraud", "--analyst", "ana"])
        #expect(decided.status == 0, "\(decided.stderr)")
        let decidedLines = decided.stdout.split(separator: "\n")
        #expect(decidedLines.count == spree["open_alerts"] as? Int)
        #expect(decidedLines.allSatisfy { $0.hasPrefix("case #\(id): alert #") && $0.contains(": open → confirmed fraud (event #") })
        let refused = try Harness.run(["triage", "--store", store, "--case", id, "--decision", "false-positive", "--analyst", "bo"])
        #expect(refused.status != 0 && refused.stderr.contains("by ana's decision") && refused.stderr.contains("give --overturn and --note"),
                "\(refused.stderr)")
        let noNote = try Harness.run(["triage", "--store", store, "--case", id, "--decision", "false-positive", "--analyst", "bo", "--overturn"])
        #expect(noNote.status != 0 && noNote.stderr.contains("--overturn needs a --note saying why"), "\(noNote.stderr)")
        let overturned = try Harness.run(["triage", "--store", store, "--case", id, "--decision", "false-positive", "--analyst", "bo",
                                          "--overturn", "--note", "the client's own purchases"])
        #expect(overturned.status == 0 && overturned.stdout.contains("confirmed fraud → false positive"), "\(overturned.stderr)")
        let listed = try #require(try json(Harness.run(["cases", "--store", store, "--status", "decided", "--json"])) as? [[String: Any]])
        #expect(listed.map { $0["id"] as? Int } == [Int(id)] && listed.first?["decision"] as? String == "false_positive")

        let log = try Harness.run(["audit", "log", "--store", store, "--case", id])
        #expect(log.stdout.contains("case #\(id) \(Harness.madeBy("lead")) case assign none → ana"), "\(log.stdout)")
        let missing = try Harness.run(["cases", "assign", "99999", "--store", store, "--analyst", "lead"])
        #expect(missing.status != 0 && missing.stderr.contains("no case #99999"), "\(missing.stderr)")
        let verify = try Harness.run(["audit", "verify", "--store", store])
        let events = 2 + 2 * (spree["open_alerts"] as? Int ?? 0)
        #expect(verify.status == 0 && verify.stdout.contains("audit trail intact: \(events) triage events"), "\(verify.stdout)")
    }
}
