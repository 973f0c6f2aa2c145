import Foundation
import Testing

@Suite(.serialized) struct OutcomeCommandTests {
    let scratch = Scratch()

    /// A store of four transactions, T1…T4, on 2024-03-01 and 02.
    func store() throws -> String {
        let store = scratch.path + "/s-\(UUID().uuidString).sqlite"
        let csv = write("tx.csv", """
            id,client,time,amount,merchant
            T1,C1,2024-03-01 10:00:00,5.00,Cafe
            T2,C2,2024-03-01 11:00:00,15.00,Shop
            T3,C1,2024-03-02 12:00:00,25.00,Cafe
            T4,C3,2024-03-02 13:00:00,35.00,Garage

            """)
        let imported = try Harness.run(["import", csv, "--store", store])
        #expect(imported.status == 0, "\(imported.stderr)")
        return store
    }

    func write(_ name: String, _ text: String) -> String {
        let path = scratch.path + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test func aFeedIsRecordedAndSummedUpBySource() throws {
        let store = try store()
        let feed = write("cb.csv", "transaction_id,is_fraud,reported_at\nT1,chargeback,2024-03-05 09:00:00\nT2,0,2024-03-06\nT3,TRUE,2024-03-04T08:00:00Z\n")
        let result = try Harness.run(["outcomes", "import", feed, "--store", store, "--feed", "chargebacks"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let out = lines(result.stdout)
        #expect(out.count == 2, "\(result.stdout)")
        #expect(out.first?.hasPrefix("\(feed): read 3 rows: recorded 3 outcomes (fraud 2, genuine 1), 0 already recorded, "
                                     + "rejected 0 (feed chargebacks, import #2, ") == true, "\(result.stdout)")
        #expect(out.last == "no rows rejected")

        let list = try Harness.run(["outcomes", "--store", store])
        #expect(list.status == 0)
        #expect(lines(list.stdout) == [
            "source       fraud  genuine  first known (UTC)    last known (UTC)",
            "chargebacks      2        1  2024-03-04 08:00:00  2024-03-06 23:59:59",
            "known now: fraud 2, genuine 1 transactions (each one's latest standing outcome, all sources together)",
        ])
        let json = try Harness.run(["outcomes", "list", "--store", store, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let sources = object?["sources"] as? [[String: Any]]
        #expect(sources?.count == 1)
        #expect(sources?.first?["source"] as? String == "chargebacks" && sources?.first?["kind"] as? String == "feed")
        #expect(sources?.first?["fraud"] as? Int == 2 && sources?.first?["genuine"] as? Int == 1)
        #expect(sources?.first?["first_known_at"] as? String == "2024-03-04 08:00:00Z")
        #expect((object?["known_now"] as? [String: Int]) == ["fraud": 2, "genuine": 1])

        // An outcomes import is not a transaction import; the doctor finds its ledger entry consistent.
        let stats = try JSONSerialization.jsonObject(with: Data(try Harness.run(["stats", "--store", store, "--json"]).stdout.utf8)) as? [String: Any]
        #expect(stats?["imports"] as? Int == 1)
        let doctor = try Harness.run(["doctor", "--store", store])
        #expect(doctor.status == 0 && doctor.stdout.contains("import ledger: ok"), "\(doctor.stdout)")
    }

    @Test func badRowsAreKeptWithTheirReasonsAndTooManyFailTheCommand() throws {
        let store = try store()
        let feed = write("bad.csv", """
            id,outcome,known_at
            T1,fraud,2024-03-05 09:00:00
            T2,maybe,2024-03-05 09:00:00
            T9,fraud,2024-03-05 09:00:00
            T3,fraud,2024-02-01 00:00:00
            T4,genuine,soon

            """)
        let result = try Harness.run(["outcomes", "import", feed, "--store", store])
        #expect(result.status == 1)
        let out = lines(result.stdout)
        #expect(out.count == 6, "\(result.stdout)")
        #expect(out[0].hasPrefix("\(feed): read 5 rows: recorded 1 outcomes (fraud 1, genuine 0), 0 already recorded, rejected 4 (feed feed, import #2, "))
        #expect(out[1].hasPrefix("  line 3, column outcome, value 'maybe': not an outcome: fraud is one of fraud, fraudulent,"))
        #expect(out[2] == "  line 4, column id, value 'T9': no stored transaction has this id")
        #expect(out[3] == "  line 5, column known_at, value '2024-02-01 00:00:00': known at 2024-02-01 00:00:00 UTC, before its "
                + "transaction's own time 2024-03-02 12:00:00 UTC: an outcome cannot be known before it happened")
        #expect(out[4].hasPrefix("  line 6, column known_at, value 'soon': unrecognised timestamp format"))
        #expect(out[5] == "4 rows rejected (80.0 % of 5 read): more than --max-rejected 1 % allows; see `vigil rejected --store \(store) --import 2`")

        let rejected = try Harness.run(["rejected", "--store", store, "--import", "2", "--raw"])
        #expect(lines(rejected.stdout) == ["T2,maybe,2024-03-05 09:00:00", "T9,fraud,2024-03-05 09:00:00",
                                           "T3,fraud,2024-02-01 00:00:00", "T4,genuine,soon"])

        // The same file again: nothing is added, the same rows are rejected, and the limit decides the exit status.
        let lenient = try Harness.run(["outcomes", "import", feed, "--store", store, "--max-rejected", "80%"])
        #expect(lenient.status == 0, "\(lenient.stdout)")
        #expect(lenient.stdout.contains("recorded 0 outcomes (fraud 0, genuine 0), 1 already recorded, rejected 4 "
                                        + "(feed feed, the same as import #2: nothing added, "), "\(lenient.stdout)")
        #expect(lines(lenient.stdout).last == "4 rows rejected (80.0 % of 5 read); see `vigil rejected --store \(store) --import 2`")
        let count = try Harness.run(["outcomes", "import", feed, "--store", store, "--max-rejected", "3"])
        #expect(count.status == 1)
        #expect(lines(try Harness.run(["rejected", "--store", store, "--raw"]).stdout).count == 4, "kept once")
    }

    @Test func reimportingAFeedAddsNothingAndALongerFeedOnlyItsNewRows() throws {
        let store = try store()
        let rows = "id,outcome,known_at\nT1,fraud,2024-03-05 09:00:00\nT2,genuine,2024-03-05 10:00:00\n"
        let feed = write("feed.csv", rows)
        #expect(try Harness.run(["outcomes", "import", feed, "--store", store]).status == 0)
        let again = try Harness.run(["outcomes", "import", feed, "--store", store])
        #expect(again.status == 0)
        #expect(again.stdout.contains("read 2 rows: recorded 0 outcomes (fraud 0, genuine 0), 2 already recorded, rejected 0 "
                                      + "(feed feed, the same as import #2: nothing added, "), "\(again.stdout)")
        let longer = write("feed-2.csv", rows + "T3,fraud,2024-03-06 10:00:00\n")
        let more = try Harness.run(["outcomes", "import", longer, "--store", store])
        #expect(more.stdout.contains("read 3 rows: recorded 1 outcomes (fraud 1, genuine 0), 2 already recorded, rejected 0 "
                                     + "(feed feed, import #3, "), "\(more.stdout)")
        let json = try Harness.run(["outcomes", "--store", store, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["known_now"] as? [String: Int]) == ["fraud": 2, "genuine": 1])
        #expect((object?["sources"] as? [[String: Any]])?.first?["imports"] as? Int == 2)
    }

    @Test func aFeedWhoseIdsMatchNothingSaysHowTheTransactionsWereIdentifiedAndMasksCardNumbers() throws {
        let store = try store()
        let feed = write("cards.csv", "card,outcome,known_at\n4111111111111111,fraud,2024-03-05\n")
        let result = try Harness.run(["outcomes", "import", feed, "--store", store, "--map", "id=card"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("  line 2, column card, value '411111******1111': no stored transaction has this id\n"), "\(result.stdout)")
        #expect(!result.stdout.contains("4111111111111111"))
        #expect(result.stdout.contains("  no row matched a stored transaction: the store's transactions were imported with id=id; "
                                       + "map the feed's columns that hold the same values with --map id=COL (or COL+COL+…)\n"))
    }

    @Test func aFileOrOptionInErrorIsRefusedBeforeTheStoreIsTouched() throws {
        let store = try store()
        let missing = scratch.path + "/missing.csv"
        let result = try Harness.run(["outcomes", "import", missing, "--store", store])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: \(missing): cannot read"), "\(result.stderr)")
        let noColumn = write("nocol.csv", "id,outcome\nT1,fraud\n")
        let refused = try Harness.run(["outcomes", "import", noColumn, "--store", store])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("no column for required field 'known_at' (header: id, outcome); map one with --map known_at=COLUMN"))
        let badField = try Harness.run(["outcomes", "import", noColumn, "--store", store, "--map", "client=x"])
        #expect(badField.status != 0 && badField.stderr.contains("unknown field 'client' in --map; fields are: id, outcome, known_at"))
        let badFeed = try Harness.run(["outcomes", "import", noColumn, "--store", store, "--feed", "triage"])
        #expect(badFeed.status != 0 && badFeed.stderr.contains("'triage' names another source of outcomes"))
        let badLimit = try Harness.run(["outcomes", "import", noColumn, "--store", store, "--max-rejected", "lots"])
        #expect(badLimit.status != 0 && badLimit.stderr.contains("--max-rejected 'lots'"))
        let nothing = try Harness.run(["outcomes", "--store", store])
        #expect(nothing.stdout.hasPrefix("no outcomes yet"), "\(nothing.stdout)")
        let good = write("good.csv", "id,outcome,known_at\nT1,fraud,2024-03-05\n")
        let noStore = try Harness.run(["outcomes", "import", good, "--store", scratch.path + "/none.sqlite"])
        #expect(noStore.status != 0 && noStore.stderr.contains("no store at"), "\(noStore.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/none.sqlite"))
    }
}
