import Foundation
import Testing
@testable import VigilApp
import VigilCore
@testable import VigilEngine
import VigilStore

/// The queue's in-memory ordering against the store's own ORDER BY, on alerts with ties and non-ASCII text.
@Suite struct AlertViewTests {
    @Test func everyOrderMatchesTheStoresAndRemovalKeepsIt() throws {
        let directory = NSTemporaryDirectory() + "vigil-view-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Store(path: directory + "/v.sqlite")
        defer { try? store.closeConnections() }  // before its files are removed: see `Store.closeConnections()`
        let merchants = ["Ärzte", "Zebra", "apple", "Apple", "Éclair", "zebra", ""]
        var rows: [Transaction] = []
        for i in 0..<300 {
            rows.append(Transaction(sourceKey: "k\(i)", clientID: "C\(i % 7)\(i % 3 == 0 ? "é" : "")",
                                    instant: 1_700_000_000 + Int64(i % 40) * 600, originalTime: "t",
                                    amount: Money(minorUnits: Int64((i * 37) % 50) * 100), merchant: merchants[i % merchants.count],
                                    category: ["b", "a", "c"][i % 3]))
        }
        _ = try store.appendGenerated(name: "v", identity: "v") { sink in try sink(rows) }
        var candidates: [AlertCandidate] = []
        for id in Int64(1)...300 where id % 4 != 0 {
            let reasons = id % 5 == 0 ? [] : [AlertReason(detector: "x", score: 1, contribution: 1, text: ["b", "a", "Ärger", "z"][Int(id % 4)])]
            candidates.append(AlertCandidate(transactionID: id, score: Double((id * 13) % 9) / 10, reasons: reasons))
        }
        _ = try store.refreshAlerts(candidates)
        // A few decided, so the status column has several values.
        try store.decide([SeenAlert(id: 3, version: 1), SeenAlert(id: 9, version: 1)], status: .escalated, analyst: "a")
        try store.decide([SeenAlert(id: 5, version: 1)], status: .falsePositive, analyst: "a")

        let query = AlertQuery(statuses: nil)
        var view = AlertView(try store.alertSortColumns(matching: query), sort: .score, descending: true)
        for key in AlertQuery.SortKey.allCases {
            for descending in [true, false] {
                var q = query
                q.sort = key
                q.descending = descending
                view.sort(by: key, descending: descending)
                #expect(view.ids == (try store.alertIDs(matching: q)), "\(key) \(descending ? "desc" : "asc")")
            }
        }
        // Taking alerts out keeps every order the store's, without them.
        view.remove([1, 2, 7, 9_999])
        for key in AlertQuery.SortKey.allCases {
            view.sort(by: key, descending: true)
            var q = query
            q.sort = key
            q.descending = true
            #expect(view.ids == (try store.alertIDs(matching: q)).filter { ![1, 2, 7].contains($0) }, "\(key) after removal")
        }
        #expect(view.count == 225 - 3)
        // Putting them back restores the store's order exactly; an alert never in the view asks for a fresh read.
        let restored = view.restore([1, 7])
        #expect(restored)
        #expect(view.ids == (try store.alertIDs(matching: AlertQuery(statuses: nil, sort: view.sort, descending: true))).filter { $0 != 2 })
        let unknown = view.restore([9_999])
        #expect(!unknown)
    }
}
