import Foundation
import Testing
import VigilCore
import VigilDemo
import VigilDetect
@testable import VigilEngine
import VigilStore

/// Suppressions and allow and deny lists as a scan honours them: a fixture store scanned, a list entry added, and
/// scanned again.
extension WholeScans {
@Suite(.serialized) struct ListScanTests {
    final class Fixture {
        let directory = NSTemporaryDirectory() + "vigil-list-tests-" + UUID().uuidString
        let store: Store
        let options: ScanOptions
        /// Every transaction: ids, clients, merchants and instants by row.
        let rows: ArrivedTransactions

        init() throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            store = try Store(path: directory + "/lists.sqlite")
            var config = VigilConfig()
            config.treeCount = 30
            let generator = try DemoGenerator(config: DemoConfig(clients: 40, days: 60, seed: 11))
            var days: [[Transaction]] = []
            generator.generate { days.append($0) }
            _ = try store.appendGenerated(name: "demo", identity: "list-tests") { sink in for day in days { try sink(day) } }
            options = ScanOptions(detectors: Set(Detector.rules).union([.isolationForest]), config: config)
            rows = try store.transactions(after: 0, limit: 1_000_000)
        }

        deinit {
            try? store.closeConnections()
            try? FileManager.default.removeItem(atPath: directory)
        }

        /// Scans, and returns the ensemble's score of every transaction and the open alerts.
        func scan() throws -> (scores: [Int64: Double], alerts: [AlertSummary]) {
            let report = try Scanner.scan(store, options: options)
            let ensemble = try store.runScores(runID: try #require(report.ensembleRunID))
            return (Dictionary(uniqueKeysWithValues: zip(ensemble.ids, ensemble.scores)), try store.alerts(limit: 100_000))
        }

        func merchant(_ row: Int) -> String { rows.columns.merchantNames[Int(rows.columns.merchants[row])] }
    }

    static let forever: Int64 = 4_000_000_000

    @Test func aSuppressedDetectorCountsNothingForTheCardAndItsAlertsSaySo() throws {
        let fixture = try Fixture()
        let before = try fixture.scan()
        // The card of the top alert, and the detector its top reason names.
        let top = try #require(before.alerts.first { alert in alert.reasons.contains { Detector(rawValue: $0.detector)?.isModel == false } })
        let detector = try #require(top.reasons.first { Detector(rawValue: $0.detector)?.isModel == false }).detector
        let entry = try fixture.store.addListEntry(NewListEntry(kind: .suppress, target: .card, value: top.clientID, detector: detector,
                                                                from: 0, until: Self.forever, note: "travelling"), analyst: "ana").entry
        let after = try fixture.scan()
        let mine = after.alerts.filter { $0.clientID == top.clientID }
        #expect(mine.allSatisfy { alert in !alert.reasons.contains { $0.detector == detector } })
        #expect(mine.allSatisfy { $0.reasons.last == entry.inForceReason }, "every alert raised for the card says so")
        #expect(after.scores[top.transactionID]! < before.scores[top.transactionID]!)
        // Other cards are scored as before.
        let others = fixture.rows.columns.ids.indices.filter { fixture.rows.clientIDs[$0] != top.clientID }.map { fixture.rows.columns.ids[$0] }
        #expect(others.allSatisfy { after.scores[$0]?.bitPattern == before.scores[$0]?.bitPattern })

        // Every detector suppressed: the card's transactions score nothing and raise nothing.
        try fixture.store.addListEntry(NewListEntry(kind: .suppress, target: .card, value: top.clientID, detector: ListEntry.allDetectors,
                                                    from: 0, until: Self.forever, note: "lost card, blocked"), analyst: "ana")
        let silenced = try fixture.scan()
        #expect(!silenced.alerts.contains { $0.clientID == top.clientID })
        #expect(silenced.scores[top.transactionID] == 0)
    }

    @Test func aSuppressionAfterAnAlertLeavesItsScoreAndMarksIt() throws {
        let fixture = try Fixture()
        let before = try fixture.scan()
        let alert = try #require(before.alerts.first { alert in alert.reasons.contains { Detector(rawValue: $0.detector)?.isModel == false } })
        let detector = try #require(alert.reasons.first { Detector(rawValue: $0.detector)?.isModel == false }).detector
        let entry = try fixture.store.addListEntry(NewListEntry(kind: .suppress, target: .card, value: alert.clientID, detector: detector,
                                                                from: alert.instant + 1, until: Self.forever, note: "travelling"),
                                                   analyst: "ana").entry
        // Marked at once, and by every scan after.
        #expect(try fixture.store.alertSummaries(ids: [alert.id])[0].reasons == alert.reasons + [entry.cameBeforeReason])
        let after = try fixture.scan()
        let kept = try #require(after.alerts.first { $0.id == alert.id })
        #expect(kept.score == alert.score)
        #expect(kept.reasons == alert.reasons + [entry.cameBeforeReason])
    }

    @Test func anAllowListedCardRaisesNoAlertAndKeepsItsScores() throws {
        let fixture = try Fixture()
        let before = try fixture.scan()
        let card = try #require(before.alerts.first?.clientID)
        try fixture.store.addListEntry(NewListEntry(kind: .allow, target: .card, value: card, from: 0, until: nil, note: "the bank's own card"),
                                       analyst: "ana")
        let after = try fixture.scan()
        #expect(!after.alerts.contains { $0.clientID == card })
        #expect(after.alerts.count < before.alerts.count)
        #expect(after.scores.allSatisfy { $0.value.bitPattern == before.scores[$0.key]?.bitPattern })
    }

    @Test func aDenyListedMerchantAlwaysRaisesAnAlertFromItsStart() throws {
        let fixture = try Fixture()
        let before = try fixture.scan()
        let alerted = Set(before.alerts.map(\.transactionID))
        // A merchant with several transactions and no alert, listed from the middle of its transactions.
        let byMerchant = Dictionary(grouping: fixture.rows.columns.ids.indices, by: fixture.merchant)
        let (merchant, rows) = try #require(byMerchant.filter { $0.value.count >= 4 && !$0.value.contains { alerted.contains(fixture.rows.columns.ids[$0]) } }
            .min { $0.key < $1.key })
        let instants = rows.map { fixture.rows.columns.instants[$0] }.sorted()
        let from = instants[instants.count / 2]
        let entry = try fixture.store.addListEntry(NewListEntry(kind: .deny, target: .merchant, value: merchant, from: from, until: nil,
                                                                note: "skimmer found"), analyst: "bo").entry
        let after = try fixture.scan()
        let threshold = fixture.options.config.alertThreshold
        for row in rows {
            let id = fixture.rows.columns.ids[row]
            let alert = after.alerts.first { $0.transactionID == id }
            if fixture.rows.columns.instants[row] >= from {
                let alert = try #require(alert, "transaction \(id) at a deny-listed merchant")
                #expect(alert.score >= threshold)
                #expect(alert.reasons.first?.detector == ListEntry.denyReasonName)
                #expect(alert.reasons.first?.text == "deny list: merchant \(merchant), \(entry.attribution)")
                #expect(alert.reasons.first!.contribution > 0)
            } else {
                #expect(alert == nil)
                #expect(after.scores[id]?.bitPattern == before.scores[id]?.bitPattern)
            }
        }
    }
}
}
