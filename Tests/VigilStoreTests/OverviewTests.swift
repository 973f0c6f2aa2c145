import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

@Suite struct OverviewTests {
    let scratch = ScratchDirectory()

    /// Eight transactions: client A's six (two days, one with a refund, placed in two cities) and client B's two; alerts
    /// on four of them with reasons from burst and impossible travel, two decided.
    func store() throws -> Store {
        let store = try scratch.store()
        let day: Int64 = 19_723 * 86_400  // 2024-01-01, a Monday
        func t(_ key: String, _ client: String, _ instant: Int64, _ minor: Int64, city: String?, lat: Double?, lon: Double?) -> Transaction {
            Transaction(sourceKey: key, clientID: client, instant: instant, originalTime: "t", amount: Money(minorUnits: minor),
                        merchant: "M \(key)", category: key == "a3" ? "electronics" : "grocery", city: city, state: city == nil ? nil : "NY",
                        home: client == "A" ? GeoPoint(latitude: 40.7, longitude: -74.0) : nil,
                        merchantLocation: lat.flatMap { la in lon.map { GeoPoint(latitude: la, longitude: $0) } })
        }
        let rows = [
            t("a1", "A", day + 9 * 3_600, 1_000, city: "New York", lat: 40.71, lon: -74.01),
            t("a2", "A", day + 10 * 3_600, 2_500, city: "New York", lat: 40.73, lon: -73.99),
            t("a3", "A", day + 86_400 + 3 * 3_600, 90_000, city: "Albany", lat: 42.65, lon: -73.75),
            t("a4", "A", day + 86_400 + 4 * 3_600, -500, city: "New York", lat: 40.71, lon: -74.01),
            t("a5", "A", day + 3 * 86_400 + 12 * 3_600, 700, city: nil, lat: nil, lon: nil),
            t("a6", "A", day + 3 * 86_400 + 13 * 3_600, 800, city: "New York", lat: 40.71, lon: -74.01),
            t("b1", "B", day + 2 * 3_600, 300, city: "Albany", lat: 42.65, lon: -73.75),
            t("b2", "B", day + 86_400 + 2 * 3_600, 400, city: "Albany", lat: 42.65, lon: -73.75),
        ]
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        let ids = try store.pool.read { db in try [String: Int64](uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT source_key, id FROM transactions").map { ($0[0], $0[1]) }) }
        func reason(_ detector: String, _ contribution: Double) -> AlertReason {
            AlertReason(detector: detector, score: 1, contribution: contribution, text: detector)
        }
        _ = try store.refreshAlerts([
            AlertCandidate(transactionID: ids["a3"]!, score: 0.9, reasons: [reason("impossible_travel", 1), reason("burst", 0.5)]),
            AlertCandidate(transactionID: ids["a4"]!, score: 0.8, reasons: [reason("burst", 1)]),
            AlertCandidate(transactionID: ids["b2"]!, score: 0.7, reasons: [reason("burst", 1), reason("impossible_travel", 0.2)]),
            AlertCandidate(transactionID: ids["a6"]!, score: 0.6, reasons: [reason("burst", 0.9)]),
        ], at: 10)
        let alerts = try store.alertSummaries(ids: [1, 2, 3, 4])
        func seen(_ transaction: Int64) -> [SeenAlert] {
            alerts.filter { $0.transactionID == transaction }.map { SeenAlert(id: $0.id, version: $0.version) }
        }
        _ = try store.decide(seen(ids["a3"]!), status: .confirmedFraud, analyst: "ana")
        _ = try store.decide(seen(ids["b2"]!), status: .falsePositive, analyst: "ana")
        return store
    }

    @Test func aClientsActivityIsEveryTransactionInTimeOrderWithItsAlert() throws {
        let store = try store()
        let a = try #require(try store.clientActivity(clientID: "A"))
        #expect(a.count == 6)
        #expect(a.instants == a.instants.sorted())
        #expect(a.amounts == [1_000, 2_500, 90_000, -500, 700, 800])
        #expect(a.places == ["New York, NY", "New York, NY", "Albany, NY", "New York, NY", "", "New York, NY"])
        #expect(a.home == GeoPoint(latitude: 40.7, longitude: -74.0))
        #expect(a.alertStatuses == [nil, nil, "confirmed_fraud", "open", nil, "open"])
        #expect(a.alertIDs.compactMap { $0 }.count == 3)
        #expect(a.locations[4] == nil)
        #expect(a.row(ofTransaction: a.ids[2]) == 2)
        #expect(try store.clientActivity(clientID: "nobody") == nil)
    }

    @Test func clientIDsCompleteByPrefixWithoutWildcards() throws {
        let store = try store()
        #expect(try store.clientIDs(startingWith: "") == ["A", "B"])
        #expect(try store.clientIDs(startingWith: "B") == ["B"])
        #expect(try store.clientIDs(startingWith: "%") == [])
        #expect(try store.clientIDs(startingWith: "_") == [])
        #expect(try store.clientID(ofAlert: 1) == "A")
        #expect(try store.clientID(ofAlert: 99) == nil)
    }

    @Test func theAlertOverviewCountsDaysDetectorsLeadingReasonsAndVerdicts() throws {
        let store = try store()
        let o = try store.alertOverview()
        #expect(o.total == 4)
        #expect(o.statuses == ["open": 2, "confirmed_fraud": 1, "false_positive": 1])
        #expect(o.perDay == [19_724: 3, 19_726: 1])
        // burst gave a reason on all four (one fraud, one false positive); impossible travel on two.
        #expect(o.byDetector == [
            DetectorTally(detector: "burst", alerts: 4, confirmed: 1, falsePositive: 1),
            DetectorTally(detector: "impossible_travel", alerts: 2, confirmed: 1, falsePositive: 1),
        ])
        #expect(o.byDetector[0].precision == 0.5)
        #expect(o.byLeadingReason.map(\.detector) == ["burst", "impossible_travel"])
        #expect(o.byLeadingReason.map(\.alerts) == [3, 1])
        #expect(o.overall.precision == 0.5)
        // a3 at 03:00 Tue, a4 at 04:00 Tue, b2 at 02:00 Tue, a6 at 13:00 Thu.
        #expect(o.hourOfWeek[1][3] == 1 && o.hourOfWeek[1][4] == 1 && o.hourOfWeek[1][2] == 1 && o.hourOfWeek[3][13] == 1)
        #expect(o.hourOfWeek.joined().reduce(0, +) == 4)
        // Two alerts in New York's cell and two in Albany's: equal counts order by place, south first.
        #expect(o.places.map(\.location) == [GeoPoint(latitude: 40.71, longitude: -74.01), GeoPoint(latitude: 42.65, longitude: -73.75)])
        #expect(o.places.map(\.count) == [2, 2])

        // The queue's filter narrows it.
        let opened = try store.alertOverview(matching: AlertQuery(statuses: [.open]))
        #expect(opened.total == 2 && opened.byDetector.map(\.detector) == ["burst"])
        let travel = try store.alertOverview(matching: AlertQuery(statuses: nil, detector: "impossible_travel"))
        #expect(travel.total == 2)
        #expect(DetectorTally(detector: "x", alerts: 3, confirmed: 0, falsePositive: 0).precision == nil)
    }

    @Test func theActivityOverviewWalksEveryTransactionAndCanBeCancelled() throws {
        let store = try store()
        let o = try #require(try store.activityOverview())
        #expect(o.transactions == 8)
        #expect(o.perDay == [19_723: 3, 19_724: 3, 19_726: 2])
        #expect(o.hourOfWeek[0][9] == 1 && o.hourOfWeek[0][2] == 1 && o.hourOfWeek[3][12] == 1)
        #expect(o.hourOfWeek.joined().reduce(0, +) == 8)
        // 0.1° cells: New York's four placed transactions in one, Albany's three in another; a5 has no place.
        #expect(o.places.map(\.count) == [4, 3])
        #expect(o.places[0].location == GeoPoint(latitude: 40.7, longitude: -74.0))
        #expect(o.places[1].location == GeoPoint(latitude: 42.7, longitude: -73.8))
        // Cancellation is asked every 65,536 rows: 8 rows finish before it is asked.
        #expect(try store.activityOverview(isCancelled: { true }) != nil)
    }

    @Test func aCancelledActivityPassStopsAndSaysSo() throws {
        let store = try scratch.store()
        let rows = (0..<70_000).map { i in
            Transaction(sourceKey: "k\(i)", clientID: "C\(i % 7)", instant: 1_700_000_000 + Int64(i) * 60, originalTime: "t",
                        amount: Money(minorUnits: 100), merchant: "M", category: "c")
        }
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        #expect(try store.activityOverview(isCancelled: { true }) == nil)
        #expect(try store.activityOverview()?.transactions == 70_000)
    }
}
