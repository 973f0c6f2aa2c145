import Foundation
import GRDB
import VigilCore

/// How one detector's alerts fared: how many alerts it gave a reason for, and what the analysts decided on them.
public struct DetectorTally: Sendable, Equatable {
    public var detector: String
    public var alerts: Int
    public var confirmed: Int
    public var falsePositive: Int

    public init(detector: String, alerts: Int, confirmed: Int, falsePositive: Int) {
        self.detector = detector
        self.alerts = alerts
        self.confirmed = confirmed
        self.falsePositive = falsePositive
    }

    /// Confirmed fraud over the alerts decided either way (escalations and requests for information are not
    /// verdicts); nil before any verdict.
    public var precision: Double? {
        confirmed + falsePositive == 0 ? nil : Double(confirmed) / Double(confirmed + falsePositive)
    }
}

/// What the alerts a query selects add up to: the overview screen's alert half.
public struct AlertOverview: Sendable, Equatable {
    /// Alerts per UTC day number (days since 1970-01-01) of their transaction.
    public var perDay: [Int64: Int] = [:]
    /// Alerts with a reason from each detector, and the analysts' verdicts on them; most alerts first.
    public var byDetector: [DetectorTally] = []
    /// Alerts by the detector of their leading reason (the largest contribution); most first.
    public var byLeadingReason: [(detector: String, alerts: Int)] = []
    /// Alerts by status.
    public var statuses: [String: Int] = [:]
    /// The transactions' hour × weekday counts, `[weekday][hour]`, Monday 0.
    public var hourOfWeek = Array(repeating: Array(repeating: 0.0, count: 24), count: 7)
    /// The merchants' places, counted at 0.01° (about a kilometre).
    public var places: [(location: GeoPoint, count: Int)] = []

    public init() {}

    public var total: Int { statuses.values.reduce(0, +) }

    /// Every alert's verdicts together: the ensemble's precision so far.
    public var overall: DetectorTally {
        DetectorTally(detector: "ensemble", alerts: total, confirmed: statuses["confirmed_fraud"] ?? 0,
                      falsePositive: statuses["false_positive"] ?? 0)
    }

    public static func == (a: AlertOverview, b: AlertOverview) -> Bool {
        a.perDay == b.perDay && a.byDetector == b.byDetector && a.statuses == b.statuses && a.hourOfWeek == b.hourOfWeek
            && a.byLeadingReason.map(\.detector) == b.byLeadingReason.map(\.detector)
            && a.byLeadingReason.map(\.alerts) == b.byLeadingReason.map(\.alerts)
            && a.places.map(\.location) == b.places.map(\.location) && a.places.map(\.count) == b.places.map(\.count)
    }
}

/// What every stored transaction adds up to: the overview screen's transaction half. Reading it walks every row
/// (seconds on a large store), so the workbench computes it in the background.
public struct ActivityOverview: Sendable, Equatable {
    public var transactions = 0
    /// Transactions per UTC day number.
    public var perDay: [Int64: Int] = [:]
    /// `[weekday][hour]`, Monday 0.
    public var hourOfWeek = Array(repeating: Array(repeating: 0.0, count: 24), count: 7)
    /// The merchants' places, counted at 0.1° (about 10 km).
    public var places: [(location: GeoPoint, count: Int)] = []

    public init() {}

    public static func == (a: ActivityOverview, b: ActivityOverview) -> Bool {
        a.transactions == b.transactions && a.perDay == b.perDay && a.hourOfWeek == b.hourOfWeek
            && a.places.map(\.location) == b.places.map(\.location) && a.places.map(\.count) == b.places.map(\.count)
    }
}

extension Store {
    /// The alerts `query` selects (its sort is ignored), added up.
    public func alertOverview(matching query: AlertQuery = AlertQuery(statuses: nil)) throws -> AlertOverview {
        try pool.read { db in
            let (filter, arguments) = try query.filter(db, key: key)
            var overview = AlertOverview()
            for row in try Row.fetchAll(db, sql: "SELECT a.status, COUNT(*) FROM alerts a \(filter) GROUP BY a.status",
                                        arguments: arguments) {
                overview.statuses[row[0]] = row[1]
            }
            for row in try Row.fetchAll(db, sql: "SELECT a.instant / 86400, COUNT(*) FROM alerts a \(filter) GROUP BY 1",
                                        arguments: arguments) {
                overview.perDay[row[0]] = row[1]
            }
            // A detector counts once per alert however many reasons it gave.
            let tallies = try Row.fetchAll(db, sql: """
                SELECT d.detector, COUNT(*), SUM(d.status = 'confirmed_fraud'), SUM(d.status = 'false_positive')
                FROM (SELECT DISTINCT a.id, a.status, json_extract(r.value, '$.detector') AS detector
                      FROM alerts a, json_each(a.reasons) r \(filter)) AS d
                GROUP BY d.detector
                """, arguments: arguments)
            overview.byDetector = tallies.map {
                DetectorTally(detector: $0[0] ?? "?", alerts: $0[1], confirmed: $0[2] ?? 0, falsePositive: $0[3] ?? 0)
            }.sorted { ($0.alerts, $1.detector) > ($1.alerts, $0.detector) }
            overview.byLeadingReason = try Row.fetchAll(db, sql: """
                SELECT coalesce(json_extract(a.reasons, '$[0].detector'), 'none'), COUNT(*) FROM alerts a \(filter) GROUP BY 1
                """, arguments: arguments).map { (detector: $0[0] as String, alerts: $0[1] as Int) }
                .sorted { ($0.alerts, $1.detector) > ($1.alerts, $0.detector) }
            var places: [GeoPoint: Int] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT a.instant, t.merch_lat, t.merch_lon FROM alerts a JOIN transactions t ON t.id = a.transaction_id \(filter)
                """, arguments: arguments)
            while let row = try rows.next() {
                let c = CivilTime.components(row[0])
                overview.hourOfWeek[c.weekday][c.hour] += 1
                if let lat: Double = row[1], let lon: Double = row[2], lat.isFinite, lon.isFinite {
                    places[GeoPoint(latitude: (lat * 100).rounded() / 100, longitude: (lon * 100).rounded() / 100), default: 0] += 1
                }
            }
            overview.places = Self.ordered(places)
            return overview
        }
    }

    /// Every stored transaction added up, in one pass over the table. `isCancelled` is asked every 65,536 rows;
    /// when it says yes the pass stops and nil is returned.
    public func activityOverview(isCancelled: @Sendable () -> Bool = { false }) throws -> ActivityOverview? {
        try pool.read { db in
            var overview = ActivityOverview()
            var hours = [Int](repeating: 0, count: 7 * 24)
            var places: [Int64: Int] = [:]
            let statement = try db.makeStatement(sql: "SELECT instant, merch_lat, merch_lon FROM transactions")
            let cursor = try Row.fetchCursor(statement)
            var count = 0
            while let row = try cursor.next() {
                let instant: Int64 = row[0]
                let day = instant >= 0 ? instant / 86_400 : (instant - 86_399) / 86_400
                overview.perDay[day, default: 0] += 1
                // 1970-01-01 was a Thursday (weekday 3 counting from Monday).
                let hourOfWeek = Int(((day + 3) % 7 + 7) % 7) * 24 + Int((instant - day * 86_400) / 3_600)
                hours[hourOfWeek] += 1
                if let lat: Double = row[1], let lon: Double = row[2], lat.isFinite, lon.isFinite, abs(lat) <= 90, abs(lon) <= 180 {
                    // One integer key per 0.1° cell: cheaper to hash than a pair of doubles, millions of times.
                    let key = Int64((lat * 10).rounded() + 900) * 4_000 + Int64((lon * 10).rounded() + 1_800)
                    places[key, default: 0] += 1
                }
                count += 1
                if count & 0xFFFF == 0, isCancelled() { return nil }
            }
            overview.transactions = count
            for (index, n) in hours.enumerated() { overview.hourOfWeek[index / 24][index % 24] = Double(n) }
            var points: [GeoPoint: Int] = [:]
            for (key, n) in places {
                points[GeoPoint(latitude: Double(key / 4_000 - 900) / 10, longitude: Double(key % 4_000 - 1_800) / 10)] = n
            }
            overview.places = Self.ordered(points)
            return overview
        }
    }

    /// Busiest first, then by place, so the order is total.
    private static func ordered(_ places: [GeoPoint: Int]) -> [(location: GeoPoint, count: Int)] {
        places.map { (location: $0.key, count: $0.value) }.sorted {
            ($0.count, $1.location.latitude, $1.location.longitude) > ($1.count, $0.location.latitude, $0.location.longitude)
        }
    }
}
