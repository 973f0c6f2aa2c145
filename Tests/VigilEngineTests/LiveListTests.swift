import Foundation
import Testing
import VigilCore
import VigilDetect
@testable import VigilEngine
import VigilStore

/// Live scoring honours the suppressions and allow and deny lists as a scan does: the same scores, to the bit, and
/// the same reasons.
extension WholeScans {
@Suite(.serialized) struct LiveListTests {
    @Test func arrivalsGetTheScansScoresWithListsInForce() throws {
        let arrivals = try LiveScoringTests.Arrivals(detectors: Set(Detector.rules).union([.isolationForest, .localOutlierFactor]))
        let store = arrivals.store
        // Four cards of the fitted days: one with every detector suppressed, one with the detector of its top alert
        // suppressed, one allow-listed; and the busiest merchant deny-listed. All for good.
        let known = try store.transactions(after: 0, limit: 1_000_000)
        let cards = Array(Set(known.clientIDs)).sorted()
        let alerts = try store.alerts(limit: 100_000)
        let alerted = try #require(alerts.first { alert in alert.reasons.contains { Detector(rawValue: $0.detector)?.isModel == false } })
        let detector = try #require(alerted.reasons.first { Detector(rawValue: $0.detector)?.isModel == false }).detector
        let others = cards.filter { $0 != alerted.clientID }
        let forever: Int64 = 4_000_000_000
        func add(_ entry: NewListEntry) throws { try store.addListEntry(entry, analyst: "ana") }
        try add(NewListEntry(kind: .suppress, target: .card, value: alerted.clientID, detector: detector, from: 0, until: forever, note: "trip"))
        try add(NewListEntry(kind: .suppress, target: .card, value: others[0], detector: "all", from: 0, until: forever, note: "blocked"))
        try add(NewListEntry(kind: .allow, target: .card, value: others[1], from: 0, until: nil, note: "staff card"))
        // The busiest merchant of the fitted days, which the later days visit too.
        let visits = Dictionary(grouping: known.columns.merchants, by: { $0 }).mapValues(\.count)
        let busiest = try #require(visits.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key)
        let merchant = known.columns.merchantNames[Int(busiest)]
        try add(NewListEntry(kind: .deny, target: .merchant, value: merchant, from: 0, until: nil, note: "skimmer"))

        let ingest = try LiveIngest(store: store, config: arrivals.config)
        var live: [Int64: LiveVerdict] = [:]
        var opened: [Int64] = []
        for batch in arrivals.batches {
            let outcome = try ingest.ingest(header: arrivals.header, lines: batch)
            for verdict in outcome.scoring.verdicts { live[verdict.transactionID] = verdict }
            opened += outcome.scoring.alertsOpened
        }
        // Every kind of entry met an arrival.
        #expect(live.values.contains { $0.clientID == alerted.clientID && $0.lists?.suppressing.isEmpty == false })
        #expect(live.values.contains { $0.clientID == others[0] && $0.score == 0 })
        #expect(live.values.contains { $0.lists?.raisesNoAlert == true })
        let denied = live.values.filter { $0.lists?.alwaysAlerts == true }
        #expect(!denied.isEmpty)
        let queue = try store.alerts(limit: 100_000)
        let liveAlerts = Dictionary(uniqueKeysWithValues: queue.filter { opened.contains($0.id) }.map { ($0.transactionID, $0) })
        for verdict in denied { #expect(liveAlerts[verdict.transactionID]?.reasons.first?.detector == ListEntry.denyReasonName) }
        #expect(!liveAlerts.values.contains { $0.clientID == others[1] || $0.clientID == others[0] })
        #expect(!liveAlerts.values.contains { alert in alert.clientID == alerted.clientID && alert.reasons.contains { $0.detector == detector } })

        // A scan gives every arrival the same score, and words every alert live scoring opened alike.
        let report = try Scanner.scan(store, options: ScanOptions(detectors: Set(Detector.rules).union([.isolationForest, .localOutlierFactor]),
                                                                config: arrivals.config))
        let ensemble = try store.runScores(runID: try #require(report.ensembleRunID))
        let batchScore = Dictionary(uniqueKeysWithValues: zip(ensemble.ids, ensemble.scores))
        for (id, verdict) in live { #expect(batchScore[id]?.bitPattern == verdict.score.bitPattern, "transaction \(id)") }
        var kept = 0
        for alert in try store.alerts(limit: 100_000) {
            guard let mine = liveAlerts[alert.transactionID] else { continue }
            #expect(alert.reasons == mine.reasons, "alert \(alert.id)")
            kept += 1
        }
        #expect(kept > 0)
        #expect(try store.verifyAuditChain() == .intact(events: 4))
    }
}
}
