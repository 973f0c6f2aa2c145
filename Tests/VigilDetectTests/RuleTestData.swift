import Foundation
import VigilCore
import VigilDetect

/// Seeded synthetic histories for the behavioural rules: many clients with every pattern the rules look at.
///
/// Clients live in one of a few cities (some with no home, some moving house mid-history), shop at habitual
/// hours with the odd night, in categories of their own, with amounts at the scale of a currency with cents, one
/// without (yen-like, large numbers) or one with mills; refunds, zero amounts, missing and out-of-range coordinates,
/// online and ATM rows and rows with no channel; trips to other cities, impossible jumps, card-testing runs,
/// bursts, big days, repeated instants, and histories that cross month and year boundaries.
///
/// It uses only public API and `SeededRandom`, so the same seed gives the same rows everywhere (the golden
/// fingerprint in `IncrementalRuleTests` depends on it: do not change this generator).
enum RuleTestData {
    static let categoryNames = ["grocery_pos", "gas_transport", "shopping_net", "food_dining", "travel", "health_fitness",
                                "entertainment", "misc_pos", "home"]
    static let cities: [(Double, Double)] = [
        (40.71, -74.01), (34.05, -118.24), (41.88, -87.63), (51.51, -0.13), (48.86, 2.35), (35.68, 139.69),
        (-33.87, 151.21), (19.43, -99.13), (52.52, 13.40), (40.75, -73.99),
    ]

    /// `clients` clients, each with roughly `meanRows` rows (from a few to about three times that).
    static func columns(clients: Int, meanRows: Int, seed: UInt64) -> TransactionColumns {
        var random = SeededRandom(seed: seed)
        var c = TransactionColumns()
        c.categoryNames = categoryNames
        var id: Int64 = 1
        for client in 0..<clients {
            let rows = makeClient(meanRows: meanRows, random: &random)
            for row in rows {
                c.append(id: id, instant: row.instant, amountMinor: row.amount, category: row.category, home: row.home,
                         merchant: row.merchant, label: 0, channel: row.channel)
                id += 1
            }
            c.endClient("C\(client)")
        }
        return c
    }

    /// A prior fixed here rather than estimated, so that the data alone decides the rules' findings.
    static func prior(localRadiusKm: Double? = 30) -> PopulationPrior {
        let weights = (0..<24).map { hour -> Double in hour < 6 ? 0.2 : (hour < 9 ? 1 : (hour < 21 ? 2 : 0.8)) }
        let total = weights.reduce(0, +)
        return PopulationPrior(medianLogAmount: 3.5, madLogAmount: 1, categoryShare: [:],
                               hourShare: weights.map { $0 / total }, localRadiusKm: localRadiusKm)
    }

    private struct Row {
        var instant: Int64
        var amount: Int64
        var category: Int32
        var home: (Double, Double)
        var merchant: (Double, Double)
        var channel: Channel?
    }

    private static func makeClient(meanRows: Int, random: inout SeededRandom) -> [Row] {
        func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * random.nextUnitDouble() }
        func chance(_ p: Double) -> Bool { random.nextUnitDouble() < p }
        func near(_ point: (Double, Double), km: Double) -> (Double, Double) {
            (point.0 + random.nextGaussian() * km / 111, point.1 + random.nextGaussian() * km / 80)
        }

        // Around 2023-11-20, so histories cross month ends, the new year and (for long ones) February 2024.
        let start: Int64 = 1_700_438_400 + Int64(random.nextInt(below: 40 * 86_400))
        let count = max(3, Int(Double(meanRows) * uniform(0.05, 3)))
        let days = uniform(20, 420)
        let perDay = Double(count) / days
        let scale: Double = [1, 1, 1, 100, 0.1, 10][random.nextInt(below: 6)]
        var homeCity = random.nextInt(below: cities.count)
        var home = near(cities[homeCity], km: 5)
        let homeKnown = random.nextInt(below: 10)  // 0: never, 1: sometimes, else always
        let habitualHour = Double(random.nextInt(below: 24))
        let nightOwl = chance(0.1)
        let favourites = (0..<3).map { _ in Int32(random.nextInt(below: categoryNames.count)) }
        let typical = (0..<categoryNames.count).map { _ in uniform(300, 15_000) }
        let moveAt = chance(0.1) ? random.nextInt(below: count) : -1

        var rows: [Row] = []
        rows.reserveCapacity(count + 64)
        var t = Double(start)
        var tripCity: Int?
        var tripEnds = 0.0
        func homeFor(_ t: Double) -> (Double, Double) {
            switch homeKnown {
            case 0: return (.nan, .nan)
            case 1: return chance(0.5) ? home : (.nan, .nan)
            default: return home
            }
        }
        func channel() -> Channel? {
            let u = random.nextUnitDouble()
            return u < 0.6 ? .cardPresent : (u < 0.88 ? .online : (u < 0.95 ? .atm : nil))
        }
        func ordinaryAmount(_ category: Int32) -> Int64 {
            let value = typical[Int(category)] * exp(random.nextGaussian() * 0.7) * scale
            return max(1, Int64(value.rounded()))
        }

        var index = 0
        while index < count {
            index += 1
            if index == moveAt {
                homeCity = random.nextInt(below: cities.count)
                home = near(cities[homeCity], km: 5)
            }
            // Next arrival: exponential gaps, snapped to a habitual hour most of the time.
            t += -log(1 - random.nextUnitDouble()) / perDay * 86_400
            var instant = Int64(t)
            if !nightOwl && chance(0.85) {
                let day = Int64((t / 86_400).rounded(.down)) * 86_400
                let hour = (habitualHour + random.nextGaussian() * 2.5).truncatingRemainder(dividingBy: 24)
                instant = max(rows.last?.instant ?? 0, day + Int64(((hour + 24).truncatingRemainder(dividingBy: 24)) * 3_600))
            }
            if let last = rows.last?.instant, instant < last { instant = last }
            if chance(0.02), let last = rows.last?.instant { instant = last }  // the same second twice

            if tripCity == nil, chance(0.01) {
                tripCity = random.nextInt(below: cities.count)
                tripEnds = Double(instant) + uniform(1, 10) * 86_400
            } else if tripCity != nil, Double(instant) > tripEnds {
                tripCity = nil
            }
            let whereNow = cities[tripCity ?? homeCity]
            let category = chance(0.7) ? favourites[random.nextInt(below: 3)] : Int32(random.nextInt(below: categoryNames.count))
            var row = Row(instant: instant, amount: ordinaryAmount(category), category: category, home: homeFor(t),
                          merchant: near(whereNow, km: uniform(0.5, 30)), channel: channel())
            if row.channel == .online { row.merchant = chance(0.5) ? near(cities[random.nextInt(below: cities.count)], km: 20) : (.nan, .nan) }
            if chance(0.04) { row.merchant = (.nan, .nan) }
            if chance(0.005) { row.merchant = (95, 200) }
            if chance(0.005) { row.merchant = (row.merchant.0, .nan) }
            if chance(0.03) { row.amount = -row.amount }  // a refund
            if chance(0.005) { row.amount = 0 }
            if chance(0.01) { row.amount *= Int64(random.nextInt(in: 5...40)) }  // a big purchase
            rows.append(row)

            switch random.nextInt(below: 400) {
            case 0, 1:  // card testing: tiny charges within minutes, then a large one
                var s = instant
                for _ in 0..<random.nextInt(in: 2...6) {
                    s += Int64(random.nextInt(in: 10...400))
                    rows.append(Row(instant: s, amount: Int64(random.nextInt(in: 1...600)), category: 2, home: homeFor(t),
                                    merchant: (.nan, .nan), channel: .online))
                }
                s += Int64(random.nextInt(in: 30...900))
                rows.append(Row(instant: s, amount: Int64(random.nextInt(in: 8_000...120_000)), category: 6, home: homeFor(t),
                                merchant: near(whereNow, km: 3), channel: chance(0.5) ? .cardPresent : .online))
            case 2, 3:  // a burst: many purchases within the hour
                var s = instant
                for _ in 0..<random.nextInt(in: 4...12) {
                    s += Int64(random.nextInt(in: 0...500))
                    let category = Int32(random.nextInt(below: categoryNames.count))
                    rows.append(Row(instant: s, amount: ordinaryAmount(category), category: category, home: homeFor(t),
                                    merchant: near(whereNow, km: 10), channel: channel()))
                }
            case 4, 5:  // an impossible jump: card present in a far city minutes later
                let far = cities[random.nextInt(below: cities.count)]
                rows.append(Row(instant: instant + Int64(random.nextInt(in: 0...7_200)), amount: ordinaryAmount(category),
                                category: category, home: homeFor(t), merchant: near(far, km: 2),
                                channel: chance(0.8) ? .cardPresent : .atm))
            case 6:  // a night spree of big spends
                let day = (instant / 86_400 + 1) * 86_400
                for k in 0..<random.nextInt(in: 1...4) {
                    rows.append(Row(instant: day + Int64(2 * 3_600 + k * 600), amount: ordinaryAmount(4) * 8, category: 4,
                                    home: homeFor(t), merchant: near(whereNow, km: 5), channel: .cardPresent))
                }
                t = Double(day + 3 * 3_600)
            default:
                break
            }
        }
        return rows
    }
}
