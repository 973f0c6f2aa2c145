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

    /// Card-present transactions with a known home and place the sample needs for `localRadiusKm`.
    public static let localRadiusSample = 100

    public init(medianLogAmount: Double, madLogAmount: Double, categoryShare: [String: Double], hourShare: [Double],
                localRadiusKm: Double? = nil) {
        precondition(hourShare.count == 24, "hourShare needs 24 values")
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
                               hourShare: hourCounts.map { Double($0) / total }, localRadiusKm: radius)
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
