import Foundation
import VigilCore
import VigilDetect
import VigilStore

// What each run records of the parameters it ran with, so that a stored run says how it was made.
extension Scanner {
    /// A rule's parameters as JSON, for its run.
    static func ruleParameters(_ detector: Detector, _ p: RuleSet.Parameters, crossCard: CrossCard.Parameters) throws -> String {
        let encoder = JSONEncoder.sorted
        let data: Data
        switch detector {
        case .impossibleTravel: data = try encoder.encode(p.impossibleTravel)
        case .unusualPlace: data = try encoder.encode(p.unusualPlace)
        case .unusualHour: data = try encoder.encode(p.unusualHour)
        case .unusualAmount: data = try encoder.encode(p.unusualAmount)
        case .amountRun: data = try encoder.encode(p.amountRun)
        case .categoryAmount: data = try encoder.encode(p.categoryAmount)
        case .overDailySpend: data = try encoder.encode(p.overDailySpend)
        case .overMonthlySpend: data = try encoder.encode(p.overMonthlySpend)
        case .merchantRisk, .merchantSurge, .cardExposure: data = try encoder.encode(crossCard)
        default: data = try encoder.encode(p.burst)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The ensemble's parameters as JSON, with the weights `ensemble` (the earned ones) gives each detector.
    static func ensembleParametersJSON(_ config: VigilConfig, detectors: Set<Detector>, ensemble: Ensemble) throws -> String {
        var weights: [String: Double] = [:]
        for detector in detectors { weights[detector.rawValue] = ensemble.weight(detector) }
        let object: [String: Any] = ["weights": weights, "model_tail": config.modelTail, "threshold": config.alertThreshold,
                                     "daily_budget": config.dailyBudget, "spree_hours": config.spreeHours,
                                     "spree_weight": config.spreeWeight, "spree_context": config.spreeContext,
                                     "spree_count": config.spreeCount]
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

extension JSONEncoder {
    /// An encoder with sorted keys, so stored parameters read the same run to run.
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
