import Foundation
import GRDB
import Testing
import VigilCore
import VigilDemo
@testable import VigilStore

@Suite struct TransactionColumnsReaderTests {
    let scratch = ScratchDirectory()

    @Test func chunksHoldWholeClientsInTimeOrderAndEveryRowOnce() throws {
        let store = try scratch.store()
        let generator = try DemoGenerator(config: DemoConfig(clients: 25, days: 30, seed: 5))
        let summary = try store.appendGenerated(name: "demo", identity: "r") { sink in try generator.generate(sink) }

        var seenClients = Set<String>()
        var ids: [Int64] = []
        var categoryNames: [String] = []
        var merchantNames: [String] = []
        var chunks = 0
        try store.forEachClientChunk(rowsPerChunk: 300) { chunk in
            chunks += 1
            #expect(chunk.clientStarts.first == 0 && chunk.clientStarts.last == chunk.count)
            #expect(chunk.categoryNames.starts(with: categoryNames), "indices are stable across chunks")
            categoryNames = chunk.categoryNames
            #expect(chunk.merchantNames.starts(with: merchantNames), "indices are stable across chunks")
            #expect(Set(chunk.merchantNames).count == chunk.merchantNames.count, "each merchant interned once")
            merchantNames = chunk.merchantNames
            #expect(chunk.merchants.count == chunk.count)
            for client in 0..<chunk.clientCount {
                #expect(seenClients.insert(chunk.clientIDs[client]).inserted, "\(chunk.clientIDs[client]) in two chunks")
                let rows = chunk.rows(ofClient: client)
                #expect(!rows.isEmpty)
                for (a, b) in zip(rows, rows.dropFirst()) {
                    #expect((chunk.instants[a], chunk.ids[a]) < (chunk.instants[b], chunk.ids[b]))
                }
            }
            ids += chunk.ids
        }
        #expect(chunks > 1)
        #expect(seenClients.count == 25)
        #expect(ids.count == summary.imported && Set(ids).count == ids.count)

        // Spot-check values against the table.
        let row = try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT id, instant, amount_minor, category, merchant, merch_lat, label, channel FROM transactions WHERE id = 7")!
        }
        let storedByChannel = try Dictionary(uniqueKeysWithValues: Channel.allCases.map { channel in
            (channel, try store.pool.read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE channel = ?", arguments: [channel.rawValue])!
            })
        })
        let merchantByID = try store.pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, merchant FROM transactions").map {
                (row: Row) -> (Int64, String) in (row["id"], row["merchant"])
            })
        }
        try store.forEachClientChunk(rowsPerChunk: .max) { chunk in
            #expect(Set(chunk.merchantNames) == Set(merchantByID.values) && chunk.merchantNames.count > 1)
            #expect(chunk.ids.indices.allSatisfy { chunk.merchantNames[Int(chunk.merchants[$0])] == merchantByID[chunk.ids[$0]] })
            let index = try #require(chunk.ids.firstIndex(of: 7))
            #expect(chunk.instants[index] == row["instant"])
            #expect(chunk.amountMinor[index] == row["amount_minor"])
            #expect(chunk.categoryNames[Int(chunk.categories[index])] == row["category"])
            #expect(chunk.merchantNames[Int(chunk.merchants[index])] == row["merchant"])
            #expect(chunk.merchantLatitude[index] == row["merch_lat"])
            #expect(Int(chunk.labels[index]) == row["label"])
            #expect(chunk.channels[index]?.rawValue == row["channel"])
            for channel in Channel.allCases {
                #expect(chunk.channels.filter { $0 == channel }.count == storedByChannel[channel], "\(channel)")
            }
        }
    }

    @Test func rowsComeInTheOrderOfClientTimeAndIdWhateverTheTablesOrder() throws {
        let store = try scratch.store()
        // Clients arrive out of byte order (with shared prefixes), and rows out of time order, with ties.
        let plan: [(String, Int64)] = [("C2", 500), ("C10", 300), ("C1", 900), ("C2", 100), ("B", 700), ("C1", 900),
                                       ("C10", 200), ("C2", 100), ("é", 50), ("C1", 100), ("B", 700)]
        _ = try store.appendGenerated(name: "shuffled", identity: "o") { sink in
            try sink(plan.enumerated().map { n, row in
                Transaction(sourceKey: "k\(n)", clientID: row.0, instant: row.1, originalTime: "t", amount: Money(minorUnits: 100),
                            merchant: "m", category: "c")
            })
        }
        let expected = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, client_id FROM transactions ORDER BY client_id, instant, id").map {
                (id: $0["id"] as Int64, client: $0["client_id"] as String)
            }
        }
        for perChunk in [1, 3, .max] {
            var got: [(id: Int64, client: String)] = []
            try store.forEachClientChunk(rowsPerChunk: perChunk) { chunk in
                for client in 0..<chunk.clientCount {
                    for row in chunk.rows(ofClient: client) { got.append((chunk.ids[row], chunk.clientIDs[client])) }
                }
            }
            #expect(got.map(\.id) == expected.map(\.id), "rows per chunk \(perChunk)")
            #expect(got.map(\.client) == expected.map(\.client))
        }
        #expect(expected.map(\.client).first == "B" && expected.map(\.client).last == "é")
    }

    @Test func theReadReportsItsRowsAndStopsWhenTheReportThrows() throws {
        struct Stop: Error {}
        let store = try scratch.store()
        let generator = try DemoGenerator(config: DemoConfig(clients: 10, days: 30, seed: 5))
        _ = try store.appendGenerated(name: "demo", identity: "r") { sink in try generator.generate(sink) }
        let total = try store.transactionCount()
        var reports: [Int] = []
        var rows = 0
        try store.forEachClientChunk(rowsPerChunk: 100, readingEvery: 97, reading: { reports.append($0) }) { chunk in
            // Every report comes before the first chunk.
            #expect(reports.count == total / 97)
            rows += chunk.count
        }
        #expect(reports == Array(stride(from: 97, through: total, by: 97)))
        #expect(rows == total)

        var chunks = 0
        #expect(throws: Stop.self) {
            try store.forEachClientChunk(rowsPerChunk: 100, readingEvery: 97, reading: { if $0 >= 2 * 97 { throw Stop() } }) { _ in
                chunks += 1
            }
        }
        #expect(chunks == 0)
    }

    @Test func aSampleTakesEveryKthRowID() throws {
        let store = try scratch.store()
        _ = try store.appendGenerated(name: "demo", identity: "s") { sink in
            try DemoGenerator(config: DemoConfig(clients: 5, days: 20, seed: 1)).generate(sink)
        }
        let sample = try store.transactionSample(every: 10)
        #expect(sample.count > 0)
        #expect(sample.ids.allSatisfy { $0 % 10 == 0 })
        let expected = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE id % 10 = 0")! }
        #expect(sample.count == expected)
    }

    @Test func thousandsOfMerchantsAreInternedOnceEach() throws {
        let store = try scratch.store()
        // Names of every length from 0 to 40, sharing long prefixes; each used twice, by two clients.
        let names = (0..<3_000).map { i in String(repeating: "m", count: i % 41) + (i % 41 == 0 ? "" : "\(i)") }
        let distinct = Array(Set(names))
        _ = try store.appendGenerated(name: "merchants", identity: "m") { sink in
            try sink((0..<2 * distinct.count).map { i in
                Transaction(sourceKey: "k\(i)", clientID: i % 2 == 0 ? "A" : "B", instant: Int64(i), originalTime: "\(i)",
                            amount: Money(minorUnits: 5), merchant: distinct[i / 2], category: "c")
            })
        }
        try store.forEachClientChunk(rowsPerChunk: 1_000) { chunk in
            for row in 0..<chunk.count {
                #expect(chunk.merchantNames[Int(chunk.merchants[row])] == distinct[Int(chunk.instants[row]) / 2])
            }
            #expect(Set(chunk.merchantNames).count == chunk.merchantNames.count)
            #expect(chunk.merchantNames.count == distinct.count)
        }
    }

    @Test func missingPlacesAndLabelsReadAsNaNAndUnknown() throws {
        let store = try scratch.store()
        _ = try store.appendGenerated(name: "plain", identity: "p") { sink in
            try sink([Transaction(sourceKey: "k", clientID: "C", instant: 100, originalTime: "100", amount: Money(minorUnits: 5),
                                  merchant: "m", category: "c")])
        }
        try store.forEachClientChunk { chunk in
            #expect(chunk.count == 1)
            #expect(chunk.homeLatitude[0].isNaN && chunk.merchantLongitude[0].isNaN)
            #expect(chunk.labels[0] == -1)
            #expect(chunk.channels[0] == nil)
        }
    }
}
