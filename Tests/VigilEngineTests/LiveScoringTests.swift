import Foundation
import GRDB
import Testing
import VigilCore
import VigilDemo
import VigilDetect
@testable import VigilEngine
import VigilStore

/// Live scoring: transactions that arrive after a scan are scored one by one from their clients' saved state, and
/// get exactly the scores a scan reusing the same fitted detectors gives them.
extension WholeScans {
@Suite(.serialized) struct LiveScoringTests {
    /// A demo whose first `fittedDays` days are in a store and scanned; the rest arrive as CSV lines, a day a batch.
    final class Arrivals {
        let directory = NSTemporaryDirectory() + "vigil-live-tests-" + UUID().uuidString
        let store: Store
        let config: VigilConfig
        /// The later days' transactions as CSV records (Vigil's layout), a batch per day.
        var batches: [[[UInt8]]] = []
        let header = Array(TransactionCSV.header.utf8)

        init(clients: Int = 30, days: Int = 75, fittedDays: Int = 60, detectors: Set<Detector> = Set(Detector.allCases)) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            store = try Store(path: directory + "/live.sqlite")
            var config = VigilConfig()
            // Small models, and a LOF reference smaller than the store so both of LOF's modes are exercised.
            config.lofReferenceLimit = 600
            config.lstmEpochs = 1
            config.lstmHidden = 6
            config.treeCount = 30
            self.config = config
            let generator = try DemoGenerator(config: DemoConfig(clients: clients, days: days, seed: 5))
            var days: [[Transaction]] = []
            generator.generate { days.append($0) }
            let fitted = days.prefix(fittedDays)
            _ = try store.appendGenerated(name: "demo", identity: "live-tests") { sink in
                for day in fitted { try sink(day) }
            }
            batches = days.dropFirst(fittedDays).map { day in day.map { Array(TransactionCSV.row($0).utf8) } }
            var options = ScanOptions(detectors: detectors, config: config)
            options.fillAlerts = true
            _ = try Scanner.scan(store, options: options)
        }

        deinit {
            try? store.closeConnections()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func arrivalsGetTheScoresOfAScanWithTheSameFittedDetectors() throws {
        let arrivals = try Arrivals()
        let ingest = try LiveIngest(store: arrivals.store, config: arrivals.config)
        let scorer = try #require(ingest.scorer)
        #expect(scorer.models == [.isolationForest, .localOutlierFactor, .lstm])
        var live: [Int64: LiveVerdict] = [:]
        var opened: [Int64] = []
        for batch in arrivals.batches {
            let outcome = try ingest.ingest(header: arrivals.header, lines: batch)
            #expect(outcome.imported == batch.count && outcome.rejected == 0)
            #expect(outcome.scoring.scored == batch.count)
            for verdict in outcome.scoring.verdicts { live[verdict.transactionID] = verdict }
            opened += outcome.scoring.alertsOpened
        }
        let arrived = arrivals.batches.reduce(0) { $0 + $1.count }
        #expect(live.count == arrived && arrived > 500)
        #expect(try arrivals.store.liveScoredThrough() == arrivals.store.newestTransactionID())
        // Stored as given, and the alerts they raised are in the queue.
        let stored = try arrivals.store.liveScores(of: Array(live.keys))
        #expect(stored.count == live.count)
        for (id, verdict) in live {
            #expect(stored[id]?.score == verdict.score)
            // Each detector's part, as valid JSON whose numbers read back exactly (Foundation's own JSON reader rounds
            // the last digit on Linux, so the numbers are read with `Double(_:)`).
            let text = stored[id]?.detectors ?? ""
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let parts = text.dropFirst().dropLast().split(separator: ",").map { $0.split(separator: ":") }
            let exact = Dictionary(uniqueKeysWithValues: parts.map { (String($0[0].dropFirst().dropLast()), Double(String($0[1]))) })
            let expected = Dictionary(uniqueKeysWithValues: verdict.detectors.map { ($0.detector.rawValue, Optional($0.value)) })
            #expect(exact == expected && Set(parsed.keys) == Set(expected.keys), "transaction \(id): \(text)")
        }
        #expect(!opened.isEmpty)

        let liveAlerts = Dictionary(uniqueKeysWithValues: try arrivals.store.alerts(limit: 100_000).filter { opened.contains($0.id) }
            .map { ($0.id, $0) })
        #expect(liveAlerts.count == opened.count)
        #expect(liveAlerts.values.contains { $0.reasons.contains { $0.detector == Detector.lstm.rawValue } })
        // Each alert live scoring opened is in a case of its card at once.
        for id in opened { #expect(try arrivals.store.case(ofAlert: id)?.clientID == liveAlerts[id]?.clientID, "alert #\(id)") }

        // A scan reusing the fitted detectors gives every arrival the same scores, detector by detector.
        let report = try Scanner.scan(arrivals.store, options: ScanOptions(config: arrivals.config))
        #expect(report.reused == [.isolationForest, .localOutlierFactor, .lstm])
        // The weights the detectors earned were fitted with them, kept, and are the ones live scoring used.
        #expect(report.earned == nil && report.weights.count == Detector.allCases.count)
        for (detector, _, earned) in report.weights { #expect(scorer.ensemble.weight(detector) == earned, "\(detector)") }
        let ensemble = try arrivals.store.runScores(runID: try #require(report.ensembleRunID))
        let batchScore = Dictionary(uniqueKeysWithValues: zip(ensemble.ids, ensemble.scores))
        var compared = 0
        for (id, verdict) in live {
            #expect(batchScore[id] == verdict.score, "transaction \(id)")
            compared += 1
        }
        #expect(compared == arrived)
        // The comparison covered the population's category amounts, a lead (the run of large charges) and the spree
        // on both sides of the floor.
        #expect(live.values.contains { $0.hits.contains { $0.detector == .categoryAmount } })
        #expect(live.values.contains { $0.hits.contains { $0.detector == .amountRun } })
        #expect(live.values.contains { $0.spree?.finding.aboveFloor == true })
        #expect(live.values.contains { $0.spree?.finding.aboveFloor == false })
        for run in report.runs where Detector.models.map(\.rawValue).contains(run.detector) {
            let detector = try #require(Detector(rawValue: run.detector))
            let raw = try arrivals.store.runScores(runID: run.runID)
            let rawByID = Dictionary(uniqueKeysWithValues: zip(raw.ids, raw.scores))
            for (id, verdict) in live { #expect(rawByID[id] == verdict.raw[detector], "\(detector.rawValue), transaction \(id)") }
        }
        // The scan, which writes its own reasons over an open alert's, words each live alert it keeps exactly as
        // live scoring did (the LSTM's prediction included).
        var kept = 0
        for alert in try arrivals.store.alerts(limit: 100_000) {
            guard let live = liveAlerts[alert.id] else { continue }
            #expect(alert.reasons == live.reasons, "alert \(alert.id)")
            #expect(alert.score == live.score)
            kept += 1
        }
        #expect(kept > 0)
        // Nothing was refitted: the scan kept the fitted set it found.
        #expect(try arrivals.store.latestFittedModelsID() == FittedDetectors.load(arrivals.store, config: arrivals.config)?.storedID)
    }

    @Test func acrossCardsLiveScoringGivesTheScansScoresWithOutcomesKnownAsTheyArrive() throws {
        let arrivals = try Arrivals(clients: 60)
        let ingest = try LiveIngest(store: arrivals.store, config: arrivals.config)
        // A chargeback feed recorded once live scoring is running: every fraud so far, known 12 days after it, so
        // that most become known while the later days arrive.
        let known = try arrivals.store.transactions(after: 0, limit: 1_000_000).columns
        try arrivals.store.recordOutcomes(known.ids.indices.filter { known.labels[$0] == 1 }.map {
            OutcomeRecord(transactionID: known.ids[$0], outcome: .fraud, knownAt: known.instants[$0] + 12 * 86_400)
        }, feed: "chargebacks")
        var live: [Int64: LiveVerdict] = [:]
        for batch in arrivals.batches {
            let outcome = try ingest.ingest(header: arrivals.header, lines: batch)
            for verdict in outcome.scoring.verdicts { live[verdict.transactionID] = verdict }
        }
        #expect(live.values.contains { $0.hits.contains { $0.detector == .merchantRisk } },
                "the chargebacks made some merchant risky while the days arrived")
        let report = try Scanner.scan(arrivals.store, options: ScanOptions(config: arrivals.config))
        let ensemble = try arrivals.store.runScores(runID: try #require(report.ensembleRunID))
        let batchScore = Dictionary(uniqueKeysWithValues: zip(ensemble.ids, ensemble.scores))
        for (id, verdict) in live { #expect(batchScore[id]?.bitPattern == verdict.score.bitPattern, "transaction \(id)") }
        for detector in CrossCard.detectors {
            let run = try #require(report.runs.first { $0.detector == detector.rawValue })
            let scores = try arrivals.store.runScores(runID: run.runID)
            let byID = Dictionary(uniqueKeysWithValues: zip(scores.ids, scores.scores))
            for (id, verdict) in live {
                #expect(byID[id] == verdict.hits.first { $0.detector == detector }?.score, "\(detector.rawValue), transaction \(id)")
            }
        }
    }

    @Test func aSecondScorerCatchesUpAndScoresNothingTwice() throws {
        let arrivals = try Arrivals(clients: 12, days: 40, fittedDays: 35, detectors: [.isolationForest, .unusualAmount, .burst])
        let first = try LiveIngest(store: arrivals.store, config: arrivals.config)
        let firstBatch = try first.ingest(header: arrivals.header, lines: arrivals.batches[0])
        #expect(firstBatch.scoring.scored == arrivals.batches[0].count)
        // Another process appends the next day; a scorer started afterwards replays the store and scores only it.
        let second = try LiveIngest(store: arrivals.store, config: arrivals.config)
        let secondBatch = try second.ingest(header: arrivals.header, lines: arrivals.batches[1])
        #expect(secondBatch.scoring.scored == arrivals.batches[1].count)
        // The first scorer sees the second's rows, takes them into its states, and scores none of them again.
        let caughtUp = try first.scoreArrivals()
        #expect(caughtUp.scored == 0 && caughtUp.latencies.count == arrivals.batches[1].count)
        // Sending the same lines again adds nothing and scores nothing.
        let repeated = try second.ingest(header: arrivals.header, lines: arrivals.batches[1])
        #expect(repeated.imported == 0 && repeated.scoring.scored == 0)
    }

    @Test func aBadLineIsRejectedWithItsStreamLineAndTheRestAreScored() throws {
        let arrivals = try Arrivals(clients: 12, days: 40, fittedDays: 35, detectors: [.isolationForest, .unusualAmount])
        let ingest = try LiveIngest(store: arrivals.store, config: arrivals.config)
        var lines = arrivals.batches[0]
        let good = lines.count
        lines.insert(Array("demo-x-1,C9,not a time,12.00,USD,M,grocery_pos,,,,,,,,online,,".utf8), at: 2)
        let outcome = try ingest.ingest(header: arrivals.header, lines: lines)
        #expect(outcome.imported == good && outcome.rejected == 1)
        // The header is line 1, so the third record is line 4 of the stream.
        #expect(outcome.rejections.count == 1)
        #expect(outcome.rejections.first?.hasPrefix("line 4, column time, value 'not a time'") == true, "\(outcome.rejections)")
        #expect(outcome.scoring.scored == good)
    }

    /// A live score's detector parts are stored as a JSON object, names in alphabetical order, numbers that read back
    /// exactly, null for a number JSON cannot hold.
    @Test func detectorPartsAreStoredAsJSON() throws {
        let text = LiveScorer.json([.localOutlierFactor: 1.5, .burst: .nan, .isolationForest: 0.1, .lstm: 1e-5])
        #expect(text == #"{"burst":null,"iforest":0.1,"lof":1.5,"lstm":1e-05}"#)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(parsed.keys) == ["burst", "iforest", "lof", "lstm"] && parsed["burst"] is NSNull)
        // The shortest form that reads back to the same double, digit for digit.
        let tricky = 0.1 + 0.2
        #expect(LiveScorer.json([.burst: tricky]) == #"{"burst":0.30000000000000004}"#)
        #expect(LiveScorer.json(DetectorScores()) == "{}")
    }

    @Test func withoutAScanLiveScoringExplainsWhatToDo() throws {
        let directory = NSTemporaryDirectory() + "vigil-live-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(path: directory + "/empty.sqlite")
        defer { try? store.closeConnections() }
        #expect(throws: LiveScoringError.noFittedDetectors(store: store.path)) { try LiveScorer(store: store) }
        let ingest = try LiveIngest(store: store, config: VigilConfig())
        #expect(ingest.scorer == nil)
        #expect(ingest.notScoring?.contains("vigil scan") == true)
    }

    /// The scorer steps its clients' states before committing their scores: when the commit fails (here another
    /// writer holds the lock past the busy timeout), the states are rebuilt, and a later call scores the same
    /// transactions, all of them, as if the failure had not happened.
    @Test func scoresWhoseCommitFailedAreScoredAgainOnceTheStoreIsFree() throws {
        let arrivals = try Arrivals(clients: 12, days: 40, fittedDays: 35, detectors: [.isolationForest, .unusualAmount, .burst])
        let reference = try Arrivals(clients: 12, days: 40, fittedDays: 35, detectors: [.isolationForest, .unusualAmount, .burst])
        let ingest = try LiveIngest(store: arrivals.store, config: arrivals.config)
        let lines = arrivals.batches[0]
        let stored = try ingest.store(header: arrivals.header, lines: lines)
        #expect(stored.imported == lines.count && stored.scoring.scored == 0)

        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let holder = try DatabaseQueue(path: arrivals.store.path, configuration: configuration)
        defer { try? holder.close() }
        try holder.inDatabase { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        #expect(throws: (any Error).self) { try ingest.scoreArrivals() }
        try holder.inDatabase { db in try db.execute(sql: "COMMIT") }

        let scored = try ingest.scoreArrivals()
        #expect(scored.scored == lines.count)
        #expect(try arrivals.store.liveScoredThrough() == arrivals.store.newestTransactionID())
        // The same scores as an ingest that never failed.
        let clean = try LiveIngest(store: reference.store, config: reference.config)
        let expected = try clean.ingest(header: reference.header, lines: reference.batches[0])
        #expect(scored.verdicts.map(\.score) == expected.scoring.verdicts.map(\.score))
    }

    /// Lines are numbered in the input: a failed batch leaves the next line where it was, and a followed file that
    /// starts again is numbered from its own first line.
    @Test func lineNumbersFollowTheInputThroughRestarts() throws {
        let arrivals = try Arrivals(clients: 12, days: 40, fittedDays: 35, detectors: [.unusualAmount])
        let ingest = try LiveIngest(store: arrivals.store, config: arrivals.config)
        #expect(ingest.nextLine == 2)
        _ = try ingest.store(header: arrivals.header, lines: Array(arrivals.batches[0].prefix(3)))
        #expect(ingest.nextLine == 5)
        ingest.restartLines(startsWithHeader: false)
        let bad = try ingest.store(header: arrivals.header, lines: [Array("x,y,z".utf8)])
        #expect(bad.rejections.first?.hasPrefix("line 1") == true, "\(bad.rejections)")
        ingest.restartLines(startsWithHeader: true)
        let again = try ingest.store(header: arrivals.header, lines: [Array("x,y,w".utf8)])
        #expect(again.rejections.first?.hasPrefix("line 2") == true, "\(again.rejections)")
        #expect(ingest.isHeader(arrivals.header))
        #expect(!ingest.isHeader(arrivals.batches[0][0]))
    }
}
}

/// Splitting a byte stream into CSV records.
@Suite struct RecordSplitterTests {
    @Test func recordsEndAtLineEndsOutsideQuotesWhateverTheChunking() {
        let text = "a,b\r\n1,\"two\nlines\"\n3,4\nlast"
        let bytes = Array(text.utf8)
        for chunk in 1 ... bytes.count {
            var splitter = RecordSplitter()
            var records: [[UInt8]] = []
            var start = 0
            while start < bytes.count {
                records += splitter.add(bytes[start ..< min(bytes.count, start + chunk)])
                start += chunk
            }
            if let last = splitter.finish() { records.append(last) }
            #expect(records.map { String(decoding: $0, as: UTF8.self) } == ["a,b", "1,\"two\nlines\"", "3,4", "last"], "chunk \(chunk)")
        }
    }

    @Test func bytesThatAreNotUTF8PassThroughUnchanged() {
        var splitter = RecordSplitter()
        let records = splitter.add([0x61, 0xFF, 0xFE, 0x0A])
        #expect(records == [[0x61, 0xFF, 0xFE]])
    }
}
