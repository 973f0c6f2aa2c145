import Foundation
import VigilCore

/// Flags a charge that is large for its category across the whole population, whatever the client's own habits:
/// one that only a share `p` below `tail` of everyone's charges in the category reach (in the population prior's
/// sample), scoring `1 − p / tail`. A $300 grocery bill is rare for anyone, even on a card that has never been used
/// for groceries before, where the client's own amounts (`UnusualAmountRule`) know nothing yet.
///
/// Relative to the client all the same: once the client has history, a charge no larger than their own usual largest
/// charge (`UnusualAmountRule`'s quantile of their recent charges) is ordinary for them, however rare in the
/// population, and is not flagged; so a large spender's routine $180 bill does not crowd out a small spender's jump.
///
/// It needs no history of the client's, so it speaks from a card's first transaction; it is causal in the same way as
/// the models, judging against the prior estimated once from the store and saved with the fitted detectors, so a
/// scan and live scoring give the same score. Its weight in the ensemble is below the alert threshold's evidence:
/// a large purchase is an ordinary thing, and alone it never raises an alert.
public struct CategoryAmountRule: Sendable {
    public struct Parameters: Sendable, Equatable, Codable {
        /// The share of the category's charges, from the top, that scores above 0 (at most the share the prior keeps).
        public var tail: Double = 0.05
        /// Never flag a charge below this (minor units): $5, so that pennies never alert.
        public var floorMinor: Int64 = 500
        /// Charges in the category the prior's sample needs before the rule judges it.
        public var minimumCharges: Int = 100

        public init() {}
    }

    public struct Finding: Sendable, Equatable {
        public var row: Int
        public var score: Double
        public var amountMinor: Int64
        /// The share of the population's charges in the category at least as large.
        public var share: Double
        /// The category's charges in the prior's sample.
        public var charges: Int
        /// The category's charge at the top `tail` share, which the score starts rising above.
        public var tailAmountMinor: Int64?
        public var category: Int32
        /// The client's usual largest charge it was above, when the client had history.
        public var clientUsualMinor: Int64?
    }

    public let parameters: Parameters
    let amounts: [String: PopulationPrior.CategoryAmounts]
    /// The smallest amount that can score in any category (`Int64.max` when none can): most charges are below it and
    /// are passed over without looking their category up.
    let smallestFlagged: Int64

    public init(parameters: Parameters = Parameters(), prior: PopulationPrior) {
        self.parameters = parameters
        var usable: [String: PopulationPrior.CategoryAmounts] = [:]
        var smallest = Int64.max
        for (name, table) in prior.categoryAmounts ?? [:] where table.charges >= parameters.minimumCharges {
            usable[name] = table
            // An amount scores only if fewer than `tail × charges` charges reach it: it must exceed this kept one.
            let reaching = Int((parameters.tail * Double(table.charges)).rounded(.up))
            if reaching >= 1, reaching <= table.largest.count {
                smallest = min(smallest, table.largest[table.largest.count - reaching] + 1)
            } else if table.largest.isEmpty == false {
                smallest = min(smallest, table.largest[0] + 1)
            }
        }
        amounts = usable
        smallestFlagged = max(smallest, parameters.floorMinor)
    }

    /// Whether a charge of `amountMinor` could be flagged at all: most are not, and are passed over without more work.
    public func mayFlag(_ amountMinor: Int64) -> Bool { amountMinor >= smallestFlagged }

    /// The finding when `event`'s charge is in the top `tail` of its category's and above `clientUsual` (the client's
    /// usual largest charge, in minor units; nil when they have too little history to say); `categoryName` names the
    /// event's category id (nil for one it does not know, which the rule cannot judge).
    public func judge(_ event: TransactionEvent, row: Int, clientUsual: Double? = nil, categoryName: (Int32) -> String?) -> Finding? {
        let amount = event.amountMinor
        guard amount >= smallestFlagged, Double(amount) > clientUsual ?? -.infinity,
              let name = categoryName(event.category), let table = amounts[name] else { return nil }
        let share = table.shareAtLeast(amount)
        guard share < parameters.tail else { return nil }
        return Finding(row: row, score: 1 - share / parameters.tail, amountMinor: amount, share: share,
                       charges: table.charges, tailAmountMinor: table.amount(atShare: parameters.tail), category: event.category,
                       clientUsualMinor: clientUsual.map { Money.minorUnits(clamping: $0) })
    }

    /// A share as a percentage, with two decimals below 0.1 %: "0.8 %", "0.04 %".
    static func percent(_ share: Double) -> String {
        let percent = share * 100
        if share >= 0.01, percent == percent.rounded() { return String(format: "%.0f %%", percent) }
        return String(format: share < 0.001 ? "%.2f %%" : "%.1f %%", percent)
    }

    /// "$312.40 at grocery_pos: only 0.8 % of everyone's grocery_pos charges are as large (the top 5 % start at
    /// $217.79; 24,161 charges sampled)".
    /// Without categories (one pool of everyone's charges): "$312.40: only 0.8 % of everyone's charges are as large (…)".
    public func reason(for finding: Finding, categoryName: (Int32) -> String?, currency: String = "USD") -> String {
        let word = Formatting.categoryWord(categoryName(finding.category))
        let at = word.map { " at \($0)" } ?? ""
        let charges = word.map { "\($0) charges" } ?? "charges"
        let amount = Money(minorUnits: finding.amountMinor, currency: currency)
        let tailPercent = Self.percent(parameters.tail)
        let start = finding.tailAmountMinor.map { "the top \(tailPercent) start at \(Money(minorUnits: $0, currency: currency)); " } ?? ""
        let sampled = "\(Formatting.grouped(finding.charges)) charges sampled"
        let client = finding.clientUsualMinor.map { "; this client's usual largest charge is \(Money(minorUnits: $0, currency: currency))" } ?? ""
        if finding.share == 0 {
            return "\(amount)\(at): larger than any of everyone's \(charges) (\(sampled))\(client)"
        }
        return "\(amount)\(at): only \(Self.percent(finding.share)) of everyone's \(charges) are as large "
            + "(\(start)\(sampled))\(client)"
    }
}
