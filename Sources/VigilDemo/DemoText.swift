import VigilCore

/// Dates and keys written by hand: `String(format:)` and `Calendar` are far too slow on
/// Linux for millions of rows, and the civil-date arithmetic below is exact for UTC.
enum DemoText {
    /// Proleptic Gregorian (year, month, day) for days since 1970-01-01.
    static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int, day: Int) {
        let (year, month, day) = CivilTime.civilFromDays(Int(daysSinceEpoch))
        return (Int64(year), month, day)
    }

    /// 0 = Sunday ... 6 = Saturday.
    static func weekday(daysSinceEpoch: Int64) -> Int {
        (CivilTime.weekday(ofDay: daysSinceEpoch) + 1) % 7
    }

    /// "YYYY-MM-DD " as ASCII bytes, for a year in 0...9999.
    static func datePrefix(daysSinceEpoch: Int64) -> [UInt8] {
        let (year, month, day) = civilDate(daysSinceEpoch: daysSinceEpoch)
        let y = Int(year)
        return [
            digit(y / 1000), digit(y / 100 % 10), digit(y / 10 % 10), digit(y % 10), UInt8(ascii: "-"),
            digit(month / 10), digit(month % 10), UInt8(ascii: "-"), digit(day / 10), digit(day % 10),
            UInt8(ascii: " "),
        ]
    }

    /// "YYYY-MM-DD HH:MM:SS" from a day's prefix and a second of that day.
    static func timestamp(datePrefix: [UInt8], secondOfDay: Int) -> String {
        let hour = secondOfDay / 3600
        let minute = secondOfDay / 60 % 60
        let second = secondOfDay % 60
        return String(unsafeUninitializedCapacity: 19) { buffer in
            for i in 0..<11 { buffer[i] = datePrefix[i] }
            buffer[11] = digit(hour / 10)
            buffer[12] = digit(hour % 10)
            buffer[13] = UInt8(ascii: ":")
            buffer[14] = digit(minute / 10)
            buffer[15] = digit(minute % 10)
            buffer[16] = UInt8(ascii: ":")
            buffer[17] = digit(second / 10)
            buffer[18] = digit(second % 10)
            return 19
        }
    }

    /// "demo-<seed>-<clientID>-<sequence, six digits or more>".
    static func sourceKey(seedPrefix: [UInt8], clientID: String, sequence: Int) -> String {
        var digits = 1
        var rest = sequence / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        let width = max(6, digits)
        let idLength = clientID.utf8.count
        let length = seedPrefix.count + idLength + 1 + width
        return String(unsafeUninitializedCapacity: length) { buffer in
            var i = 0
            for byte in seedPrefix {
                buffer[i] = byte
                i += 1
            }
            for byte in clientID.utf8 {
                buffer[i] = byte
                i += 1
            }
            buffer[i] = UInt8(ascii: "-")
            var value = sequence
            var j = length - 1
            while j > i {
                buffer[j] = digit(value % 10)
                value /= 10
                j -= 1
            }
            return length
        }
    }

    @inline(__always)
    private static func digit(_ value: Int) -> UInt8 { UInt8(truncatingIfNeeded: 48 + value) }
}
