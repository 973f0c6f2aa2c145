import Foundation
import VigilCore

/// One client's behaviour as of their last transaction: when they transact, where, how much, how often and with
/// whom, older behaviour counting for less.
///
/// Every transaction weighs `2^(-age / halfLife)`, its age measured back from `asOf` (the last transaction's instant),
/// so the last one weighs 1 and one `halfLifeDays` older weighs ½. A profile uses nothing after `asOf`: it is what
/// a detector could have known when the next transaction arrived. Weights are not normalised; shares are weights
/// over the total.
public struct ClientProfile: Sendable, Codable, Equatable {
    public struct Parameters: Sendable, Equatable, Codable {
        /// Behaviour this many days older than the last transaction counts half as much.
        public var halfLifeDays: Double = 90
        /// A placed transaction within this distance of a known place joins it; one farther from all of them starts a
        /// new place.
        public var mergeKm: Double = 25
        /// The heaviest places the profile keeps.
        public var maximumPlaces: Int = 32
        /// Daily spend quantiles are over this many most recent days that had spend (the last one included).
        public var spendDays: Int = 60
        /// Monthly spend quantiles are over this many most recent calendar months (UTC) that had spend.
        public var spendMonths: Int = 12
        /// How many categories and merchants the profile names.
        public var topCategories: Int = 5
        public var topMerchants: Int = 5

        public init() {}
    }

    /// A place the client has used the card at: the first transaction's location seen there, with the decayed weight
    /// and the count of the transactions within `mergeKm` of it.
    public struct Place: Sendable, Codable, Equatable {
        public var latitude: Double
        public var longitude: Double
        public var weight: Double
        public var count: Int

        public init(latitude: Double, longitude: Double, weight: Double, count: Int) {
            self.latitude = latitude
            self.longitude = longitude
            self.weight = weight
            self.count = count
        }

        public var point: GeoPoint { GeoPoint(latitude: latitude, longitude: longitude) }
    }

    /// Quantiles of spend per period (day or month) over the periods that had spend, in minor units, interpolated
    /// linearly between order statistics (numpy's default).
    public struct Spend: Sendable, Codable, Equatable {
        /// How many periods the quantiles are over.
        public var periods: Int
        public var p50: Double
        public var p90: Double
        public var p95: Double

        public init(periods: Int, p50: Double, p90: Double, p95: Double) {
            self.periods = periods
            self.p50 = p50
            self.p90 = p90
            self.p95 = p95
        }
    }

    /// A category or merchant with its share (0…1) of the client's decayed transactions.
    public struct Share: Sendable, Codable, Equatable {
        public var name: String
        public var share: Double

        public init(name: String, share: Double) {
            self.name = name
            self.share = share
        }
    }

    public var clientID: String
    /// The last transaction's instant (UTC epoch seconds): what the weights are relative to.
    public var asOf: Int64
    /// How many transactions, undecayed.
    public var transactions: Int
    public var firstInstant: Int64
    /// The half-life the weights decayed with.
    public var halfLifeDays: Double
    /// Decayed weight of each hour of the week (168 bins, UTC): bin `24 · weekday + hour`, Monday 00:00 is bin 0.
    public var hourOfWeek: [Double]
    /// The client's home as the last transaction that gave one said, nil if none did.
    public var home: GeoPoint?
    /// Where the card was used: merchant locations of card-present and ATM transactions, and of those whose channel is
    /// unknown (online merchants' locations say where they are registered, not where the card is). Heaviest first,
    /// at most `maximumPlaces`.
    public var places: [Place]
    /// Decayed median of the placed transactions' distance from home; nil without a home or placed transactions.
    public var usualDistanceKm: Double?
    /// Spend (positive amounts; refunds are not netted) per UTC day and per UTC calendar month.
    public var dailySpend: Spend?
    public var monthlySpend: Spend?
    /// Transactions per day, decayed: the decayed count over the decayed length of the history (at least one day).
    public var transactionsPerDay: Double
    /// Decayed median of the gaps between consecutive transactions (each gap weighs as its later transaction); nil
    /// with one transaction.
    public var medianGapSeconds: Int64?
    /// The heaviest categories and merchants, heaviest first, each with its share of the decayed transactions.
    public var usualCategories: [Share]
    public var usualMerchants: [Share]

    public init(clientID: String, asOf: Int64, transactions: Int, firstInstant: Int64, halfLifeDays: Double,
                hourOfWeek: [Double], home: GeoPoint?, places: [Place], usualDistanceKm: Double?, dailySpend: Spend?,
                monthlySpend: Spend?, transactionsPerDay: Double, medianGapSeconds: Int64?, usualCategories: [Share],
                usualMerchants: [Share]) {
        precondition(hourOfWeek.count == 168, "hourOfWeek needs 168 bins")
        self.clientID = clientID
        self.asOf = asOf
        self.transactions = transactions
        self.firstInstant = firstInstant
        self.halfLifeDays = halfLifeDays
        self.hourOfWeek = hourOfWeek
        self.home = home
        self.places = places
        self.usualDistanceKm = usualDistanceKm
        self.dailySpend = dailySpend
        self.monthlySpend = monthlySpend
        self.transactionsPerDay = transactionsPerDay
        self.medianGapSeconds = medianGapSeconds
        self.usualCategories = usualCategories
        self.usualMerchants = usualMerchants
    }

    /// The bin of `hourOfWeek` an instant falls in.
    public static func hourOfWeekBin(_ instant: Int64) -> Int {
        FeatureExtractor.weekday(instant) * 24 + FeatureExtractor.hourOfDay(instant)
    }

    /// The profiles of every client of `columns` (whole clients, rows in time order), in client order, computed
    /// for clients in parallel. A client without rows has no profile. The result does not depend on `parallelism`.
    public static func profiles(of columns: TransactionColumns, parameters: Parameters = Parameters(),
                                parallelism: Parallelism = .automatic) -> [ClientProfile] {
        let count = columns.clientCount
        var built = [ClientProfile?](repeating: nil, count: count)
        built.withUnsafeMutableBufferPointer { buffer in
            let output = DisjointWrites(buffer)
            parallelism.forEachChunk(of: count, chunkSize: 32) { chunk in
                var builder = ProfileBuilder(columns: columns, parameters: parameters)
                for client in chunk { output[client] = builder.profile(ofClient: client) }
            }
        }
        return built.compactMap { $0 }
    }

    /// The profile of client `client` of `columns`; nil if the client has no rows.
    public static func profile(ofClient client: Int, in columns: TransactionColumns,
                               parameters: Parameters = Parameters()) -> ClientProfile? {
        var builder = ProfileBuilder(columns: columns, parameters: parameters)
        return builder.profile(ofClient: client)
    }
}
