import Foundation
import Testing
@testable import VigilApp
import VigilCore
import VigilDetect
@testable import VigilEngine
import VigilStore
import VigilTUI

@Suite struct ClientViewTests {
    static let day0 = 19_723  // 2024-01-01, a Monday

    /// Client A: five transactions over four days (a refund on day 1, none on day 2), alerts on two.
    static func activity() -> ClientActivity {
        var a = ClientActivity(clientID: "A", home: GeoPoint(latitude: 40.7, longitude: -74.0))
        func add(_ id: Int64, day: Int, hour: Int, _ minor: Int64, place: String, _ location: GeoPoint?, alert: (Int64, String)? = nil) {
            a.ids.append(id)
            a.instants.append(Int64(day0 + day) * 86_400 + Int64(hour) * 3_600)
            a.amounts.append(minor)
            a.currencies.append("USD")
            a.merchants.append("Merchant \(id)")
            a.categories.append(id == 3 ? "electronics" : "grocery")
            a.places.append(place)
            a.locations.append(location)
            a.alertIDs.append(alert?.0)
            a.alertStatuses.append(alert?.1)
            a.alertScores.append(alert.map { _ in 0.9 })
        }
        add(1, day: 0, hour: 9, 1_000, place: "New York, NY", GeoPoint(latitude: 40.71, longitude: -74.01))
        add(2, day: 0, hour: 18, 2_550, place: "New York, NY", GeoPoint(latitude: 40.73, longitude: -73.99))
        add(3, day: 1, hour: 3, 90_000, place: "Albany, NY", GeoPoint(latitude: 42.65, longitude: -73.75), alert: (7, "open"))
        add(4, day: 1, hour: 4, -500, place: "New York, NY", GeoPoint(latitude: 40.71, longitude: -74.01), alert: (8, "false_positive"))
        add(5, day: 3, hour: 12, 700, place: "", nil)
        return a
    }

    @Test func dailySpendSumsEachDayWithRefundsAndMarksTheAlertsDays() {
        let view = ClientView(activity: Self.activity(), profile: nil, focusTransaction: 3)
        #expect(view.firstDay == Self.day0 && view.lastDay == Self.day0 + 3)
        #expect(view.dailySpend == [35.5, 895, 0, 7])
        #expect(view.focus == 2)
        // Day 1 holds the focus transaction (current) and a false positive (cleared): current wins.
        #expect(view.marks == [Self.day0 + 1: .current])
        let plain = ClientView(activity: Self.activity(), profile: nil)
        #expect(plain.marks == [Self.day0 + 1: .flagged])
        #expect(plain.anchorDay == Self.day0 + 3)
    }

    @Test func theTimelineWindowPadsDaysOutsideTheHistoryWithZero() {
        let view = ClientView(activity: Self.activity(), profile: nil, focusTransaction: 3)
        let window = view.timeline(span: 6, endDay: Self.day0 + 4)
        #expect(window.firstDay == Self.day0 - 1)
        #expect(window.values == [0, 35.5, 895, 0, 7, 0])
        #expect(window.marks == [2: .current])
        // The first window centres the alert's day but never ends past the last transaction's day.
        #expect(view.initialEndDay(span: 30) == Self.day0 + 3)
    }

    @Test func hourOfWeekCountsOrSumsByWeekdayAndHour() {
        let view = ClientView(activity: Self.activity(), profile: nil, focusTransaction: 3)
        let counts = view.hourOfWeek(spend: false)
        #expect(counts[0][9] == 1 && counts[0][18] == 1 && counts[1][3] == 1 && counts[1][4] == 1 && counts[3][12] == 1)
        #expect(counts.joined().reduce(0, +) == 5)
        let spend = view.hourOfWeek(spend: true)
        #expect(spend[1][3] == 900 && spend[1][4] == -5)
        #expect(view.focusCell! == (weekday: 1, hour: 3))
    }

    @Test func placesGroupByNameWithTheirDistanceFromHome() throws {
        let view = ClientView(activity: Self.activity(), profile: nil)
        let places = view.places()
        #expect(places.map(\.name) == ["New York, NY", "(no place)", "Albany, NY"])
        #expect(places.map(\.transactions) == [3, 1, 1])
        #expect(places[0].spendMinor == 3_050)
        let albany = try #require(places[2].distanceKm)
        // Hand-checked: 40.7,-74.0 to 42.65,-73.75 is about 217 km.
        #expect(abs(albany - 217.5) < 1.5)
        #expect(places[1].distanceKm == nil)
        #expect(view.mapPoints().map(\.weight).reduce(0, +) == 4)
    }

    @Test func aNameSpreadOverHundredsOfKilometresIsSplitByWhereTheMerchantsAre() {
        // As in card exports that name the cardholder's city on every row: "Essex, MD" with merchants 300 km apart.
        var a = ClientActivity(clientID: "E", home: GeoPoint(latitude: 39.3, longitude: -76.45))
        for (i, point) in [(39.3, -76.45), (39.31, -76.46), (41.6, -74.6), (39.29, -76.44)].enumerated() {
            a.ids.append(Int64(i)); a.instants.append(Int64(i) * 3_600); a.amounts.append(100); a.currencies.append("USD")
            a.merchants.append("M"); a.categories.append("c"); a.places.append("Essex, MD")
            a.locations.append(GeoPoint(latitude: point.0, longitude: point.1))
            a.alertIDs.append(nil); a.alertStatuses.append(nil); a.alertScores.append(nil)
        }
        let places = ClientView(activity: a, profile: nil).places()
        #expect(places.map(\.name) == ["39.5N 76.5W", "41.5N 74.5W"])
        #expect(places.map(\.transactions) == [3, 1])
        #expect(Int(places[1].distanceKm!.rounded()) == 300, "hand-checked: 2.3° north, 1.85° east at 40.5°N")
    }

    @Test func searchMatchesMerchantCategoryAndPlaceIgnoringCase() {
        let view = ClientView(activity: Self.activity(), profile: nil)
        #expect(view.rows(matching: "ELECTRONICS") == [2])
        #expect(view.rows(matching: "albany") == [2])
        #expect(view.rows(matching: "merchant") == [0, 1, 2, 3, 4])
        #expect(view.rows(matching: "") == [])
    }

    @Test func anEmptyClientHasNoDaysAndSaysSo() {
        let view = ClientView(activity: ClientActivity(clientID: "Z", home: nil), profile: nil)
        #expect(view.dailySpend.isEmpty)
        #expect(view.timeline(span: 30, endDay: 0).values == Array(repeating: 0, count: 30))
        #expect(view.summaryLines() == ["no transactions"])
        #expect(view.places().isEmpty)
    }
}

@Suite struct CommandPaletteTests {
    let clients: Set<String> = ["C042", "4111222233334444", "Cxyz"]

    func parse(_ text: String) throws -> PaletteCommand {
        try CommandPalette.parse(text) { clients.contains($0) }
    }

    @Test func jumpsToClientsAlertsAndDays() throws {
        #expect(try parse("C042") == .client("C042"))
        #expect(try parse("client Cxyz") == .client("Cxyz"))
        #expect(try parse("#17") == .alert(17))
        #expect(try parse("alert 17") == .alert(17))
        #expect(try parse("  alert   #17 ") == .alert(17))
        // A number that is a client's id (card numbers are) opens the client; any other number is an alert.
        #expect(try parse("4111222233334444") == .client("4111222233334444"))
        #expect(try parse("9") == .alert(9))
        // A card number typed in full is the card, known or not (the store looks it up by its token), whole or in
        // groups, bare or after `client`; never an alert id.
        #expect(try parse("4000056655665556") == .client("4000056655665556"))
        #expect(try parse(" 4000 0566 5566 5556 ") == .client("4000 0566 5566 5556"))
        #expect(try parse("client 4000-0566-5566-5556") == .client("4000-0566-5566-5556"))
        #expect(try parse("client 4000 0566 5566 5556") == .client("4000 0566 5566 5556"))
        #expect(try parse("2024-03-02") == .date(Int64(19_784) * 86_400))
        #expect(try parse("date 2024-03-02") == .date(Int64(19_784) * 86_400))
    }

    @Test func runsCommandsByName() throws {
        #expect(try parse("scan") == .scan([]))
        #expect(try parse("scan burst iforest burst") == .scan([.burst, .isolationForest]))
        #expect(try parse("cancel") == .cancelScan)
        #expect(try parse("overview") == .overview)
        #expect(try parse("filter client=C042 amount=10..") == .filter("client=C042 amount=10.."))
        #expect(try parse("view fraud") == .view("fraud"))
        #expect(try parse("sort amount") == .sort(.amount))
        #expect(try parse("theme light") == .theme("light"))
        #expect(try parse("theme") == .theme(nil))
        #expect(try parse("quit") == .quit)
    }

    @Test func badInputSaysWhatWasWrong() {
        func message(_ text: String) -> String? {
            do { _ = try parse(text); return nil } catch { return String(describing: error) }
        }
        #expect(message("")?.contains("type a client id") == true)
        #expect(message("scan nonsense")?.contains("unknown detector 'nonsense'") == true)
        #expect(message("sort colour")?.contains("can't sort by 'colour'") == true)
        #expect(message("view maybe")?.contains("unknown view 'maybe'") == true)
        #expect(message("date 2024-13-01")?.contains("is not a day") == true)
        #expect(message("alert x")?.contains("is not an alert id") == true)
        #expect(message("nobody")?.contains("'nobody' is not a client, an alert, a date or a command") == true)
        #expect(message("frobnicate now")?.contains("unknown command 'frobnicate'") == true)
        #expect(message("client")?.contains("client takes one client id") == true)
    }

    @Test func completesCommandsClientsDetectorsAndColumns() {
        let lookup: (String) -> [String] = { prefix in clients.sorted().filter { $0.hasPrefix(prefix) } }
        #expect(CommandPalette.completions(for: "", clients: lookup) == CommandPalette.commands.map(\.name))
        #expect(CommandPalette.completions(for: "s", clients: lookup) == ["scan", "sort"])
        #expect(CommandPalette.completions(for: "C0", clients: lookup) == ["client C042"])
        #expect(CommandPalette.completions(for: "client Cx", clients: lookup) == ["client Cxyz"])
        #expect(CommandPalette.completions(for: "scan bu", clients: lookup) == ["scan burst"])
        #expect(CommandPalette.completions(for: "scan burst ", clients: lookup).contains("scan burst iforest"))
        #expect(!CommandPalette.completions(for: "scan burst ", clients: lookup).contains("scan burst burst"))
        #expect(CommandPalette.completions(for: "sort am", clients: lookup) == ["sort amount"])
        #expect(CommandPalette.completions(for: "view f", clients: lookup) == ["view false", "view fraud"])
    }
}
