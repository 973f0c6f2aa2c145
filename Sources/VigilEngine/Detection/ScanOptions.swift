import Foundation
import VigilCore
import VigilDetect
import VigilStore

public struct ScanOptions: Sendable {
    /// The detectors to run (all by default). The ensemble combines whichever ran.
    public var detectors: Set<Detector>
    public var config: VigilConfig
    /// Whether the scan ends by refreshing the alert queue.
    public var fillAlerts = true
    /// Whether the LSTM trains afresh even when the store keeps a model (`vigil scan --retrain`).
    public var retrainSequenceModel = false
    /// For evaluation on labelled data: the store's labels taken as outcomes known this many days after each
    /// transaction (`vigil scan --feedback-delay`), beside any outcomes the store holds. nil: labels are not read.
    public var feedbackDelayDays: Double?

    // How often a scan reports and checks for cancellation; tests make them small to cut small stores into pieces.
    /// Transactions per chunk of the read pass.
    var rowsPerChunk = 250_000
    /// Rows read from the table between two reports.
    var readingEvery = Store.readingInterval
    /// Rows Isolation Forest scores at a time: small enough that a slice takes a fraction of a second.
    var isolationSliceRows = 262_144
    /// Rows LOF scores against its reference at a time, likewise.
    var lofSliceRows = 32_768

    public init(detectors: Set<Detector> = Set(Detector.allCases), config: VigilConfig = VigilConfig()) {
        self.detectors = detectors
        self.config = config
    }
}

/// What one detector run did.
public struct ScanRun: Sendable {
    public var detector: String
    public var title: String
    public var runID: Int64
    public var scored: Int
    public var flagged: Int
    /// Fitting (models) or evaluating (rules) seconds, and writing.
    public var seconds: Double
    public var writeSeconds: Double
}

public struct ScanReport: Sendable {
    public var transactions: Int
    /// Reading the store with features and rules computed along the way.
    public var passSeconds: Double
    /// Client profiles written.
    public var profiles = 0
    public var runs: [ScanRun]
    public var ensembleRunID: Int64?
    public var alertsSelected = 0
    public var alerts: AlertRefresh?
    /// What putting the new alerts into cases did.
    public var cases: CaseRefresh?
    public var totalSeconds = 0.0
    /// Outcomes the cross-card detectors applied (known before some transaction's instant), and how many named a
    /// transaction they no longer looked back to.
    public var outcomesApplied = 0
    public var outcomesIgnored = 0
    /// Older runs removed at the end (`Store.pruneDetectorRuns`).
    public var runsPruned = 0
    /// The models this scan scored with as an earlier scan fitted them (`FittedDetectors`), not fitted afresh.
    public var reused: [Detector] = []
    /// Each detector that ran, with its configured weight and the weight it earned (`EarnedWeights`), and what the
    /// fit found when this scan fitted the weights (nil when it kept those fitted with the detectors it reused).
    public var weights: [(detector: Detector, configured: Double, earned: Double)] = []
    public var earned: EarnedWeights?
    /// Seconds per stage. Within the pass: `read` (the store, put in client order), `profiles`, `features` (for
    /// the models), `rules` (every rule's hits), `save_profiles`. After it: `models` (fit, score, write),
    /// `rule_runs` (writing the rules' runs), `ensemble` (combine, select, write), `alerts`, `prune`.
    public var stageSeconds: [String: Double] = [:]

    /// The stages that build profiles, run the rules and the ensemble and fill the queue: everything but the
    /// models' features and the models themselves.
    public static let behaviouralStages = ["read", "profiles", "rules", "save_profiles", "rule_runs", "ensemble", "alerts", "prune"]
}
