import Foundation

/// What `vigil demo` generates: how many clients, over how many days, from which seed.
public struct DemoConfig: Sendable, Equatable {
    /// 2025-01-01T00:00:00Z.
    public static let defaultStart: Int64 = 1_735_689_600
    public static let clientsRange: ClosedRange<Int> = 1...100_000
    public static let daysRange: ClosedRange<Int> = 1...3_660
    public static let fraudRateRange: ClosedRange<Double> = 0...0.2
    public static let tripsPerYearRange: ClosedRange<Double> = 0...52
    public static let refundRateRange: ClosedRange<Double> = 0...0.1
    public static let compromisedMerchantsRange: ClosedRange<Double> = 0...100
    /// Last start such that every generated day still has a four-digit year.
    static let latestStart: Int64 = 253_402_214_400  // 9999-12-31T00:00:00Z

    /// Relative frequency of incidents per kind. Monthly incidents plant ~20 rows each, so they are rarer.
    public static let defaultAnomalyWeights: [DemoAnomalyKind: Double] = [
        .unusualHour: 1, .unusualPlace: 1, .overDailySpend: 1, .overMonthlySpend: 0.5,
        .burst: 1, .impossibleTravel: 1, .cardTesting: 1, .compromisedCard: 1,
    ]

    public var clients: Int
    public var days: Int
    public var seed: UInt64
    /// First day, UTC epoch seconds at a UTC midnight.
    public var start: Int64
    /// Target share of rows labelled fraud, over the whole run.
    public var fraudRate: Double
    /// Relative frequency of incidents per anomaly kind; a kind left out (or 0) is never planted. Compromised merchants
    /// are not among them: they hit many clients at once (`compromisedMerchantsPerYear`).
    public var anomalyWeights: [DemoAnomalyKind: Double]
    /// Mean legitimate trips per client per year (each client varies around it).
    public var tripsPerYear: Double
    /// Share of ordinary purchases that come back as a refund (a negative amount).
    public var refundRate: Double
    /// Days of clean history every client gets before anything is planted.
    public var warmupDays: Int
    /// Merchants compromised per year per thousand clients (each for two to five weeks); at least one in any run with
    /// room for a window after the warm-up, unless 0.
    public var compromisedMerchantsPerYear: Double

    public init(
        clients: Int = 500, days: Int = 365, seed: UInt64 = 42, start: Int64 = DemoConfig.defaultStart,
        fraudRate: Double = 0.0075, anomalyWeights: [DemoAnomalyKind: Double] = DemoConfig.defaultAnomalyWeights,
        tripsPerYear: Double = 2, refundRate: Double = 0.003, warmupDays: Int = 30, compromisedMerchantsPerYear: Double = 5
    ) {
        self.clients = clients
        self.days = days
        self.seed = seed
        self.start = start
        self.fraudRate = fraudRate
        self.anomalyWeights = anomalyWeights
        self.tripsPerYear = tripsPerYear
        self.refundRate = refundRate
        self.warmupDays = warmupDays
        self.compromisedMerchantsPerYear = compromisedMerchantsPerYear
    }

    /// Throws the first setting that is out of range, named as the command line names it.
    public func validate() throws(DemoConfigError) {
        guard DemoConfig.clientsRange.contains(clients) else {
            throw .outOfRange(option: "--clients", value: String(clients), allowed: Self.describe(Self.clientsRange))
        }
        guard DemoConfig.daysRange.contains(days) else {
            throw .outOfRange(option: "--days", value: String(days), allowed: Self.describe(Self.daysRange))
        }
        guard start >= 0, start % 86_400 == 0, start + Int64(days - 1) * 86_400 <= DemoConfig.latestStart else {
            throw .outOfRange(
                option: "--start", value: String(start),
                allowed: "a UTC midnight (epoch seconds divisible by 86400) from 1970-01-01 with the last day before year 10000")
        }
        guard fraudRate.isFinite, DemoConfig.fraudRateRange.contains(fraudRate) else {
            throw .outOfRange(option: "fraudRate", value: String(fraudRate), allowed: "between 0 and 0.2")
        }
        for kind in DemoAnomalyKind.allCases {
            let weight = anomalyWeights[kind] ?? 0
            guard weight.isFinite, weight >= 0 else {
                throw .outOfRange(
                    option: "anomalyWeights[\(kind.rawValue)]", value: String(weight), allowed: "a finite number >= 0")
            }
        }
        guard tripsPerYear.isFinite, DemoConfig.tripsPerYearRange.contains(tripsPerYear) else {
            throw .outOfRange(option: "tripsPerYear", value: String(tripsPerYear), allowed: "between 0 and 52")
        }
        guard refundRate.isFinite, DemoConfig.refundRateRange.contains(refundRate) else {
            throw .outOfRange(option: "refundRate", value: String(refundRate), allowed: "between 0 and 0.1")
        }
        guard warmupDays >= 0, warmupDays <= DemoConfig.daysRange.upperBound else {
            throw .outOfRange(option: "warmupDays", value: String(warmupDays), allowed: "between 0 and 3660")
        }
        guard compromisedMerchantsPerYear.isFinite, DemoConfig.compromisedMerchantsRange.contains(compromisedMerchantsPerYear) else {
            throw .outOfRange(option: "compromisedMerchantsPerYear", value: String(compromisedMerchantsPerYear),
                              allowed: "between 0 and 100")
        }
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        "between \(range.lowerBound) and \(range.upperBound)"
    }
}

/// A demo setting out of range; the message names the option, the value and what is allowed.
public enum DemoConfigError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case outOfRange(option: String, value: String, allowed: String)

    public var option: String {
        switch self {
        case .outOfRange(let option, _, _): return option
        }
    }

    public var description: String {
        switch self {
        case .outOfRange(let option, let value, let allowed):
            return "\(option) must be \(allowed); got \(value)"
        }
    }

    public var errorDescription: String? { description }
}
