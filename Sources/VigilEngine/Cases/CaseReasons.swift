import VigilDetect
import VigilStore

extension CaseSummary {
    /// What the detectors found in the case, as an analyst reads it: its leading detectors (the largest total
    /// contribution across its alerts, the spree left out) by their titles.
    public var leadingReasons: [String] {
        leadingDetectors.map { Detector(rawValue: $0)?.title ?? ($0 == CommonPointOfPurchase.detector ? CommonPointOfPurchase.title : $0) }
    }
}
