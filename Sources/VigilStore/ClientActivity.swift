import Foundation
import GRDB
import VigilCore

/// Every transaction of one client, oldest first, as parallel columns, with the alert on each (if any): what the
/// client view draws its timeline, heatmaps, places and transaction list from.
public struct ClientActivity: Sendable, Equatable {
    public var clientID: String
    /// The client's home, when the source gave one.
    public var home: GeoPoint?
    public var ids: [Int64] = []
    public var instants: [Int64] = []
    public var amounts: [Int64] = []
    public var currencies: [String] = []
    public var merchants: [String] = []
    public var categories: [String] = []
    /// "City, ST" or the country, empty when the source gave no place.
    public var places: [String] = []
    /// Where the merchant is, when known.
    public var locations: [GeoPoint?] = []
    public var alertIDs: [Int64?] = []
    public var alertStatuses: [String?] = []
    public var alertScores: [Double?] = []

    public init(clientID: String, home: GeoPoint?) {
        self.clientID = clientID
        self.home = home
    }

    public var count: Int { ids.count }

    /// The row of transaction `id`, if it is the client's.
    public func row(ofTransaction id: Int64) -> Int? {
        // Ids are not ordered by time in general (several imports), so search linearly: one client's rows are few.
        ids.firstIndex(of: id)
    }

    /// The currency most of the client's transactions are in.
    public var predominantCurrency: String {
        var counts: [String: Int] = [:]
        for currency in currencies { counts[currency, default: 0] += 1 }
        return counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? "USD"
    }
}

extension Store {
    /// The client's transactions with their alerts, through the client+time index; nil when no such client is
    /// stored.
    public func clientActivity(clientID typed: String) throws -> ClientActivity? {
        try pool.read { db in
            let clientID = try Self.storedClientID(typed, key: key, db)
            guard let client = try Row.fetchOne(db, sql: "SELECT home_lat, home_lon FROM clients WHERE id = ?",
                                                arguments: [clientID]) else { return nil }
            var home: GeoPoint?
            if let lat: Double = client[0], let lon: Double = client[1] { home = GeoPoint(latitude: lat, longitude: lon) }
            var activity = ClientActivity(clientID: clientID, home: home)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT t.id, t.instant, t.amount_minor, t.currency, t.merchant, t.category, t.city, t.state, t.country,
                       t.merch_lat, t.merch_lon, t.home_lat, t.home_lon, a.id, a.status, a.score
                FROM transactions t LEFT JOIN alerts a ON a.transaction_id = t.id
                WHERE t.client_id = ? ORDER BY t.instant, t.id
                """, arguments: [clientID])
            while let row = try rows.next() {
                activity.ids.append(row[0])
                activity.instants.append(row[1])
                activity.amounts.append(row[2])
                activity.currencies.append(row[3])
                activity.merchants.append(row[4])
                activity.categories.append(row[5])
                let city: String? = row[6], state: String? = row[7], country: String? = row[8]
                activity.places.append(Self.placeName(city: city, state: state, country: country))
                if let lat: Double = row[9], let lon: Double = row[10] {
                    activity.locations.append(GeoPoint(latitude: lat, longitude: lon))
                } else {
                    activity.locations.append(nil)
                }
                if activity.home == nil, let lat: Double = row[11], let lon: Double = row[12] {
                    activity.home = GeoPoint(latitude: lat, longitude: lon)
                }
                activity.alertIDs.append(row[13])
                activity.alertStatuses.append(row[14])
                activity.alertScores.append(row[15])
            }
            return activity
        }
    }

    static func placeName(city: String?, state: String?, country: String?) -> String {
        let parts = [city, state].compactMap { $0?.isEmpty == false ? $0 : nil }
        if !parts.isEmpty { return parts.joined(separator: ", ") }
        return country ?? ""
    }

    /// Up to `limit` stored client ids starting with `prefix`, in order: the command palette's completions.
    public func clientIDs(startingWith prefix: String, limit: Int = 20) throws -> [String] {
        try pool.read { db in
            // A range on the primary key rather than LIKE, which would not use it (and would treat % and _ as wildcards).
            // Ids starting with the prefix come first among those at or after it, so `limit` rows hold them all.
            try String.fetchAll(db, sql: "SELECT id FROM clients WHERE id >= ? ORDER BY id LIMIT ?",
                                arguments: [prefix, limit])
                .filter { $0.hasPrefix(prefix) }
        }
    }

    /// The alert on a transaction, if any.
    public func alertID(ofTransaction id: Int64) throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT id FROM alerts WHERE transaction_id = ?", arguments: [id]) }
    }

    /// The client of an alert's transaction, nil when the alert is gone.
    public func clientID(ofAlert id: Int64) throws -> String? {
        try pool.read { db in
            try String.fetchOne(db, sql: """
                SELECT t.client_id FROM alerts a JOIN transactions t ON t.id = a.transaction_id WHERE a.id = ?
                """, arguments: [id])
        }
    }
}
