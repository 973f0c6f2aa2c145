import Foundation
import GRDB
import Testing

/// `vigil demo` records its chargeback feed in the store against the right transactions, and writes the same feed
/// as the CSV `vigil outcomes import` reads.
@Suite struct DemoOutcomesCommandTests {
    let scratch = Scratch()

    @Test func theFeedGoesIntoTheStoreAndTheCSVAlike() throws {
        let store = scratch.path + "/outcomes.sqlite"
        let first = scratch.path + "/first.csv"
        let run = try Harness.run(["demo", "--store", store, "--clients", "60", "--days", "90", "--seed", "7", "--outcomes-out", first])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("outcomes in feed demo-chargebacks"), "\(run.stdout)")
        // A second demo into the same store: its rows' ids start after the first's, and its outcomes follow them.
        let second = scratch.path + "/second.csv"
        #expect(try Harness.run(["demo", "--store", store, "--clients", "50", "--days", "80", "--seed", "8",
                                 "--outcomes-out", second]).status == 0)

        let queue = try DatabaseQueue(path: store)
        defer { try? queue.close() }
        let stored = try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.source_key, t.label, t.instant, o.outcome, o.known_at, o.source FROM outcomes o
                JOIN transactions t ON t.id = o.transaction_id
                """)
        }
        var fromStore: [String: String] = [:]
        for row in stored {
            let key: String = row[0]
            let label: Int = row[1]
            let instant: Int64 = row[2]
            let outcome: String = row[3]
            let knownAt: Int64 = row[4]
            let source: String = row[5]
            #expect(source == "demo-chargebacks")
            #expect((outcome == "fraud") == (label == 1), "\(key) is \(outcome) but labelled \(label)")
            #expect(knownAt > instant)
            fromStore[key] = "\(outcome),\(iso(knownAt))"
        }
        var fromCSV: [String: String] = [:]
        for path in [first, second] {
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.first == "source_id,outcome,known_at")
            for line in lines.dropFirst() {
                let fields = line.split(separator: ",", maxSplits: 1).map(String.init)
                fromCSV[fields[0]] = fields[1]
            }
        }
        #expect(stored.count > 20 && fromCSV.count == stored.count)
        #expect(fromCSV == fromStore)
        #expect(Set(fromStore.keys.map { $0.hasPrefix("demo-8-") }) == [true, false], "both demos have outcomes")

        // The same demo again adds nothing, and still writes the same feed.
        let again = scratch.path + "/again.csv"
        #expect(try Harness.run(["demo", "--store", store, "--clients", "60", "--days", "90", "--seed", "7",
                                 "--outcomes-out", again]).status == 0)
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outcomes") } == stored.count)
        #expect(try String(contentsOfFile: again, encoding: .utf8) == String(contentsOfFile: first, encoding: .utf8))
    }

    private func iso(_ epoch: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epoch)))
    }
}
