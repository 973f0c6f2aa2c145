import Foundation
import Testing
import VigilCore
@testable import VigilDemo

@Suite("Demo compromised merchants and cards, and the outcomes feed")
struct DemoCompromiseTests {
    @Test("the new kinds are present in proportion")
    func proportions() {
        let run = Runs.defaultRates
        let fraud = run.rows.filter(\.isFraud)
        let cards = fraud.filter { $0.kind == .compromisedCard }
        let share = Double(cards.count) / Double(fraud.count)
        // One incident weight among eight kinds, about 8.5 rows an incident: roughly a sixth of the fraud.
        #expect(share > 0.08 && share < 0.3, "compromised_card share \(share)")
        #expect(Set(cards.map(\.clientID)).count >= 5)

        let crowded = Runs.crowded
        let expected = crowded.config.compromisedMerchantsPerYear * Double(crowded.config.clients) / 1_000
            * Double(crowded.config.days) / 365
        #expect(Double(crowded.compromises.count) >= expected / 2 && Double(crowded.compromises.count) <= expected * 2,
                "\(crowded.compromises.count) compromised merchants, \(expected) expected")
        let merchantRows = crowded.rows.filter { $0.kind == .compromisedMerchant }.count
        #expect(merchantRows >= 10 * crowded.compromises.count, "\(merchantRows) rows")
    }

    @Test("a compromised merchant's every purchase in its window is fraud, from several clients, and none outside")
    func compromisedMerchant() {
        let run = Runs.crowded
        var windows = 0
        for compromise in run.compromises {
            let atMerchant = run.rows.filter { $0.merchant == compromise.merchant }
            let inWindow = atMerchant.filter { compromise.days.contains($0.dayIndex) && $0.amount.minorUnits > 0 }
            guard !inWindow.isEmpty else { continue }
            windows += 1
            #expect(inWindow.allSatisfy { $0.isFraud }, "\(compromise.merchant)")
            #expect(inWindow.allSatisfy { $0.city == compromise.city.name && $0.isCardPresent })
            #expect(Set(inWindow.map(\.clientID)).count >= 3, "\(compromise.merchant): \(Set(inWindow.map(\.clientID)).count) clients")
            #expect(compromise.regulars >= DemoCompromisedMerchant.minimumRegulars)
            #expect((14...35).contains(compromise.days.count) || compromise.days.upperBound == run.config.days)
            // Before and after the window the same merchant is ordinary.
            #expect(!atMerchant.contains { !compromise.days.contains($0.dayIndex) && $0.kind == .compromisedMerchant })
        }
        #expect(windows >= 5)
        // Every compromised_merchant row belongs to a planned window.
        let planned = Set(run.compromises.flatMap { c in c.days.map { "\(c.merchant)|\($0)" } })
        #expect(run.rows.filter { $0.kind == .compromisedMerchant }.allSatisfy { planned.contains("\($0.merchant)|\($0.dayIndex)") })
    }

    @Test("a compromised card's fraud is several times its own median, at its usual merchants, on small and large spenders")
    func compromisedCard() {
        let run = Runs.dense
        let profiles = run.clientsByID
        var cards = 0
        var small = 0
        var large = 0
        var atRegulars = 0
        var total = 0
        for (id, rows) in run.rowsByClient {
            let stolen = rows.filter { $0.kind == .compromisedCard }
            guard !stolen.isEmpty, let client = profiles[id] else { continue }
            cards += 1
            let genuineRows = rows.filter { !$0.isFraud && $0.amount.minorUnits > 0 }
            let jump = median(stolen.map(\.amount.minorUnits)) / median(genuineRows.map(\.amount.minorUnits))
            #expect(jump >= 2.5 && jump <= 10, "\(id): fraud median \(jump)x the card's")
            // Against what the card usually pays in the same category, each charge is about five times as much.
            let byCategory = Dictionary(grouping: genuineRows, by: \.category).mapValues { median($0.map(\.amount.minorUnits)) }
            let counts = Dictionary(grouping: genuineRows, by: \.category).mapValues(\.count)
            for row in stolen where (counts[row.category] ?? 0) >= 8 {
                let ratio = Double(row.amount.minorUnits) / byCategory[row.category]!
                #expect(ratio >= 2.5 && ratio <= 12, "\(row.sourceKey): \(ratio)x the card's \(row.category) median")
            }
            #expect(stolen.allSatisfy { $0.amount.minorUnits > 0 })
            // A window of about two weeks (a card can be compromised twice in a run).
            for window in clusters(stolen, gap: 3 * 86_400) {
                #expect(window.last!.instant - window.first!.instant <= 16 * 86_400, "\(id)")
            }
            let regulars = Set(client.favouriteMerchants)
            atRegulars += stolen.filter { regulars.contains($0.merchant) }.count
            total += stolen.count
            if client.spendLevel < 0.5 { small += 1 }
            if client.spendLevel > 2 { large += 1 }
        }
        #expect(cards >= 10)
        #expect(small >= 2 && large >= 2, "small spenders \(small), large \(large)")
        #expect(Double(atRegulars) / Double(total) > 0.6, "\(atRegulars) of \(total) at the card's usual merchants")
    }

    @Test("clients' amount levels differ twentyfold")
    func spendLevels() {
        let run = Runs.defaultRates
        let medians = run.rowsByClient.values.map { rows in
            median(rows.filter { !$0.isFraud && $0.amount.minorUnits > 0 }.map(\.amount.minorUnits))
        }.sorted()
        let low = medians[medians.count / 20]
        let high = medians[medians.count * 19 / 20]
        #expect(high / low >= 15, "5th percentile \(low) cents, 95th \(high) cents")
        #expect(low <= 1_500 && high >= 10_000, "5th percentile \(low) cents, 95th \(high) cents")
    }

    @Test("outcomes are known after their transactions, most fraud as a chargeback within a month, a few genuine")
    func outcomes() {
        let run = Runs.dense
        let feed = DemoOutcomeFeed(config: run.config)
        let rows = run.rows
        let outcomes = feed.outcomes(of: rows)
        let fraud = rows.filter(\.isFraud)
        let chargebacks = outcomes.filter { $0.outcome.outcome == .fraud }
        let share = Double(chargebacks.count) / Double(fraud.count)
        #expect(abs(share - DemoOutcomeFeed.chargebackShare) < 0.05, "chargeback share \(share)")
        for (index, outcome) in outcomes {
            let row = rows[index]
            #expect(outcome.sourceKey == row.sourceKey && outcome.clientID == row.clientID && outcome.instant == row.instant)
            #expect((outcome.outcome == .fraud) == row.isFraud)
            let days = Double(outcome.knownAt - row.instant) / 86_400
            if outcome.outcome == .fraud {
                #expect(days >= 2 && days <= 30, "\(row.sourceKey): \(days) days")
            } else {
                #expect(days >= 7 && days <= 56, "\(row.sourceKey): \(days) days")
            }
        }
        let delays = chargebacks.map { Double($0.outcome.knownAt - $0.outcome.instant) / 86_400 }.sorted()
        let medianDelay = delays[delays.count / 2]
        #expect(medianDelay > 4 && medianDelay < 10, "median delay \(medianDelay) days")
        let genuine = outcomes.count - chargebacks.count
        #expect(genuine >= 1 && genuine < chargebacks.count / 4, "\(genuine) genuine outcomes")
    }

    @Test("the feed is the same for a seed whatever the batches it is read in, and differs for another seed")
    func outcomesDeterministic() {
        let run = Runs.dense
        let feed = DemoOutcomeFeed(config: run.config)
        let whole = feed.outcomes(of: run.rows).map(\.outcome)
        let byDay = run.days.flatMap { feed.outcomes(of: $0).map(\.outcome) }
        #expect(whole == byDay)
        let again = DemoRun(run.config)
        #expect(DemoOutcomeFeed(config: again.config).outcomes(of: again.rows).map(\.outcome) == whole)
        var other = run.config
        other.seed += 1
        #expect(DemoOutcomeFeed(config: other).outcomes(of: run.rows).map(\.outcome) != whole)
    }
}

private func median(_ values: [Int64]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return Double(sorted[sorted.count / 2])
}
