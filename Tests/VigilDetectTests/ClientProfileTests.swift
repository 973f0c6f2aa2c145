import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct ClientProfileTests {
    /// 2024-01-01 00:00 UTC, a Monday.
    static let monday: Int64 = 1_704_067_200
    static let hour: Int64 = 3_600
    static let day: Int64 = 86_400
    static let newYork = (40.71, -74.01)
    static let losAngeles = (34.05, -118.24)

    /// The weight of a transaction at `instant` in a profile as of `asOf` with the default 90-day half-life.
    static func weight(_ instant: Int64, asOf: Int64) -> Double { exp2(-Double(asOf - instant) / (90 * 86_400)) }

    @Test func hoursOfTheWeekAreDecayedBinsFromMondayMidnight() throws {
        #expect(FeatureExtractor.weekday(Self.monday) == 0 && FeatureExtractor.hourOfDay(Self.monday) == 0)
        let instants: [Int64] = [
            Self.monday + 30 * 60,                               // Mon 00:30 -> bin 0
            Self.monday + Self.day + 13 * Self.hour + 300,       // Tue 13:05 -> bin 37
            Self.monday + Self.day + 13 * Self.hour + 3_000,     // Tue 13:50 -> bin 37 again
            Self.monday + 7 * Self.day - 60,                     // Sun 23:59 -> bin 167
            Self.monday + 14 * Self.day + 4 * Self.hour,         // Mon 04:00, a fortnight on -> bin 4
        ]
        let columns = TransactionColumns.oneClient(instants.map { ($0, 1_000) })
        let profile = try #require(ClientProfile.profiles(of: columns).first)
        let asOf = instants.last!
        #expect(profile.asOf == asOf && profile.firstInstant == instants[0] && profile.transactions == 5)
        #expect(profile.hourOfWeek.count == 168)
        #expect(isClose(profile.hourOfWeek[0], Self.weight(instants[0], asOf: asOf)))
        #expect(isClose(profile.hourOfWeek[37], Self.weight(instants[1], asOf: asOf) + Self.weight(instants[2], asOf: asOf)))
        #expect(isClose(profile.hourOfWeek[167], Self.weight(instants[3], asOf: asOf)))
        #expect(profile.hourOfWeek[4] == 1, "the last transaction weighs exactly 1")
        #expect(profile.hourOfWeek.enumerated().allSatisfy { [0, 4, 37, 167].contains($0.offset) || $0.element == 0 })
        #expect(ClientProfile.hourOfWeekBin(instants[3]) == 167)
    }

    /// Two years in New York at 10:00, then a year in Los Angeles at 20:00: the recent city and hours outweigh the
    /// old ones although the old ones are twice as many.
    @Test func aClientWhoMovedWeighsTheRecentHomeMost() throws {
        var c = TransactionColumns()
        c.categoryNames = ["grocery_pos"]
        var id: Int64 = 0
        for d in 0..<730 {
            id += 1
            let jitter = Double(d % 5) * 0.01
            c.append(id: id, instant: Self.monday + Int64(d) * Self.day + 10 * Self.hour, amountMinor: 2_000, category: 0,
                     home: Self.newYork, merchant: (Self.newYork.0 + jitter, Self.newYork.1), label: 0, channel: .cardPresent)
        }
        for d in 730..<1_095 {
            id += 1
            let jitter = 0.05 + Double(d % 5) * 0.01  // merchants 6 to 10 km north of home
            c.append(id: id, instant: Self.monday + Int64(d) * Self.day + 20 * Self.hour, amountMinor: 2_000, category: 0,
                     home: Self.losAngeles, merchant: (Self.losAngeles.0 + jitter, Self.losAngeles.1), label: 0,
                     channel: .cardPresent)
        }
        c.endClient("mover")
        let profile = try #require(ClientProfile.profiles(of: c).first)
        #expect(profile.transactions == 1_095)
        #expect(profile.home == GeoPoint(latitude: Self.losAngeles.0, longitude: Self.losAngeles.1))
        #expect(profile.places.count == 2)
        let (recent, old) = (profile.places[0], profile.places[1])
        #expect(abs(recent.latitude - Self.losAngeles.0) < 0.1 && recent.count == 365)
        #expect(abs(old.latitude - Self.newYork.0) < 0.1 && old.count == 730)
        #expect(recent.weight > 10 * old.weight)
        let asOf = profile.asOf
        let expectedOld = (0..<730).reduce(0.0) { $0 + Self.weight(Self.monday + Int64($1) * Self.day + 10 * Self.hour, asOf: asOf) }
        #expect(isClose(old.weight, expectedOld, relativeTolerance: 1e-9))
        let hours = (0..<24).map { h in (0..<7).reduce(0.0) { $0 + profile.hourOfWeek[$1 * 24 + h] } }
        #expect(hours[20] > 10 * hours[10])
        #expect(profile.usualHours() == "20:00–21:00")
        let usualKm = try #require(profile.usualDistanceKm)
        #expect(usualKm > 5 && usualKm < 11, "most of the weight is in Los Angeles, near the new home")
        // Steady one a day, whatever the decay.
        #expect(abs(profile.transactionsPerDay - 1) < 0.01)
        #expect(profile.medianGapSeconds == Self.day)
        let summary = profile.summary()
        #expect(summary.contains("usually 20:00–21:00 (UTC), busiest \(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][profile.busiestWeekday()])"))
        #expect(summary.contains { $0.hasPrefix("1,095 transactions since 2024-01-01, about 1.0 a day, typically 24 h apart") })
        #expect(summary.contains("1 usual place within 6 km of home (2 known)"))
    }

    @Test func placesMergeWithinTheRadiusAndOnlineMerchantsAreNotPlaces() throws {
        var c = TransactionColumns()
        c.categoryNames = ["x"]
        let rows: [((Double, Double), Channel?)] = [
            ((40.71, -74.01), .cardPresent),
            ((40.80, -74.01), .atm),            // 10 km north: the same place
            ((40.71, -73.50), nil),             // 43 km east, channel unknown: a new place
            ((34.05, -118.24), .online),        // an online merchant's registered address: ignored
            ((.nan, .nan), .cardPresent),       // no coordinates: ignored
        ]
        for (index, (merchant, channel)) in rows.enumerated() {
            c.append(id: Int64(index + 1), instant: Self.monday + Int64(index) * 60, amountMinor: 100, category: 0,
                     home: (.nan, .nan), merchant: merchant, label: 0, channel: channel)
        }
        c.endClient("C")
        let profile = try #require(ClientProfile.profiles(of: c).first)
        #expect(profile.places.map(\.count) == [2, 1])
        #expect(profile.places[0].latitude == 40.71 && profile.places[0].longitude == -74.01, "a place is where it was first seen")
        #expect(profile.home == nil && profile.usualDistanceKm == nil)
        #expect(profile.summary().contains("2 usual places"))

        var capped = ClientProfile.Parameters()
        capped.maximumPlaces = 1
        #expect(ClientProfile.profiles(of: c, parameters: capped).first?.places.map(\.count) == [2])
    }

    @Test func dailyAndMonthlySpendQuantilesOverPeriodsWithSpend() throws {
        func at(_ month: Int, _ day: Int, _ hour: Int) -> Int64 {
            CivilTime.epochSeconds(year: 2024, month: month, day: day, hour: hour, minute: 0, second: 0)
        }
        let columns = TransactionColumns.oneClient([
            (at(1, 30, 10), 100),
            (at(1, 31, 9), 250), (at(1, 31, 18), 50),    // one day: 300
            (at(2, 1, 8), 200), (at(2, 1, 9), -999),     // a refund is not netted
            (at(2, 3, 12), -50),                         // only a refund: not a day with spend
            (at(3, 15, 12), 500),
            (at(3, 16, 12), 400),
        ])
        let profile = try #require(ClientProfile.profiles(of: columns).first)
        /// Whether the quantiles are these, to rounding.
        func matches(_ spend: ClientProfile.Spend?, _ periods: Int, _ p50: Double, _ p90: Double, _ p95: Double) -> Bool {
            guard let spend else { return false }
            return spend.periods == periods && abs(spend.p50 - p50) < 1e-9 && abs(spend.p90 - p90) < 1e-9
                && abs(spend.p95 - p95) < 1e-9
        }
        // Days [100, 300, 200, 500, 400]: sorted [100, 200, 300, 400, 500]; p90 at position 3.6, p95 at 3.8.
        #expect(matches(profile.dailySpend, 5, 300, 460, 480), "\(String(describing: profile.dailySpend))")
        // Months: January 400, February 200, March 900: sorted [200, 400, 900]; p90 at 1.8, p95 at 1.9.
        #expect(matches(profile.monthlySpend, 3, 400, 800, 850), "\(String(describing: profile.monthlySpend))")
        #expect(profile.summary().contains("daily spend: median $3.00, 95th percentile $4.80 (5 days with spend)"))
        #expect(profile.summary().contains("monthly spend: median $4.00, 95th percentile $8.50 (3 months)"))

        var recent = ClientProfile.Parameters()
        recent.spendDays = 3
        recent.spendMonths = 2
        let short = try #require(ClientProfile.profiles(of: columns, parameters: recent).first)
        #expect(matches(short.dailySpend, 3, 400, 480, 490), "the last 3: 200, 500, 400")
        #expect(matches(short.monthlySpend, 2, 550, 830, 865), "February and March")
    }

    @Test func topCategoriesAndMerchantsBySharesHeaviestFirst() throws {
        var c = TransactionColumns()
        c.categoryNames = ["a", "b", "c", "d", "e", "f", "g"]
        c.merchantNames = ["m0", "m1", "m2"]
        let categoryCounts = [5, 4, 3, 2, 1, 1, 6]  // 22 transactions
        var id: Int64 = 0
        for (category, count) in categoryCounts.enumerated() {
            for _ in 0..<count {
                id += 1
                c.append(id: id, instant: Self.monday, amountMinor: 100, category: Int32(category), home: (.nan, .nan),
                         merchant: (.nan, .nan), label: 0, merchantIndex: id % 4 == 0 ? 2 : (id % 4 == 1 ? 1 : 0))
            }
        }
        c.endClient("C")
        let profile = try #require(ClientProfile.profiles(of: c).first)
        #expect(profile.usualCategories.map(\.name) == ["g", "a", "b", "c", "d"])
        #expect(profile.usualCategories.map(\.share) == [6, 5, 4, 3, 2].map { Double($0) / 22 })
        // ids 1…22: 11 with id % 4 in {2, 3} (m0), 6 with id % 4 == 1 (m1), 5 with id % 4 == 0 (m2).
        #expect(profile.usualMerchants == [ClientProfile.Share(name: "m0", share: 11.0 / 22),
                                           ClientProfile.Share(name: "m1", share: 6.0 / 22),
                                           ClientProfile.Share(name: "m2", share: 5.0 / 22)])
        #expect(profile.summary().contains("top categories: g 27 %, a 23 %, b 18 %, c 14 %, d 9 %"))
        #expect(profile.summary().contains("top merchants: m0 50 %, m1 27 %, m2 23 %"))

        var more = ClientProfile.Parameters()
        more.topCategories = 7
        let all = try #require(ClientProfile.profiles(of: c, parameters: more).first)
        #expect(all.usualCategories.map(\.name) == ["g", "a", "b", "c", "d", "e", "f"], "equal shares: lower index first")
    }

    @Test func oneTransactionGivesAValidProfile() throws {
        let columns = TransactionColumns.oneClient([(Self.monday + 15 * Self.hour, 1_234)])
        let profile = try #require(ClientProfile.profiles(of: columns).first)
        #expect(profile.clientID == "C" && profile.transactions == 1 && profile.asOf == profile.firstInstant)
        #expect(profile.hourOfWeek[15] == 1 && profile.hourOfWeek.reduce(0, +) == 1)
        #expect(profile.home == nil && profile.places.isEmpty && profile.usualDistanceKm == nil)
        #expect(profile.dailySpend == ClientProfile.Spend(periods: 1, p50: 1_234, p90: 1_234, p95: 1_234))
        #expect(profile.monthlySpend == ClientProfile.Spend(periods: 1, p50: 1_234, p90: 1_234, p95: 1_234))
        #expect(profile.transactionsPerDay.isFinite && profile.transactionsPerDay > 0)
        #expect(profile.medianGapSeconds == nil)
        #expect(profile.usualCategories == [ClientProfile.Share(name: "x", share: 1)])
        #expect(profile.usualMerchants.isEmpty, "columns built without merchant names")
        // Encodes (JSON refuses NaN) and decodes to the same profile.
        let json = try JSONEncoder().encode(profile)
        #expect(try JSONDecoder().decode(ClientProfile.self, from: json) == profile)
        let summary = profile.summary()
        #expect(summary.first == "1 transaction since 2024-01-01")
        #expect(summary.contains("usually 15:00–16:00 (UTC), busiest Mon"))
        #expect(summary.contains("no known places"))

        let refund = try #require(ClientProfile.profiles(of: TransactionColumns.oneClient([(Self.monday, -500)])).first)
        #expect(refund.dailySpend == nil && refund.monthlySpend == nil)
        #expect(ClientProfile.profiles(of: TransactionColumns()).isEmpty)
    }

    @Test func profilesAreDeterministicWhateverTheThreads() {
        var random = SeededRandom(seed: 42)
        var c = TransactionColumns()
        c.categoryNames = (0..<14).map { "cat\($0)" }
        c.merchantNames = (0..<300).map { "merchant \($0)" }
        var id: Int64 = 0
        for client in 0..<150 {
            let home = (25 + random.nextUnitDouble() * 20, -120 + random.nextUnitDouble() * 45)
            var instant = Self.monday + Int64(random.nextInt(below: 100_000))
            for _ in 0..<(1 + random.nextInt(below: 120)) {
                id += 1
                instant += Int64(random.nextInt(below: 3 * 86_400))
                let away = random.nextInt(below: 10) == 0 ? 3.0 : 0.1
                let channel: Channel? = [.cardPresent, .online, .atm, nil][random.nextInt(below: 4)]
                c.append(id: id, instant: instant, amountMinor: Int64(random.nextInt(below: 50_000)) - 2_000,
                         category: Int32(random.nextInt(below: 14)), home: home,
                         merchant: (home.0 + (random.nextUnitDouble() - 0.5) * away, home.1 + (random.nextUnitDouble() - 0.5) * away),
                         label: 0, channel: channel, merchantIndex: Int32(random.nextInt(below: 300)))
            }
            c.endClient("client \(client)")
        }
        let serial = ClientProfile.profiles(of: c, parallelism: .serial)
        #expect(serial.count == 150)
        #expect(serial.map(\.clientID) == c.clientIDs)
        #expect(ClientProfile.profiles(of: c, parallelism: Parallelism(threadCount: 3)) == serial)
        #expect(ClientProfile.profiles(of: c, parallelism: .automatic) == serial)
        #expect(ClientProfile.profile(ofClient: 77, in: c) == serial[77])
        for profile in serial {
            #expect(profile.hourOfWeek.allSatisfy(\.isFinite) && profile.transactionsPerDay.isFinite)
            #expect(profile.usualCategories.count <= 5 && profile.usualMerchants.count <= 5)
            #expect(profile.places.count <= 32)
            #expect(zip(profile.places, profile.places.dropFirst()).allSatisfy { $0.weight >= $1.weight })
        }
    }
}
