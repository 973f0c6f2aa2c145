import GRDB
import VigilCore

/// Each client's transaction count, first and last instant and latest home, over the rows added to it, as the
/// `clients` table keeps them. Clients are numbered by their ids' bytes (no String is made per row).
struct ClientTotals: Sendable {
    private var ids = ByteInterner()
    private var totals: [Total] = []

    private struct Total: Sendable {
        var home: GeoPoint?
        var first: Int64
        var last: Int64
        var homeInstant: Int64
        var count: Int

        init(home: GeoPoint?, instant: Int64) {
            self.home = home
            first = instant
            last = instant
            homeInstant = instant
            count = 1
        }

        mutating func add(home h: GeoPoint?, instant: Int64) {
            first = min(first, instant)
            last = max(last, instant)
            count += 1
            if let h, instant >= homeInstant || home == nil { home = h; homeInstant = instant }
        }
    }

    /// How many clients the totals hold.
    var count: Int { totals.count }
    var isEmpty: Bool { totals.isEmpty }

    /// Counts `row` of `rows` for its client.
    mutating func add(_ rows: borrowing PackedRows, _ row: Int) {
        let id = rows.range(row, .clientID)
        let index = rows.bytes.withUnsafeBufferPointer { all in
            ids.index(of: all.baseAddress.map { $0 + id.lowerBound }, length: id.count)
        }
        let home = rows.home(row)
        if Int(index) == totals.count {
            totals.append(Total(home: home, instant: rows.instants[row]))
        } else {
            totals[Int(index)].add(home: home, instant: rows.instants[row])
        }
    }

    /// Adds the totals to the `clients` table (creating the clients not there yet), then empties them.
    mutating func write(_ db: Database) throws {
        guard !totals.isEmpty else { return }
        let statement = try db.cachedStatement(sql: """
            INSERT INTO clients (id, home_lat, home_lon, first_instant, last_instant, transaction_count)
            VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
                home_lat = CASE WHEN excluded.home_lat IS NOT NULL AND excluded.last_instant >= clients.last_instant
                                THEN excluded.home_lat ELSE coalesce(clients.home_lat, excluded.home_lat) END,
                home_lon = CASE WHEN excluded.home_lon IS NOT NULL AND excluded.last_instant >= clients.last_instant
                                THEN excluded.home_lon ELSE coalesce(clients.home_lon, excluded.home_lon) END,
                first_instant = min(clients.first_instant, excluded.first_instant),
                last_instant = max(clients.last_instant, excluded.last_instant),
                transaction_count = clients.transaction_count + excluded.transaction_count
            """)
        for (index, t) in totals.enumerated() {
            try statement.execute(arguments: [ids.string(Int32(index)), t.home?.latitude, t.home?.longitude,
                                              t.first, t.last, t.count])
        }
        self = ClientTotals()
    }
}
