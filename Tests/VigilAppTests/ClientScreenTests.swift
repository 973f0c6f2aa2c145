import Foundation
import Testing
import VigilApp
import VigilCore
@testable import VigilEngine
import VigilStore
import VigilTUI

/// The client view, the overview and the command palette, rendered into memory at 80×24 and driven by keys from the
/// queue, over a store with two clients.
@Suite struct ClientScreenTests {
    let directory: String
    let store: Store
    let size = TerminalSize(width: 80, height: 24)
    static let day0: Int64 = 19_723 * 86_400  // 2024-01-01, a Monday

    init() throws {
        directory = NSTemporaryDirectory() + "vigil-client-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: directory + "/c.sqlite")
        var rows: [Transaction] = []
        // Client A: one purchase a day for 60 days at home in New York at 12:00, then a big one in Albany at 03:00 on day 40.
        for day in 0..<60 {
            rows.append(Transaction(sourceKey: "a\(day)", clientID: "A", instant: Self.day0 + Int64(day) * 86_400 + 12 * 3_600,
                                    originalTime: "t", amount: Money(minorUnits: 2_000 + Int64(day) * 10), merchant: "Deli \(day % 3)",
                                    category: "grocery", city: "New York", state: "NY", home: GeoPoint(latitude: 40.7, longitude: -74.0),
                                    merchantLocation: GeoPoint(latitude: 40.71, longitude: -74.01)))
        }
        rows.append(Transaction(sourceKey: "a-big", clientID: "A", instant: Self.day0 + 40 * 86_400 + 3 * 3_600, originalTime: "t",
                                amount: Money(minorUnits: 150_000), merchant: "Gadget Hub", category: "electronics", city: "Albany",
                                state: "NY", home: GeoPoint(latitude: 40.7, longitude: -74.0),
                                merchantLocation: GeoPoint(latitude: 42.65, longitude: -73.75)))
        rows.append(Transaction(sourceKey: "b0", clientID: "B", instant: Self.day0, originalTime: "t", amount: Money(minorUnits: 500),
                                merchant: "Kiosk", category: "misc"))
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        let big = try #require(try store.clientActivity(clientID: "A")).ids.last!
        let activity = try #require(try store.clientActivity(clientID: "A"))
        let bigID = activity.ids[activity.merchants.firstIndex(of: "Gadget Hub")!]
        _ = big
        _ = try store.refreshAlerts([
            AlertCandidate(transactionID: bigID, score: 0.95, reasons: [
                AlertReason(detector: "unusual_place", score: 1, contribution: 1, text: "first time in Albany"),
            ]),
            AlertCandidate(transactionID: activity.ids[10], score: 0.6, reasons: [
                AlertReason(detector: "burst", score: 1, contribution: 1, text: "a burst"),
            ]),
        ], at: 10)
    }

    func queue() throws -> AlertQueueScreen { try AlertQueueScreen(store: store, analyst: "ana") }

    func press(_ screen: AlertQueueScreen, _ keys: Key...) throws {
        for key in keys { _ = try screen.handle(key, size: size) }
    }

    func type(_ screen: AlertQueueScreen, _ text: String) throws {
        for character in text { try press(screen, .character(character)) }
    }

    @Test func cOpensTheAlertsClientOnTheTimelineWithItsDayMarked() throws {
        let q = try queue()
        try press(q, .character("c"))
        let rows = try q.render(size: size).rows
        #expect(rows[1] == "  1 Timeline   2 Heatmaps   3 Transactions            client A · 61 transactions")
        #expect(rows[3].contains("61 transactions from 2024-01-01 to 2024-02-29"))
        #expect(rows[4].contains("no profile yet"))
        // The 90-day window around the alert (day 40 = 2024-02-10) ends on the last day.
        #expect(rows[6].hasPrefix(" Daily spend (USD), 2023-12-02 – 2024-02-29, 90 days"))
        let chart = rows[7...20].joined(separator: "\n")
        #expect(chart.contains("┤"), "value axis")
        #expect(chart.contains("└"), "time axis")
        #expect(chart.contains("12-02") || chart.contains("12-0"), "date labels")
        #expect(chart.contains("▲"), "the alert's day")
        #expect(chart.contains("! flagged") || chart.contains("!"), "the other alert's day")
        #expect(rows[22].hasPrefix(" 1/2") || rows[22].contains("open 2"))
        #expect(rows[23].contains("h/l pan") && rows[23].contains("z/Z zoom"))
    }

    @Test func zoomAndPanMoveTheWindowAndZeroComesBack() throws {
        let q = try queue()
        // Zooming in keeps the alert's day (2024-02-10) near the middle.
        try press(q, .character("c"), .character("Z"))
        #expect(try q.render(size: size).rows[6].contains("2024-01-27 – 2024-02-25, 30 days"))
        try press(q, .character("h"))
        #expect(try q.render(size: size).rows[6].contains("2024-01-17 – 2024-02-15, 30 days"))
        try press(q, .character("z"), .character("z"))
        #expect(try q.render(size: size).rows[6].contains("2023-03-02 – 2024-02-29, 365 days"))
        // Panning later stops a span past the last day; 0 comes back to the alert.
        try press(q, .character("Z"), .character("Z"), .character("l"), .character("l"), .character("l"), .character("l"), .character("l"))
        #expect(try q.render(size: size).rows[6].contains("2024-02-29 – 2024-03-29, 30 days"))
        try press(q, .character("0"))
        #expect(try q.render(size: size).rows[6].contains("2024-01-27 – 2024-02-25, 30 days"))
    }

    @Test func theHeatmapsPaneShowsTheWeekGridTheMapAndThePlaces() throws {
        let q = try queue()
        try press(q, .character("c"), .character("2"))
        let rows = try q.render(size: size).rows
        #expect(rows[3].hasPrefix(" Hour × weekday (UTC) · count"))
        #expect(rows[3].contains("Where the card is used"))
        #expect(rows[4].hasPrefix("     0     6     12    18"))
        // 2024-02-10 was a Saturday: the alert's 03:00 is the mark on Saturday's row.
        let saturday = try #require(rows.first { $0.hasPrefix(" Sat") })
        #expect(Array(saturday)[5 + 3] == "■")
        #expect(rows.contains { $0.contains("Top places") })
        #expect(rows.contains { $0.contains("New York, NY") && $0.contains("60") })
        #expect(rows.contains { $0.contains("Albany, NY") && $0.contains("218") }, "Albany is 218 km from home")
        let map = rows.joined(separator: "\n")
        #expect(map.contains("H") && map.contains("X"), "home and the alert's place on the map")
        #expect(map.contains("H home") && map.contains("X this alert"))
        try press(q, .character("m"))
        #expect(try q.render(size: size).rows[3].hasPrefix(" Hour × weekday (UTC) · spend"))
    }

    @Test func theTransactionListStartsAtTheAlertSearchesAndOpensAlerts() throws {
        let q = try queue()
        try press(q, .character("c"), .character("3"))
        var rows = try q.render(size: size).rows
        #expect(rows[3].contains("Time (UTC)") && rows[3].contains("Merchant") && rows[3].contains("Alert"))
        let cursor = try #require(rows.first { $0.contains("▶") })
        #expect(cursor.contains("Gadget Hub") && cursor.contains("$1,500.00") && cursor.contains("open"))
        try press(q, .character("/"))
        try type(q, "deli 1")
        try press(q, .enter)
        #expect(q.message?.contains("/deli 1: 20 matches") == true)
        rows = try q.render(size: size).rows
        #expect(rows[22].contains("/deli 1: 20 matches"))
        // Enter on a row without an alert says so; on the alert's row it opens the detail.
        try press(q, .enter)
        #expect(q.message == "no alert on this transaction")
        try press(q, .character("G"))
        for _ in 0..<70 where !(try q.render(size: size).rows.contains { $0.contains("▶") && $0.hasPrefix(" ▶") == false && $0.contains("Gadget") }) {
            try press(q, .character("k"))
        }
        try press(q, .character("1"), .character("3"))
    }

    @Test func enterOnAnAlertedRowOpensThatAlertsDetailAndQGoesBack() throws {
        let q = try queue()
        try press(q, .character("c"), .character("3"), .enter)
        if case .detail(let id, _) = q.mode { #expect(id == 1) } else { Issue.record("expected the detail, got \(q.mode)") }
        try press(q, .character("q"))
        #expect(q.mode == .list)
        // From the detail, c opens the client and q returns to the detail.
        try press(q, .enter, .character("c"))
        #expect(q.mode == .client)
        try press(q, .character("q"))
        if case .detail = q.mode {} else { Issue.record("expected to return to the detail, got \(q.mode)") }
    }

    @Test func theOverviewCountsAlertsDetectorsAndVerdicts() throws {
        let q = try queue()
        try press(q, .character("f"))  // the first alert (unusual place) is confirmed fraud
        try press(q, .character("v"))  // every alert
        try press(q, .character("O"))
        q.overviewScreen?.waitForAlerts()
        q.overviewScreen?.waitForStoreActivity()
        let rows = try q.render(size: size).rows
        #expect(rows[1].hasPrefix("  1 Summary   2 Heatmaps"))
        #expect(rows[3].hasPrefix(" Per day, 2024-01-01 – 2024-02-29"))
        #expect(rows[4].hasPrefix(" Transactions") && rows[4].contains("62 · max 2"))
        #expect(rows[5].hasPrefix(" Alerts") && rows[5].contains("2 · max 1"))
        #expect(rows[7].hasPrefix(" Triage") && rows[7].contains("50%") && rows[7].contains("1 of 2 decided"))
        #expect(rows[8].contains("open 1 · confirmed fraud 1 · false positive 0"))
        #expect(rows[9].contains("ensemble precision so far: 1.00 (1 of 1 verdicts)"))
        #expect(rows[11].contains("Alerts by detector"))
        let unusual = try #require(rows.first { $0.contains("unusual_place") })
        #expect(unusual.contains("1.00 (1 of 1 verdicts)"))
        let burst = try #require(rows.first { $0.contains(" burst ") })
        #expect(burst.contains("no verdicts yet"))
        try press(q, .character("2"))
        var heat = try q.render(size: size).rows
        #expect(heat[3].hasPrefix(" Heatmaps of every alert"))
        try press(q, .character("w"))
        heat = try q.render(size: size).rows
        #expect(heat[3].hasPrefix(" Heatmaps of every transaction (62)"))
        try press(q, .character("q"))
        #expect(q.mode == .list)
    }

    @Test func thePaletteJumpsToClientsAlertsAndDaysAndExplainsMistakes() throws {
        let q = try queue()
        try press(q, .character(":"))
        try type(q, "B")
        try press(q, .enter)
        #expect(q.mode == .client)
        #expect(try q.render(size: size).rows[1].contains("client B · 1 transactions"))
        try press(q, .character("q"), .character(":"))
        try type(q, "#2")
        try press(q, .enter)
        if case .detail(let id, _) = q.mode { #expect(id == 2) } else { Issue.record("expected alert 2's detail, got \(q.mode)") }
        try press(q, .character("q"), .character(":"))
        try type(q, "2024-02-10")
        try press(q, .enter)
        #expect(q.filter.text == "date=2024-02-10")
        #expect(q.ids.count == 1)
        try press(q, .character(":"))
        try type(q, "scan nonsense")
        try press(q, .enter)
        #expect(q.message?.contains("unknown detector 'nonsense'") == true)
        try press(q, .character(":"))
        try type(q, "nobody")
        try press(q, .enter)
        #expect(q.message?.contains("'nobody' is not a client, an alert, a date or a command") == true)
    }

    @Test func tabCompletesInThePaletteAndTheChoicesAreDrawnAboveIt() throws {
        let q = try queue()
        try press(q, .character(":"))
        try type(q, "ov")
        var rows = try q.render(size: size).rows
        #expect(rows[22].contains(" overview"))
        #expect(rows[23].hasPrefix(" : ov"))
        try press(q, .tab, .enter)
        #expect(q.mode == .overview)
        try press(q, .character("q"), .character(":"))
        try type(q, "client ")
        try press(q, .tab)
        rows = try q.render(size: size).rows
        #expect(rows[21].contains("client A") && rows[22].contains("client B"))
        try press(q, .tab, .enter)
        #expect(try q.render(size: size).rows[1].contains("client B"))
    }

    @Test func tinyTerminalsNeverCrashAnyPane() throws {
        let q = try queue()
        for keys in [[Key.character("c")], [.character("2")], [.character("3")], [.character("q"), .character("O")], [.character("2")]] {
            for key in keys { try press(q, key) }
            for (w, h) in [(60, 10), (61, 11), (80, 12), (200, 60), (1, 1)] {
                let rows = try q.render(size: TerminalSize(width: w, height: h)).rows
                #expect(rows.count == h && rows.allSatisfy { displayWidth(of: $0) == w })
            }
        }
    }
}
