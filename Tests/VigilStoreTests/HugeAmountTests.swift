import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// A store that already holds amounts far past the maximum per transaction (imported by a version without one):
/// its statistics still work, with totals exact where 64 bits hold them and shown at the bound where they do not.
/// `SUM(amount_minor)` stopped `vigil stats` and the workbench with "SQLite error 1: integer overflow".
@Suite struct HugeAmountStoreTests {
    let scratch = ScratchDirectory()

    func store(_ amounts: [(String, Int64)]) throws -> Store {
        let store = try scratch.store()
        let rows = amounts.enumerated().map { index, entry in
            Transaction(sourceKey: "k\(index)", clientID: "C1", instant: 1_736_071_200 + Int64(index) * 3_600, originalTime: "t",
                        amount: Money(minorUnits: entry.1, currency: entry.0), merchant: "M", category: "grocery")
        }
        _ = try store.appendGenerated(name: "old", identity: "old") { sink in try sink(rows) }
        return store
    }

    @Test func totalsPastSixtyFourBitsAreShownAtTheBound() throws {
        let huge: Int64 = 5_000_000_000_000_000_000
        let s = try store([("USD", huge), ("USD", huge), ("EUR", -huge), ("EUR", -huge), ("GBP", .max), ("GBP", .min), ("GBP", 7)])
        let stats = try s.stats()
        #expect(stats.totalMinorUnitsByCurrency == ["USD": .max, "EUR": .min, "GBP": 6])
        #expect(stats.transactions == 7)
    }

    @Test func totalsWithinSixtyFourBitsAreExact() throws {
        let s = try store([("USD", .max - 10), ("USD", 10), ("USD", -3), ("USD", .min + 3), ("EUR", 123_456_789_012_345)])
        #expect(try s.stats().totalMinorUnitsByCurrency == ["USD": -1, "EUR": 123_456_789_012_345])
    }

    @Test func theClientsActivityReadsThem() throws {
        let s = try store([("USD", .max), ("USD", .max), ("USD", 5)])
        let activity = try #require(try s.clientActivity(clientID: "C1"))
        #expect(activity.amounts == [.max, .max, 5])
        _ = try s.activityOverview()
    }
}
