import Foundation
import VigilCore

/// A legitimate trip: the client transacts in `city` from `firstDay` for `days` days, label 0.
public struct DemoTrip: Sendable, Hashable {
    /// Day offset from `DemoConfig.start`.
    public let firstDay: Int
    public let days: Int
    public let city: DemoCity
    let cityIndex: Int

    /// The day the client is back home (card-present purchases only from 13:00, after the flight).
    public var returnDay: Int { firstDay + days }
}

/// An anomaly the generator planted for a client, on a day offset from `DemoConfig.start`.
public struct DemoPlantedAnomaly: Sendable, Hashable {
    public let day: Int
    public let kind: DemoAnomalyKind
}

/// One synthetic client's habits: what the generator draws ordinary transactions from.
public struct DemoClient: Sendable {
    /// 0-based position; `id` is derived from it.
    public let index: Int
    /// `C000001`, `C000002`, ... (at least six digits, as many as the largest index needs).
    public let id: String
    public let homeCity: DemoCity
    /// Home, within ~20 km of the city centre.
    public let home: GeoPoint
    /// Hours of the day (0–23) around which the client usually buys, most preferred first.
    public let habitualHours: [Int]
    /// The client's three most boosted categories.
    public let favouriteCategories: [String]
    /// Names of the merchants the client returns to (online ones, and card-present ones in the home city).
    public let favouriteMerchants: [String]
    /// Multiplier on every category's median amount (1 = average client).
    public let spendLevel: Double
    /// Mean purchases per day over a week.
    public let dailyRate: Double
    /// Purchases per weekend day relative to the weekly mean.
    public let weekendFactor: Double
    /// Legitimate travel, in day order.
    public let trips: [DemoTrip]
    /// Ground truth of what was planted, in day order (over-monthly-spend appears once per purchase day).
    public let plantedAnomalies: [DemoPlantedAnomaly]
    /// Expected spend on an ordinary day, in cents.
    public let expectedDailyCents: Double

    /// What the day generator reads, behind one reference so handing it around costs one retain.
    let habits: DemoHabits
}

/// The generator's working view of a client. A class (immutable, so Sendable) because every
/// client is read once per day by the day builder, and copying a struct of arrays would retain each.
final class DemoHabits: Sendable {
    let index: Int
    let id: String
    let home: GeoPoint
    let homeCityIndex: Int
    let habitualHours: [Int]
    let hourCumulative: [Double]
    let hourSpreadSeconds: Double
    let weekdayRate: Double
    let weekendRate: Double
    let weekdayCategories: [Double]
    let weekendCategories: [Double]
    let tripCategories: [Double]
    let favouritesByCategory: [[Int32]]
    /// Favourite card-present merchants, any category.
    let favouriteCardPresent: [Int32]
    let spendLog: Double
    let trips: [DemoTrip]
    let incidents: [DemoIncident]
    init(
        index: Int, id: String, home: GeoPoint, homeCityIndex: Int, habitualHours: [Int], hourCumulative: [Double],
        hourSpreadSeconds: Double, weekdayRate: Double, weekendRate: Double, weekdayCategories: [Double],
        weekendCategories: [Double], tripCategories: [Double], favouritesByCategory: [[Int32]],
        favouriteCardPresent: [Int32], spendLog: Double, trips: [DemoTrip], incidents: [DemoIncident]
    ) {
        self.index = index
        self.id = id
        self.home = home
        self.homeCityIndex = homeCityIndex
        self.habitualHours = habitualHours
        self.hourCumulative = hourCumulative
        self.hourSpreadSeconds = hourSpreadSeconds
        self.weekdayRate = weekdayRate
        self.weekendRate = weekendRate
        self.weekdayCategories = weekdayCategories
        self.weekendCategories = weekendCategories
        self.tripCategories = tripCategories
        self.favouritesByCategory = favouritesByCategory
        self.favouriteCardPresent = favouriteCardPresent
        self.spendLog = spendLog
        self.trips = trips
        self.incidents = incidents
    }
}

/// One planted action on one day.
struct DemoIncident: Sendable {
    let day: Int
    let action: DemoAction
}

enum DemoAction: Sendable {
    case unusualHour
    case unusualPlace(city: Int)
    case overDailySpend(totalCents: Double)
    case overMonthlySpendPurchase(cents: Double)
    case burst
    case impossibleTravel(city: Int)
    case cardTesting
    case compromisedCard

    var kind: DemoAnomalyKind {
        switch self {
        case .unusualHour: return .unusualHour
        case .unusualPlace: return .unusualPlace
        case .overDailySpend: return .overDailySpend
        case .overMonthlySpendPurchase: return .overMonthlySpend
        case .burst: return .burst
        case .impossibleTravel: return .impossibleTravel
        case .cardTesting: return .cardTesting
        case .compromisedCard: return .compromisedCard
        }
    }
}

extension DemoClient {
    /// Mean purchases per client-day over the population (the mean of the clamped log-normal
    /// daily rate, plus a little for trips); turns a target fraud share into incident counts.
    static let populationDailyRate = 1.82
    static let homeJitterKm = 20.0
    static let spendLogLimit = 2.3
    static let monthDays = 30

    static func idWidth(clients: Int) -> Int { max(6, String(clients).count) }

    static func make(index: Int, config: DemoConfig, world: DemoWorld) -> DemoClient {
        var rng = DemoRandom(seed: config.seed, purpose: DemoStream.profile, UInt64(index))
        let categories = DemoCategory.all

        let homeCityIndex = rng.index(cumulative: world.cityCumulativeWeights)
        let homeCity = world.cities[homeCityIndex]
        let home = homeCity.location.jittered(maxKm: homeJitterKm, using: &rng)

        let dailyRate = min(5, max(0.4, rng.logNormal(mu: log(1.6), sigma: 0.5)))
        let weekendFactor = rng.uniform(0.75, 1.5)
        let weekdayFactor = (7 - 2 * weekendFactor) / 5

        var weights = categories.map { $0.baseWeight * rng.logNormal(mu: 0, sigma: 0.6) }
        var favouriteCategoryIndices: [Int] = []
        while favouriteCategoryIndices.count < 3 {
            let pick = rng.index(cumulative: cumulativeWeights(weights.enumerated().map { i, w in
                favouriteCategoryIndices.contains(i) ? 0 : w
            }))
            favouriteCategoryIndices.append(pick)
        }
        for i in favouriteCategoryIndices { weights[i] *= 3 }
        let total = weights.reduce(0, +)
        let shares = weights.map { $0 / total }

        // Habitual hours: one to three daytime or evening peaks.
        let hourCount = [1, 2, 2, 3][rng.int(below: 4)]
        let buckets: [ClosedRange<Int>] = [7...9, 11...13, 14...16, 17...20]
        let bucketWeights = cumulativeWeights([0.2, 0.3, 0.2, 0.3])
        var hours: [Int] = []
        while hours.count < hourCount {
            let hour = rng.int(in: buckets[rng.index(cumulative: bucketWeights)])
            if !hours.contains(hour) { hours.append(hour) }
        }
        var hourWeights = hours.map { _ in rng.uniform(0.5, 1.5) }
        let order = hourWeights.indices.sorted { hourWeights[$0] > hourWeights[$1] }
        hours = order.map { hours[$0] }
        hourWeights = order.map { hourWeights[$0] }
        let hourSpreadSeconds = rng.uniform(35, 80) * 60

        // Clients' levels differ twentyfold and more (5th to 95th percentile), as real card portfolios do: one client's
        // charges are $5-$15, another's $100 and up. Clamped so no client's ordinary charges sit at the $1 floor or
        // the $5,000 cap.
        let spendLog = min(DemoClient.spendLogLimit, max(-DemoClient.spendLogLimit, rng.normal(mean: 0, deviation: 0.9)))
        let meanAmountUSD = zip(categories, shares).reduce(0.0) { sum, pair in
            let (category, share) = pair
            return sum + share * exp(category.logMedian + spendLog + category.sigma * category.sigma / 2)
        }
        let expectedDailyCents = dailyRate * meanAmountUSD * 100

        var favouritesByCategory = Array(repeating: [Int32](), count: categories.count)
        var favouriteCardPresent: [Int32] = []
        var favouriteNames: [String] = []
        let favouriteCount = rng.int(in: 10...30)
        let shareCumulative = cumulativeWeights(shares)
        var attempts = 0
        while favouriteNames.count < favouriteCount && attempts < favouriteCount * 10 {
            attempts += 1
            let category = rng.index(cumulative: shareCumulative)
            let merchant = world.randomMerchant(category: category, city: homeCityIndex, using: &rng)
            if favouritesByCategory[category].contains(merchant) { continue }
            favouritesByCategory[category].append(merchant)
            if !categories[category].isOnline { favouriteCardPresent.append(merchant) }
            favouriteNames.append(world.merchants[Int(merchant)].name)
        }
        if favouriteCardPresent.isEmpty {
            let grocery = DemoCategory.index(named: "grocery_pos")
            let merchant = world.randomMerchant(category: grocery, city: homeCityIndex, using: &rng)
            favouritesByCategory[grocery].append(merchant)
            favouriteCardPresent.append(merchant)
            favouriteNames.append(world.merchants[Int(merchant)].name)
        }

        let id = "C" + String(repeating: "0", count: max(0, idWidth(clients: config.clients) - String(index + 1).count))
            + String(index + 1)

        var plan = DemoPlanner(
            config: config, world: world, index: index, homeCity: homeCityIndex,
            expectedDailyCents: expectedDailyCents, meanAmountCents: meanAmountUSD * 100)
        let trips = plan.trips()
        let incidents = plan.incidents(trips: trips)

        let habits = DemoHabits(
            index: index, id: id, home: home, homeCityIndex: homeCityIndex, habitualHours: hours,
            hourCumulative: cumulativeWeights(hourWeights), hourSpreadSeconds: hourSpreadSeconds,
            weekdayRate: dailyRate * weekdayFactor, weekendRate: dailyRate * weekendFactor,
            weekdayCategories: cumulativeWeights(shares),
            weekendCategories: cumulativeWeights(zip(categories, shares).map { $0.weekendFactor * $1 }),
            tripCategories: cumulativeWeights(zip(categories, shares).map { $0.tripFactor * $1 }),
            favouritesByCategory: favouritesByCategory, favouriteCardPresent: favouriteCardPresent,
            spendLog: spendLog, trips: trips, incidents: incidents)
        return DemoClient(
            index: index, id: id, homeCity: homeCity, home: home, habitualHours: hours,
            favouriteCategories: favouriteCategoryIndices.map { categories[$0].name },
            favouriteMerchants: favouriteNames, spendLevel: exp(spendLog), dailyRate: dailyRate,
            weekendFactor: weekendFactor, trips: trips,
            plantedAnomalies: incidents.map { DemoPlantedAnomaly(day: $0.day, kind: $0.action.kind) },
            expectedDailyCents: expectedDailyCents, habits: habits)
    }
}
