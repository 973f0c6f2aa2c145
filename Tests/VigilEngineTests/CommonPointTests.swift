import Foundation
import Testing
import VigilCore
import VigilEngine
import VigilStore
import VigilTestSupport

@Suite struct CommonPointTests {
    @Test func theSkimmedMerchantRanksFirstWithItsFraudAndExposedCards() throws {
        let skimmed = try SkimmedStore()
        let report = try CommonPointOfPurchase.analyse(skimmed.store)
        #expect(report.fraudCards == 10 && report.cards == 40)
        // Ten fraud cards, a month each, among 40 cards over the 59 days and 11 hours of data.
        let dataDays = Double(SkimmedStore.day(59, hour: 9) - SkimmedStore.day(0, hour: 9)) / 86_400
        #expect(report.chance == 10 * 30 / (40 * dataDays))
        let top = try #require(report.merchants.first)
        #expect(top.merchant == "Fuel 9")
        #expect(top.fraudCards.map(\.card) == (0..<10).map(SkimmedStore.card))
        #expect(top.fraudCards.map(\.visited) == (0..<10).map { SkimmedStore.day(10 + $0) })
        #expect(top.fraudCards.map(\.firstFraud) == (0..<10).map { SkimmedStore.day(25 + $0, hour: 20) })
        // C20 and C21 were there in those days too.
        #expect(top.cardsThere == 12 && top.share == 10.0 / 12)
        #expect((top.firstVisit, top.lastVisit) == (SkimmedStore.day(10), SkimmedStore.day(19)))
        // Within a week of the fraud cards' visits: C20, C21, C23; C22 came three weeks after the last.
        #expect(top.exposedCards.map(\.card) == [20, 21, 23].map(SkimmedStore.card))
        #expect(top.lift == (10 + 10 * report.chance) / 22 / report.chance)
        #expect(top.score == 10 * log(top.lift))
        // The grocers the fraud cards also used hold three or two of them among ten cards each: far less.
        #expect(report.merchants.dropFirst().allSatisfy { $0.merchant.hasPrefix("Grocer") && $0.score < top.score / 3 })
        // Each fraud card's own web shop is one card's story.
        #expect(!report.merchants.contains { $0.merchant.hasPrefix("Web") })
        #expect(CommonPointOfPurchase.reason(top, days: 30)
                == "10 of the 12 cards there 2024-01-11 – 2024-01-20 were confirmed fraud within 30 days (83 % against "
                + CommonPointOfPurchase.percent(report.chance) + " by chance, " + String(format: "%.1f", top.lift) + "×)")
    }

    /// Only what was known by the instant counts: on day 30 the chargebacks of C00…C03 are in, and the cards whose
    /// fraud is not yet known are exposed, not counted as fraud.
    @Test func onlyOutcomesKnownByTheInstantCount() throws {
        let skimmed = try SkimmedStore()
        let asOf = SkimmedStore.day(30, hour: 23)
        let report = try CommonPointOfPurchase.analyse(skimmed.store, options: .init(asOf: asOf))
        #expect(report.fraudCards == 4)
        let top = try #require(report.merchants.first)
        #expect(top.merchant == "Fuel 9")
        #expect(top.fraudCards.map(\.card) == (0..<4).map(SkimmedStore.card))
        #expect((top.firstVisit, top.lastVisit) == (SkimmedStore.day(10), SkimmedStore.day(13)))
        // Within a week of the known fraud cards' visits (to day 20): C04…C09, whose fraud is not yet known, and C20 and
        // C21; C23 came on day 22. By visit, then card.
        #expect(top.exposedCards.map(\.card) == [4, 5, 20, 6, 7, 8, 21, 9].map(SkimmedStore.card))
        // Outcomes known later move nothing before: the same report from a store without them.
        let bare = try SkimmedStore(feed: false)
        let events = try skimmed.store.outcomeEvents().filter { $0.knownAt <= asOf }
        let same = CommonPointOfPurchase.analyse(try bare.store.merchantVisits(), events: events, options: .init(asOf: asOf))
        #expect(same == report)
        // Before any transaction nothing is known and nothing ranks.
        let before = try CommonPointOfPurchase.analyse(skimmed.store, options: .init(asOf: SkimmedStore.day0 - 1))
        #expect(before.fraudCards == 0 && before.cards == 0 && before.merchants.isEmpty)
    }

    /// Evaluation on labelled data: the labels, taken as known a delay after each transaction, give what the feed gave.
    @Test func delayedLabelsActAsAFeed() throws {
        let labelled = try SkimmedStore(feed: false)
        let fromLabels = try CommonPointOfPurchase.analyse(labelled.store, options: .init(feedbackDelayDays: 2))
        let withFeed = try SkimmedStore()
        let fromFeed = try CommonPointOfPurchase.analyse(withFeed.store)
        #expect(fromLabels.merchants.map(\.merchant) == fromFeed.merchants.map(\.merchant))
        #expect(fromLabels.merchants.first?.fraudCards == fromFeed.merchants.first?.fraudCards)
        #expect(try CommonPointOfPurchase.analyse(labelled.store).merchants.isEmpty, "labels are never read unless asked")
    }
}
