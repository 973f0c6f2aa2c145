import Foundation
import VigilCore

/// Flags a charge far above what the client usually pays in the same category: above `factor` times the
/// `quantile` of their last `window` charges there (of all their charges while the category is new to them), and
/// above `medianFactor` times their median charge there. Both limits scale with the client, so $60 from a client
/// whose charges are $8–$15 is as strange as $600 from a $100 client; only `floorMinor`, a few dollars, is absolute,
/// so that pennies never alert. Causal: each charge is judged against earlier ones only.
///
/// A flagged charge is remembered at the limit it passed, not at its amount: a compromised card's run of large
/// charges would otherwise become its own yardstick after two or three, while a client whose level really changes
/// still moves the limit up by `factor` every few charges.
public struct UnusualAmountRule: ClientRule {
    public struct Parameters: Sendable, Equatable, Codable {
        public var quantile: Double = 0.95
        public var factor: Double = 1.3
        /// Never flag a charge below this many times the client's median charge (in the same sample).
        public var medianFactor: Double = 2.5
        /// Never flag a charge below this (minor units): $5, so that pennies never alert.
        public var floorMinor: Int64 = 500
        /// Charges remembered per category (and overall).
        public var window: Int = 50
        /// Charges in a category before it is judged against itself rather than against all the client's charges.
        public var minimumInCategory: Int = 5
        /// Charges overall before the rule speaks at all.
        public var minimumHistory: Int = 10
        /// The score reaches 1 at this many times the limit: twice the limit is five times the client's median charge,
        /// as strange as a charge for them gets.
        public var saturation: Double = 2

        public init() {}
    }

    public struct Finding: Sendable, Equatable {
        public var row: Int
        public var score: Double
        public var amountMinor: Int64
        public var usualMinor: Int64
        /// The client's median charge in the same sample.
        public var medianMinor: Int64
        /// The category the usual amount comes from, nil when it comes from all the client's charges.
        public var category: Int32?
        /// How many earlier charges the usual amount summarises.
        public var history: Int
    }

    public var parameters: Parameters

    public init(parameters: Parameters = Parameters()) {
        self.parameters = parameters
    }

    /// What the rule remembers of one client between transactions: their last `window` charges overall and in
    /// each category they have used (by category id, in the vocabulary the caller keeps fixed for the state's life).
    public struct State: ClientRuleState {
        var overall = RecentSample()
        var perCategory: [Int32: RecentSample] = [:]

        /// The state of a client with no transactions yet.
        public init() {}

        /// The client's usual largest charge over all categories (the rule's quantile of their remembered charges);
        /// nil until they have the history the rule needs.
        public func usualLargest(_ parameters: Parameters) -> Double? {
            overall.count >= parameters.minimumHistory ? overall.quantile(parameters.quantile) : nil
        }
    }

    /// Judges `event` (the client's transaction at `row`) against the client's earlier charges in `state`, then
    /// takes it into account: the finding when a charge is far above the client's usual ones in its category.
    /// Refunds and zero amounts are neither judged nor remembered.
    public func step(_ event: TransactionEvent, row: Int, state: inout State) -> Finding? {
        var judgement: Judgement?
        return step(event, row: row, state: &state, judgement: &judgement)
    }

    /// How a charge stood against the client's usual ones when the rule judged it: what `AmountRunRule` builds on.
    public struct Judgement: Sendable, Equatable {
        /// The client's median and usual largest charge (the rule's quantile) in the sample it was judged against.
        public var medianMinor: Double
        public var usualMinor: Double
        /// Whether it was above the rule's limit (flagged).
        public var flagged: Bool
    }

    /// `step(_:row:state:)`, also setting `judgement` to how the charge stood (nil while the client has too little
    /// history to be judged, and for refunds).
    public func step(_ event: TransactionEvent, row: Int, state: inout State, judgement: inout Judgement?) -> Finding? {
        judgement = nil
        let amount = event.amountMinor
        guard amount > 0 else { return nil }
        let category = event.category
        var finding: Finding?
        var remembered = Double(amount)
        if state.overall.count >= parameters.minimumHistory {
            let own = state.perCategory[category]
            let inCategory = (own?.count ?? 0) >= parameters.minimumInCategory
            let source = inCategory ? own! : state.overall
            if let usual = source.quantile(parameters.quantile), let median = source.median {
                let limit = max(Double(parameters.floorMinor), usual * parameters.factor, median * parameters.medianFactor)
                judgement = Judgement(medianMinor: median, usualMinor: usual, flagged: Double(amount) > limit)
                if Double(amount) > limit {
                    finding = Finding(row: row, score: RuleScore.logarithmic(Double(amount), limit: limit, saturation: parameters.saturation),
                                      amountMinor: amount, usualMinor: Money.minorUnits(clamping: usual),
                                      medianMinor: Money.minorUnits(clamping: median),
                                      category: inCategory ? category : nil, history: source.count)
                    remembered = limit
                }
            }
        }
        state.overall.add(remembered, capacity: parameters.window)
        state.perCategory[category, default: RecentSample()].add(remembered, capacity: parameters.window)
        return finding
    }


    /// "$300.82 is 2.1× this client's usual largest grocery_pos charge ($142.00, the 95th percentile of their last 37
    /// there; median $61.00)".
    public func reason(for finding: Finding, categoryNames: [String], currency: String = "USD") -> String {
        reason(for: finding, categoryName: { $0 >= 0 && Int($0) < categoryNames.count ? categoryNames[Int($0)] : nil },
               currency: currency)
    }

    /// The same, with the category's name from `categoryName` (nil for an id it does not know, which reads as a
    /// category new to the client): live scoring's vocabulary outlives any chunk's `categoryNames`.
    public func reason(for finding: Finding, categoryName: (Int32) -> String?, currency: String = "USD") -> String {
        let times = String(format: "%.1f×", Double(finding.amountMinor) / Double(max(1, finding.usualMinor)))
        let percentile = "\(Int((parameters.quantile * 100).rounded()))th percentile"
        let amount = Money(minorUnits: finding.amountMinor, currency: currency)
        let usual = Money(minorUnits: finding.usualMinor, currency: currency)
        let median = "median \(Money(minorUnits: finding.medianMinor, currency: currency))"
        let general = "\(amount) is \(times) this client's usual largest charge (\(usual), the \(percentile) of their last "
            + "\(finding.history); \(median))"
        guard let category = finding.category, let name = categoryName(category) else {
            return general + "; the category is new to them"
        }
        // A store without categories compares each charge with all of the client's: there is no category to name.
        guard let word = Formatting.categoryWord(name) else { return general }
        return "\(amount) is \(times) this client's usual largest \(word) charge (\(usual), the \(percentile) of their "
            + "last \(finding.history) there; \(median))"
    }
}
