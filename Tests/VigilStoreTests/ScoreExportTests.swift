import Foundation
import GRDB
import Testing
import VigilCore
import VigilDemo
@testable import VigilStore

/// `vigil scores`' reader: every transaction once, in id order, with each detector's newest complete run.
@Suite struct ScoreExportTests {
    let scratch = ScratchDirectory()

    func demoStore() throws -> Store {
        let store = try scratch.store()
        let generator = try DemoGenerator(config: DemoConfig(clients: 3, days: 20, seed: 9))
        _ = try store.appendGenerated(name: "demo", identity: "d") { sink in try generator.generate(sink) }
        return store
    }

    func ids(_ store: Store) throws -> [Int64] {
        try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY id") }
    }

    func export(_ store: Store, _ sources: [ScoreSource]) throws -> [(id: Int64, key: String, scores: [Double])] {
        var rows: [(Int64, String, [Double])] = []
        try store.streamScores(sources) { row in
            rows.append((row.transactionID, String(decoding: row.sourceKey, as: UTF8.self), Array(row.scores)))
        }
        return rows
    }

    @Test func newestCompleteRunOfEachDetectorDenseAndSparse() throws {
        let store = try demoStore()
        let all = try ids(store)
        // Scored by the scan: every transaction but the last three, which "arrived after it".
        let scanned = Array(all.dropLast(3))
        func dense(_ detector: String, _ value: (Int64) -> Double, complete: Bool = true) throws -> Int64 {
            let run = try store.beginDetectorRun(detector: detector, parameters: "{}", seed: 1)
            if complete {
                try store.finishDetectorRun(run, transactionIDs: scanned.reversed(), scores: scanned.reversed().map(value),
                                            flagged: 0, timings: "{}", storage: .blocks)
            }
            return run
        }
        _ = try dense("iforest", { _ in -1 })  // an older run, superseded
        let iforest = try dense("iforest", { Double($0) / 1000 })
        _ = try dense("iforest", { _ in -2 }, complete: false)  // a newer run that never finished
        let ensemble = try dense("ensemble", { Double($0) / 7 })
        let rule = try store.beginDetectorRun(detector: "burst", parameters: "{}", seed: nil)
        try store.finishDetectorRun(rule, transactionIDs: [scanned[5], scanned[1]], scores: [0.8, 0.4],
                                    reasons: ["b", "a"], transactionsScored: scanned.count, flagged: 2, timings: "{}")

        let sources = try store.latestCompleteRuns().sorted { $0.detector < $1.detector }
        #expect(sources == [ScoreSource(detector: "burst", runID: rule, isDense: false),
                            ScoreSource(detector: "ensemble", runID: ensemble, isDense: true),
                            ScoreSource(detector: "iforest", runID: iforest, isDense: true)])

        let rows = try export(store, sources)
        #expect(rows.map(\.id) == all)
        let keys = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT source_key FROM transactions ORDER BY id") }
        #expect(rows.map(\.key) == keys)
        for (index, row) in rows.enumerated() {
            if index < scanned.count {
                let burst = index == 5 ? 0.8 : index == 1 ? 0.4 : 0
                #expect(row.scores == [burst, Double(row.id) / 7, Double(row.id) / 1000], "row \(index)")
            } else {
                #expect(row.scores.allSatisfy { $0.isNaN }, "a transaction after the scan has no scores: \(row.scores)")
            }
        }
    }

    /// Rules alone (a scan of `--detectors rules`): their unflagged transactions scored 0, all of them.
    @Test func rulesAloneScoreZeroElsewhere() throws {
        let store = try demoStore()
        let all = try ids(store)
        let rule = try store.beginDetectorRun(detector: "card_testing", parameters: "{}", seed: nil)
        try store.finishDetectorRun(rule, transactionIDs: [all[2]], scores: [1], reasons: ["x"], flagged: 1, timings: "{}")
        let rows = try export(store, try store.latestCompleteRuns())
        #expect(rows.map { $0.scores[0] } == all.map { $0 == all[2] ? 1 : 0 })
    }

    /// Blocks of 65,536 are read one after another; ids across block boundaries pair with their scores.
    @Test func acrossScoreBlocks() throws {
        let store = try scratch.store()
        let generator = try DemoGenerator(config: DemoConfig(clients: 300, days: 200, seed: 3))
        _ = try store.appendGenerated(name: "demo", identity: "d") { sink in try generator.generate(sink) }
        let all = try ids(store)
        try #require(all.count > Store.scoreBlockSize + 10)
        let run = try store.beginDetectorRun(detector: "lof", parameters: "{}", seed: 1)
        try store.finishDetectorRun(run, transactionIDs: all, scores: all.map { Double($0) * 0.5 }, flagged: 0, timings: "{}",
                                    storage: .blocks)
        var count = 0
        var paired = true
        try store.streamScores(try store.latestCompleteRuns()) { row in
            count += 1
            if row.scores[0] != Double(row.transactionID) * 0.5 { paired = false }
        }
        #expect(count == all.count && paired)
    }
}
