import Foundation
import Testing
import VigilCore
@testable import VigilDetect

/// The detectors across cards: a merchant made risky by its confirmed fraud, a card exposed at such a merchant, and
/// label-free surges at one merchant; and outcomes used only from the instant they became known.
@Suite struct CrossCardTests {
    let day: Int64 = 86_400
    let start: Int64 = 1_704_067_200  // 2024-01-01

    /// A quiet world: `clients` cards each shopping once a day for `days` days at one of `merchants` merchants in turn,
    /// keys from 1 in time order. Returns the events.
    func world(clients: Int = 40, merchants: Int = 20, days: Int = 30) -> [CrossCardEvent] {
        var events: [CrossCardEvent] = []
        for d in 0 ..< days {
            for c in 0 ..< clients {
                events.append(CrossCardEvent(key: Int64(events.count + 1), instant: start + Int64(d) * day + Int64(c) * 60,
                                             amountMinor: 2_500, merchant: Int32((c + d) % merchants), client: Int32(c)))
            }
        }
        return events
    }

    func fraud(_ key: Int64, at: Int64) -> OutcomeEvent {
        OutcomeEvent(transactionID: key, knownAt: at, outcome: .fraud, source: .feed)
    }

    /// Steps every event through a runner given `outcomes`; the hits by key.
    func run(_ events: [CrossCardEvent], outcomes: [OutcomeEvent], parameters: CrossCard.Parameters = .init())
        -> [Int64: [RuleHit]] {
        var runner = CrossCardRunner(CrossCard(parameters: parameters))
        for m in 0 ..< 100 { _ = runner.merchant(String(format: "T%05d", m)) }
        runner.take(outcomes)
        var hits: [Int64: [RuleHit]] = [:]
        for (row, event) in events.enumerated() {
            let found = runner.step(event, row: row)
            if !found.isEmpty { hits[event.key] = found }
        }
        return hits
    }

    @Test func aMerchantWithSeveralFraudCardsIsRiskyOnlyOnceTheyAreKnown() throws {
        let events = world()
        // Three cards' purchases at merchant 7 in the first week turn out to be fraud, known on day 10.
        let bad = events.filter { $0.merchant == 7 && $0.instant < start + 7 * day }.prefix(3)
        #expect(Set(bad.map(\.client)).count == 3)
        let known = start + 10 * day
        let hits = run(events, outcomes: bad.map { fraud($0.key, at: known) })
        let risky = hits.filter { $0.value.contains { $0.detector == .merchantRisk } }
        #expect(!risky.isEmpty)
        for key in risky.keys {
            let event = try #require(events.first { $0.key == key })
            #expect(event.merchant == 7, "only the merchant with the fraud")
            #expect(event.instant > known, "only after the outcomes became known")
        }
        // Every purchase at merchant 7 after they were known (within the window) is flagged.
        let after = events.filter { $0.merchant == 7 && $0.instant > known && $0.instant < start + 30 * day }
        #expect(after.allSatisfy { risky[$0.key] != nil })
        let hit = try #require(risky[after[0].key]?.first)
        let reason = hit.reason
        #expect(reason.hasPrefix("T00007: 3 cards used there in the last 30 days were confirmed fraud (of its "))
        #expect(reason.hasSuffix("across all merchants; the latest on " + CivilTime.formatDate(bad.map(\.instant).max()!) + ")"))
    }

    @Test func oneFraudCardAtAMerchantIsNotEnough() {
        let events = world()
        let first = events.first { $0.merchant == 3 }!
        let hits = run(events, outcomes: [fraud(first.key, at: first.instant + day)])
        #expect(!hits.values.joined().contains { $0.detector == .merchantRisk })
    }

    @Test func riskIsSmoothedTowardsThePopulation() throws {
        // Two fraud cards among a merchant's 4 transactions and among its 400 give different risk, and neither is 1
        // at a merchant with few transactions.
        let detector = CrossCard()
        func finding(transactions: Int) -> CrossCard.RiskFinding? {
            var state = CrossCard.State()
            var key: Int64 = 0
            // A population of 10,000 transactions elsewhere, 20 of them fraud.
            for i in 0 ..< 10_000 {
                key += 1
                _ = detector.step(CrossCardEvent(key: key, instant: start + Int64(i), amountMinor: 1_000, merchant: 1,
                                                 client: Int32(100 + i % 500)), row: 0, state: &state, merchantName: { _ in "" })
                if i % 500 == 0 { detector.learn(fraud(key, at: start + Int64(i)), state: &state) }
            }
            for i in 0 ..< transactions {
                key += 1
                _ = detector.step(CrossCardEvent(key: key, instant: start + 20_000 + Int64(i), amountMinor: 1_000, merchant: 0,
                                                 client: Int32(i)), row: 0, state: &state, merchantName: { _ in "" })
                if i < 2 { detector.learn(fraud(key, at: start + 20_000 + Int64(i)), state: &state) }
            }
            return detector.riskFinding(CrossCardEvent(key: key + 1, instant: start + 30_000, amountMinor: 1_000, merchant: 0,
                                                       client: 999), state: state)
        }
        let quiet = try #require(finding(transactions: 4))
        #expect(quiet.fraudCards == 2 && quiet.transactions == 4)
        #expect(quiet.score < 1)
        let busy = finding(transactions: 400)
        #expect(busy == nil || busy!.score < quiet.score * 0.5)
    }

    @Test func riskFadesOnceTheMerchantsFraudStops() throws {
        let events = world(days: 40)
        let bad = events.filter { $0.merchant == 7 && $0.instant < start + 4 * day }
        let hits = run(events, outcomes: bad.map { fraud($0.key, at: $0.instant + day) })
        func score(onDay d: Int64) -> Double {
            let event = events.first { $0.merchant == 7 && $0.instant >= start + d * day }!
            return hits[event.key]?.first { $0.detector == .merchantRisk }?.score ?? 0
        }
        #expect(score(onDay: 6) > 0)
        #expect(score(onDay: 20) < score(onDay: 6) * 0.5, "two weeks after the latest fraud it counts for less")
        #expect(score(onDay: 36) == 0, "out of the window")
    }

    @Test func anOutcomeKnownAfterATransactionDoesNotChangeIt() {
        let events = world()
        let bad = events.filter { $0.merchant == 5 && $0.instant < start + 5 * day }.prefix(4)
        let cut = start + 15 * day
        let early = run(events, outcomes: bad.map { fraud($0.key, at: start + 8 * day) })
        // The same, and outcomes that became known after the cut: more fraud, and one of the earlier withdrawn.
        var later = bad.map { fraud($0.key, at: start + 8 * day) }
        later += events.filter { $0.merchant == 9 && $0.instant < cut }.prefix(5).map { fraud($0.key, at: cut + 3_600) }
        later.append(OutcomeEvent(transactionID: bad.first!.key, knownAt: cut + 7_200, outcome: nil, source: .triage))
        let changed = run(events, outcomes: later)
        for event in events where event.instant <= cut {
            #expect(early[event.key] == changed[event.key], "transaction \(event.key)")
        }
        #expect(events.filter { $0.instant > cut }.contains { early[$0.key] != changed[$0.key] }, "and the later ones move")
    }

    @Test func aWithdrawnOutcomeStopsCounting() {
        let events = world()
        let bad = events.filter { $0.merchant == 7 && $0.instant < start + 7 * day }.prefix(2)
        var outcomes = bad.map { fraud($0.key, at: start + 8 * day) }
        outcomes.append(OutcomeEvent(transactionID: bad.first!.key, knownAt: start + 12 * day, outcome: .genuine, source: .triage))
        let hits = run(events, outcomes: outcomes)
        let risky = events.filter { hits[$0.key]?.contains { $0.detector == .merchantRisk } == true }
        #expect(!risky.isEmpty)
        #expect(risky.allSatisfy { $0.instant > start + 8 * day && $0.instant <= start + 12 * day })
    }

    @Test func aCardUsedWhereOtherCardsWereDefraudedIsExposed() throws {
        var events = world()
        // Card 1 shopped at merchant 3 on day 2; four other cards' purchases there within days of it were fraud.
        let visit = try #require(events.first { $0.client == 1 && $0.merchant == 3 })
        let others = events.filter { $0.merchant == 3 && $0.client != 1 && abs($0.instant - visit.instant) <= 5 * day }.prefix(4)
        #expect(others.count == 4)
        let known = start + 12 * day
        events.sort { ($0.instant, $0.key) < ($1.instant, $1.key) }
        let hits = run(events, outcomes: others.map { fraud($0.key, at: known) })
        let exposed = events.filter { $0.client == 1 && hits[$0.key]?.contains { $0.detector == .cardExposure } == true }
        let first = try #require(exposed.first)
        #expect(first.instant > known)
        #expect(first.merchant != 3)
        let reason = try #require(hits[first.key]?.first { $0.detector == .cardExposure }?.reason)
        #expect(reason == "used at T00003 on \(CivilTime.formatDate(visit.instant)); 4 other cards used there within 7 days of that were confirmed fraud")
        // A card never at merchant 3 around then is not exposed.
        let never = Set(events.filter { $0.merchant == 3 && abs($0.instant - visit.instant) <= 7 * day }.map(\.client))
        let clean = events.filter { !never.contains($0.client) }
        #expect(clean.allSatisfy { hits[$0.key]?.contains { $0.detector == .cardExposure } != true })
    }

    @Test func manyCardsNewToAMerchantInADayAreASurge() throws {
        // 120 cards shop at 4 merchants in turn for 40 days: every merchant knows them all within days.
        var events = world(clients: 120, merchants: 4, days: 40)
        // On day 40, 15 cards never seen anywhere buy at merchant 2 within the day.
        for i in 0 ..< 15 {
            events.append(CrossCardEvent(key: Int64(events.count + 1), instant: start + 40 * day + Int64(i) * 1_800,
                                         amountMinor: 4_000, merchant: 2, client: Int32(1_000 + i)))
        }
        let hits = run(events, outcomes: [])
        let surged = events.filter { hits[$0.key]?.contains { $0.detector == .merchantSurge } == true }
        #expect(surged.map(\.client) == (1_009 ..< 1_015).map { Int32($0) }, "the tenth new card onwards")
        let reason = try #require(hits[surged.last!.key]?.first?.reason)
        #expect(reason == "T00002: 15 cards new to it in the last 24 hours, against 0.0 a day before")
        // The ordinary days raise nothing.
        #expect(events.filter { $0.client < 1_000 }.allSatisfy { hits[$0.key] == nil })
    }

    @Test func aMerchantStillGatheringItsClienteleIsNoSurge() {
        // 60 cards, each new to merchant 0 on its own day, then 15 in one day: a shop with under 100 cards is not judged.
        var events: [CrossCardEvent] = []
        for c in 0 ..< 60 {
            events.append(CrossCardEvent(key: Int64(events.count + 1), instant: start + Int64(c) * day, amountMinor: 3_000,
                                         merchant: 0, client: Int32(c)))
        }
        for i in 0 ..< 15 {
            events.append(CrossCardEvent(key: Int64(events.count + 1), instant: start + 61 * day + Int64(i) * 600,
                                         amountMinor: 3_000, merchant: 0, client: Int32(100 + i)))
        }
        #expect(run(events, outcomes: []).isEmpty)
    }

    @Test func tinyChargesFromManyCardsAtOneMerchantAreCardTesting() throws {
        var events = world(clients: 10, merchants: 5, days: 20)
        for i in 0 ..< 7 {
            events.append(CrossCardEvent(key: Int64(events.count + 1), instant: start + 20 * day + Int64(i) * 300,
                                         amountMinor: 100, merchant: 2, client: Int32(i)))
        }
        let hits = run(events, outcomes: [])
        let testing = events.filter { hits[$0.key]?.contains { $0.detector == .merchantSurge } == true }
        #expect(testing.count == 3, "the fifth, sixth and seventh card within the hour")
        let reason = try #require(hits[testing.last!.key]?.first?.reason)
        #expect(reason == "T00002: 7 cards made charges of $2.00 or less there in the last 60 minutes (card testing through one merchant)")
    }

    @Test func outcomesGivenAgainAreTakenOnce() {
        let events = world()
        let bad = events.filter { $0.merchant == 7 && $0.instant < start + 7 * day }.prefix(3).map { fraud($0.key, at: start + 8 * day) }
        var once = CrossCardRunner(CrossCard())
        var twice = CrossCardRunner(CrossCard())
        once.take(Array(bad))
        twice.take(Array(bad))
        twice.take(Array(bad) + [fraud(999_999, at: start + 9 * day)])
        var hitsOnce: [[RuleHit]] = [], hitsTwice: [[RuleHit]] = []
        for m in 0 ..< 20 {
            _ = once.merchant("m\(m)")
            _ = twice.merchant("m\(m)")
        }
        for (row, event) in events.enumerated() {
            hitsOnce.append(once.step(event, row: row))
            hitsTwice.append(twice.step(event, row: row))
        }
        #expect(hitsOnce == hitsTwice)
        #expect(once.appliedOutcomes == 3 && twice.appliedOutcomes == 4)
        #expect(twice.state.ignoredOutcomes == 1, "the outcome naming no transaction seen")
    }
}
