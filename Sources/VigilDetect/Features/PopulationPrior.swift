import Foundation
import VigilCore

/// Population statistics that a client with little history falls back on.
///
/// The prior is a parameter of a feature extraction, estimated once from a sample of the store and saved with the
/// detector run, so that scoring a transaction later (live) uses the same numbers and gets the same vector, and so
/// that adding transactions never changes the vectors of earlier ones.
public struct PopulationPrior: Sendable, Equatable, Codable {
    /// Median and MAD of `log_amount` over the population.
    public var medianLogAmount: Double
    public var madLogAmount: Double
    /// Share of transactions in each category, by category name.
    public var categoryShare: [String: Double]
    /// Share of transactions in each UTC hour of the day (24 values).
    public var hourShare: [Double]
    /// The 90th percentile of card-present merchants' distances from the client's home, in km: how far the
    /// population's usual area reaches, which a client stands in for while their own is unknown. Nil when the
    /// sample has fewer than `localRadiusSample` such transactions (and in priors saved before it existed).
    public var localRadiusKm: Double?
    /// Per category name, the sample's charges there and the largest of them (`CategoryAmounts`), for judging an
    /// amount against everyone's charges in its category. Nil in priors saved before it existed.
    public var categoryAmounts: [String: CategoryAmounts]?

    /// What the prior keeps of one category's charges (amounts above 0) in the sample: how many there were, and the
    /// largest `categoryAmountShareKept` of them, ascending. That is enough to tell, for any amount, which share of
    /// the category's charges were at least as large, as long as the share is at most the one kept.
    public struct CategoryAmounts: Sendable, Equatable, Codable {
        public var charges: Int
        public var largest: [Int64]

        public init(charges: Int, largest: [Int64]) {
            self.charges = charges
            self.largest = largest
        }

        /// The share of the category's charges at least as large as `amountMinor`, exact while it is below the share
        /// kept; the share kept when the amount is not above the smallest one kept (it is at least that).
        public func shareAtLeast(_ amountMinor: Int64) -> Double {
            guard charges > 0 else { return 1 }
            // Every kept value from the first one at least as large on is.
            return Double(largest.count - largest.firstIndex(notBelow: amountMinor)) / Double(charges)
        }

        /// The smallest kept charge at least as large as a share `share` of the category's charges (share at most
        /// the one kept): roughly its (1 − share) quantile.
        public func amount(atShare share: Double) -> Int64? {
            let above = Int((share * Double(charges)).rounded(.down))
            guard above >= 1, above <= largest.count else { return largest.last }
            return largest[largest.count - above]
        }
    }

    /// The share of each category's largest charges a prior keeps: the most `CategoryAmounts` can judge.
    public static let categoryAmountShareKept = 0.1
    /// Bumped when what the prior holds changes, so that models fitted with an older prior are refitted.
    public static let version = 2

    /// Card-present transactions with a known home and place the sample needs for `localRadiusKm`.
    public static let localRadiusSample = 100

    public init(medianLogAmount: Double, madLogAmount: Double, categoryShare: [String: Double], hourShare: [Double],
                localRadiusKm: Double? = nil, categoryAmounts: [String: CategoryAmounts]? = nil) {
        precondition(hourShare.count == 24, "hourShare needs 24 values")
        self.categoryAmounts = categoryAmounts
        self.medianLogAmount = medianLogAmount
        self.madLogAmount = madLogAmount
        self.categoryShare = categoryShare
        self.hourShare = hourShare
        self.localRadiusKm = localRadiusKm
    }

    /// A prior for an empty population: nothing is rare, amounts are judged against one unit.
    public static let uninformed = PopulationPrior(
        medianLogAmount: 0, madLogAmount: 1, categoryShare: [:], hourShare: Array(repeating: 1.0 / 24, count: 24))

    /// Estimates the prior from a sample of transactions.
    public static func estimate(from sample: TransactionColumns) -> PopulationPrior {
        guard sample.count > 0 else { return .uninformed }
        var logs = sample.amountMinor.map(FeatureExtractor.logAmount)
        let median = Self.median(&logs)
        var deviations = logs.map { abs($0 - median) }
        let mad = Self.median(&deviations)
        var categoryCounts = [Int](repeating: 0, count: sample.categoryNames.count)
        var hourCounts = [Int](repeating: 0, count: 24)
        for row in 0..<sample.count {
            categoryCounts[Int(sample.categories[row])] += 1
            hourCounts[FeatureExtractor.hourOfDay(sample.instants[row])] += 1
        }
        let total = Double(sample.count)
        var shares: [String: Double] = [:]
        for (index, name) in sample.categoryNames.enumerated() where categoryCounts[index] > 0 {
            shares[name] = Double(categoryCounts[index]) / total
        }
        var distances: [Double] = []
        for row in 0..<sample.count where sample.channels[row] == .cardPresent {
            let home = GeoPoint(latitude: sample.homeLatitude[row], longitude: sample.homeLongitude[row])
            let place = GeoPoint(latitude: sample.merchantLatitude[row], longitude: sample.merchantLongitude[row])
            if home.isValid && place.isValid { distances.append(home.distanceKm(to: place)) }
        }
        var radius: Double?
        if distances.count >= localRadiusSample {
            distances.sort()
            radius = distances[min(distances.count - 1, Int((0.9 * Double(distances.count)).rounded(.down)))]
        }
        return PopulationPrior(medianLogAmount: median, madLogAmount: mad, categoryShare: shares,
                               hourShare: hourCounts.map { Double($0) / total }, localRadiusKm: radius,
                               categoryAmounts: Self.categoryAmounts(of: sample))
    }

    /// Each category's `CategoryAmounts` in `sample`.
    static func categoryAmounts(of sample: TransactionColumns) -> [String: CategoryAmounts] {
        var charges = [[Int64]](repeating: [], count: sample.categoryNames.count)
        for row in 0..<sample.count where sample.amountMinor[row] > 0 {
            charges[Int(sample.categories[row])].append(sample.amountMinor[row])
        }
        var result: [String: CategoryAmounts] = [:]
        for (index, name) in sample.categoryNames.enumerated() where !charges[index].isEmpty {
            let all = charges[index].sorted()
            let kept = min(all.count, Int((categoryAmountShareKept * Double(all.count)).rounded(.up)))
            result[name] = CategoryAmounts(charges: all.count, largest: Array(all.suffix(kept)))
        }
        return result
    }

    /// The share of a category the sample never saw: as rare as one transaction in the whole sample would be.
    public func share(ofCategory name: String) -> Double { categoryShare[name] ?? 1e-4 }

    /// Median by sorting (the sample is small); the mean of the middle two for an even count.
    static func median(_ values: inout [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        values.sort()
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }
}
