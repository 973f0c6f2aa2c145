import Foundation
import GRDB
import Testing
import VigilDetect
import VigilEngine
@testable import VigilStore
import VigilTestSupport

/// `vigil eval`'s figures beyond the metrics themselves: recall by kind in the top 1 % and the amount-alone baseline.
@Suite struct EvaluationTests {
    /// 300 rows, so the top 1 % is 3 rows. Scores fall with the row, but row 5 (a `b`) scores highest and rows 1 and 2
    /// tie at the cut (row 1 is in, row 2 out).
    @Test func recallByKindInTheTopOnePercentCountsTheRowsThatRecallCounts() {
        var scores = (0 ..< 300).map { 1 - Double($0) / 300 }
        scores[5] = 2
        scores[2] = scores[1]
        var labels = Array(repeating: false, count: 300)
        var kinds = [String?](repeating: nil, count: 300)
        for (row, kind) in [(0, "a"), (2, "a"), (5, "b"), (100, "b"), (200, "a"), (250, "c")] {
            labels[row] = true
            kinds[row] = kind
        }
        let e = Evaluator.evaluate(detector: "x", runID: 7, scores: scores, labels: labels, kinds: kinds)
        #expect(e.recallByKindAt1Percent.mapValues { [$0.total, $0.found] } == ["a": [3, 1], "b": [2, 1], "c": [1, 0]])
        #expect(e.recallAt1Percent == 2.0 / 6)
        let json = e.jsonObject["recall_by_kind_at_1pct"] as? [String: [String: Any]]
        #expect(json?["b"]?["recall"] as? Double == 0.5)
        #expect(e.jsonObject["run_id"] as? Int64 == 7)
        // Without kinds there is nothing to break down.
        #expect(Evaluator.evaluate(detector: "x", runID: 7, scores: scores, labels: labels).recallByKindAt1Percent.isEmpty)
    }

    /// The baseline ranks the labelled transactions by amount; its top 1 % is checked here against SQLite's own
    /// ordering (amount descending, then id), and a stored run is judged in the top 1 % the same way.
    @Test func amountAloneAndARunAreJudgedInTheirTopOnePercent() throws {
        let demo = try DemoStore(clients: 30, days: 60)
        let store = demo.store
        let (n, kinds) = try store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE label IS NOT NULL")!,
             try Row.fetchAll(db, sql: "SELECT label_kind, COUNT(*) AS n FROM transactions WHERE label_kind IS NOT NULL GROUP BY 1"))
        }
        let top = (n + 99) / 100
        func expected(orderBy: String) throws -> [String: [Int]] {
            let found = try store.pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT label_kind, COUNT(*) AS n FROM (SELECT label_kind FROM transactions WHERE label IS NOT NULL
                    ORDER BY \(orderBy) LIMIT \(top)) WHERE label_kind IS NOT NULL GROUP BY 1
                    """)
            }
            let foundByKind = Dictionary(uniqueKeysWithValues: found.map { ($0["label_kind"] as String, $0["n"] as Int) })
            return Dictionary(uniqueKeysWithValues: kinds.map { row in
                let kind: String = row["label_kind"]
                return (kind, [row["n"] as Int, foundByKind[kind] ?? 0])
            })
        }
        #expect(kinds.count >= 3, "the demo plants several kinds")

        let baseline = try Evaluator.evaluateAmountAlone(store)
        #expect(baseline.detector == "amount_alone" && baseline.runID == 0 && baseline.labelled == n)
        #expect(baseline.recallByKind.isEmpty, "no flag threshold of its own")
        #expect(baseline.recallByKindAt1Percent.mapValues { [$0.total, $0.found] } == (try expected(orderBy: "amount_minor DESC, id")))
        #expect(baseline.rocAUC != nil && baseline.averagePrecision != nil)
        #expect(baseline.jsonObject["run_id"] is NSNull)

        let baselineFound = baseline.recallByKindAt1Percent.values.reduce(0) { $0 + $1.found }
        #expect(baselineFound > 0, "some planted kinds are large amounts")

        // A run that knows the labels, with noise (id % 7 / 10) that mixes them at the cut: checked the same way.
        let rows = try store.pool.read { db in try Row.fetchAll(db, sql: "SELECT id, COALESCE(label, 0) AS label FROM transactions ORDER BY id") }
        let ids: [Int64] = rows.map { $0["id"] }
        let scores = rows.map { row in Double(row["label"] as Int64) + Double((row["id"] as Int64) % 7) / 10 }
        let run = try store.beginDetectorRun(detector: "ensemble", parameters: "{}", seed: nil)
        try store.finishDetectorRun(run, transactionIDs: ids, scores: scores, flagged: 0, timings: "{}", storage: .blocks)
        let evaluation = try #require(try Evaluator.evaluateLatestRuns(store).first { $0.detector == "ensemble" })
        #expect(evaluation.recallByKindAt1Percent.mapValues { [$0.total, $0.found] }
                == (try expected(orderBy: "COALESCE(label, 0) + (id % 7) / 10.0 DESC, id")))
        #expect(evaluation.recallByKindAt1Percent.values.reduce(0) { $0 + $1.found } == min(top, kinds.reduce(0) { $0 + ($1["n"] as Int) }))
    }
}
