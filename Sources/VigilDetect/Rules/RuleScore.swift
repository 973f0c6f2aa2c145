import Foundation

/// How the rules turn "how far past the limit" into a score in [0, 1].
enum RuleScore {
    /// 0 up to `limit`, then log(value / limit) / log(saturation): 1 at `saturation` times the limit and beyond
    /// (an infinite value included), so each doubling past the limit adds the same amount.
    static func logarithmic(_ value: Double, limit: Double, saturation: Double) -> Double {
        guard value > limit else { return 0 }
        return min(1, log(value / limit) / log(saturation))
    }
}
