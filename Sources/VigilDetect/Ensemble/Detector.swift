/// Every detector whose score can feed the alert queue, by the name stored with its runs and used in the config.
public enum Detector: String, CaseIterable, Sendable, Codable, Comparable {
    case isolationForest = "iforest"
    case localOutlierFactor = "lof"
    case lstm
    case impossibleTravel = "impossible_travel"
    case cardTesting = "card_testing"
    case unusualPlace = "unusual_place"
    case unusualAmount = "unusual_amount"
    case categoryAmount = "category_amount"
    case overDailySpend = "over_daily_spend"
    case overMonthlySpend = "over_monthly_spend"
    case unusualHour = "unusual_hour"
    case burst
    case merchantRisk = "merchant_risk"
    case merchantSurge = "merchant_surge"
    case cardExposure = "card_exposure"
    case amountRun = "amount_run"

    /// The model-based detectors, fitted on the feature matrix and scoring every transaction.
    public static let models: [Detector] = [.isolationForest, .localOutlierFactor, .lstm]
    /// The models fitted on the per-transaction feature matrix (the LSTM reads sequences instead).
    public static let matrixModels: [Detector] = [.isolationForest, .localOutlierFactor]
    /// The behavioural rules, which score only the transactions they flag.
    public static let rules: [Detector] = allCases.filter { !$0.isModel }

    public var isModel: Bool { Detector.models.contains(self) }

    /// Whether it learns from outcomes (confirmed fraud), and so speaks only where outcomes are known. Label-free
    /// fitting (the earned weights) leaves these out, so that no weight depends on an outcome.
    public var learnsFromOutcomes: Bool { self == .merchantRisk || self == .cardExposure }

    /// Whether it is a lead: its evidence draws a transaction towards the alert threshold but never past it, so it
    /// orders the transactions below the threshold and never raises or strengthens an alert
    /// (`EvidenceComposer.evidence(_:)`). Its weight says how hard it pulls, not evidence added, so the earned weights
    /// neither fit nor use it.
    public var isLead: Bool { self == .amountRun }

    /// Whether the earned weights fit it and judge others by it: neither the detectors that learn from outcomes (no
    /// weight may depend on an outcome) nor the leads (whose weight is not evidence added).
    public var earnsWeight: Bool { !learnsFromOutcomes && !isLead }

    /// How an analyst reads the detector's name.
    public var title: String {
        switch self {
        case .isolationForest: return "Isolation Forest"
        case .localOutlierFactor: return "Local Outlier Factor"
        case .lstm: return "LSTM sequence model"
        case .impossibleTravel: return "impossible travel"
        case .cardTesting: return "card testing"
        case .unusualPlace: return "unusual place"
        case .unusualAmount: return "unusual amount"
        case .categoryAmount: return "large for its category"
        case .overDailySpend: return "over usual daily spend"
        case .overMonthlySpend: return "over usual monthly spend"
        case .unusualHour: return "unusual hour"
        case .burst: return "burst"
        case .merchantRisk: return "risky merchant"
        case .merchantSurge: return "merchant surge"
        case .cardExposure: return "exposed card"
        case .amountRun: return "run of large charges"
        }
    }

    /// The detector's place in `allCases` (declaration order), which is also its order.
    public var ordinal: Int {
        switch self {
        case .isolationForest: return 0
        case .localOutlierFactor: return 1
        case .lstm: return 2
        case .impossibleTravel: return 3
        case .cardTesting: return 4
        case .unusualPlace: return 5
        case .unusualAmount: return 6
        case .categoryAmount: return 7
        case .overDailySpend: return 8
        case .overMonthlySpend: return 9
        case .unusualHour: return 10
        case .burst: return 11
        case .merchantRisk: return 12
        case .merchantSurge: return 13
        case .cardExposure: return 14
        case .amountRun: return 15
        }
    }

    public static func < (lhs: Detector, rhs: Detector) -> Bool {
        lhs.ordinal < rhs.ordinal
    }
}
