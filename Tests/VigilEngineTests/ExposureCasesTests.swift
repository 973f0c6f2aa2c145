import Foundation
import Testing
import VigilCore
import VigilEngine
import VigilStore
import VigilTestSupport

/// Opening a common point of purchase's exposed cards as cases (`CommonPointOfPurchase.exposureAlerts`,
/// `Store.raiseExposureAlerts`) on `SkimmedStore`, whose skimmed Fuel 9 has three exposed cards: C20, C21, C23.
@Suite final class ExposureCasesTests {
    let skimmed: SkimmedStore
    var store: Store { skimmed.store }
    let now = SkimmedStore.day(60)

    init() throws { skimmed = try SkimmedStore() }

    func fuel9() throws -> CommonPointOfPurchase.Merchant {
        try #require(try CommonPointOfPurchase.analyse(store).merchants.first { $0.merchant == "Fuel 9" })
    }

    /// Each exposed card gets an alert on its visit, scored and worded once, in a case of its own; the raise is an
    /// audit event saying where from; asking again raises nothing and gives the same cases.
    @Test func exposedCardsGetAnAlertOnTheirVisitEachInACase() throws {
        let m = try fuel9()
        let alerts = CommonPointOfPurchase.exposureAlerts(m)
        #expect(alerts.count == 3)
        let c20 = try #require(try store.clientActivity(clientID: SkimmedStore.card(20)))
        let visit = try #require(c20.merchants.firstIndex(of: "Fuel 9"))
        #expect(alerts[0].transactionID == c20.ids[visit])
        #expect(alerts[0].score == min(1, m.lift * m.chance))
        #expect(alerts[0].reasons == [AlertReason(
            detector: "cpp", score: alerts[0].score, contribution: alerts[0].score,
            text: "exposed at Fuel 9 on 2024-01-16, where 10 cards confirmed fraud shopped 2024-01-11 – 2024-01-20 before their "
                + "fraud (83 % of the cards there, " + String(format: "%.1f", m.lift) + "× chance)")])
        #expect(try store.transactionsWithoutAlert(alerts.map(\.transactionID)) == alerts.map(\.transactionID))

        let opened = try store.raiseExposureAlerts(alerts, analyst: "ana", note: CommonPointOfPurchase.raisedNote(try fuel9()), gapSeconds: 72 * 3_600, at: now)
        #expect(opened.raised == 3 && opened.existing == 0 && opened.caseIDs.count == 3)
        let cases = try store.caseSummaries(ids: opened.caseIDs, now: now)
        #expect(cases.map(\.clientID) == [20, 21, 23].map(SkimmedStore.card))
        #expect(cases.allSatisfy { $0.status == .open && $0.alertCount == 1 && $0.leadingDetectors == ["cpp"] })
        #expect(cases[0].leadingReasons == ["common point of purchase"])
        let alert = try #require(try store.caseDetail(id: opened.caseIDs[0], now: now)?.alerts.first)
        let events = try store.triageEvents(ofAlert: alert.id)
        #expect(events.map(\.action) == ["raise"] && events[0].analyst == "ana" && events[0].note == "raised from the common point of purchase at Fuel 9 (3 exposed cards)")
        #expect(events[0].toStatus == nil)

        let again = try store.raiseExposureAlerts(alerts, analyst: "bob", note: nil, gapSeconds: 72 * 3_600, at: now + 60)
        #expect(again.raised == 0 && again.existing == 3 && again.caseIDs == opened.caseIDs)
        #expect(try store.latestTriageEvents(limit: 10).count == 3)
        #expect(try store.transactionsWithoutAlert(alerts.map(\.transactionID)).isEmpty)
        #expect(try store.verifyAuditChain() == .intact(events: 3))
    }

    /// A visit the scan already alerted on keeps its alert and its case; only the others are raised.
    @Test func aVisitWithAnAlertKeepsIt() throws {
        let alerts = CommonPointOfPurchase.exposureAlerts(try fuel9())
        let scanned = AlertCandidate(transactionID: alerts[1].transactionID, score: 0.7, reasons: [
            AlertReason(detector: "unusual_hour", score: 1, contribution: 0.7, text: "first purchase at 12:00 in 90 days"),
        ])
        _ = try store.refreshAlerts([scanned], at: now)
        try store.refreshCases(gapSeconds: 72 * 3_600, now: now)
        let opened = try store.raiseExposureAlerts(alerts, analyst: "ana", note: CommonPointOfPurchase.raisedNote(try fuel9()), gapSeconds: 72 * 3_600, at: now)
        #expect(opened.raised == 2 && opened.existing == 1 && opened.caseIDs.count == 3)
        let kept = try #require(try store.caseDetail(id: opened.caseIDs[1], now: now)?.alerts.first)
        #expect(kept.reasons == scanned.reasons && kept.score == 0.7)
    }

    /// A later scan neither withdraws the raised alerts (it does not raise their visits) nor rewrites them (it
    /// raises one with reasons of its own); live scoring leaves them as they are; the trail stays intact.
    @Test func aLaterScanOrLiveScoringKeepsTheRaisedAlerts() throws {
        let alerts = CommonPointOfPurchase.exposureAlerts(try fuel9())
        let opened = try store.raiseExposureAlerts(alerts, analyst: "ana", note: CommonPointOfPurchase.raisedNote(try fuel9()), gapSeconds: 72 * 3_600, at: now)
        func raised() throws -> [AlertSummary] {
            try opened.caseIDs.flatMap { try #require(try store.caseDetail(id: $0, now: now)).alerts }
        }
        let before = try raised()
        #expect(before.count == 3)

        let scan = try store.refreshAlerts([AlertCandidate(transactionID: alerts[0].transactionID, score: 0.9, reasons: [
            AlertReason(detector: "iforest", score: 0.9, contribution: 0.9, text: "unlike this client's purchases"),
        ])], at: now + 60)
        #expect(scan.withdrawn == 0 && scan.updated == 0 && scan.opened == 0)
        try store.refreshCases(gapSeconds: 72 * 3_600, now: now + 60)
        #expect(try raised() == before)

        try store.commitLiveScores([], alerts: alerts.map { AlertCandidate(transactionID: $0.transactionID, score: 0.99, reasons: []) },
                                   through: 1, at: now + 120)
        #expect(try raised() == before)
        #expect(try store.verifyAuditChain() == .intact(events: 3))
    }
}
