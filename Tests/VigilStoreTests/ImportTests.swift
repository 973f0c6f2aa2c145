import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

@Suite struct ImportTests {
    let scratch = ScratchDirectory()

    func importFile(_ path: String, into store: Store, _ options: ImportOptions = ImportOptions()) throws -> ImportSummary {
        try store.importFile(try PreparedImport(path: path, options: options))
    }

    @Test func realCardExportSampleImportsWithNoFlags() throws {
        let store = try scratch.store()
        let summary = try importFile(Fixtures.path("cards-2023-sample.csv"), into: store)
        #expect(summary.layout == "cards")
        #expect(summary.rowsRead == 1021)
        #expect(summary.imported == 1021)
        #expect(summary.rejected == 0 && summary.duplicate == 0)
        let stats = try store.stats()
        #expect(stats.transactions == 1021)
        #expect(stats.labelledFraud == 9)
        // The first data row of the export, field by field.
        let row = try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM transactions WHERE source_key LIKE '5d227e73c2815edf8071d648d0dc0e21|%'")
        }
        let r = try #require(row)
        // The card is kept as its masked number, and its token finds it by the full number.
        #expect(r["client_id"] as String == "650841******3844")
        #expect(try store.clientID(typed: "6508417329993844") == "650841******3844")
        #expect(try store.clientID(typed: "6508 4173 2999 3844") == "650841******3844")
        #expect(r["instant"] as Int64 == 1_672_531_229)
        #expect(r["original_time"] as String == "2023-01-01 00:00:29")
        #expect(r["amount_minor"] as Int64 == 714)
        #expect(r["currency"] as String == "USD")
        #expect(r["merchant"] as String == "Huels-Nolan")  // the generator's "fraud_" prefix removed
        #expect(r["category"] as String == "gas_transport")
        #expect(r["city"] as String == "Kirkland" && r["state"] as String == "WA")
        #expect(abs(r["home_lat"] as Double - 47.7188) < 1e-9 && abs(r["home_lon"] as Double + 122.1966) < 1e-9)
        #expect(abs(r["merch_lat"] as Double - 47.376008) < 1e-9 && abs(r["merch_lon"] as Double + 122.893473) < 1e-9)
        #expect(r["label"] as Int == 0)
        let token = String(decoding: CardTokenizer(key: try #require(store.key)).idPart(Array("6508417329993844".utf8)), as: UTF8.self)
        #expect(token.count == 20 && token.hasPrefix("tok_"))
        #expect(r["source_key"] as String == "5d227e73c2815edf8071d648d0dc0e21|\(token)|1672531229")
        // The instant agrees with the export's own unix_time on every row.
        let mismatches = try store.count("SELECT COUNT(*) FROM transactions WHERE CAST(substr(source_key, instr(substr(source_key, 34), '|') + 34) AS INTEGER) != instant")
        #expect(mismatches == 0)
        let online = try store.count("SELECT COUNT(*) FROM transactions WHERE category LIKE '%_net' AND channel = 'online'")
        let onlineCategories = try store.count("SELECT COUNT(*) FROM transactions WHERE category LIKE '%_net'")
        #expect(online == onlineCategories && online > 0)
    }

    @Test func reconciliationOnPlantedBadRows() throws {
        let store = try scratch.store()
        let options = ImportOptions(overrides: ["time": "when", "amount": "value", "merchant": "shop"].fieldMap)
        let summary = try importFile(Fixtures.path("bad-rows.csv"), into: store, options)
        #expect(summary.rowsRead == 11)
        #expect(summary.imported == 4)
        #expect(summary.rejected == 6)
        #expect(summary.duplicate == 1)
        #expect(summary.rowsRead == summary.imported + summary.rejected + summary.duplicate)

        let rejected = try store.rejectedRows().map(\.rejection)
        #expect(rejected.count == 6)
        let byLine = Dictionary(uniqueKeysWithValues: rejected.map { ($0.line, $0) })
        #expect(byLine[4]?.column == "when" && byLine[4]?.value == "not a date")
        #expect(byLine[5]?.column == "value" && byLine[5]?.value == "abc")
        #expect(byLine[6]?.column == "customer" && byLine[6]?.reason == "empty client")
        #expect(byLine[7]?.column == "lat" && byLine[7]?.value == "95.0" && byLine[7]?.reason.contains("out of range") == true)
        #expect(byLine[8]?.column == nil && byLine[8]?.reason == "expected 8 fields, found 5")
        #expect(byLine[9]?.column == "when" && byLine[9]?.reason.contains("day 30 out of range") == true)
        #expect(byLine[8]?.raw == "T7,C3,2024-03-02 11:00:00,5.00,Cafe")

        let amounts = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT source_key, amount_minor, merchant, instant FROM transactions ORDER BY source_key")
        }
        let bySource = Dictionary(uniqueKeysWithValues: amounts.map { ($0["source_key"] as String, $0) })
        #expect(bySource["T2"]?["amount_minor"] == 123_456)
        #expect(bySource["T2"]?["merchant"] == "Smith, Jones & Co")
        #expect(bySource["T9"]?["amount_minor"] == -310)
        #expect(bySource["T9"]?["merchant"] == "Refund \"Desk\"")
        #expect(bySource["T9"]?["instant"] == 1_709_420_400)  // 03/02/2024 11:00 PM
        #expect(bySource["T10"]?["merchant"] == "Multi\nline merchant")

        let stored = try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT rows_read, rows_imported, rows_rejected, rows_duplicate, status FROM imports")
        }
        let storedRead: Int? = stored?["rows_read"]
        let storedRejected: Int? = stored?["rows_rejected"]
        let storedStatus: String? = stored?["status"]
        #expect(storedRead == 11)
        #expect(storedRejected == 6)
        #expect(storedStatus == "complete")
    }

    @Test func reimportingTheSameFileAddsNothing() throws {
        let store = try scratch.store()
        let path = Fixtures.path("cards-2023-sample.csv")
        _ = try importFile(path, into: store)
        let before = try store.stats()
        let again = try importFile(path, into: store)
        #expect(again.alreadyImportedAs != nil)
        #expect(again.imported == 0)
        let after = try store.stats()
        #expect(after == before)
    }

    @Test func sameRowsInAnotherFileAreDuplicates() throws {
        let store = try scratch.store()
        let a = scratch.file("a.csv", "id,client,time,amount\n1,C1,2024-01-01 10:00:00,5\n2,C1,2024-01-01 11:00:00,6\n")
        let b = scratch.file("b.csv", "id,client,time,amount\n2,C1,2024-01-01 11:00:00,6\n3,C2,2024-01-02 11:00:00,7\n")
        _ = try importFile(a, into: store)
        let summary = try importFile(b, into: store)
        #expect(summary.imported == 1 && summary.duplicate == 1)
        #expect(try store.stats().transactions == 3)
        #expect(try store.stats().clients == 2)
    }

    @Test func rowsWithoutAnIdAreIdentifiedByTheirContent() throws {
        let store = try scratch.store()
        let a = scratch.file("a.csv", "client,time,amount\nC1,2024-01-01 10:00:00,5\nC1,2024-01-01 10:00:00,5\nC1,2024-01-01 10:00:01,5\n")
        let summary = try importFile(a, into: store)
        #expect(summary.imported == 2 && summary.duplicate == 1)
    }

    @Test func anIdentityHashCollisionIsRejectedNotMerged() throws {
        let store = try scratch.store()
        _ = try importFile(scratch.file("one.csv", "id,client,time,amount\nA1,C1,2024-01-01 10:00:00,5\n"), into: store)
        // Forge a stored row whose hash equals the hash of the key "B2" but whose key differs.
        try store.pool.write { db in
            try db.execute(sql: "UPDATE transactions SET source_hash = ? WHERE source_key = 'A1'", arguments: [FNV1a.sourceHash("B2")])
        }
        let summary = try importFile(scratch.file("two.csv", "id,client,time,amount\nB2,C1,2024-01-02 10:00:00,6\nA1,C1,2024-01-01 10:00:00,5\n"), into: store)
        #expect(summary.rowsRead == 2)
        #expect(summary.rejected == 1)
        #expect(summary.imported == 1)  // A1's real hash is now free again, so it is new as far as the index knows
        let rejection = try #require(summary.rejections.first)
        #expect(rejection.line == 2)
        #expect(rejection.column == "id")
        #expect(rejection.reason.contains("shares its 64-bit hash with stored row 'A1'"))
    }

    @Test func interruptedImportLeavesAConsistentStoreAndResumes() throws {
        let store = try scratch.store()
        var text = "id,client,time,amount\n"
        for i in 0..<95 { text += "\(i),C\(i % 7),\(1_704_103_200 + i * 60),\(i).25\n" }
        text += "bad,C1,2024-01-01 10:00:00,xyz\n"
        let path = scratch.file("many.csv", text)
        var options = ImportOptions(batchSize: 10)
        options.interruptAfterBatches = 3
        #expect(throws: SimulatedInterruption.self) { try importFile(path, into: store, options) }
        // Exactly the committed batches are there, and the import's counters say so.
        #expect(try store.count("SELECT COUNT(*) FROM transactions") == 30)
        #expect(try store.count("SELECT rows_read FROM imports") == 30)
        #expect(try store.count("SELECT COUNT(*) FROM imports WHERE status = 'running'") == 1)
        #expect(try store.count("SELECT SUM(transaction_count) FROM clients") == 30)

        let resumed = try importFile(path, into: store, ImportOptions(batchSize: 10))
        #expect(resumed.resumedAfterRows == 30)
        #expect(resumed.rowsRead == 96)
        #expect(resumed.imported == 95)
        #expect(resumed.rejected == 1)
        #expect(resumed.duplicate == 0)
        #expect(try store.count("SELECT COUNT(*) FROM transactions") == 95)
        #expect(try store.count("SELECT COUNT(*) FROM imports") == 1)
        #expect(try store.count("SELECT COUNT(*) FROM rejected_rows") == 1)
        #expect(try store.count("SELECT SUM(transaction_count) FROM clients") == 95)
    }

    @Test func invalidUTF8IsRejectedWithItsColumn() throws {
        let store = try scratch.store()
        let bytes = Array("id,client,time,amount,merchant\n1,C1,2024-01-01 10:00:00,5,Caf".utf8) + [0xC3, 0x28] + Array("\n2,C1,2024-01-01 10:00:00,5,Ok\n".utf8)
        let path = scratch.file("utf8.csv", bytes: bytes)
        let summary = try importFile(path, into: store)
        #expect(summary.imported == 1 && summary.rejected == 1)
        #expect(summary.rejections.first?.column == "merchant")
        #expect(summary.rejections.first?.reason == "invalid UTF-8")
        #expect(summary.rejections.first?.line == 2)
    }

    @Test func fileLevelErrorsNameTheFileAndLeaveTheStoreAlone() throws {
        let store = try scratch.store()
        _ = try importFile(Fixtures.path("cards-2023-sample.csv"), into: store)
        let before = try store.stats()

        let missing = scratch.path + "/nope.csv"
        #expect(throws: ImportError.self) { try PreparedImport(path: missing) }
        do { _ = try PreparedImport(path: missing) } catch { #expect(error.description.hasPrefix(missing)) }

        let empty = scratch.file("empty.csv", "")
        #expect(throws: ImportError.empty(file: empty)) { try PreparedImport(path: empty) }

        let binary = scratch.file("blob.csv", bytes: [0x89, 0x50, 0x4E, 0x47, 0, 0, 1, 2, 3])
        #expect(throws: ImportError.notCSV(file: binary, reason: "it holds binary data")) { try PreparedImport(path: binary) }

        let prose = scratch.file("prose.csv", "Dear analyst\nhere is no table\n")
        do { _ = try PreparedImport(path: prose); Issue.record("prose accepted") } catch {
            #expect(error.description.contains("not a CSV file"))
        }

        let noTime = scratch.file("notime.csv", "client,amount,merchant\nC1,5,x\n")
        do { _ = try PreparedImport(path: noTime); Issue.record("accepted without time") } catch {
            #expect(error.description.contains(noTime))
            #expect(error.description.contains("'time'"))
        }
        do { _ = try PreparedImport(path: noTime, options: ImportOptions(overrides: [.time: "when"])); Issue.record("bad map accepted") } catch {
            #expect(error == .unknownColumn(file: noTime, field: "time", column: "when", header: ["client", "amount", "merchant"]))
        }
        #expect(try store.stats() == before)
    }

    @Test func mapOptionsAreValidated() throws {
        #expect(throws: ImportError.unknownField(field: "colour")) { try ColumnMapping.parseOverrides(["colour=red"]) }
        #expect(throws: ImportError.badMapping("client")) { try ColumnMapping.parseOverrides(["client"]) }
        #expect(try ColumnMapping.parseOverrides(["client=Account No"]) == [.client: "Account No"])
    }

    @Test func compositeIdsAndEveryTimestampFormatThroughImport() throws {
        let store = try scratch.store()
        let text = """
            branch;seq;acct;ts;amt;ccy;chan
            A;1;X1;2024-05-01T12:00:00+02:00;1.234,00;EUR;online
            A;2;X1;1714557600000;"10,00";EUR;pos
            B;1;X1;05/01/2024 10:00;5;USD;atm
            B;2;X2;2024-05-01 10:00:00;€7.50;;in-store
            """
        let path = scratch.file("semi.csv", text + "\n")
        let options = ImportOptions(overrides: ["id": "branch+seq", "client": "acct", "time": "ts", "amount": "amt",
                                                "currency": "ccy", "channel": "chan"].fieldMap)
        let summary = try importFile(path, into: store, options)
        // European decimal commas are not guessed at: those rows are rejected, with the reason.
        #expect(summary.rejected == 2)
        #expect(summary.rejections.allSatisfy { $0.column == "amt" })
        #expect(summary.imported == 2)
        let keys = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT source_key FROM transactions ORDER BY source_key") }
        #expect(keys == ["B|1", "B|2"])
        let b2 = try store.pool.read { db in try Row.fetchOne(db, sql: "SELECT currency, channel, instant FROM transactions WHERE source_key = 'B|2'") }
        let currency: String? = b2?["currency"]
        let channel: String? = b2?["channel"]
        let instant: Int64? = b2?["instant"]
        #expect(currency == "EUR")
        #expect(channel == "card_present")
        #expect(instant == 1_714_557_600)
    }

    @Test func pipeDelimitedFilesAreSniffed() throws {
        let store = try scratch.store()
        let path = scratch.file("pipe.csv", "client|time|amount|merchant\nC1|2024-01-01 10:00:00|5.00|A, B and C\n")
        let summary = try importFile(path, into: store)
        #expect(summary.imported == 1)
        #expect(try store.pool.read { db in try String.fetchOne(db, sql: "SELECT merchant FROM transactions") } == "A, B and C")
    }
}

extension Dictionary where Key == String, Value == String {
    var fieldMap: [ImportField: String] {
        Dictionary<ImportField, String>(uniqueKeysWithValues: map { (ImportField(rawValue: $0.key)!, $0.value) })
    }
}
