import Foundation
import Testing
import VigilApp
import VigilCore
@testable import VigilEngine
import VigilStore

@Suite struct CaseReportTests {
    let store: Store

    init() throws {
        let directory = NSTemporaryDirectory() + "vigil-report-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: directory + "/r.sqlite")
        var rows: [Transaction] = []
        for i in 0..<4 {
            // 2023-11-14 was a Tuesday; 22:13 UTC.
            let merchant: String = i == 1 ? "Quote \"and\", comma" : "Shop \(i)"
            // C0 lives in New York and was in New York (i = 0, the fraud) and Boston (i = 2); C1 has no places.
            let place: (String, GeoPoint)? = i % 2 == 1 ? nil
                : (i == 0 ? ("New York", GeoPoint(latitude: 40.75, longitude: -73.99)) : ("Boston", GeoPoint(latitude: 42.36, longitude: -71.06)))
            rows.append(Transaction(sourceKey: "k\(i)", clientID: "C\(i % 2)", instant: 1_700_000_000 + Int64(i) * 86_400,
                                    originalTime: "t", amount: Money(minorUnits: 12_345 + Int64(i)), merchant: merchant, category: "travel",
                                    city: place?.0, home: i % 2 == 0 ? GeoPoint(latitude: 40.7, longitude: -74.0) : nil,
                                    merchantLocation: place?.1))
        }
        _ = try store.appendGenerated(name: "r", identity: "r") { sink in try sink(rows) }
        let reason = AlertReason(detector: "burst", score: 1, contribution: 1, text: "3 | charges in 10 minutes")
        _ = try store.refreshAlerts((1...4).map { AlertCandidate(transactionID: $0, score: 0.9, reasons: [reason]) })
        try store.decide([SeenAlert(id: 1, version: 1)], status: .confirmedFraud, analyst: "ana", at: 1_700_100_000)
        try store.addNote("called\nthe bank", to: SeenAlert(id: 2, version: 1), analyst: "bo", at: 1_700_100_100)
        try store.decide([SeenAlert(id: 2, version: 2)], status: .falsePositive, analyst: "bo", at: 1_700_200_000)
    }

    @Test func triagedCasesAreTheDecidedAlertsWithTheirNotes() throws {
        let cases = try store.triagedCases()
        #expect(cases.map(\.alert.id) == [1, 2])
        #expect(cases.map(\.analyst) == ["ana", "bo"])
        #expect(cases[1].notes.map(\.text) == ["called\nthe bank"])
        #expect(try store.triagedCases(since: 1_700_150_000).map(\.alert.id) == [2])
    }

    /// Fields with quotes, commas or line breaks are quoted (quotes doubled); rows end in CRLF, notes keep their own breaks.
    @Test func csvQuotesWhatNeedsItAndKeepsEveryCase() throws {
        let text = CaseReport.csv(try store.triagedCases())
        expectLines(text.components(separatedBy: "\r\n"), [
            "alert_id,transaction_id,time_utc,client_id,amount,currency,merchant,category,score,decision,analyst,decided_at_utc,notes,reasons",
            "1,1,2023-11-14 22:13:20,C0,123.45,USD,Shop 0,travel,0.900,confirmed_fraud,ana,2023-11-16 02:00:00,,3 | charges in 10 minutes",
            "2,2,2023-11-15 22:13:20,C1,123.46,USD,\"Quote \"\"and\"\", comma\",travel,0.900,false_positive,bo,2023-11-17 05:46:40,\"bo: called\nthe bank\",3 | charges in 10 minutes",
            "",
        ])
    }

    @Test func jsonParsesBackWithEveryField() throws {
        let text = try CaseReport.json(try store.triagedCases())
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(objects.count == 2)
        #expect(objects[0]["decision"] as? String == "confirmed_fraud" && objects[0]["amount_minor"] as? Int == 12_345)
        #expect((objects[1]["notes"] as? [[String: Any]])?.first?["text"] as? String == "called\nthe bank")
    }

    @Test func markdownIsAReadableSummaryWithTheClientsHeatmap() throws {
        let cases = try store.triagedCases()
        let activity = try #require(try store.clientActivity(clientID: "C0"))
        let heatmap = ClientView(activity: activity, profile: nil).hourOfWeek(spend: false)
        #expect(heatmap[1][22] == 1 && heatmap[3][22] == 1, "C0's two transactions: Tuesday and Thursday at 22:00")
        let text = CaseReport.markdown(cases, clients: ["C0": activity])
        // The heatmap marks this case's hour (Tuesday 22:00, two columns an hour) and shades the client's other
        // transaction; the map shows home (H) and this case's place (X); Boston is 307 km from home. Pipes in reasons
        // are escaped, and the second case (no client activity given) has no heatmap.
        expectLines(text.components(separatedBy: "\n"), [
            "# Vigil case report",
            "",
            "2 triaged cases.",
            "",
            "## Alert #1: confirmed fraud",
            "",
            "| | |",
            "|---|---|",
            "| Transaction | #1, 2023-11-14 22:13:20 UTC |",
            "| Client | C0 |",
            "| Amount | $123.45 |",
            "| Merchant | Shop 0 (travel) |",
            "| Score | 0.900 |",
            "| Decided | ana, 2023-11-16 02:00:00 UTC |",
            "",
            "**Why it was flagged**",
            "",
            "- 3 \\| charges in 10 minutes (burst, +1.00)",
            "",
            "**The client's transactions by weekday and hour (UTC)**; this one (■): Tue 22:00",
            "",
            "```",
            "    0           6           12          18",
            "Mon",
            "Tue                                             ■■",
            "Wed",
            "Thu                                             ██",
            "Fri",
            "Sat",
            "Sun",
            "    ░▒▓█ ≤ 1/hour  ■ alert",
            "```",
            "",
            "**Where the client transacts** (H home, X this transaction)",
            "",
            "```",
            "       ┌───────────────────────────────────────────────────────┐",
            "42.44N │                                         █             │",
            "       │                                                       │",
            "       │                                                       │",
            "       │                                                       │",
            "       │                                                       │",
            "       │                                                       │",
            "       │                                                       │",
            "       │                                                       │",
            "       │                                                       │",
            "       │                                                       │",
            "       │                                                       │",
            "40.62N │             X                                         │",
            "       └───────────────────────────────────────────────────────┘",
            "        75.3W                                             69.7W",
            "H home  X this alert  465 km across  █ 1",
            "```",
            "",
            "| Place | Transactions | km from home |",
            "|---|---:|---:|",
            "| Boston | 1 | 307 |",
            "| New York | 1 | 6 |",
            "",
            "## Alert #2: false positive",
            "",
            "| | |",
            "|---|---|",
            "| Transaction | #2, 2023-11-15 22:13:20 UTC |",
            "| Client | C1 |",
            "| Amount | $123.46 |",
            "| Merchant | Quote \"and\", comma (travel) |",
            "| Score | 0.900 |",
            "| Decided | bo, 2023-11-17 05:46:40 UTC |",
            "",
            "**Why it was flagged**",
            "",
            "- 3 \\| charges in 10 minutes (burst, +1.00)",
            "",
            "**Notes**",
            "",
            "- bo, 2023-11-16 02:01:40 UTC: called ⏎ the bank",
            "",
        ])
    }
}
