import Foundation
import Testing
import VigilCore
@testable import VigilDemo

@Suite("Demo anomalies")
struct DemoAnomalyTests {
    @Test("a default-rate run labels a sane share of rows, with every kind present")
    func fraudShareAndCoverage() {
        let run = Runs.defaultRates
        let rows = run.rows
        let fraud = rows.filter(\.isFraud)
        let share = Double(fraud.count) / Double(rows.count)
        #expect(rows.count > 100_000)
        #expect(share > 0.004 && share < 0.012, "fraud share \(share)")
        let kinds = Dictionary(grouping: fraud, by: { $0.kind! }).mapValues(\.count)
        for kind in DemoAnomalyKind.allCases {
            #expect((kinds[kind] ?? 0) >= 5, "\(kind.rawValue): \(kinds[kind] ?? 0)")
        }
        // Clean history first: nothing planted in a client's first 30 days.
        #expect(fraud.allSatisfy { $0.dayIndex >= run.config.warmupDays })
        #expect(rows.contains { $0.amount.minorUnits < 0 && $0.label == 0 }, "some refunds")
    }

    @Test("unusual_hour rows are at night, when the client never buys")
    func unusualHour() {
        let run = Runs.dense
        let rows = run.rows
        let night = rows.filter { $0.kind == .unusualHour }
        #expect(night.count >= 10)
        #expect(night.allSatisfy { (3_600..<(5 * 3_600)).contains($0.secondOfDay) })
        // Ordinary purchases never fall between 01:00 and 05:00.
        #expect(!rows.contains { !$0.isFraud && (3_600..<(5 * 3_600)).contains($0.secondOfDay) })
    }

    @Test("unusual_place rows are in person in a city the client never visits, and reachable in time")
    func unusualPlace() {
        let run = Runs.dense
        var checked = 0
        for (_, rows) in run.rowsByClient {
            let legitCities = Set(rows.filter { !$0.isFraud && $0.isCardPresent }.map { "\($0.city!)|\($0.state!)" })
            for (i, row) in rows.enumerated() where row.kind == .unusualPlace {
                checked += 1
                #expect(row.isCardPresent)
                #expect(!legitCities.contains("\(row.city!)|\(row.state!)"), "\(row.sourceKey)")
                #expect(row.merchantLocation!.distanceKm(to: row.home!) > 250)
                // Not an impossible-travel case: the previous in-person purchase is far enough back in time.
                if let previous = rows[..<i].last(where: { $0.isCardPresent && !$0.isFraud }) {
                    let hours = Double(row.instant - previous.instant) / 3_600
                    let km = previous.merchantLocation!.distanceKm(to: row.merchantLocation!)
                    #expect(km / hours < 900, "\(row.sourceKey): \(km) km in \(hours) h")
                }
            }
        }
        #expect(checked >= 10)
    }

    @Test("impossible_travel rows are over 1,000 km from an in-person purchase at home within two hours")
    func impossibleTravel() {
        let run = Runs.dense
        var checked = 0
        for (_, rows) in run.rowsByClient {
            for (i, row) in rows.enumerated() where row.kind == .impossibleTravel {
                checked += 1
                #expect(row.isCardPresent)
                guard let previous = rows[..<i].last(where: { $0.isCardPresent && !$0.isFraud }) else {
                    Issue.record("\(row.sourceKey) has no earlier in-person purchase")
                    continue
                }
                #expect(previous.merchantLocation!.distanceKm(to: row.merchantLocation!) > 1_000, "\(row.sourceKey)")
                #expect(row.instant - previous.instant <= 2 * 3_600, "\(row.sourceKey)")
                #expect(previous.merchantLocation!.distanceKm(to: row.home!) < 40, "anchor at home for \(row.sourceKey)")
            }
        }
        #expect(checked >= 10)
    }

    @Test("card_testing is a run of tiny online amounts within minutes, then a large one")
    func cardTesting() {
        let run = Runs.dense
        var incidents = 0
        for (_, rows) in run.rowsByClient {
            for incident in clusters(rows.filter { $0.kind == .cardTesting }, gap: 3_600) {
                incidents += 1
                let probes = incident.dropLast()
                let cashOut = incident.last!
                #expect((5...15).contains(probes.count), "\(incident.count) rows")
                #expect(probes.allSatisfy { (50...300).contains($0.amount.minorUnits) && $0.channel == .online })
                #expect(cashOut.amount.minorUnits >= 30_000)
                #expect(cashOut.instant - incident.first!.instant <= 3_600)
                for (a, b) in zip(probes, probes.dropFirst()) { #expect(b.instant - a.instant <= 180) }
            }
        }
        #expect(incidents >= 5)
    }

    @Test("a burst is many transactions within an hour")
    func burst() {
        let run = Runs.dense
        var incidents = 0
        for (_, rows) in run.rowsByClient {
            for incident in clusters(rows.filter { $0.kind == .burst }, gap: 3_600) {
                incidents += 1
                #expect(incident.count >= 6)
                #expect(incident.last!.instant - incident.first!.instant <= 3_600)
            }
        }
        #expect(incidents >= 5)
    }

    @Test("over_daily_spend days total several times the client's usual day")
    func overDailySpend() {
        let run = Runs.dense
        var days = 0
        for (_, rows) in run.rowsByClient {
            let usualDay = Double(rows.filter { !$0.isFraud }.reduce(0) { $0 + $1.amount.minorUnits }) / Double(run.config.days)
            let flagged = Dictionary(grouping: rows, by: \.dayIndex).filter { $0.value.contains { $0.kind == .overDailySpend } }
            for (day, dayRows) in flagged {
                days += 1
                let total = Double(dayRows.reduce(0) { $0 + $1.amount.minorUnits })
                #expect(total >= 3 * usualDay, "day \(day): \(total) vs usual \(usualDay)")
                #expect(dayRows.filter { $0.kind == .overDailySpend }.count >= 3)
            }
        }
        #expect(days >= 10)
    }

    @Test("over_monthly_spend spreads above-normal purchases over a month, far above the usual month")
    func overMonthlySpend() {
        let run = Runs.dense
        var months = 0
        for (_, rows) in run.rowsByClient {
            var remaining = rows.filter { $0.kind == .overMonthlySpend }
            while let first = remaining.first {
                months += 1
                let windowEnd = first.instant + 30 * 86_400
                let planted = remaining.filter { $0.instant < windowEnd }
                remaining.removeFirst(planted.count)
                let inWindow = rows.filter { $0.instant >= first.instant && $0.instant < windowEnd }
                let outside = rows.filter { ($0.instant < first.instant || $0.instant >= windowEnd) && !$0.isFraud }
                let usualMonth = Double(outside.reduce(0) { $0 + $1.amount.minorUnits }) / Double(run.config.days - 30) * 30
                let month = Double(inWindow.reduce(0) { $0 + $1.amount.minorUnits })
                #expect(month >= 2 * usualMonth, "\(first.clientID): \(month) vs \(usualMonth)")
                #expect(Set(planted.map(\.dayIndex)).count >= 10, "\(first.clientID)")
                let typical = Double(outside.reduce(0) { $0 + $1.amount.minorUnits }) / Double(max(1, outside.count))
                #expect(planted.allSatisfy { Double($0.amount.minorUnits) > typical }, "above-normal purchases")
            }
        }
        #expect(months >= 3)
    }

    @Test("legitimate travel happens, is labelled normal, and never looks like impossible travel")
    func legitimateTravel() {
        let run = Runs.dense
        let byClient = run.rowsByClient
        var tripsSeen = 0
        for client in run.clients {
            let rows = byClient[client.id] ?? []
            for trip in client.trips {
                let away = rows.filter { $0.isCardPresent && !$0.isFraud && (trip.firstDay..<trip.returnDay).contains($0.dayIndex) }
                guard !away.isEmpty else { continue }
                tripsSeen += 1
                #expect(away.allSatisfy { $0.city == trip.city.name && $0.state == trip.city.state })
            }
            let inPerson = rows.filter { $0.isCardPresent && !$0.isFraud }
            for (a, b) in zip(inPerson, inPerson.dropFirst()) {
                let km = a.merchantLocation!.distanceKm(to: b.merchantLocation!)
                guard km > 100 else { continue }
                let hours = Double(b.instant - a.instant) / 3_600
                #expect(km / hours < 900, "\(a.sourceKey) -> \(b.sourceKey): \(km) km in \(hours) h")
            }
        }
        #expect(tripsSeen >= 50)
    }
}
