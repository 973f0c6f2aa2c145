import Foundation
import Testing
import VigilCore
import VigilDetect
@testable import VigilEngine
import VigilStore
import VigilTestSupport

/// Outcomes are used causally: a transaction's scores depend only on outcomes known before its own instant.
extension WholeScans {
@Suite(.serialized) struct OutcomeCausalityTests {
    static func config() -> VigilConfig {
        var config = VigilConfig()
        config.lstmEpochs = 1
        config.lstmHidden = 6
        config.treeCount = 30
        config.lofReferenceLimit = 600
        return config
    }

    /// Every run's scores by detector, then by transaction id.
    static func scores(_ store: Store, _ report: ScanReport) throws -> [String: [Int64: Double]] {
        var all: [String: [Int64: Double]] = [:]
        for run in report.runs {
            let (ids, scores) = try store.runScores(runID: run.runID)
            all[run.detector] = Dictionary(uniqueKeysWithValues: zip(ids, scores))
        }
        let (ids, scores) = try store.runScores(runID: try #require(report.ensembleRunID))
        all["ensemble"] = Dictionary(uniqueKeysWithValues: zip(ids, scores))
        return all
    }

    /// Every transaction's id, instant and label, in id order.
    static func transactions(_ store: Store) throws -> (ids: [Int64], instants: [Int64], labels: [Int8]) {
        let arrived = try store.transactions(after: 0, limit: 10_000_000)
        return (arrived.columns.ids, arrived.columns.instants, arrived.columns.labels)
    }

    @Test func outcomesKnownAfterAnInstantMoveNoScoreBeforeIt() throws {
        let demo = try DemoStore(clients: 60, days: 90)
        let store = demo.store
        let (ids, instants, labels) = try Self.transactions(store)
        // A chargeback feed: every fraud known four days after it happened.
        let feed = ids.indices.filter { labels[$0] == 1 }.map {
            OutcomeRecord(transactionID: ids[$0], outcome: .fraud, knownAt: instants[$0] + 4 * 86_400)
        }
        try store.recordOutcomes(feed, feed: "chargebacks")
        let options = ScanOptions(config: Self.config())
        let first = try Scanner.scan(store, options: options)
        #expect(first.outcomesApplied > 0)
        #expect((first.runs.first { $0.detector == Detector.merchantRisk.rawValue }?.flagged ?? 0) > 0,
                "the demo's compromised merchants become risky once their fraud is known")
        let before = try Self.scores(store, first)
        // The weights each detector earns are label-free: the same store without any outcome earns the same.
        let bare = try DemoStore(clients: 60, days: 90)
        let unlabelled = try Scanner.scan(bare.store, options: options)
        #expect(unlabelled.outcomesApplied == 0)
        #expect(first.earned != nil && first.earned?.shares == unlabelled.earned?.shares)

        // More outcomes, all known after the cut: fraud said of genuine transactions before it, at busy merchants,
        // and a decision taking one of the chargebacks back.
        let cut = instants.sorted()[instants.count / 2]
        let genuine = ids.indices.filter { labels[$0] == 0 && instants[$0] < cut }
        let late = stride(from: 0, to: genuine.count, by: max(1, genuine.count / 300)).map {
            OutcomeRecord(transactionID: ids[genuine[$0]], outcome: .fraud, knownAt: cut + 1 + Int64($0))
        }
        try store.recordOutcomes(late, feed: "late-feed")
        try store.recordOutcomes(feed.prefix(5).map { OutcomeRecord(transactionID: $0.transactionID, outcome: .genuine, knownAt: cut + 10) },
                                 feed: "corrections")
        let second = try Scanner.scan(store, options: options)
        #expect(second.outcomesApplied > first.outcomesApplied)
        let after = try Self.scores(store, second)

        let instantOf = Dictionary(uniqueKeysWithValues: zip(ids, instants))
        var compared = 0, movedLater = 0
        for (detector, scores) in before {
            let now = try #require(after[detector])
            for id in Set(scores.keys).union(now.keys) {
                let instant = try #require(instantOf[id])
                if instant <= cut {
                    // To the bit: a rule's absent score is an absent score on both sides.
                    #expect(scores[id]?.bitPattern == now[id]?.bitPattern, "\(detector), transaction \(id)")
                    compared += 1
                } else if scores[id] != now[id] {
                    movedLater += 1
                }
            }
        }
        #expect(compared > 10_000)
        #expect(movedLater > 0, "the outcomes do change scores after they became known")
    }

    @Test func withAFeedbackDelayTheLabelsCountOnlyThatLate() throws {
        let demo = try DemoStore(clients: 60, days: 90)
        let store = demo.store
        var options = ScanOptions(config: Self.config())
        options.feedbackDelayDays = 7
        let first = try Scanner.scan(store, options: options)
        #expect(first.outcomesApplied > 0)
        let withDelay = try Self.scores(store, first)
        // Without the delay's labels, the ensemble ranks differently; with it, every score is made the same way again.
        let again = try Self.scores(store, try Scanner.scan(store, options: options))
        #expect(again == withDelay, "deterministic")
        options.feedbackDelayDays = nil
        let none = try Scanner.scan(store, options: options)
        #expect(none.outcomesApplied == 0)
        let labelFree = try Self.scores(store, none)
        #expect(labelFree["ensemble"] != withDelay["ensemble"])
        #expect(labelFree[Detector.merchantRisk.rawValue]?.isEmpty == true, "no outcomes: no merchant is risky")
        // The first week of the store has no label known yet: its scores are the label-free ones.
        let (ids, instants, _) = try Self.transactions(store)
        let firstWeek = instants.min()! + 7 * 86_400
        for (id, instant) in zip(ids, instants) where instant <= firstWeek {
            #expect(labelFree["ensemble"]?[id]?.bitPattern == withDelay["ensemble"]?[id]?.bitPattern, "transaction \(id)")
        }
    }
}
}
