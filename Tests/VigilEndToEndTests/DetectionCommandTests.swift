import Foundation
import GRDB
import Testing

/// `vigil features`, `scan` and `eval` on the real card-export sample.
@Suite(.serialized) struct DetectionCommandTests {
    let scratch = Scratch()

    private func importedSample(_ name: String) throws -> String {
        let store = scratch.path + "/\(name).sqlite"
        #expect(try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store]).status == 0)
        return store
    }

    @Test func featuresWritesOneRowPerTransactionWithIdAndLabel() throws {
        let store = try importedSample("f")
        let out = scratch.path + "/features.csv"
        let result = try Harness.run(["features", "--store", store, "--out", out])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1,021 transactions × 15 features"))
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1 + 1_021)
        #expect(lines[0].hasPrefix("transaction_id,label,log_amount,hour_sin,hour_cos,"))
        let rows = lines.dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        #expect(rows.allSatisfy { $0.count == 17 })
        #expect(rows.filter { $0[1] == "1" }.count == 9, "the sample's nine labelled frauds")
        #expect(Set(rows.map { $0[0] }).count == 1_021, "every transaction once")
        #expect(rows.allSatisfy { $0.dropFirst(2).allSatisfy { Float(String($0))?.isFinite == true } })
    }

    @Test func scanWritesRunsAndScoresThatEvalJudges() throws {
        let store = try importedSample("s")
        let scan = try Harness.run(["scan", "--store", store, "--seed", "11", "--detectors", "iforest,lof"])
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(scan.stdout.contains("Isolation Forest (run #1)"))
        #expect(scan.stdout.contains("Local Outlier Factor (run #2)"))
        #expect(scan.stderr.isEmpty, "no progress line when not on a terminal")

        let (runs, scores) = try DatabaseQueue(path: store).read { db in
            (try Row.fetchAll(db, sql: "SELECT * FROM detector_runs ORDER BY id"), try (1...3).map { try blockScores(db, run: $0) })
        }
        #expect(runs.map { $0["detector"] as String } == ["iforest", "lof", "ensemble"])
        #expect(runs.allSatisfy { ($0["status"] as String) == "complete" && ($0["transactions_scored"] as Int) == 1_021 })
        #expect(runs.allSatisfy { ($0["seed"] as Int64) == 11 })
        #expect((runs[0]["parameters"] as String).contains("\"n_estimators\":100"))
        #expect((runs[1]["parameters"] as String).contains("\"n_neighbors\":20"))
        // Every transaction has a score from each model and from the ensemble, stored as blocks.
        #expect(scores.allSatisfy { $0.count == 1_021 })
        #expect(try DatabaseQueue(path: store).read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM scores")! } == 0)

        // The same seed gives the same scores; another seed, other Isolation Forest scores.
        #expect(try Harness.run(["scan", "--store", store, "--seed", "11", "--detectors", "iforest"]).status == 0)
        #expect(try Harness.run(["scan", "--store", store, "--seed", "12", "--detectors", "iforest"]).status == 0)
        let (same, different) = try DatabaseQueue(path: store).read { db in
            let first = try blockScores(db, run: 1)
            func agreeing(_ run: Int64) throws -> Int { try blockScores(db, run: run).filter { first[$0.key] == $0.value }.count }
            return (try agreeing(4), try agreeing(6))
        }
        #expect(same == 1_021)
        #expect(different < 1_021)

        let eval = try Harness.run(["eval", "--store", store, "--json"])
        #expect(eval.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: [String: Any]])
        #expect(Set(object.keys) == ["iforest", "lof", "ensemble", "amount_alone"])
        #expect(object["amount_alone"]?["run_id"] is NSNull, "the baseline is no stored run")
        for (_, figures) in object {
            let auc = try #require(figures["roc_auc"] as? Double)
            #expect(auc > 0.5 && auc <= 1, "better than chance on the sample's fraud")
            #expect(figures["average_precision"] is Double)
            #expect(figures["precision_at_100"] is Double)
            #expect(figures["positives"] as? Int == 9)
        }
        #expect((object["iforest"]?["run_id"] as? Int) == 6, "the latest run of each detector")

        let table = try Harness.run(["eval", "--store", store])
        #expect(table.stdout.contains("ROC-AUC"))
        #expect(table.stdout.contains("iforest") && table.stdout.contains("lof"))
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("amount_alone          – ") })
        #expect(!table.stdout.contains("top 1 %"), "the card export's labels carry no kind")
    }

    @Test func theLSTMTrainsOnceIsReusedRetrainsOnRequestAndIsJudged() throws {
        let store = try importedSample("l")
        let first = try Harness.run(["scan", "--store", store, "--detectors", "lstm"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("LSTM sequence model (run #1)"))
        let second = try Harness.run(["scan", "--store", store, "--detectors", "lstm"])
        #expect(second.status == 0)
        #expect(try Harness.run(["scan", "--store", store, "--detectors", "lstm", "--retrain"]).status == 0)
        let (models, parameters) = try DatabaseQueue(path: store).read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sequence_models")!,
             try String.fetchAll(db, sql: "SELECT parameters FROM detector_runs WHERE detector = 'lstm' ORDER BY id"))
        }
        #expect(models == 2, "trained by the first scan and by --retrain, reused by the second")
        #expect(parameters.count == 3)
        #expect(parameters[0].contains("\"trained_now\":true") && parameters[1].contains("\"trained_now\":false")
                && parameters[2].contains("\"trained_now\":true"))
        let eval = try Harness.run(["eval", "--store", store, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: [String: Any]])
        let auc = try #require(object["lstm"]?["roc_auc"] as? Double)
        #expect(auc > 0.5, "better than chance on the sample's nine frauds")
    }

    @Test func aFullScanFillsTheAlertQueueThatAlertsLists() throws {
        let store = scratch.path + "/alerts.sqlite"
        #expect(try Harness.run(["demo", "--store", store, "--clients", "40", "--days", "90", "--seed", "7"]).status == 0)
        let scan = try Harness.run(["scan", "--store", store])
        #expect(scan.status == 0, "\(scan.stderr)")
        #expect(scan.stdout.contains("impossible travel (run #"))
        #expect(scan.stdout.contains("alert queue: "))
        let json = try Harness.run(["alerts", "--store", store, "--json", "--limit", "5"])
        #expect(json.status == 0)
        let alerts = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(!alerts.isEmpty && alerts.count <= 5)
        let scores = alerts.compactMap { $0["score"] as? Double }
        #expect(scores == scores.sorted(by: >) && scores.allSatisfy { $0 >= 0.5 })
        #expect(alerts.allSatisfy { (($0["reasons"] as? [[String: Any]])?.isEmpty ?? true) == false })
        let text = try Harness.run(["alerts", "--store", store, "--limit", "1"])
        #expect(text.stdout.hasPrefix("#"))
        #expect(text.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("    +") })

        // eval breaks the demo's planted kinds down at each flag threshold and in the top 1 %, the baseline too.
        let eval = try Harness.run(["eval", "--store", store, "--json"])
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: [String: Any]])
        for name in ["ensemble", "amount_alone"] {
            let top = try #require(figures[name]?["recall_by_kind_at_1pct"] as? [String: [String: Any]], "\(name)")
            let positives = try #require(figures[name]?["positives"] as? Int)
            let recall = try #require(figures[name]?["recall_at_1pct"] as? Double)
            #expect(top.values.reduce(0) { $0 + ($1["total"] as? Int ?? 0) } == positives, "every planted anomaly has a kind")
            #expect(top.values.reduce(0) { $0 + ($1["found"] as? Int ?? 0) } == Int((recall * Double(positives)).rounded()))
        }
        #expect((figures["ensemble"]?["recall_by_kind"] as? [String: Any])?.isEmpty == false)
        let evalText = try Harness.run(["eval", "--store", store]).stdout
        #expect(evalText.contains("recall per labelled anomaly kind at each detector's flag threshold (found / total):"))
        let topTable = try #require(evalText.components(separatedBy: "in the top 1 % of transactions (found / total):\n").last)
        #expect(topTable.split(separator: "\n").contains { $0.hasPrefix("amount_alone ") && $0.contains("/") })

        // A bad setting stops the scan with the file, key and range, and nothing is written.
        let config = NSTemporaryDirectory() + "vigil-e2e-\(UUID().uuidString).toml"
        try "[alerts]\nthreshold = 2\n".write(toFile: config, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: config) }
        let bad = try Harness.run(["scan", "--store", store, "--config", config])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("\(config): alerts.threshold = 2: must be a number from 0.01 to 0.99"), "\(bad.stderr)")
        let defaults = try Harness.run(["config", "--print-defaults"])
        #expect(defaults.status == 0 && defaults.stdout.contains("[weights]\n"))
    }

    @Test func lofAboveItsReferenceLimitScoresTheRestAsNew() throws {
        let store = try importedSample("l")
        for _ in 0..<2 {
            let result = try Harness.run(["scan", "--store", store, "--detectors", "lof", "--lof-reference", "300"])
            #expect(result.status == 0, "\(result.stderr)")
        }
        let (parameters, scored, identical, spread) = try DatabaseQueue(path: store).read { db in
            let first = try blockScores(db, run: 1)
            let again = try blockScores(db, run: 3)
            return (try String.fetchOne(db, sql: "SELECT parameters FROM detector_runs WHERE id = 1")!, first.count,
                    first.filter { again[$0.key] == $0.value }.count, Set(first.values.map { ($0 * 1e6).rounded() }).count)
        }
        #expect(parameters.contains("\"reference_rows\":300"))
        #expect(scored == 1_021)
        #expect(identical == 1_021, "the seeded reference sample is the same each time")
        #expect(spread > 500, "every transaction gets its own factor")
    }

    @Test func anUnwritableFeatureFileFailsAtOnceNamingIt() throws {
        let store = try importedSample("w")
        let out = scratch.path + "/no-such-dir/features.csv"
        let result = try Harness.run(["features", "--store", store, "--out", out])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot write \(out): No such file or directory"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func unknownDetectorsAreRefusedByName() throws {
        let store = try importedSample("u")
        let known = "all, models, rules, iforest, lof, lstm, impossible_travel, card_testing, unusual_place, unusual_amount, "
            + "category_amount, over_daily_spend, over_monthly_spend, unusual_hour, burst, merchant_risk, merchant_surge, card_exposure, amount_run"
        let result = try Harness.run(["scan", "--store", store, "--detectors", "iforest,svm"])
        #expect(result.status == 64, "a usage error")
        #expect(result.stderr.split(separator: "\n").first
                == "Error: The value 'iforest,svm' is invalid for '--detectors <detectors>': unknown detector 'svm'; choose from \(known)",
                "\(result.stderr)")
        let empty = try Harness.run(["scan", "--store", store, "--detectors", " , "])
        #expect(empty.status == 64)
        #expect(empty.stderr.split(separator: "\n").first
                == "Error: The value ' , ' is invalid for '--detectors <detectors>': it names no detector; choose from \(known)",
                "\(empty.stderr)")
        // Refused while parsing, before the store is opened: no detector ran.
        let runs = try DatabaseQueue(path: store).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM detector_runs") }
        #expect(runs == 0)
    }

    @Test func scanHelpListsEveryDetectorAndGroup() throws {
        let help = try Harness.run(["scan", "--help"], environment: ["COLUMNS": "80", "LINES": "24"])
        #expect(help.status == 0)
        let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix("  --detectors <detectors>") }, "\(help.stdout)")
        #expect(Array(lines[start ..< min(lines.count, start + 25)]) == [
            "  --detectors <detectors> Comma-separated detectors and groups (default: all).",
            "        all               - every detector",
            "        models            - iforest, lof, lstm",
            "        rules             - impossible_travel, card_testing, unusual_place,",
            "                            unusual_amount, category_amount, over_daily_spend,",
            "                            over_monthly_spend, unusual_hour, burst,",
            "                            merchant_risk, merchant_surge, card_exposure,",
            "                            amount_run",
            "        iforest           - Isolation Forest",
            "        lof               - Local Outlier Factor",
            "        lstm              - LSTM sequence model",
            "        impossible_travel - impossible travel",
            "        card_testing      - card testing",
            "        unusual_place     - unusual place",
            "        unusual_amount    - unusual amount",
            "        category_amount   - large for its category",
            "        over_daily_spend  - over usual daily spend",
            "        over_monthly_spend",
            "                          - over usual monthly spend",
            "        unusual_hour      - unusual hour",
            "        burst             - burst",
            "        merchant_risk     - risky merchant",
            "        merchant_surge    - merchant surge",
            "        card_exposure     - exposed card",
            "        amount_run        - run of large charges",
        ], "\(help.stdout)")
    }

    @Test func evalBeforeAnyScanSaysWhatToDo() throws {
        let store = try importedSample("e")
        let result = try Harness.run(["eval", "--store", store])
        #expect(result.status == 0)
        #expect(result.stdout.contains("no detector runs yet"))
    }
}

/// A run's scores as stored in `score_blocks`: little-endian Int64 ids and Float64 scores, decoded here by hand
/// so that the test checks the documented format, not the store's own reader.
func blockScores(_ db: Database, run: Int64) throws -> [Int64: Double] {
    var result: [Int64: Double] = [:]
    for row in try Row.fetchAll(db, sql: "SELECT count, ids, scores FROM score_blocks WHERE run_id = ? ORDER BY first_id", arguments: [run]) {
        let count: Int = row["count"]
        let ids: Data = row["ids"]
        let scores: Data = row["scores"]
        for i in 0..<count {
            let id = ids[ids.startIndex + 8 * i ..< ids.startIndex + 8 * i + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            let bits = scores[scores.startIndex + 8 * i ..< scores.startIndex + 8 * i + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
            result[Int64(bitPattern: id)] = Double(bitPattern: bits)
        }
    }
    return result
}
