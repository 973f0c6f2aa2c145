import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// `v18-card-tokens` on a store made before card numbers were tokenised: every place that held a number in clear is
/// rewritten, the trail still verifies, a number typed in full still finds its card, and importing the same export
/// again adds nothing (the source ids were tokenised as an import now makes them).
@Suite struct CardMigrationTests {
    let scratch = ScratchDirectory()

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/cards-2023-sample.csv").path

    func numbers() throws -> [String] {
        let lines = try String(contentsOfFile: Self.fixture, encoding: .utf8).split(whereSeparator: \.isNewline).dropFirst()
        return Set(lines.map { String($0.split(separator: ",", omittingEmptySubsequences: false)[2]) }).sorted()
    }

    func holds(_ path: String, any numbers: [String]) throws -> [String] {
        var found: [String] = []
        for file in [path, path + "-wal"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            found += numbers.filter { bytes.range(of: Data($0.utf8)) != nil }.map { "\(file): \(CardNumber.masked($0))" }
        }
        return found
    }

    @Test func aStoreWithNumbersInClearIsConvertedAndStillMatches() throws {
        let numbers = try numbers()
        let path = scratch.path + "/old.sqlite"
        var store = try Store(path: path)
        try store.keepCardNumbersInClear()
        _ = try store.importFile(PreparedImport(path: Self.fixture, options: ImportOptions()))
        let card = numbers[0], other = numbers[1]
        let txs = try store.pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM transactions WHERE client_id = ? ORDER BY id", arguments: [card])
        }
        let reason = AlertReason(detector: "burst", score: 1, contribution: 1, text: "charges in a row")
        _ = try store.refreshAlerts(txs.map { AlertCandidate(transactionID: $0, score: 0.9, reasons: [reason]) }, at: 10)
        _ = try store.refreshCases(gapSeconds: 86_400)
        let alert = try #require(store.alerts(limit: 1).first)
        #expect(alert.clientID == card, "the old behaviour: the number in clear")
        try store.recordTriage(alertID: alert.id, analyst: "ana", action: "confirmed_fraud", toStatus: .confirmedFraud,
                               note: "called the holder of \(card)")
        try store.addListEntry(NewListEntry(kind: .deny, target: .card, value: other, from: 0, until: nil,
                                            note: "stolen \(other)"), analyst: "ana")
        #expect(try !holds(path, any: numbers).isEmpty || store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM clients")! > 0 })
        // As it was before v18: no cards table, no setting, the migration not applied; nor v19's sealed trail.
        try store.pool.write { db in
            try db.execute(sql: """
                DROP TABLE cards;
                DELETE FROM store_settings WHERE name = 'card_numbers';
                DELETE FROM grdb_migrations WHERE identifier IN ('v18-card-tokens', 'v19-who-decided');
                DROP TABLE analysts;
                ALTER TABLE triage_events DROP COLUMN os_user;
                ALTER TABLE triage_events DROP COLUMN host;
                ALTER TABLE triage_events DROP COLUMN seal;
                ALTER TABLE audit_head DROP COLUMN seal;
                """)
        }
        try store.closeConnections()

        store = try Store(path: path)
        // The command that opened it says what was done, once.
        #expect(store.upgradeNotes == ["card numbers are now tokens: \(Set(numbers).count) cards became masked ids with a keyed token, "
                                       + "1,021 transactions and 2 audit events (chained and sealed again) rewritten, and the file "
                                       + "rebuilt so that no number is left in it (docs/cards.md)"])
        let masked = CardNumber.masked(card)
        #expect(try store.alerts(limit: 1, status: nil).first?.clientID == masked)
        #expect(try store.clientID(typed: card) == masked)
        #expect(try store.alerts(limit: 1_000, status: nil, clientID: card).count == txs.count)
        #expect(try store.clientActivity(clientID: card)?.clientID == masked)
        let stored = try store.pool.read { db in
            (try String.fetchAll(db, sql: "SELECT value FROM list_entries"),
             try String.fetchAll(db, sql: "SELECT note FROM triage_events WHERE note IS NOT NULL ORDER BY id"),
             try String.fetchAll(db, sql: "SELECT DISTINCT client_id FROM cases"))
        }
        #expect(stored.0 == [CardNumber.masked(other)])
        #expect(stored.1 == ["called the holder of \(masked)", "stolen \(CardNumber.masked(other))"])
        #expect(stored.2 == [masked])
        #expect(try store.verifyAuditChain() == .intact(events: 2))
        #expect(try store.cardNumberPolicy() == .tokens)
        try store.closeConnections()
        let left = try holds(path, any: numbers)
        #expect(left == [], "no number is left in the file, in a row or in free space: \(left.prefix(5))")

        store = try Store(path: path)
        #expect(store.upgradeNotes.isEmpty, "said once")
        // The same rows in another order: another file, whose rows are all stored already.
        let text = try String(contentsOfFile: Self.fixture, encoding: .utf8).split(whereSeparator: \.isNewline)
        let reordered = scratch.file("reordered.csv", ([text[0]] + text.dropFirst().reversed()).joined(separator: "\n") + "\n")
        let again = try store.importFile(PreparedImport(path: reordered, options: ImportOptions()))
        #expect(again.imported == 0 && again.duplicate == 1021, "the source ids match the export's rows as before")
        try store.closeConnections()
    }

    /// Two cards whose masked numbers are alike stay two clients: the second gets `~2`, and each full number finds
    /// its own.
    @Test func cardsThatMaskAlikeStayApart() throws {
        let path = scratch.path + "/alike.sqlite"
        let csv = scratch.path + "/alike.csv"
        let first = "4111111111111111", second = "4111119999991111"
        try """
            id,client,time,amount
            a,\(first),2024-01-01 10:00:00,1.00
            b,\(second),2024-01-01 11:00:00,2.00
            c,\(first),2024-01-02 10:00:00,3.00

            """.write(toFile: csv, atomically: true, encoding: .utf8)
        let store = try Store(path: path)
        let summary = try store.importFile(PreparedImport(path: csv, options: ImportOptions()))
        #expect(summary.imported == 3)
        #expect(summary.cardNumbers == CardNumbersRead(column: "client", values: 3, cards: 2))
        #expect(try store.clientID(typed: first) == "411111******1111")
        #expect(try store.clientID(typed: second) == "411111******1111~2")
        #expect(try store.clientActivity(clientID: second)?.ids.count == 1)
        // The queue's searches find the card typed in full, not the one that masks alike.
        let txs = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY id") }
        let reason = AlertReason(detector: "burst", score: 1, contribution: 1, text: "charges in a row")
        _ = try store.refreshAlerts(txs.map { AlertCandidate(transactionID: $0, score: 0.5, reasons: [reason]) }, at: 10)
        _ = try store.refreshCases(gapSeconds: 3_600)
        let alerts = try store.alerts(limit: 10, status: nil)
        let secondAlert = try #require(alerts.first { $0.clientID == "411111******1111~2" })
        let ids = alerts.map(\.id)
        #expect(try store.searchAlerts(second, in: ids, after: 0).map { ids[$0] } == secondAlert.id)
        let secondCases = try store.cases(CaseFilter(clientID: "411111******1111~2")).map(\.id)
        #expect(secondCases.count == 1)
        #expect(try store.caseIDs(matching: CaseSearch(second)) == Set(secondCases))
        #expect(try store.cases(CaseFilter(clientID: second)).map(\.id) == secondCases)
        try store.closeConnections()
        #expect(try holds(path, any: [first, second]) == [])
    }

    /// A client column whose ids are not card numbers is kept as it is; a card column (`--map pan=`) must hold card
    /// numbers, and a row whose value is not one is rejected naming it, masked.
    @Test func panMappingDeclaresTheCardColumn() throws {
        #expect(try ColumnMapping.parseOverrides(["pan=Card No"]) == [.pan: "Card No"])
        #expect(throws: ImportError.self) { try ColumnMapping.parseOverrides(["pan=Card No", "client=Customer"]) }
        let csv = scratch.path + "/pan.csv"
        try """
            txn,customer,card no,time,amount
            1,C1,4000 0566 5566 5556,2024-01-01 10:00:00,1.00
            2,C2,n/a,2024-01-01 11:00:00,2.00

            """.write(toFile: csv, atomically: true, encoding: .utf8)
        let store = try Store(path: scratch.path + "/pan.sqlite")
        var options = ImportOptions()
        options.overrides = try ColumnMapping.parseOverrides(["pan=card no", "id=txn"])
        let summary = try store.importFile(PreparedImport(path: csv, options: options))
        #expect(summary.imported == 1 && summary.rejected == 1)
        #expect(summary.rejections.first?.reason == "not a card number (12 to 19 digits)")
        #expect(try store.clientID(typed: "4000056655665556") == "400005******5556")
        let plain = scratch.path + "/plain.csv"
        try "id,client,time,amount\nx,C000123,2024-01-01 10:00:00,1.00\n".write(toFile: plain, atomically: true, encoding: .utf8)
        let kept = try store.importFile(PreparedImport(path: plain, options: ImportOptions()))
        #expect(kept.imported == 1 && kept.cardNumbers == nil)
        #expect(try store.clientActivity(clientID: "C000123") != nil)
        try store.closeConnections()
    }
}
