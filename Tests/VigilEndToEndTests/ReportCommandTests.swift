import Foundation
import GRDB
import Testing

/// `vigil report` through the real binary: decided alerts of a store scanned before cases existed are placed into
/// cases and reported, `--case` and `--status` choose cases, card numbers never show in full.
@Suite struct ReportCommandTests {
    let scratch = Scratch()

    /// The card sample scanned, one alert decided, then every alert taken out of its case, as in a store scanned
    /// before cases existed.
    func storeBeforeCases(_ name: String) throws -> String {
        let store = scratch.path + "/\(name).sqlite"
        #expect(try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store]).status == 0)
        let config = scratch.path + "/\(name).toml"
        try "[alerts]\nthreshold = 0.1\n".write(toFile: config, atomically: true, encoding: .utf8)
        #expect(try Harness.run(["scan", "--store", store, "--config", config, "--detectors", "iforest,unusual_amount,burst"]).status == 0)
        let triage = try Harness.run(["triage", "--store", store, "--alert", "1", "--decision", "fraud", "--note", "seen", "--analyst", "ana"])
        #expect(triage.status == 0, "\(triage.stderr)")
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in
            try db.execute(sql: "UPDATE alerts SET case_id = NULL")
            try db.execute(sql: "DELETE FROM case_detectors")
            try db.execute(sql: "DELETE FROM cases")
        }
        try queue.close()
        return store
    }

    func cases(_ output: Harness.Output) throws -> [[String: Any]] {
        #expect(output.status == 0, "\(output.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
    }

    @Test func decidedAlertsInNoCaseAreReportedInTheirCase() throws {
        let store = try storeBeforeCases("before")
        let reported = try cases(Harness.run(["report", "--store", store, "--format", "json"]))
        #expect(reported.count == 1)
        let alerts = try #require(reported.first?["alerts"] as? [[String: Any]])
        #expect(alerts.contains { $0["alert_id"] as? Int == 1 && $0["decision"] as? String == "confirmed_fraud" })
        #expect(reported.first?["decided_by"] as? [String] == ["ana"])
        // The other cases are open: asked for by status, or by id, they come too.
        let open = try cases(Harness.run(["report", "--store", store, "--format", "json", "--status", "open"]))
        #expect(!open.isEmpty && open.allSatisfy { $0["status"] as? String == "open" })
        let decided = try #require(reported.first?["id"] as? Int), other = try #require(open.last?["id"] as? Int)
        let named = try cases(Harness.run(["report", "--store", store, "--format", "json", "--case", String(other), "--case", String(decided)]))
        #expect(named.compactMap { $0["id"] as? Int } == [decided, other].sorted())
        // Twelve digits or more, not after a point (a score's decimals), would be a card number in full.
        for format in ["md", "csv", "json"] {
            let all = try Harness.run(["report", "--store", store, "--format", format, "--status", "all"])
            let full = all.stdout.range(of: "(?<![0-9.])[0-9]{12,}", options: .regularExpression).map { String(all.stdout[$0]) }
            #expect(all.status == 0 && full == nil, "\(format): \(full ?? "") in full")
        }
        let missing = try Harness.run(["report", "--store", store, "--case", "99999"])
        #expect(missing.status != 0 && missing.stderr.contains("no case #99999"), "\(missing.stderr)")
        let bad = try Harness.run(["report", "--store", store, "--status", "closed"])
        #expect(bad.status != 0 && bad.stderr.contains("unknown status 'closed'"), "\(bad.stderr)")
    }
}
