/// Calendar arithmetic on the proleptic Gregorian calendar in UTC, without Foundation's
/// Calendar (which is slow in hot loops and locale-dependent).
public enum CivilTime {
    /// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The civil date of a count of days since 1970-01-01.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Epoch seconds for a UTC civil date and time.
    public static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        Int64(daysFromCivil(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days since 1970-01-01 of the UTC day an instant falls in (floor division, so instants before 1970 count back).
    @inlinable public static func dayNumber(_ epoch: Int64) -> Int64 {
        epoch >= 0 ? epoch / 86_400 : (epoch - 86_399) / 86_400
    }

    /// Day of the week of a day number (`dayNumber`), Monday 0 … Sunday 6: 1970-01-01 was a Thursday.
    @inlinable public static func weekday(ofDay day: Int64) -> Int {
        Int(((day + 3) % 7 + 7) % 7)
    }

    /// Splits epoch seconds into UTC civil fields.
    public static func components(_ epoch: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int) {
        var days = epoch / 86_400
        var rest = epoch % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(Int(days))
        return (y, m, d, Int(rest / 3600), Int(rest % 3600 / 60), Int(rest % 60), weekday(ofDay: days))
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC.
    public static func format(_ epoch: Int64) -> String {
        let c = components(epoch)
        var bytes = [UInt8]()
        bytes.reserveCapacity(19)
        appendPadded(&bytes, c.year, 4); bytes.append(UInt8(ascii: "-"))
        appendPadded(&bytes, c.month, 2); bytes.append(UInt8(ascii: "-"))
        appendPadded(&bytes, c.day, 2); bytes.append(UInt8(ascii: " "))
        appendPadded(&bytes, c.hour, 2); bytes.append(UInt8(ascii: ":"))
        appendPadded(&bytes, c.minute, 2); bytes.append(UInt8(ascii: ":"))
        appendPadded(&bytes, c.second, 2)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `YYYY-MM-DD` in UTC.
    /// Midnight UTC of a `YYYY-MM-DD` day, nil when the text is not a real day.
    public static func parseDay(_ text: String) -> Int64? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 3, let year = parts[0], let month = parts[1], let day = parts[2],
              (1...12).contains(month), (1...daysInMonth(year: year, month: month)).contains(day) else { return nil }
        return epochSeconds(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
    }

    public static func formatDate(_ epoch: Int64) -> String {
        String(format(epoch).prefix(10))
    }

    private static func appendPadded(_ bytes: inout [UInt8], _ value: Int, _ width: Int) {
        var digits = [UInt8]()
        var v = abs(value)
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(v % 10))
            v /= 10
        } while v > 0
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        if digits.count < width { bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count)) }
        bytes.append(contentsOf: digits.reversed())
    }
}
