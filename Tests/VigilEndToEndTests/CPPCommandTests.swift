import Foundation
import Testing

/// `vigil cpp` end to end: a store imported from CSV where cards …00 to …05 used "Fuel 9" on 2024-03-06 to 11 and
/// were defrauded at web shops ten days later (a chargeback feed reports each two days after), card …08 used Fuel 9
/// too, and twelve cards shop daily at three grocers.
@Suite(.serialized) struct CPPCommandTests {
    let scratch = Scratch()

    static func card(_ i: Int) -> String { String(format: "41111100000000%02d", i) }
    static func date(_ day: Int, _ time: String = "12:00:00") -> String { String(format: "2024-03-%02d ", day + 1) + time }

    func write(_ name: String, _ text: String) -> String {
        let path = scratch.path + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    /// The store, with the feed when `feed`.
    func store(feed: Bool = true) throws -> String {
        var rows = ["id,client,time,amount,merchant"]
        for i in 0..<12 {
            for d in 0..<30 { rows.append("G\(i)-\(d),\(Self.card(i)),\(Self.date(d, "09:00:00")),20.00,Grocer \(i % 3)") }
        }
        for i in 0..<6 {
            rows.append("P\(i),\(Self.card(i)),\(Self.date(5 + i)),40.00,Fuel 9")
            rows.append("F\(i),\(Self.card(i)),\(Self.date(15 + i, "20:00:00")),300.00,Web \(i)")
        }
        rows.append("P8,\(Self.card(8)),\(Self.date(8)),40.00,Fuel 9")
        let store = scratch.path + "/s-\(UUID().uuidString).sqlite"
        let imported = try Harness.run(["import", write("tx.csv", rows.joined(separator: "\n") + "\n"), "--store", store])
        #expect(imported.status == 0, "\(imported.stderr)")
        guard feed else { return store }
        let chargebacks = ["transaction_id,outcome,known_at"] + (0..<6).map { "F\($0),chargeback,\(Self.date(17 + $0).prefix(10))" }
        let recorded = try Harness.run(["outcomes", "import", write("cb.csv", chargebacks.joined(separator: "\n") + "\n"),
                                        "--store", store, "--feed", "chargebacks"])
        #expect(recorded.status == 0, "\(recorded.stderr)")
        return store
    }

    @Test func theSkimmedMerchantComesFirstWithItsCardsMasked() throws {
        let store = try store()
        let result = try Harness.run(["cpp", "--store", store, "--limit", "1"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.hasPrefix("6 of 12 cards confirmed fraud; ") == true, "\(result.stdout)")
        #expect(lines.count > 5 && lines[2].hasPrefix("1. Fuel 9  score ") && lines[2].hasSuffix("  fraud cards 6  exposed 1  window 2024-03-06 – 2024-03-11"),
                "\(result.stdout)")
        #expect(lines.count > 5 && lines[3].hasPrefix("   6 of the 7 cards there 2024-03-06 – 2024-03-11 were confirmed fraud within 30 days (86 % against "))
        #expect(lines.count > 5 && lines[4] == "   fraud: " + (0..<6).map { "411111******000\($0) 2024-03-\(String(format: "%02d", 6 + $0))" }.joined(separator: ", "))
        #expect(lines.count > 5 && lines[5] == "   exposed: 411111******0008 2024-03-09")
        #expect(!result.stdout.contains(Self.card(0)), "card numbers are never shown in full")

        let json = try Harness.run(["cpp", "--store", store, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["fraud_cards"] as? Int == 6 && object["cards"] as? Int == 12)
        let top = try #require((object["merchants"] as? [[String: Any]])?.first)
        #expect(top["merchant"] as? String == "Fuel 9" && top["rank"] as? Int == 1 && top["cards_there"] as? Int == 7)
        #expect((top["exposed_cards"] as? [[String: Any]])?.map { $0["card"] as? String } == ["411111******0008"])
        #expect((top["fraud_cards"] as? [[String: Any]])?.first?["first_fraud"] as? String == "2024-03-16")
    }

    /// As of 2024-03-19 only the chargebacks of …00 and …01 were known: the others that used Fuel 9 then are exposed.
    @Test func asOfADayCountsOnlyWhatWasKnownByItsEnd() throws {
        let store = try store()
        let json = try Harness.run(["cpp", "--store", store, "--json", "--as-of", "2024-03-19"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["fraud_cards"] as? Int == 2 && object["as_of"] as? String == "2024-03-19")
        let top = try #require((object["merchants"] as? [[String: Any]])?.first)
        #expect(top["merchant"] as? String == "Fuel 9")
        #expect((top["exposed_cards"] as? [[String: Any]])?.compactMap { $0["card"] as? String }
                == [2, 3, 8, 4, 5].map { "411111******000\($0)" })
    }

    @Test func withoutOutcomesItSaysHowToGetThemAndBadInputIsNamed() throws {
        let store = try store(feed: false)
        let none = try Harness.run(["cpp", "--store", store])
        #expect(none.status == 0)
        #expect(none.stdout.hasPrefix("no card is confirmed fraud: decide alerts in the workbench, or import a feed with `vigil outcomes import FILE"))
        let bad = try Harness.run(["cpp", "--store", store, "--as-of", "2024-13-01"])
        #expect(bad.status != 0 && bad.stderr.contains("--as-of must be a day, YYYY-MM-DD, not '2024-13-01'"), "\(bad.stderr)")
        let days = try Harness.run(["cpp", "--store", store, "--days", "0"])
        #expect(days.status != 0 && days.stderr.contains("--days must be from 1 to 365, not 0.0"), "\(days.stderr)")
    }
}

/// `vigil cpp --open-cases MERCHANT`: the exposed cards as cases, from the command line.
extension CPPCommandTests {
    /// Not at a terminal it asks for --yes and writes nothing; with it, the exposed card (…08) gets an alert on its
    /// visit and a case, listed; run again, nothing new is raised and the same case is listed; the trail is intact.
    @Test func openCasesRaisesOnceAndListsTheCases() throws {
        let store = try store()
        let refused = try Harness.run(["cpp", "--store", store, "--open-cases", "Fuel 9", "--analyst", "ana"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("not at a terminal to ask \"open cases for 1 exposed card at Fuel 9 (1 new alert)? y/n\": add --yes"),
                "\(refused.stderr)")
        let none = try Harness.run(["cases", "--store", store, "--status", "all", "--json"])
        #expect(none.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "[]", "\(none.stdout)")

        let opened = try Harness.run(["cpp", "--store", store, "--open-cases", "Fuel 9", "--analyst", "ana", "--yes"])
        #expect(opened.status == 0, "\(opened.stderr)")
        let lines = opened.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "1 exposed card at Fuel 9: 1 case, 1 alert raised", "\(opened.stdout)")
        #expect(lines.count == 3 && lines[1].hasPrefix("case #1  ") && lines[1].contains("card 411111******0008  1 alert (1 open)"))
        #expect(lines.count == 3 && lines[2] == "    common point of purchase")
        #expect(!opened.stdout.contains(Self.card(8)), "card numbers are never shown in full")

        let again = try Harness.run(["cpp", "--store", store, "--open-cases", "Fuel 9", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any])
        #expect(object["alerts_raised"] as? Int == 0 && object["alerts_existing"] as? Int == 1)
        #expect((object["cases"] as? [[String: Any]])?.map { $0["id"] as? Int } == [1])
        let audit = try Harness.run(["audit", "verify", "--store", store])
        #expect(audit.status == 0, "\(audit.stdout)\(audit.stderr)")

        let unknown = try Harness.run(["cpp", "--store", store, "--open-cases", "Nowhere"])
        #expect(unknown.status != 0 && unknown.stderr.contains("'Nowhere' is not among the"), "\(unknown.stderr)")
    }
}
