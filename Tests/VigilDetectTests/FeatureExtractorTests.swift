import Foundation
import Testing
import VigilCore
@testable import VigilDetect

/// Builds columns from (client, [(instant, amount minor, category, merchant lat/lon)]) lists.
private func columns(_ clients: [(String, [(Int64, Int64, String, Double, Double)])],
                     home: (Double, Double) = (40.0, -74.0)) -> TransactionColumns {
    var c = TransactionColumns()
    var categoryIndex: [String: Int32] = [:]
    var id: Int64 = 1
    for (client, rows) in clients {
        for (instant, amount, category, lat, lon) in rows {
            let index = categoryIndex[category] ?? {
                let next = Int32(categoryIndex.count)
                categoryIndex[category] = next
                c.categoryNames.append(category)
                return next
            }()
            c.append(id: id, instant: instant, amountMinor: amount, category: index, home: home, merchant: (lat, lon), label: 0)
            id += 1
        }
        c.endClient(client)
    }
    return c
}

private func value(_ m: FeatureMatrix, _ row: Int, _ f: TransactionFeature) -> Double { Double(m[row, f.column]) }

@Suite struct FeatureExtractorTests {
    // Monday 2024-01-01 06:00:00 UTC.
    let monday6am: Int64 = 1_704_088_800

    @Test func handComputedValuesForAShortHistory() {
        let c = columns([("A", [
            (monday6am, 10_000, "grocery", 40.0, -74.0),          // at home, $100
            (monday6am + 1_800, 2_500, "grocery", 41.0, -74.0),  // 30 min later, 111 km north
            (monday6am + 7_200, 0, "fuel", 41.0, -74.0),         // 2 h after the first
        ])])
        let m = FeatureExtractor(prior: .uninformed, concurrency: 1).features(of: c)
        #expect(m.rowCount == 3 && m.columnCount == TransactionFeature.allCases.count)
        #expect(abs(value(m, 0, .logAmount) - log1p(100)) < 1e-5)
        #expect(abs(value(m, 2, .logAmount)) < 1e-9)
        // 06:00 is a quarter of the way round the day; Monday is day 0 of the week.
        #expect(abs(value(m, 0, .hourSin) - 1) < 1e-6 && abs(value(m, 0, .hourCos)) < 1e-6)
        #expect(abs(value(m, 0, .weekdaySin)) < 1e-6 && abs(value(m, 0, .weekdayCos) - 1) < 1e-6)
        #expect(abs(value(m, 0, .logKmFromHome)) < 1e-6)
        let km = GeoPoint(latitude: 40, longitude: -74).distanceKm(to: GeoPoint(latitude: 41, longitude: -74))
        #expect(abs(value(m, 1, .logKmFromHome) - log1p(km)) < 1e-4)
        #expect(abs(value(m, 1, .logKmFromPrevious) - log1p(km)) < 1e-4)
        #expect(abs(value(m, 1, .logHoursSincePrevious) - log1p(0.5)) < 1e-6)
        #expect(abs(value(m, 1, .logSpeedKmh) - log1p(km / 0.5)) < 1e-4)
        #expect(abs(value(m, 2, .logKmFromPrevious)) < 1e-6, "same place as the previous one")
        // A first transaction: a day since "previous", distance from home.
        #expect(abs(value(m, 0, .logHoursSincePrevious) - log1p(24)) < 1e-6)
        // Counts look strictly back: 0, then 1 within the hour, then 1 within the hour (30 min ago) and 2 in the day.
        #expect(value(m, 0, .logCountLastHour) == 0 && value(m, 0, .logCountLastDay) == 0)
        #expect(abs(value(m, 1, .logCountLastHour) - log1p(1)) < 1e-6)
        #expect(abs(value(m, 2, .logCountLastHour) - log1p(0)) < 1e-6, "the second one was 90 minutes earlier")
        #expect(abs(value(m, 2, .logCountLastDay) - log1p(2)) < 1e-6)
        // The day's spend so far, this one included ($100 + $25), against the uninformed prior (median 0, MAD 1).
        #expect(abs(value(m, 1, .daySpendDeviation) - log1p(125) / 1.4826) < 1e-5)
        #expect(abs(value(m, 2, .daySpendDeviation) - log1p(125) / 1.4826) < 1e-5, "a zero amount adds nothing")
        // Category: with the uninformed prior an unseen category has share 1e-4 smoothed over 5 pseudo-transactions.
        let firstShare = (0 + 5 * 1e-4) / 5.0
        #expect(abs(value(m, 0, .categoryRarity) - (1 - firstShare)) < 1e-6)
        let secondShare = (1 + 5 * 1e-4) / 6.0
        #expect(abs(value(m, 1, .categoryRarity) - (1 - secondShare)) < 1e-6)
    }

    @Test func fewerThanFiveEarlierTransactionsAreJudgedAgainstThePopulation() {
        let prior = PopulationPrior(medianLogAmount: log1p(50), madLogAmount: 0.5, categoryShare: ["x": 1],
                                    hourShare: Array(repeating: 1.0 / 24, count: 24))
        let amounts: [Int64] = [2_000, 2_000, 2_000, 2_000, 2_000, 2_000, 100_000]
        let c = columns([("A", amounts.enumerated().map { (monday6am + Int64($0.offset) * 86_400, $0.element, "x", 40, -74) })])
        let m = FeatureExtractor(prior: prior, concurrency: 1).features(of: c)
        let expectedFirst = (log1p(20) - log1p(50)) / (1.4826 * 0.5)
        #expect(abs(value(m, 0, .amountDeviation) - expectedFirst) < 1e-5)
        #expect(abs(value(m, 4, .amountDeviation) - expectedFirst) < 1e-5, "four earlier: still the population")
        // From the sixth on the client's own history (all $20, MAD floored) is the yardstick.
        #expect(abs(value(m, 5, .amountDeviation)) < 1e-6)
        let jump = (log1p(1000) - log1p(20)) / (1.4826 * FeatureExtractor.minimumMAD)
        #expect(abs(value(m, 6, .amountDeviation) - min(50, jump)) < 1e-4)
    }

    @Test func appendingLaterTransactionsNeverChangesEarlierVectors() {
        var random = SystemRandomNumberGenerator()
        var history: [(String, [(Int64, Int64, String, Double, Double)])] = []
        for client in 0..<12 {
            var t = monday6am + Int64.random(in: 0..<86_400, using: &random)
            var rows: [(Int64, Int64, String, Double, Double)] = []
            for _ in 0..<Int.random(in: 1..<90, using: &random) {
                t += Int64.random(in: 0..<30_000, using: &random)
                rows.append((t, Int64.random(in: -5_000..<400_000, using: &random), ["a", "b", "c"].randomElement(using: &random)!,
                             Double.random(in: 30..<45, using: &random), Double.random(in: -100 ..< -70, using: &random)))
            }
            history.append(("C\(client)", rows))
        }
        let prior = PopulationPrior(medianLogAmount: 3, madLogAmount: 1, categoryShare: ["a": 0.5, "b": 0.3],
                                    hourShare: Array(repeating: 1.0 / 24, count: 24))
        let before = FeatureExtractor(prior: prior, concurrency: 3).features(of: columns(history))

        var extended = history
        for index in extended.indices {
            let last = extended[index].1.last!.0
            for step in 1...7 {
                extended[index].1.append((last + Int64(step) * 600, 1_000_000, "d", 10, 10))
            }
        }
        let after = FeatureExtractor(prior: prior, concurrency: 3).features(of: columns(extended))
        var row = 0
        var extendedRow = 0
        for (original, longer) in zip(history, extended) {
            for offset in 0..<original.1.count {
                let a = Array(before.values[((row + offset) * before.columnCount)..<((row + offset + 1) * before.columnCount)])
                let b = Array(after.values[((extendedRow + offset) * after.columnCount)..<((extendedRow + offset + 1) * after.columnCount)])
                #expect(a == b, "client \(original.0) row \(offset) changed when later rows arrived")
                if a != b { return }
            }
            row += original.1.count
            extendedRow += longer.1.count
        }
    }

    @Test func threadCountNeverChangesTheMatrix() {
        var clients: [(String, [(Int64, Int64, String, Double, Double)])] = []
        for client in 0..<40 {
            var rows: [(Int64, Int64, String, Double, Double)] = []
            for i in 0..<50 {
                let instant: Int64 = monday6am + Int64(i * 3_000 + client * 17)
                let amount = Int64((i * 7_919 + client * 104_729) % 90_000)
                let latitude = 40 + Double(i % 5)
                let longitude = -74 + Double(client % 3)
                rows.append((instant, amount, "k\(i % 4)", latitude, longitude))
            }
            clients.append(("C\(client)", rows))
        }
        let c = columns(clients)
        let one = FeatureExtractor(prior: .uninformed, concurrency: 1).features(of: c)
        let many = FeatureExtractor(prior: .uninformed, concurrency: 7).features(of: c)
        #expect(one == many)
    }

    @Test func recentValuesKeepAnExactMedianAndMAD() {
        var generator = SystemRandomNumberGenerator()
        for capacity in [1, 2, 5, 64] {
            var recent = RecentValues(capacity: capacity)
            var all: [Double] = []
            for _ in 0..<300 {
                let x = Double(Int.random(in: 0..<50, using: &generator)) / 4  // ties on purpose
                recent.add(x)
                all.append(x)
                let window = Array(all.suffix(capacity))
                var sorted = window.sorted()
                let median = PopulationPrior.median(&sorted)
                var deviations = window.map { abs($0 - median) }
                #expect(recent.median == median)
                #expect(recent.medianAbsoluteDeviation(from: median) == PopulationPrior.median(&deviations))
            }
        }
    }

    @Test func priorFromASample() {
        let c = columns([("A", [(monday6am, 100, "x", 0, 0), (monday6am, 10_000, "x", 0, 0)]),
                         ("B", [(monday6am + 3_600, 1_000, "y", 0, 0)])])
        let prior = PopulationPrior.estimate(from: c)
        #expect(abs(prior.medianLogAmount - log1p(10)) < 1e-12)
        #expect(abs(prior.madLogAmount - (log1p(10) - log1p(1))) < 1e-12)
        #expect(prior.categoryShare == ["x": 2.0 / 3, "y": 1.0 / 3])
        #expect(prior.hourShare[6] == 2.0 / 3 && prior.hourShare[7] == 1.0 / 3)
        #expect(FeatureExtractor.weekday(monday6am) == 0 && FeatureExtractor.weekday(monday6am - 86_400) == 6)
        #expect(FeatureExtractor.hourOfDay(-1) == 23)
    }
}
