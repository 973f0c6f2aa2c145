import Foundation
import GRDB
import Testing
@testable import VigilApp
import VigilCore
import VigilDetect
@testable import VigilEngine
@testable import VigilStore
import VigilTestSupport

/// A store holding amounts far past the maximum per transaction (imported before there was one) scans: the day and
/// month spend windows, profiles and over-spend rules stopped it with "arithmetic overflow" before.
@Suite(.serialized) struct HugeAmountScanTests {
    @Test func aStoreWithHugeAmountsScansAndShowsItsClient() throws {
        let demo = try DemoStore(clients: 12, days: 40)
        let client = try #require(try demo.store.pool.read { db in try String.fetchOne(db, sql: "SELECT client_id FROM transactions LIMIT 1") })
        // Two of the client's charges on one day (and some of everyone else's) made as large as 64 bits hold.
        try demo.store.pool.write { db in
            try db.execute(sql: """
                UPDATE transactions SET amount_minor = 9223372036854775807
                WHERE id IN (SELECT id FROM transactions WHERE client_id = ? ORDER BY instant DESC LIMIT 2)
                   OR id % 97 = 0
                """, arguments: [client])
        }
        var config = VigilConfig()
        config.lofReferenceLimit = 2_000
        config.lstmEpochs = 1
        config.lstmHidden = 8
        let report = try Scanner.scan(demo.store, options: ScanOptions(config: config))
        #expect(report.profiles == 12)
        let alerts = try demo.store.alerts(limit: 10_000)
        #expect(alerts.contains { $0.amountMinor == .max }, "a charge of that size stands out")
        for alert in alerts { #expect(alert.score.isFinite && !alert.reasons.isEmpty) }

        #expect(try demo.store.stats().totalMinorUnitsByCurrency.values.contains(.max))
        let activity = try #require(try demo.store.clientActivity(clientID: client))
        let view = ClientView(activity: activity, profile: try demo.store.profile(ofClient: client))
        #expect(!view.summaryLines().isEmpty)
        #expect(view.places().contains { $0.spendMinor == .max })
        _ = view.hourOfWeek(spend: true)
    }
}
