import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// SQL meta-characters fed through every filter and search the store offers: each is bound as a value, never
/// spliced into SQL, so results are exactly the rows whose text holds those characters, and the schema survives.
@Suite struct BoundParameterTests {
    let scratch = ScratchDirectory()

    /// Texts that would break, widen or rewrite a query built by splicing strings, or match too much through LIKE.
    static let hostile = [
        "'", "\"", ";", "--", "%", "_", "\\", "' OR 1=1 --", "'); DROP TABLE transactions; --", "a\u{0}b",
        "x%", "C_1", "%'; DELETE FROM alerts; --",
    ]

    /// A store whose clients and merchants are the hostile texts (plus plain ones that a wildcard would match),
    /// every transaction alerted, with a reason naming a hostile detector.
    func hostileStore() throws -> Store {
        var lines = ["source_key,client,time,amount,merchant,category"]
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        let clients = Self.hostile.filter { !$0.contains("\u{0}") } + ["C11", "plain", "xy"]
        for (i, client) in clients.enumerated() {
            lines.append("k\(i),\(quoted(client)),2025-03-0\(1 + i % 9) 10:00:00,\(10 + i).00,\(quoted("shop " + client)),food")
        }
        let csv = scratch.file("hostile.csv", lines.joined(separator: "\n") + "\n")
        let store = try scratch.store()
        let summary = try store.importFile(try PreparedImport(path: csv))
        #expect(summary.imported == clients.count && summary.rejected == 0)
        let ids = try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM transactions ORDER BY id") }
        _ = try store.refreshAlerts(ids.enumerated().map { i, id in
            AlertCandidate(transactionID: id, score: 0.5 + Double(i) / 100,
                           reasons: [AlertReason(detector: i % 2 == 0 ? "' OR 1=1 --" : "rules", score: 1, contribution: 1,
                                                 text: "reason of " + clients[i])])
        })
        return store
    }

    func tables(_ store: Store) throws -> [String] { try store.tableNames() }

    @Test func filtersAndSearchesTreatMetaCharactersAsText() throws {
        let store = try hostileStore()
        let tablesBefore = try tables(store)
        let transactions = try store.transactionCount()
        let clients = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM clients ORDER BY id") }

        for text in Self.hostile {
            // The queue's client filter: exactly that client's alert, or none.
            let byClient = try store.alertIDs(matching: AlertQuery(statuses: nil, clientID: text))
            #expect(byClient.count == (clients.contains(text) ? 1 : 0), "client filter \(text.debugDescription)")
            for summary in try store.alertSummaries(ids: byClient) { #expect(summary.clientID == text) }
            // The detector filter: every alert or none, never an error.
            let byDetector = try store.alertIDs(matching: AlertQuery(statuses: nil, detector: text))
            #expect(byDetector.count == (text == "' OR 1=1 --" ? (clients.count + 1) / 2 : 0), "detector \(text.debugDescription)")
            // The overview of a filter counts what the filter selects.
            #expect(try store.alertOverview(matching: AlertQuery(statuses: nil, clientID: text)).total == byClient.count)
            _ = try store.alertSortColumns(matching: AlertQuery(statuses: nil, detector: text, clientID: text))
            // The palette's client completion is a prefix match on the literal text: % and _ are not wildcards.
            let completions = try store.clientIDs(startingWith: text)
            #expect(completions == clients.filter { $0.hasPrefix(text) }, "prefix \(text.debugDescription)")
            // The client view.
            let activity = try store.clientActivity(clientID: text)
            #expect((activity?.count ?? 0) == (clients.contains(text) ? 1 : 0))
            // Search over merchants, clients and reasons: the literal text, case-insensitively.
            let all = try store.alertIDs(matching: AlertQuery(statuses: nil))
            let summaries = try store.alertSummaries(ids: all)
            let found = try store.searchAlerts(text, in: all, after: all.count - 1)
            let expected = summaries.firstIndex { s in
                s.merchant.lowercased().contains(text.lowercased()) || s.clientID.lowercased().contains(text.lowercased())
                    || s.reasons.contains { $0.text.lowercased().contains(text.lowercased()) }
            }
            #expect(found == expected, "search \(text.debugDescription)")
            // Notes and decisions carry the text verbatim into the audit trail.
            if let first = byClient.first, let seen = try store.alertSummaries(ids: [first]).first {
                let event = try store.addNote(text, to: SeenAlert(id: first, version: seen.version), analyst: text)
                #expect(try store.triageEvents(ofAlert: first).last == event)
                #expect(event.note == text && event.analyst == text)
            }
        }
        #expect(try store.clientIDs(startingWith: "C_") == ["C_1"])
        #expect(try store.clientIDs(startingWith: "%") == ["%", "%'; DELETE FROM alerts; --"])
        #expect(try tables(store) == tablesBefore)
        #expect(try store.transactionCount() == transactions)
        #expect(try store.alertIDs(matching: AlertQuery(statuses: nil)).count == transactions)
        #expect(try store.verifyAuditChain() == .intact(events: Self.hostile.filter { clients.contains($0) }.count))
        #expect(try store.pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
    }

    @Test func storedHostileTextsReadBackUnchanged() throws {
        let store = try hostileStore()
        let stored = try store.pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM clients ORDER BY id") }
        #expect(Set(stored) == Set(Self.hostile.filter { !$0.contains("\u{0}") } + ["C11", "plain", "xy"]))
        let rejected = try store.rejectedRows(importID: nil)
        #expect(rejected.isEmpty)
    }
}
