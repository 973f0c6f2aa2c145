import Foundation
import Testing

/// `vigil lists`: entries added, shown, changed, removed and imported from the command line, each an audit event, and
/// honoured by the next scan.
@Suite(.serialized) struct ListCommandTests {
    let scratch = Scratch()
    static let card = "4000123412341234"
    static let masked = "400012******1234"

    /// A store of four transactions on two cards, on 2024-03-01 and 02.
    func store() throws -> String {
        let store = scratch.path + "/s-\(UUID().uuidString).sqlite"
        let csv = write("tx.csv", """
            id,client,time,amount,merchant
            T1,\(Self.card),2024-03-01 10:00:00,5.00,Cafe
            T2,C2,2024-03-01 11:00:00,15.00,Shop
            T3,\(Self.card),2024-03-02 12:00:00,25.00,Cafe
            T4,C2,2024-03-02 13:00:00,35.00,Garage

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

    @Test func entriesAreAddedShownChangedAndRemovedWithCardsMaskedAndEveryChangeAudited() throws {
        let store = try store()
        let suppress = try Harness.run(["lists", "add", "suppress", "--store", store, "--card", Self.card, "--detector", "impossible_travel",
                                        "--from", "2024-01-01", "--until", "2030-01-31", "--note", "travelling in Peru", "--analyst", "ana"])
        #expect(suppress.status == 0, "\(suppress.stderr)")
        #expect(suppress.stdout.hasPrefix("added #1 suppress impossible_travel card \(Self.masked) from 2024-01-01 00:00:00 UTC "
                                          + "until 2030-02-01 00:00:00 UTC (added by ana on "), "\(suppress.stdout)")
        #expect(suppress.stdout.hasSuffix(": travelling in Peru)\n"))
        let deny = try Harness.run(["lists", "add", "deny", "--store", store, "--merchant", "Cafe", "--from", "2024-03-02",
                                    "--note", "skimmer", "--analyst", "bo"])
        #expect(deny.status == 0, "\(deny.stderr)")
        let again = try Harness.run(["lists", "add", "deny", "--store", store, "--merchant", "Cafe", "--from", "2024-03-02",
                                     "--note", "skimmer", "--analyst", "bo"])
        #expect(again.stdout.hasPrefix("already listed: #2 deny merchant Cafe"), "\(again.stdout)")

        // Refused before the store is touched.
        let badDetector = try Harness.run(["lists", "add", "suppress", "--store", store, "--card", "C2", "--detector", "nope",
                                           "--until", "2030-01-01", "--note", "x"])
        #expect(badDetector.status != 0 && badDetector.stderr.contains("--detector 'nope': no such detector; one of all, "))
        let noEnd = try Harness.run(["lists", "add", "suppress", "--store", store, "--card", "C2", "--detector", "burst", "--note", "x"])
        #expect(noEnd.status == 1 && noEnd.stderr.contains("a suppression needs an end (--until); nothing was added"), "\(noEnd.stderr)")
        let noNote = try Harness.run(["lists", "add", "allow", "--store", store, "--card", "C2", "--note", " "])
        #expect(noNote.status != 0 && noNote.stderr.contains("--note says why, and is empty"))

        let shown = try Harness.run(["lists", "--store", store])
        #expect(lines(shown.stdout).count == 2 && !shown.stdout.contains(Self.card), "\(shown.stdout)")
        let json = try Harness.run(["lists", "--store", store, "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.map { $0["value"] as? String } == [Self.masked, "Cafe"])
        #expect(entries.map { $0["kind"] as? String } == ["suppress", "deny"])

        let changed = try Harness.run(["lists", "change", "1", "--store", store, "--until", "2030-06-30", "--note", "trip extended",
                                       "--analyst", "ana"])
        #expect(changed.status == 0 && changed.stdout.contains("until 2030-07-01 00:00:00 UTC"), "\(changed.stdout)\(changed.stderr)")
        let removed = try Harness.run(["lists", "remove", "2", "--store", store, "--note", "terminal replaced", "--analyst", "bo"])
        #expect(removed.status == 0 && removed.stdout.hasPrefix("removed #2 deny merchant Cafe"), "\(removed.stdout)")
        let twice = try Harness.run(["lists", "remove", "2", "--store", store, "--note", "again"])
        #expect(twice.status == 1 && twice.stderr.contains("list entry #2 was removed by bo at "), "\(twice.stderr)")
        #expect(lines(try Harness.run(["lists", "--store", store]).stdout).count == 1)
        #expect(lines(try Harness.run(["lists", "--store", store, "--all"]).stdout).count == 2)

        let verify = try Harness.run(["audit", "verify", "--store", store])
        #expect(verify.status == 0 && verify.stdout.contains("4 triage events"), "\(verify.stdout)")
        let log = lines(try Harness.run(["audit", "log", "--store", store]).stdout)
        #expect(log.count == 4 && !log.joined().contains(Self.card))
        #expect(log[0].contains(" \(Harness.madeBy("ana")) list add #1: suppress impossible_travel card \(Self.masked) from "), "\(log[0])")
        #expect(log[2].contains(" \(Harness.madeBy("ana")) list change #1: suppress impossible_travel card \(Self.masked) from 2024-01-01 00:00:00 UTC until "
                                + "2030-02-01 00:00:00 UTC → suppress "), "\(log[2])")
        #expect(log[3].hasSuffix("; note: terminal replaced"))
    }

    @Test func aDenyListedMerchantRaisesAnAlertAtTheNextScanFromItsStart() throws {
        let store = try store()
        #expect(try Harness.run(["lists", "add", "deny", "--store", store, "--merchant", "Cafe", "--from", "2024-03-02",
                                 "--note", "skimmer", "--analyst", "bo"]).status == 0)
        let scan = try Harness.run(["scan", "--store", store, "--detectors", "rules"])
        #expect(scan.status == 0, "\(scan.stderr)")
        let alerts = lines(try Harness.run(["alerts", "--store", store]).stdout)
        // T3 (Cafe, 2024-03-02) alerts; T1 (Cafe, the day before the entry) does not.
        #expect(alerts.filter { $0.hasPrefix("#") }.count == 1, "\(alerts)")
        #expect(alerts.first?.contains("2024-03-02 12:00:00") == true, "\(alerts)")
        #expect(alerts.contains { $0.contains("deny list: merchant Cafe, added by bo on ") && $0.hasSuffix(": skimmer") }, "\(alerts)")
    }

    @Test func aListFileIsImportedWithBadRowsNamedAndOnlyOnce() throws {
        let store = try store()
        let file = write("lists.csv", """
            list,card,merchant,rule,until,why
            suppress,\(Self.card),,burst,2030-01-31,travelling
            deny,,Garage,,,skimmer
            suppress,C2,,no_such_rule,2030-01-31,typo

            """)
        let first = try Harness.run(["lists", "import", file, "--store", store, "--analyst", "ana", "--max-rejected", "1"])
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let out = lines(first.stdout)
        #expect(out.first?.hasPrefix("\(file): read 3 rows: added 2 entries, 0 already listed, rejected 1 (import #2, ") == true, "\(first.stdout)")
        #expect(out.dropFirst().first == "  line 4, column rule, value 'no_such_rule': no such detector: one of all, "
                + "amount_run, burst, card_exposure, card_testing, category_amount, iforest, impossible_travel, lof, lstm, "
                + "merchant_risk, merchant_surge, over_daily_spend, over_monthly_spend, unusual_amount, unusual_hour, unusual_place",
                "\(first.stdout)")
        #expect(out.last == "1 row rejected (33.3 % of 3 read); see `vigil rejected --store \(store) --import 2`", "\(first.stdout)")
        let strict = try Harness.run(["lists", "import", file, "--store", store, "--max-rejected", "0"])
        #expect(strict.status == 1)
        #expect(lines(strict.stdout).first?.contains("added 0 entries, 2 already listed, rejected 1 (the same as import #2: nothing added") == true,
                "\(strict.stdout)")
        let rejected = try Harness.run(["rejected", "--store", store, "--import", "2"])
        #expect(rejected.stdout.contains("no_such_rule"), "\(rejected.stdout)")
        #expect(lines(try Harness.run(["lists", "--store", store]).stdout).count == 2)
        #expect(try Harness.run(["audit", "verify", "--store", store]).stdout.contains("2 triage events"))
        // The ledger reconciles a list import with the entries stored from it.
        let doctor = try Harness.run(["doctor", "--store", store])
        #expect(doctor.status == 0, "\(doctor.stdout)")
    }
}
