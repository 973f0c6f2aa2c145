import Foundation
import VigilCore

extension ClientProfile {
    /// The share of the client's (decayed) transactions that the usual hours cover.
    static let usualHoursCoverage = 0.8
    /// The share of the placed transactions' weight that the usual places cover.
    static let usualPlacesCoverage = 0.9

    private static let weekdayNames = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// The profile in a few lines an analyst reads, amounts in `currency`:
    ///
    ///     1,820 transactions since 2019-01-02, about 2.3 a day, typically 6 h apart
    ///     usually 14:00–20:00 (UTC), busiest Sat
    ///     daily spend: median $42.10, 95th percentile $180.00 (60 days with spend)
    ///     monthly spend: median $1,210.00, 95th percentile $1,800.00 (12 months)
    ///     3 usual places within 12 km of home
    ///     top categories: grocery_pos 31 %, gas_transport 20 %
    ///     top merchants: Kirlin and Sons 12 %, Stehr PLC 9 %
    public func summary(currency: String = "USD") -> [String] {
        var lines: [String] = []
        var activity = "\(Formatting.grouped(transactions)) transaction\(transactions == 1 ? "" : "s") since "
            + CivilTime.formatDate(firstInstant)
        if transactions > 1 {
            activity += ", about " + Self.rate(transactionsPerDay)
            if let medianGapSeconds { activity += ", typically " + Self.gap(medianGapSeconds) + " apart" }
        }
        lines.append(activity)
        if let hours = usualHours() {
            lines.append("usually " + hours + " (UTC), busiest " + Self.weekdayNames[busiestWeekday()])
        }
        if let dailySpend {
            lines.append("daily spend: " + Self.describe(dailySpend, currency: currency)
                         + " (\(dailySpend.periods) day\(dailySpend.periods == 1 ? "" : "s") with spend)")
        }
        if let monthlySpend {
            lines.append("monthly spend: " + Self.describe(monthlySpend, currency: currency)
                         + " (\(monthlySpend.periods) month\(monthlySpend.periods == 1 ? "" : "s"))")
        }
        lines.append(describePlaces())
        if !usualCategories.isEmpty { lines.append("top categories: " + Self.describe(usualCategories)) }
        if !usualMerchants.isEmpty { lines.append("top merchants: " + Self.describe(usualMerchants)) }
        return lines
    }

    /// The shortest run of hours of the day (wrapping past midnight) holding `usualHoursCoverage` of the weight, as
    /// "14:00–20:00"; the heaviest such run when several are as short. Nil without weight or when it takes all day.
    func usualHours() -> String? {
        var hours = [Double](repeating: 0, count: 24)
        for (bin, weight) in hourOfWeek.enumerated() { hours[bin % 24] += weight }
        let total = hours.reduce(0, +)
        guard total > 0 else { return nil }
        for length in 1..<24 {
            var best: (start: Int, weight: Double)?
            for start in 0..<24 {
                let weight = (0..<length).reduce(0.0) { $0 + hours[(start + $1) % 24] }
                if weight >= Self.usualHoursCoverage * total, weight > best?.weight ?? -1 { best = (start, weight) }
            }
            if let best {
                return String(format: "%02d:00–%02d:00", best.start, (best.start + length) % 24)
            }
        }
        return nil
    }

    /// The weekday (Monday 0) with the most weight; the earliest of equals.
    func busiestWeekday() -> Int {
        var days = [Double](repeating: 0, count: 7)
        for (bin, weight) in hourOfWeek.enumerated() { days[bin / 24] += weight }
        var busiest = 0
        for day in 1..<7 where days[day] > days[busiest] { busiest = day }
        return busiest
    }

    /// The heaviest places holding `usualPlacesCoverage` of the places' weight.
    public var usualPlaces: [Place] {
        let total = places.reduce(0) { $0 + $1.weight }
        var covered = 0.0
        var usual: [Place] = []
        for place in places where covered < Self.usualPlacesCoverage * total || usual.isEmpty {
            usual.append(place)
            covered += place.weight
        }
        return usual
    }

    private func describePlaces() -> String {
        let usual = usualPlaces
        guard !usual.isEmpty else { return home == nil ? "no known places" : "no known places besides home" }
        var text = "\(usual.count) usual place\(usual.count == 1 ? "" : "s")"
        if let home {
            let farthest = usual.map { home.distanceKm(to: $0.point) }.max() ?? 0
            text += " within \(Formatting.grouped(Int(farthest.rounded(.up)))) km of home"
        }
        if places.count > usual.count { text += " (\(places.count) known)" }
        return text
    }

    private static func describe(_ spend: Spend, currency: String) -> String {
        "median \(Money(minorUnits: Money.minorUnits(clamping: spend.p50), currency: currency)), "
            + "95th percentile \(Money(minorUnits: Money.minorUnits(clamping: spend.p95), currency: currency))"
    }

    private static func describe(_ shares: [Share]) -> String {
        shares.map { "\($0.name) \(Int(($0.share * 100).rounded())) %" }.joined(separator: ", ")
    }

    private static func rate(_ perDay: Double) -> String {
        if perDay >= 0.95 { return String(format: "%.1f a day", perDay) }
        if perDay * 7 >= 0.95 { return String(format: "%.1f a week", perDay * 7) }
        return String(format: "%.1f a month", perDay * 30)
    }

    private static func gap(_ seconds: Int64) -> String {
        if seconds < 3_600 { return "\(max(1, (seconds + 30) / 60)) min" }
        if seconds < 48 * 3_600 { return "\((seconds + 1_800) / 3_600) h" }
        return "\((seconds + 43_200) / 86_400) days"
    }
}
