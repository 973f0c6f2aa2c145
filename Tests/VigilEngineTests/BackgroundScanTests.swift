import Foundation
import Testing
import VigilCore
import VigilDetect
@testable import VigilEngine
import VigilStore
import VigilTestSupport

/// Long enough for any of these scans on a loaded machine; only there so that a broken scan fails instead of hanging.
private let generousTimeout = 600.0

extension WholeScans {
@Suite(.serialized) struct BackgroundScanTests {
    /// A small store's scan, cut into many small pieces: many reports, chunks, slices and cancellation checks.
    func options(sliced: Bool = true) -> ScanOptions {
        var config = VigilConfig()
        config.lofReferenceLimit = 500
        // A small, short-trained LSTM: these tests are about the scan's stages, not the model.
        config.lstmEpochs = 2
        config.lstmHidden = 8
        var options = ScanOptions(config: config)
        if sliced {
            options.rowsPerChunk = 400
            options.readingEvery = 250
            options.isolationSliceRows = 700
            options.lofSliceRows = 300
        }
        return options
    }

    /// Collects what a scan reports.
    final class Reports: @unchecked Sendable {
        // Unchecked: only used on the thread that runs the scan, then read after it ended.
        var all: [ScanProgress] = []
    }

    @Test func progressRisesToOneThroughEveryStageAndSlicingChangesNoScore() throws {
        let demo = try DemoStore(clients: 20, days: 60)
        let rows = try demo.store.transactionCount()
        try #require(rows > 4 * 500)
        // Unsliced first: every model scores the whole matrix at once.
        let whole = try Scanner.scan(demo.store, options: options(sliced: false)) { (_: ScanProgress) in }
        let reports = Reports()
        let sliced = try Scanner.scan(demo.store, options: options()) { reports.all.append($0) }

        let stages = Scanner.stages(for: options())
        #expect(stages == [ScanProgress.reading, "Isolation Forest", "Local Outlier Factor", "LSTM sequence model", ScanProgress.rules,
                           ScanProgress.ensemble, ScanProgress.alertQueue])
        let fractions = reports.all.map(\.fraction)
        #expect(zip(fractions, fractions.dropFirst()).allSatisfy { $0 <= $1 })
        #expect(fractions.last == 1)
        #expect(fractions.dropLast().allSatisfy { $0 < 1 })
        #expect(reports.all.allSatisfy { $0.stageCount == stages.count && stages[$0.stageNumber - 1] == $0.stage })
        // Every stage is reported, in order, and each more than once where it was cut into pieces.
        var seen: [String] = []
        for report in reports.all where seen.last != report.stage { seen.append(report.stage) }
        #expect(seen == stages)
        for stage in [ScanProgress.reading, "Isolation Forest", "Local Outlier Factor"] {
            #expect(reports.all.filter { $0.stage == stage }.count >= 4, "\(stage)")
        }
        #expect(reports.all.last?.stage == ScanProgress.alertQueue && reports.all.last?.secondsLeft == 0)
        let elapsed = reports.all.map(\.elapsedSeconds)
        #expect(zip(elapsed, elapsed.dropFirst()).allSatisfy { $0 <= $1 })

        // Scored a slice at a time, the models give exactly the scores they give over the whole matrix.
        for detector in ["iforest", "lof", "ensemble"] {
            let first = try #require(whole.runs.first { $0.detector == detector }?.runID ?? whole.ensembleRunID)
            let second = try #require(sliced.runs.first { $0.detector == detector }?.runID ?? sliced.ensembleRunID)
            #expect(try demo.store.runScores(runID: first) == demo.store.runScores(runID: second), "\(detector)")
        }
    }

    @Test func aBackgroundScanFinishesWithTheAlertsOfAForegroundScan() throws {
        let foreground = try DemoStore(clients: 20, days: 60)
        let background = try DemoStore(clients: 20, days: 60)
        _ = try Scanner.scan(foreground.store, options: options(sliced: false)) { (_: ScanProgress) in }

        let scan = BackgroundScan(storePath: background.store.path, options: options())
        guard case .running(nil) = scan.state else { Issue.record("not waiting to start: \(scan.state)"); return }
        scan.start()
        scan.start()  // a second start does nothing
        try #require(scan.wait(timeout: generousTimeout))
        scan.wait()
        guard case .finished(let report) = scan.state else { Issue.record("did not finish: \(scan.state)"); return }
        #expect(scan.state.hasEnded)
        #expect(report.runs.count == Detector.allCases.count)

        // The store as the workbench holds it sees what the scan's own connection wrote.
        let expected = try foreground.store.alerts(limit: 10_000, status: nil)
        let got = try background.store.alerts(limit: 10_000, status: nil)
        #expect(!expected.isEmpty)
        #expect(got.map(\.transactionID) == expected.map(\.transactionID))
        #expect(got.map(\.score) == expected.map(\.score))
        #expect(got.map(\.reasons) == expected.map(\.reasons))
        #expect(try background.store.detectorRuns().allSatisfy { $0.status == "complete" })
    }

    @Test func aScanOverTheWorkbenchsOwnStoreFinishesToo() throws {
        let demo = try DemoStore(clients: 10, days: 30)
        let scan = BackgroundScan(store: demo.store, options: options())
        scan.start()
        try #require(scan.wait(timeout: generousTimeout))
        guard case .finished(let report) = scan.state else { Issue.record("did not finish: \(scan.state)"); return }
        #expect(report.alerts != nil)
        #expect(try demo.store.alertCounts()["open"] == report.alerts?.opened)
    }

    /// Where a scan is cancelled: at the `report`-th report of `stage`, from inside that report, so always at the same
    /// point of the scan; it then stops at its next check.
    struct CancelPoint: Sendable, CustomTestStringConvertible {
        var stage: String
        var report: Int
        /// Whether the scan had begun a detector run by then.
        var begunRuns: Bool
        /// Whether `report` counts from the end of the table's read (from the first chunk's report) instead.
        var inChunks = false
        var testDescription: String { "\(stage) #\(report)\(inChunks ? " of the chunks" : "")" }

        /// The report of `stage` to cancel at, for a store of `rows` transactions.
        func index(rows: Int, readingEvery: Int) -> Int {
            // The stage's first report, the prior's, then one per `readingEvery` rows read.
            inChunks ? 2 + rows / readingEvery + report : report
        }
    }

    static let cancelPoints = [
        CancelPoint(stage: ScanProgress.reading, report: 1, begunRuns: false),  // before the store is read
        CancelPoint(stage: ScanProgress.reading, report: 3, begunRuns: false),  // while the table is read
        CancelPoint(stage: ScanProgress.reading, report: 2, begunRuns: false, inChunks: true),  // between chunks
        CancelPoint(stage: "Isolation Forest", report: 2, begunRuns: true),  // fitted, scoring
        CancelPoint(stage: "Local Outlier Factor", report: 1, begunRuns: true),  // fitting on the reference
        CancelPoint(stage: "Local Outlier Factor", report: 3, begunRuns: true),  // scoring against the reference
        CancelPoint(stage: ScanProgress.rules, report: 3, begunRuns: true),  // two rules' runs written
        CancelPoint(stage: ScanProgress.ensemble, report: 1, begunRuns: true),
        CancelPoint(stage: ScanProgress.alertQueue, report: 1, begunRuns: true),  // just before the refresh
    ]

    @Test(arguments: cancelPoints)
    func aCancelledScanLeavesTheQueueAndTheEarlierRunsAsTheyWere(at point: CancelPoint) throws {
        let demo = try DemoStore(clients: 20, days: 60)
        let first = try Scanner.scan(demo.store, options: options(sliced: false)) { (_: ScanProgress) in }
        let open = try demo.store.alerts(limit: 10_000)
        try #require(open.count >= 2)
        try demo.store.recordTriage(alertID: open[0].id, analyst: "ana", action: "decide", toStatus: .confirmedFraud, at: 1)
        try demo.store.recordTriage(alertID: open[1].id, analyst: "ana", action: "note", note: "called the client", at: 2)
        let alertsBefore = try demo.store.alerts(limit: 10_000, status: nil)
        let runsBefore = try demo.store.detectorRuns()
        let lastRunBefore = try #require(runsBefore.map(\.id).max())
        // A stricter scan than the first, which would withdraw and change alerts had it refreshed the queue.
        var stricter = options()
        stricter.config.alertThreshold = 0.9

        let rows = try demo.store.transactionCount()
        try #require(rows / stricter.readingEvery > 4 && rows / stricter.rowsPerChunk > 4)
        let cancelAt = point.index(rows: rows, readingEvery: stricter.readingEvery)
        let seen = Reports()
        let scan = BackgroundScan(storePath: demo.store.path, options: stricter) { scan, progress in
            seen.all.append(progress)
            if progress.stage == point.stage && seen.all.filter({ $0.stage == point.stage }).count == cancelAt {
                scan.cancel()
            }
        }
        scan.start()
        try #require(scan.wait(timeout: generousTimeout))
        guard case .cancelled = scan.state else { Issue.record("not cancelled: \(scan.state)"); return }
        // It stopped in the stage it was cancelled in.
        #expect(seen.all.last?.stage == point.stage)
        #expect(seen.all.allSatisfy { $0.fraction < 1 })

        #expect(try demo.store.alerts(limit: 10_000, status: nil) == alertsBefore)
        let runsAfter = try demo.store.detectorRuns()
        #expect(runsAfter.allSatisfy { $0.status != "running" })
        // The earlier runs are untouched; the ones this scan began are cancelled and hold no scores.
        #expect(runsAfter.filter { $0.id <= lastRunBefore } == runsBefore)
        let begun = runsAfter.filter { $0.id > lastRunBefore }
        #expect(begun.isEmpty == !point.begunRuns)
        for run in begun {
            #expect(run.status == "cancelled" && run.finishedAt != nil, "\(run.detector)")
            #expect(try demo.store.runScores(runID: run.id).ids.isEmpty, "\(run.detector)")
        }
        // The newest complete run of each detector is still the first scan's, which evaluation judges.
        let evaluated = try Evaluator.evaluateLatestRuns(demo.store).map(\.runID).sorted()
        #expect(evaluated == (first.runs.map(\.runID) + [first.ensembleRunID!]).sorted())

        // The next scan runs normally, and still leaves the decided alert alone.
        let next = try Scanner.scan(demo.store, options: stricter) { (_: ScanProgress) in }
        #expect(next.alerts != nil)
        let decided = try #require(try demo.store.alerts(limit: 10_000, status: nil).first { $0.id == open[0].id })
        #expect(decided == alertsBefore.first { $0.id == open[0].id })
        #expect(try demo.store.detectorRuns().allSatisfy { $0.status != "running" })
    }

    /// What makes a cancelled scan safe at any point: the queue's refresh is all or nothing.
    @Test func anAlertRefreshThatFailsPartWayLeavesNoTrace() throws {
        let demo = try DemoStore(clients: 10, days: 30)
        _ = try Scanner.scan(demo.store, options: options(sliced: false)) { (_: ScanProgress) in }
        let before = try demo.store.alerts(limit: 10_000, status: nil)
        try #require(before.count >= 2)
        // Rescores the first alert and would withdraw the others, but fails on a transaction that does not exist.
        let candidates = [AlertCandidate(transactionID: before[0].transactionID, score: 0.01, reasons: []),
                          AlertCandidate(transactionID: Int64.max, score: 0.99, reasons: [])]
        #expect(throws: (any Error).self) { try demo.store.refreshAlerts(candidates) }
        #expect(try demo.store.alerts(limit: 10_000, status: nil) == before)
    }

    @Test func aScanCancelledBeforeItStartsTouchesNothing() throws {
        let demo = try DemoStore(clients: 10, days: 30)
        let scan = BackgroundScan(storePath: demo.store.path, options: options())
        scan.wait()  // never started: returns at once
        #expect(scan.wait(timeout: 0))
        scan.cancel()
        scan.start()
        try #require(scan.wait(timeout: generousTimeout))
        guard case .cancelled = scan.state else { Issue.record("not cancelled: \(scan.state)"); return }
        #expect(try demo.store.detectorRuns().isEmpty)
        #expect(try demo.store.alertCounts().isEmpty)
        #expect(try demo.store.profileCount() == 0)
    }

    @Test func aScanCancelledAsItStartsEndsWithNothingLeftRunning() throws {
        let demo = try DemoStore(clients: 10, days: 30)
        let scan = BackgroundScan(store: demo.store, options: options())
        scan.start()
        scan.cancel()
        try #require(scan.wait(timeout: generousTimeout))
        // The scan may have got past its last check on a very slow machine; it never ends in between.
        switch scan.state {
        case .cancelled:
            #expect(try demo.store.alertCounts().isEmpty)
            #expect(try demo.store.detectorRuns().allSatisfy { $0.status == "cancelled" })
        case .finished:
            #expect(try demo.store.detectorRuns().allSatisfy { $0.status == "complete" })
        case let other:
            Issue.record("ended as \(other)")
        }
    }

    @Test func aMissingStoreFailsWithoutBeingCreated() throws {
        let path = NSTemporaryDirectory() + "vigil-app-tests-" + UUID().uuidString + "/none.sqlite"
        let scan = BackgroundScan(storePath: path, options: options())
        scan.start()
        try #require(scan.wait(timeout: generousTimeout))
        guard case .failed(let message) = scan.state else { Issue.record("did not fail: \(scan.state)"); return }
        #expect(message == "no store at \(path)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aForegroundScanStopsWithScanErrorCancelled() throws {
        let demo = try DemoStore(clients: 10, days: 30)
        let cancellation = ScanCancellation()
        var reports = 0
        #expect(throws: ScanError.cancelled) {
            try Scanner.scan(demo.store, options: options(), progress: { _ in
                reports += 1
                if reports == 2 { cancellation.cancel() }
            }, cancellation: cancellation)
        }
        #expect(reports == 2)
        #expect(ScanError.cancelled.description.contains("cancelled"))
    }

    @Test func aCancellationIsSeenByEveryThreadAndNeverUndone() {
        let cancellation = ScanCancellation()
        #expect(!cancellation.isCancelled)
        let regressions = Guarded(0)
        let sawIt = Guarded(0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            var seen = false
            for step in 0 ..< 20_000 {
                if worker % 4 == 0 && step == 5_000 * (worker / 4 + 1) { cancellation.cancel() }
                let now = cancellation.isCancelled
                if seen && !now { regressions.update { $0 += 1 } }
                seen = seen || now
            }
        }
        #expect(regressions.read { $0 } == 0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if cancellation.isCancelled { sawIt.update { $0 += 1 } }
        }
        #expect(sawIt.read { $0 } == 8)
        cancellation.cancel()
        #expect(cancellation.isCancelled)
    }

    @Test func progressReadsAsOneLine() {
        let progress = ScanProgress(stage: "Isolation Forest", stageNumber: 3, stageCount: 6, fraction: 0.45,
                                    elapsedSeconds: 10, secondsLeft: 12)
        #expect(progress.description == "Isolation Forest · 3/6 · 45% · 12 s left")
        let early = ScanProgress(stage: ScanProgress.reading, stageNumber: 1, stageCount: 6, fraction: 0.29,
                                 elapsedSeconds: 0.1, secondsLeft: nil)
        #expect(early.description == "reading transactions · 1/6 · 29%")
        let done = ScanProgress(stage: ScanProgress.alertQueue, stageNumber: 6, stageCount: 6, fraction: 1,
                                elapsedSeconds: 30, secondsLeft: 0)
        #expect(done.description == "alert queue · 6/6 · 100%")
    }

    @Test func stagesFollowTheChosenDetectors() {
        var options = ScanOptions(detectors: Set(Detector.rules))
        options.fillAlerts = false
        #expect(Scanner.stages(for: options) == [ScanProgress.reading, ScanProgress.rules, ScanProgress.ensemble])
        #expect(Scanner.stages(for: ScanOptions(detectors: [.localOutlierFactor]))
                == [ScanProgress.reading, "Local Outlier Factor", ScanProgress.ensemble, ScanProgress.alertQueue])
    }
}
}
