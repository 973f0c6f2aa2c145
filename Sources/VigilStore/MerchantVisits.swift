import Foundation
import GRDB
import VigilCore

/// Every transaction as a visit of a card to a merchant: what common-point-of-purchase analysis reads. Cards and
/// merchants are numbered in order of first sight (`clientIDs`, `merchantNames` name them); rows are in id order.
public struct MerchantVisits: Sendable {
    public var ids: [Int64] = []
    public var instants: [Int64] = []
    public var clients: [Int32] = []
    public var merchants: [Int32] = []
    /// 1 fraud, 0 genuine, −1 unlabelled (the store's labels, for evaluation only).
    public var labels: [Int8] = []
    public var clientIDs: [String] = []
    public var merchantNames: [String] = []

    public init() {}

    public var count: Int { ids.count }
}

extension Store {
    /// Every transaction's id, instant, card, merchant and label, in one sequential pass over the table (read as
    /// `forEachClientChunk` reads, without making a String per row): about 25 bytes a transaction.
    public func merchantVisits() throws -> MerchantVisits {
        try pool.read { db in
            try db.execute(sql: "PRAGMA mmap_size = \(Self.readMapSize)")
            let statement = try RawStatement(db, sql: "SELECT id, instant, client_id, merchant, label FROM transactions ORDER BY id")
            var visits = MerchantVisits()
            if let count = try Int.fetchOne(db, sql: "SELECT max(id) FROM transactions") {
                visits.ids.reserveCapacity(count)
                visits.instants.reserveCapacity(count)
                visits.clients.reserveCapacity(count)
                visits.merchants.reserveCapacity(count)
                visits.labels.reserveCapacity(count)
            }
            var clients = InternedNames(), merchants = InternedNames()
            while try statement.step() {
                visits.ids.append(statement.int64(0))
                visits.instants.append(statement.int64(1))
                visits.clients.append(clients.index(of: statement, column: 2))
                visits.merchants.append(merchants.index(of: statement, column: 3))
                visits.labels.append(statement.isNull(4) ? -1 : Int8(clamping: statement.int64(4)))
            }
            visits.clientIDs = clients.names
            visits.merchantNames = merchants.names
            return visits
        }
    }
}
