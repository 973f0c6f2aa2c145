import Foundation
import GRDB
import Testing
import VigilCore
import VigilDemo
@testable import VigilStore

@Suite struct DetectorRunTests {
    let scratch = ScratchDirectory()

    @Test func scoreBlocksRoundTripInIdOrderAcrossBlocks() throws {
        let store = try scratch.store()
        let count = 2 * Store.scoreBlockSize + 123
        // Ids out of order, with gaps; scores tied to ids so the pairing can be checked.
        let ids = (0..<count).map { Int64(($0 * 7_919) % count) * 3 + 1 }
        let scores = ids.map { Double($0) / 10 - 0.5 }
        let run = try store.beginDetectorRun(detector: "iforest", parameters: "{}", seed: 1)
        try store.finishDetectorRun(run, transactionIDs: ids, scores: scores, flagged: 0, timings: "{}", storage: .blocks)
        let read = try store.runScores(runID: run)
        #expect(read.ids == ids.sorted())
        #expect(zip(read.ids, read.scores).allSatisfy { Double($0) / 10 - 0.5 == $1 })
        let blocks = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM score_blocks WHERE run_id = ?", arguments: [run]) }
        #expect(blocks == 3)
        #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM scores") } == 0)
        let stored = try store.detectorRuns().first { $0.id == run }
        #expect(stored?.status == "complete" && stored?.transactionsScored == count)
    }

    @Test func cancellingRunsMarksThemAndDropsTheirScoresAlone() throws {
        let store = try scratch.store()
        let generator = try DemoGenerator(config: DemoConfig(clients: 2, days: 10, seed: 4))
        _ = try store.appendGenerated(name: "demo", identity: "d") { sink in try generator.generate(sink) }
        let kept = try store.beginDetectorRun(detector: "iforest", parameters: "{}", seed: 1)
        try store.finishDetectorRun(kept, transactionIDs: [1, 2, 3], scores: [0.1, 0.2, 0.3], flagged: 0, timings: "{}",
                                    storage: .blocks)
        // A cancelled scan's runs: one complete with blocks, one complete with rows, one still running.
        let dense = try store.beginDetectorRun(detector: "iforest", parameters: "{}", seed: 1)
        try store.finishDetectorRun(dense, transactionIDs: [1, 2, 3], scores: [0.4, 0.5, 0.6], flagged: 0, timings: "{}",
                                    storage: .blocks)
        let sparse = try store.beginDetectorRun(detector: "burst", parameters: "{}", seed: nil)
        try store.finishDetectorRun(sparse, transactionIDs: [2], scores: [0.9], reasons: ["many"], transactionsScored: 3,
                                    flagged: 1, timings: "{}")
        let running = try store.beginDetectorRun(detector: "ensemble", parameters: "{}", seed: nil)
        try store.cancelDetectorRuns([dense, sparse, running])
        try store.cancelDetectorRuns([])

        let runs = try store.detectorRuns()
        #expect(runs.map(\.status) == ["cancelled", "cancelled", "cancelled", "complete"])
        #expect(runs.prefix(3).allSatisfy { $0.finishedAt != nil })
        for run in [dense, sparse, running] { #expect(try store.runScores(runID: run).ids.isEmpty) }
        #expect(try store.runScores(runID: kept).scores == [0.1, 0.2, 0.3])
    }

    @Test func blocksAndRowsJudgeAlike() throws {
        let store = try scratch.store()
        let generator = try DemoGenerator(config: DemoConfig(clients: 25, days: 60, seed: 4))
        _ = try store.appendGenerated(name: "demo", identity: "d") { sink in try generator.generate(sink) }
        let ids = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY random()") }
        // A score that prefers labelled transactions a little, with ties.
        let labels = try store.pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, label FROM transactions").map { ($0["id"] as Int64, $0["label"] as Int) })
        }
        let scores = ids.map { id in Double((id * 37) % 11) / 10 + (labels[id] == 1 ? 0.3 : 0) }
        let dense = try store.beginDetectorRun(detector: "ensemble", parameters: "{}", seed: nil)
        try store.finishDetectorRun(dense, transactionIDs: ids, scores: scores, flagged: 0, timings: "{}", storage: .blocks)
        // As rows, only the scores above 0 are stored (a rule's way): missing ones count as 0.
        let kept = ids.indices.filter { scores[$0] > 0 }
        let sparse = try store.beginDetectorRun(detector: "burst", parameters: "{}", seed: nil)
        try store.finishDetectorRun(sparse, transactionIDs: kept.map { ids[$0] }, scores: kept.map { scores[$0] },
                                    reasons: kept.map { _ in "r" }, transactionsScored: ids.count, flagged: kept.count, timings: "{}")
        let a = try store.labelledScores(runID: dense)
        let b = try store.labelledScores(runID: sparse)
        #expect(a.scores.count == ids.count)
        #expect(a.scores == b.scores && a.labels == b.labels)
        #expect(a.labels.contains(true))
        let recallA = try store.recallByKind(runID: dense, threshold: 0.5)
        let recallB = try store.recallByKind(runID: sparse, threshold: 0.5)
        #expect(!recallA.isEmpty)
        #expect(recallA.keys.sorted() == recallB.keys.sorted())
        for (kind, figures) in recallA {
            #expect(figures.total == recallB[kind]!.total && figures.found == recallB[kind]!.found, "\(kind)")
        }
    }

    @Test func deletingARunDeletesItsBlocks() throws {
        let store = try scratch.store()
        let run = try store.beginDetectorRun(detector: "iforest", parameters: "{}", seed: 1)
        try store.finishDetectorRun(run, transactionIDs: [3, 1, 2], scores: [0.3, 0.1, 0.2], flagged: 0, timings: "{}", storage: .blocks)
        try store.pool.write { db in try db.execute(sql: "DELETE FROM detector_runs WHERE id = ?", arguments: [run]) }
        #expect(try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM score_blocks") } == 0)
    }

    @Test func pruningKeepsEachDetectorsNewestCompleteRunsAndAnyNewerUnfinishedOne() throws {
        let store = try scratch.store()
        func run(_ detector: String, _ outcome: String) throws -> Int64 {
            let id = try store.beginDetectorRun(detector: detector, parameters: "{}", seed: nil)
            switch outcome {
            case "complete":
                try store.finishDetectorRun(id, transactionIDs: [1, 2], scores: [0.1, 0.2], flagged: 0, timings: "{}", storage: .blocks)
            case "failed": try store.failDetectorRun(id)
            default: break  // still running
            }
            return id
        }
        let abandoned = try run("iforest", "running")
        let old = try (0..<2).map { _ in try run("iforest", "complete") }
        let failed = try run("iforest", "failed")
        let newest = try (0..<3).map { _ in try run("iforest", "complete") }
        let inProgress = try run("iforest", "running")
        let onlyOne = try run("burst", "complete")
        #expect(try store.pruneDetectorRuns(keeping: 3) == 4)
        let left = Set(try store.detectorRuns().map(\.id))
        #expect(left == Set(newest + [inProgress, onlyOne]))
        #expect(!left.contains(abandoned) && !left.contains(failed) && old.allSatisfy { !left.contains($0) })
        let blocks = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT DISTINCT run_id FROM score_blocks ORDER BY run_id") }
        #expect(blocks == (newest + [onlyOne]).sorted())
        #expect(try store.pruneDetectorRuns(keeping: 3) == 0)
    }
}
