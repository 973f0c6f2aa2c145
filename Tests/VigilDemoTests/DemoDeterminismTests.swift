import Foundation
import Testing
import VigilCore
@testable import VigilDemo

@Suite("Demo determinism and shape")
struct DemoDeterminismTests {
    @Test("the same seed gives the same rows, a different seed different rows")
    func sameSeedSameRows() {
        let config = DemoConfig(clients: 60, days: 90, seed: 7)
        let first = DemoRun(config)
        let second = DemoRun(config)
        #expect(first.rows.count > 5_000)
        #expect(first.rows.count == second.rows.count)
        #expect(first.digest == second.digest)
        #expect(first.rows == second.rows)
        #expect(first.compromises == second.compromises && !first.compromises.isEmpty)

        var reseeded = config
        reseeded.seed = 8
        let other = DemoRun(reseeded)
        #expect(other.digest != first.digest)
        #expect(other.clients.map(\.home) != first.clients.map(\.home))
    }

    @Test("threads never change the output", arguments: [1, 3, 16])
    func concurrencyIsInvisible(workers: Int) {
        let config = DemoConfig(clients: 97, days: 75, seed: 3, fraudRate: 0.03)
        #expect(DemoRun(config, concurrency: workers).digest == DemoRun(config, concurrency: 2).digest)
    }

    @Test("one call per day, in order, each day sorted by (instant, clientID, sourceKey)")
    func daysAreChronological() {
        let run = Runs.dense
        #expect(run.days.count == run.config.days)
        for (index, day) in run.days.enumerated() {
            let dayStart = run.config.start + Int64(index) * 86_400
            for row in day {
                #expect(row.instant >= dayStart && row.instant < dayStart + 86_400)
            }
            for (a, b) in zip(day, day.dropFirst()) {
                let ordered = (a.instant, a.clientID, a.sourceKey) < (b.instant, b.clientID, b.sourceKey)
                #expect(ordered, "\(a.sourceKey) then \(b.sourceKey)")
                if !ordered { return }
            }
        }
        let keys = run.rows.map(\.sourceKey)
        #expect(Set(keys).count == keys.count)
        #expect(keys.allSatisfy { $0.hasPrefix("demo-11-C000") })
    }

    @Test("every row is complete and consistent")
    func rowsAreWellFormed() throws {
        let run = Runs.dense
        let clients = run.clientsByID
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let cities = Dictionary(DemoCity.all.map { ("\($0.name)|\($0.state)", $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        for (i, row) in run.rows.enumerated() {
            let client = try #require(clients[row.clientID])
            if row.amount.currency != "USD" || row.country != "US" { problems.append("currency/country \(row.sourceKey)") }
            if row.amount.minorUnits == 0 { problems.append("zero amount \(row.sourceKey)") }
            if row.home != client.home { problems.append("home \(row.sourceKey)") }
            if (row.channel == .online) != row.category.hasSuffix("_net") { problems.append("channel \(row.sourceKey)") }
            switch row.label {
            case 0: if row.labelKind != nil { problems.append("kind on normal row \(row.sourceKey)") }
            case 1: if row.kind == nil { problems.append("bad kind \(row.labelKind ?? "nil")") }
            default: problems.append("label \(String(describing: row.label))")
            }
            guard let city = cities["\(row.city ?? "")|\(row.state ?? "")"], let location = row.merchantLocation else {
                problems.append("city \(row.sourceKey)")
                continue
            }
            if location.distanceKm(to: city.location) > 15.1 { problems.append("merchant far from city \(row.sourceKey)") }
            if i % 37 == 0 {
                let expected = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(row.instant)))
                if row.originalTime != expected { problems.append("time \(row.originalTime) != \(expected)") }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
    }

    @Test("civil dates agree with Foundation across leap years and centuries")
    func civilDates() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for days in stride(from: Int64(0), through: 2_932_896, by: 997) {
            let date = Date(timeIntervalSince1970: TimeInterval(days * 86_400))
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
            let civil = DemoText.civilDate(daysSinceEpoch: days)
            #expect(Int(civil.year) == parts.year && civil.month == parts.month && civil.day == parts.day)
            #expect(DemoText.weekday(daysSinceEpoch: days) + 1 == parts.weekday)
        }
        #expect(DemoText.timestamp(datePrefix: DemoText.datePrefix(daysSinceEpoch: 20_089), secondOfDay: 86_399)
            == "2025-01-01 23:59:59")
        #expect(DemoText.sourceKey(seedPrefix: Array("demo-9-".utf8), clientID: "C000012", sequence: 42)
            == "demo-9-C000012-000042")
        #expect(DemoText.sourceKey(seedPrefix: Array("demo-9-".utf8), clientID: "C1234567", sequence: 12_345_678)
            == "demo-9-C1234567-12345678")
    }

    @Test("client profiles are plausible")
    func clientProfiles() {
        let run = Runs.dense
        #expect(run.clients.count == 150)
        #expect(run.clients.map(\.id) == (1...150).map { "C" + String(repeating: "0", count: 6 - String($0).count) + String($0) })
        for client in run.clients {
            #expect(client.home.distanceKm(to: client.homeCity.location) <= 20.1)
            #expect(!client.habitualHours.isEmpty && client.habitualHours.allSatisfy { (7...20).contains($0) })
            #expect((1...30).contains(client.favouriteMerchants.count))
            #expect(client.favouriteCategories.count == 3)
            #expect((0.4...5).contains(client.dailyRate))
            #expect(client.spendLevel > 0.1 && client.spendLevel < 10)
        }
        #expect(Set(run.clients.map(\.homeCity.name)).count > 20)
    }

    @Test("the generator's ground truth matches the labelled rows")
    func plantedAnomaliesMatchLabels() {
        let run = Runs.dense
        let byClient = run.rowsByClient
        for client in run.clients {
            // A compromised merchant is planned across clients (its own test); a compromised card's window day on which
            // no charge was picked for the thief has no fraud row (added with those two kinds).
            let rows = (byClient[client.id] ?? []).filter { $0.isFraud && $0.kind != .compromisedMerchant }
            let labelled = Set(rows.filter { $0.kind != .compromisedCard }.map { "\($0.dayIndex)|\($0.labelKind!)" })
            let planted = Set(client.plantedAnomalies.filter { $0.kind != .compromisedCard }.map { "\($0.day)|\($0.kind.rawValue)" })
            #expect(labelled == planted, "\(client.id)")
            let cardDays = Set(rows.filter { $0.kind == .compromisedCard }.map(\.dayIndex))
            #expect(cardDays.isSubset(of: client.plantedAnomalies.filter { $0.kind == .compromisedCard }.map(\.day)), "\(client.id)")
            #expect(client.plantedAnomalies.allSatisfy { $0.day >= run.config.warmupDays })
        }
    }
}

@Suite("Demo random streams")
struct DemoRandomTests {
    @Test("streams are reproducible, independent, and have the intended moments")
    func moments() {
        var a = DemoRandom(seed: 1, purpose: DemoStream.day, 5, 9)
        var b = DemoRandom(seed: 1, purpose: DemoStream.day, 5, 9)
        var c = DemoRandom(seed: 1, purpose: DemoStream.day, 5, 10)
        let first = (0..<8).map { _ in a.next() }
        #expect(first == (0..<8).map { _ in b.next() })
        #expect(first != (0..<8).map { _ in c.next() })

        var rng = DemoRandom(seed: 99)
        let n = 20_000
        let uniforms = (0..<n).map { _ in rng.uniform() }
        #expect(uniforms.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(uniforms.reduce(0, +) / Double(n) - 0.5) < 0.01)
        let normals = (0..<n).map { _ in rng.normal() }
        let mean = normals.reduce(0, +) / Double(n)
        let variance = normals.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
        for lambda in [0.3, 2.5, 45.0] {
            let draws = (0..<n).map { _ in Double(rng.poisson(lambda)) }
            #expect(abs(draws.reduce(0, +) / Double(n) - lambda) < 0.05 * lambda + 0.02, "poisson \(lambda)")
        }
        let dice = (0..<n).map { _ in rng.int(in: 1...6) }
        #expect(Set(dice) == Set(1...6))
        let picks = (0..<n).map { _ in rng.index(cumulative: [1, 1, 4]) }
        #expect(!picks.contains(1))
        #expect(abs(Double(picks.filter { $0 == 2 }.count) / Double(n) - 0.75) < 0.02)
    }
}
