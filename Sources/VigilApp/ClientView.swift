import Foundation
import VigilCore
import VigilDetect
import VigilEngine
import VigilStore
import VigilTUI

/// What the client view shows, computed from a client's activity: daily totals and marks for the timeline, the hour
/// × weekday grid, the places, the transaction list. Pure data: the screen draws it, tests check it.
public struct ClientView: Sendable {
    /// The timeline's spans: a month, a quarter, a year.
    public static let ranges = [30, 90, 365]

    public let activity: ClientActivity
    /// The client's saved profile (written by a scan), nil before one.
    public let profile: ClientProfile?
    /// The row of the transaction the view was opened for (an alert's), if any.
    public let focus: Int?
    public let currency: String
    /// UTC day numbers of the first and last transactions.
    public let firstDay: Int
    public let lastDay: Int
    /// Spend per day from `firstDay` to `lastDay`, in major units (refunds subtract).
    public let dailySpend: [Double]
    /// The strongest mark of each day that has one, by day number.
    public let marks: [Int: TimelineMark]

    public init(activity: ClientActivity, profile: ClientProfile?, focusTransaction: Int64? = nil) {
        self.activity = activity
        self.profile = profile
        focus = focusTransaction.flatMap(activity.row(ofTransaction:))
        currency = activity.predominantCurrency
        let days = activity.instants.map { Int(CivilTime.dayNumber($0)) }
        firstDay = days.min() ?? 0
        lastDay = days.max() ?? 0
        var spend = [Double](repeating: 0, count: activity.count == 0 ? 0 : lastDay - firstDay + 1)
        var marks: [Int: TimelineMark] = [:]
        let scale = 100.0  // Money keeps two decimals for every currency
        for (row, day) in days.enumerated() {
            spend[day - firstDay] += Double(activity.amounts[row]) / scale
            var mark = Self.mark(status: activity.alertStatuses[row])
            if row == focus { mark = .current }
            if let mark { marks[day] = max(marks[day] ?? mark, mark) }
        }
        dailySpend = spend
        self.marks = marks
    }

    /// How an alert's status shows on the timeline.
    static func mark(status: String?) -> TimelineMark? {
        switch status {
        case nil: nil
        case "confirmed_fraud": .confirmed
        case "escalated": .escalated
        case "false_positive": .cleared
        default: .flagged
        }
    }

    /// The day the timeline centres on first: the focus transaction's, else the last.
    public var anchorDay: Int {
        focus.map { Int(CivilTime.dayNumber(activity.instants[$0])) } ?? lastDay
    }

    /// The timeline's values and marks for the `span` days ending on `endDay` (inclusive); days without spend are 0.
    public func timeline(span: Int, endDay: Int) -> (values: [Double], firstDay: Int, marks: [Int: TimelineMark]) {
        let start = endDay - span + 1
        var values = [Double](repeating: 0, count: max(0, span))
        var marks: [Int: TimelineMark] = [:]
        for index in values.indices {
            let day = start + index
            if day >= firstDay, day <= lastDay, !dailySpend.isEmpty { values[index] = dailySpend[day - firstDay] }
            if let mark = self.marks[day] { marks[index] = mark }
        }
        return (values, start, marks)
    }

    /// The end day that shows `span` days around `anchorDay` without running past the last transaction's day.
    public func initialEndDay(span: Int) -> Int { endDay(centredOn: anchorDay, span: span) }

    /// The end day of a `span`-day window with `day` as near its middle as the client's history allows: the window
    /// neither ends after the last transaction's day nor (when the history is long enough) starts before the first.
    public func endDay(centredOn day: Int, span: Int) -> Int {
        max(min(day + span / 2, lastDay), min(firstDay + span - 1, lastDay))
    }

    /// Transactions (or spend, in major units) by weekday and UTC hour, `[weekday][hour]`, Monday 0.
    public func hourOfWeek(spend: Bool) -> [[Double]] {
        var grid = Array(repeating: Array(repeating: 0.0, count: 24), count: 7)
        let scale = 100.0
        for (row, instant) in activity.instants.enumerated() {
            let c = CivilTime.components(instant)
            grid[c.weekday][c.hour] += spend ? Double(activity.amounts[row]) / scale : 1
        }
        return grid
    }

    /// The focus transaction's (weekday, hour), for the heatmap's highlight.
    public var focusCell: (weekday: Int, hour: Int)? {
        focus.map { let c = CivilTime.components(activity.instants[$0]); return (c.weekday, c.hour) }
    }

    /// A place the client transacts: every transaction at one place name (or, without a name, at one 0.1° cell).
    public struct Place: Sendable, Equatable {
        public var name: String
        public var location: GeoPoint?
        public var transactions: Int
        public var spendMinor: Int64
        /// Kilometres from home, when both are known.
        public var distanceKm: Double?
    }

    /// A named place whose merchants lie farther than this from their mean is not one place (some exports name the
    /// cardholder's city on every row): its transactions are grouped by where the merchants are instead.
    static let placeSpreadKm = 100.0

    /// The client's places, busiest first: each named place at the mean of its merchants' locations, or, where a
    /// name spans more than `placeSpreadKm` (or there is none), half-degree cells named by their centre.
    public func places() -> [Place] {
        struct Accumulator { var lat = 0.0, lon = 0.0, located = 0, count = 0, spend = AmountSum() }
        func centre(_ entry: Accumulator) -> GeoPoint? {
            entry.located > 0 ? GeoPoint(latitude: entry.lat / Double(entry.located), longitude: entry.lon / Double(entry.located)) : nil
        }
        func add(_ row: Int, to entry: inout Accumulator) {
            entry.count += 1
            entry.spend.add(activity.amounts[row])
            if let location = activity.locations[row], location.isValid {
                entry.lat += location.latitude
                entry.lon += location.longitude
                entry.located += 1
            }
        }
        // The names' centres, then how far each name's merchants spread from it.
        var byName: [String: Accumulator] = [:]
        for row in 0..<activity.count where !activity.places[row].isEmpty { add(row, to: &byName[activity.places[row], default: Accumulator()]) }
        let centres = byName.compactMapValues(centre)
        var spread: [String: Double] = [:]
        for row in 0..<activity.count {
            let name = activity.places[row]
            guard let centre = centres[name], let location = activity.locations[row], location.isValid else { continue }
            spread[name] = max(spread[name] ?? 0, centre.distanceKm(to: location))
        }
        var groups: [String: Accumulator] = [:]
        for row in 0..<activity.count {
            var name = activity.places[row]
            if name.isEmpty || (spread[name] ?? 0) > Self.placeSpreadKm {
                if let location = activity.locations[row], location.isValid {
                    name = Self.cellName(location)
                } else if name.isEmpty {
                    name = "(no place)"
                }
            }
            add(row, to: &groups[name, default: Accumulator()])
        }
        return groups.map { name, entry in
            let location = centre(entry)
            let distance = location.flatMap { place in activity.home.map { $0.distanceKm(to: place) } }
            return Place(name: name, location: location, transactions: entry.count, spendMinor: entry.spend.clampedMinorUnits, distanceKm: distance)
        }.sorted { ($0.transactions, $1.name) > ($1.transactions, $0.name) }
    }

    /// "39.5N 76.5W": the centre of the half-degree cell holding `point`.
    static func cellName(_ point: GeoPoint) -> String {
        let lat = (point.latitude * 2).rounded() / 2, lon = (point.longitude * 2).rounded() / 2
        return String(format: "%.1f%@ %.1f%@", abs(lat), lat < 0 ? "S" : "N", abs(lon), lon < 0 ? "W" : "E")
    }

    /// The merchants' locations counted at 0.01°, for the location map.
    public func mapPoints() -> [(latitude: Double, longitude: Double, weight: Double)] {
        var cells: [GeoPoint: Double] = [:]
        for case let location? in activity.locations where location.isValid {
            cells[GeoPoint(latitude: (location.latitude * 100).rounded() / 100,
                           longitude: (location.longitude * 100).rounded() / 100), default: 0] += 1
        }
        return cells.sorted { ($0.key.latitude, $0.key.longitude) < ($1.key.latitude, $1.key.longitude) }
            .map { (latitude: $0.key.latitude, longitude: $0.key.longitude, weight: $0.value) }
    }

    /// The lines summing up the client: the saved profile's, or plain counts before any scan.
    public func summaryLines() -> [String] {
        if let profile { return profile.summary(currency: currency) }
        guard activity.count > 0 else { return ["no transactions"] }
        // Summed without overflow: a store may hold amounts large enough for an Int64 total to overflow.
        var total = AmountSum()
        for amount in activity.amounts { total.add(amount) }
        return [
            "\(Formatting.grouped(activity.count)) transactions from \(CivilTime.formatDate(activity.instants.first!)) "
                + "to \(CivilTime.formatDate(activity.instants.last!)), \(Money(minorUnits: total.clampedMinorUnits, currency: currency).totalDescription) in all",
            "no profile yet: a scan (R) learns the client's usual hours, places and spend",
        ]
    }

    /// Rows whose merchant, category or place contains `text` (case-insensitive), in row order.
    public func rows(matching text: String) -> [Int] {
        let needle = text.lowercased()
        guard !needle.isEmpty else { return [] }
        return (0..<activity.count).filter {
            activity.merchants[$0].lowercased().contains(needle) || activity.categories[$0].lowercased().contains(needle)
                || activity.places[$0].lowercased().contains(needle)
        }
    }
}
