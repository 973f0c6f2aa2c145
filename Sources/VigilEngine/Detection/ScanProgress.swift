import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// How far a scan has come, as `Scanner.scan` reports it.
public struct ScanProgress: Sendable, Equatable, CustomStringConvertible {
    /// The stage under way, in a few words: `reading`, a model's title, `rules`, `ensemble` or `alertQueue`.
    public var stage: String
    /// The stage's place among the scan's stages (`Scanner.stages(for:)`), from 1.
    public var stageNumber: Int
    public var stageCount: Int
    /// The share of the whole scan done, 0 to 1, each stage weighted by the work it is expected to take. It never
    /// goes back from one report to the next, and the last report of a scan that completes says 1.
    public var fraction: Double
    public var elapsedSeconds: Double
    /// How long the rest should take at the pace so far; nil until enough is done to tell.
    public var secondsLeft: Double?

    public init(stage: String, stageNumber: Int, stageCount: Int, fraction: Double, elapsedSeconds: Double,
                secondsLeft: Double?) {
        self.stage = stage
        self.stageNumber = stageNumber
        self.stageCount = stageCount
        self.fraction = fraction
        self.elapsedSeconds = elapsedSeconds
        self.secondsLeft = secondsLeft
    }

    /// The first stage: the store read once for client profiles, the models' features and every rule's hits.
    public static let reading = "reading transactions"
    /// Writing the rules' runs.
    public static let rules = "rules"
    /// Combining the detectors and writing the ensemble's run.
    public static let ensemble = "ensemble"
    /// Refreshing the alert queue (the last stage unless the scan leaves the queue as it is).
    public static let alertQueue = "alert queue"

    /// The whole percent done, 100 only at the very end.
    public var percent: Int { Int((min(max(fraction, 0), 1) * 100 + 1e-9).rounded(.down)) }

    /// One line, such as "Isolation Forest · 3/6 · 45% · 12 s left".
    public var description: String {
        var text = "\(stage) · \(stageNumber)/\(stageCount) · \(percent)%"
        if let secondsLeft, fraction < 1 { text += " · \(Formatting.duration(secondsLeft)) left" }
        return text
    }
}

/// Why a scan stopped without a report.
public enum ScanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The scan's `ScanCancellation` was cancelled. The runs the scan had begun are marked cancelled, the alert queue
    /// was not touched, and the previous scan's runs and alerts are as they were.
    case cancelled

    public var description: String {
        switch self {
        case .cancelled: return "the scan was cancelled; the alert queue and the earlier detector runs are as they were"
        }
    }
}

/// Stops a scan from another thread: `Scanner.scan` asks it between stages and every fraction of a second within
/// them, and throws `ScanError.cancelled` once it is cancelled. A cancellation cannot be undone.
public final class ScanCancellation: Sendable {
    private let flag = Guarded(false)

    public init() {}

    public func cancel() { flag.update { $0 = true } }

    public var isCancelled: Bool { flag.read { $0 } }
}

/// A scan's stages and their weights: turns "this far into that stage" into `ScanProgress` for the caller, and is
/// where the scan checks for cancellation. Used on the scanning thread only.
final class ScanMeter {
    struct Stage {
        var name: String
        /// The stage's expected share of the work, in any unit common to all stages.
        var weight: Double
    }

    let stages: [Stage]
    private let total: Double
    private let cancellation: ScanCancellation?
    private let report: (ScanProgress) -> Void
    private let started = ContinuousClock.now
    private var index = 0
    /// The weight of the stages before `index`.
    private var passed = 0.0
    private var reported = 0.0
    /// Runs this scan began: a cancellation marks them cancelled.
    var begun: [Int64] = []

    init(stages: [Stage], cancellation: ScanCancellation?, report: @escaping (ScanProgress) -> Void) {
        precondition(!stages.isEmpty)
        self.stages = stages
        total = stages.reduce(0) { $0 + $1.weight }
        self.cancellation = cancellation
        self.report = report
    }

    /// Begins a run of `detector` in `store`, remembered so that a cancellation marks it, and does `work` with its id;
    /// the run is marked failed when the work fails (a cancelled scan marks its runs itself). Every run of a scan
    /// begins here, so none is left open by an error.
    func run<T>(of detector: String, parameters: String, seed: Int64?, in store: Store, _ work: (Int64) throws -> T) throws -> T {
        let runID = try store.beginDetectorRun(detector: detector, parameters: parameters, seed: seed)
        begun.append(runID)
        do {
            return try work(runID)
        } catch let error where !(error is ScanError || error is CancellationError) {
            try? store.failDetectorRun(runID)
            throw error
        }
    }

    /// For work on other threads (LOF's neighbour queries): whether the scan is cancelled.
    var shouldStop: @Sendable () -> Bool {
        guard let cancellation else { return { false } }
        return { cancellation.isCancelled }
    }

    /// Throws `ScanError.cancelled` once the scan is cancelled.
    func check() throws {
        if cancellation?.isCancelled == true { throw ScanError.cancelled }
    }

    /// Moves on to the stage named `name` (later than the current one; any between count as done) and reports it.
    func enter(_ name: String) throws {
        guard let target = stages.firstIndex(where: { $0.name == name }), target >= index else {
            preconditionFailure("no stage '\(name)' after '\(stages[index].name)'")
        }
        while index < target {
            passed += stages[index].weight
            index += 1
        }
        try advance(0)
    }

    /// Checks for cancellation, then reports `done` (0 to 1) of the current stage.
    func advance(_ done: Double) throws {
        try check()
        publish(passed + stages[index].weight * min(max(done, 0), 1))
    }

    /// Reports the whole scan done, at its last stage.
    func finish() {
        index = stages.count - 1
        publish(total)
    }

    private func publish(_ weightDone: Double) {
        let finished = weightDone >= total
        // Never backwards, and 1 only at the end (weights that add up unevenly must not reach it early).
        var fraction = total > 0 ? weightDone / total : 1
        fraction = finished ? 1 : min(max(fraction, reported), 0.999)
        reported = fraction
        let elapsed = started.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        // The pace needs a little of the work and of the time behind it to mean anything.
        let left: Double? = finished ? 0 : (fraction >= 0.01 && seconds >= 0.5 ? seconds * (1 - fraction) / fraction : nil)
        report(ScanProgress(stage: stages[index].name, stageNumber: index + 1, stageCount: stages.count,
                            fraction: fraction, elapsedSeconds: seconds, secondsLeft: left))
    }
}

extension Scanner {
    /// The stages of a scan, each weighted by its measured cost in microseconds per transaction (release build; the
    /// figures are in bench/RESULTS.md, "The house", Engine), so that progress moves evenly with time. The costs grow
    /// with the number of transactions; LOF's does not quite (`LOFShares`).
    static func plan(_ options: ScanOptions, transactions: Int, training: Bool = true) -> [ScanMeter.Stage] {
        var stages = [ScanMeter.Stage(name: ScanProgress.reading, weight: ReadingShares(options).total)]
        for detector in Detector.models where options.detectors.contains(detector) {
            let weight: Double
            switch detector {
            case .isolationForest: weight = 1.3
            case .lstm:
                // Scoring every transaction, then training per transaction trained and epoch.
                let trained = training ? Double(min(transactions, options.config.lstmTrainingTransactions) * options.config.lstmEpochs) : 0
                weight = 0.6 + 1.5 * trained / Double(max(1, transactions))
            default: weight = LOFShares(transactions: transactions, referenceLimit: options.config.lofReferenceLimit).perTransaction
            }
            stages.append(.init(name: detector.title, weight: weight))
        }
        if Detector.rules.contains(where: options.detectors.contains) { stages.append(.init(name: ScanProgress.rules, weight: 0.3)) }
        stages.append(.init(name: ScanProgress.ensemble, weight: 0.3))
        if options.fillAlerts { stages.append(.init(name: ScanProgress.alertQueue, weight: 0.1)) }
        return stages
    }

    /// The parts of the read pass, in the same units as the stages' weights.
    struct ReadingShares {
        /// Counting the transactions and sampling the population prior.
        let prior = 0.05
        /// Reading the table, row by row.
        let rows = 0.75
        /// Putting the rows in client order, before the first chunk.
        let order = 0.15
        /// Profiles, features and rules, chunk by chunk.
        let chunks: Double
        /// Saving the profiles.
        let save = 0.26

        init(_ options: ScanOptions) {
            chunks = 0.34 + (Detector.rules.contains(where: options.detectors.contains) ? 0.45 : 0)
                + (Detector.matrixModels.contains(where: options.detectors.contains) ? 0.7 : 0)
                + (options.detectors.contains(.lstm) ? 0.4 : 0)
        }

        var total: Double { prior + rows + order + chunks + save }

        /// The share of the stage done with `rows` of `count` transactions read from the table.
        func reading(_ read: Int, of count: Int) -> Double {
            (prior + rows * share(read, count)) / total
        }

        /// The share of the stage done with the chunks holding `done` of `count` transactions handled.
        func chunks(_ done: Int, of count: Int) -> Double {
            (prior + rows + order + chunks * share(done, count)) / total
        }

        var afterPrior: Double { prior / total }
        var beforeSaving: Double { (total - save) / total }

        private func share(_ part: Int, _ whole: Int) -> Double { min(1, Double(part) / Double(max(1, whole))) }
    }

    /// LOF's cost in microseconds: fitting per reference row (all transactions up to the reference limit), then
    /// scoring each other transaction against them; it is not linear in the transactions, so it is worked out here.
    struct LOFShares {
        let transactions: Int
        let fit: Double
        let scoring: Double

        init(transactions: Int, referenceLimit: Int) {
            self.transactions = transactions
            fit = 15 * Double(min(transactions, referenceLimit))
            scoring = 10 * Double(max(0, transactions - referenceLimit))
        }

        /// The stage's weight, in microseconds per transaction.
        var perTransaction: Double { transactions == 0 ? 10 : (fit + scoring) / Double(transactions) }

        /// The share of the stage done once the reference is fitted (the rest: scoring, then 2 % for the write).
        var afterFit: Double { fit + scoring == 0 ? 0 : 0.98 * fit / (fit + scoring) }
    }
}
