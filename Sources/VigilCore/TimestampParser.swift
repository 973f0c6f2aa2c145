/// Why a timestamp could not be read; the text says it in words an analyst understands.
public struct TimestampError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Reads the timestamp formats real exports use, to UTC epoch seconds:
///
/// - ISO 8601 with or without a zone: `2023-04-05T06:07:08Z`, `…+02:00`, `…-0500`, fractional seconds;
/// - `YYYY-MM-DD HH:MM[:SS]` (also with a zone suffix), and a bare `YYYY-MM-DD`;
/// - epoch seconds or milliseconds (a plain integer; 12 digits or more means milliseconds);
/// - `MM/DD/YYYY HH:MM[:SS]`, optionally with `AM`/`PM`, and a bare `MM/DD/YYYY`.
///
/// A time without a zone is wall-clock time in `defaultOffsetSeconds` (UTC unless told otherwise).
public struct TimestampParser: Sendable {
    public var defaultOffsetSeconds: Int

    public init(defaultOffsetSeconds: Int = 0) {
        self.defaultOffsetSeconds = defaultOffsetSeconds
    }

    public func parse(_ text: String) -> Result<Int64, TimestampError> {
        var copy = text
        return copy.withUTF8 { parse(bytes: $0) }
    }

    public func parse(bytes raw: UnsafeBufferPointer<UInt8>) -> Result<Int64, TimestampError> {
        var start = 0
        var end = raw.count
        while start < end, raw[start] == 0x20 || raw[start] == 0x09 { start += 1 }
        while end > start, raw[end - 1] == 0x20 || raw[end - 1] == 0x09 { end -= 1 }
        if start == end { return .failure(TimestampError(reason: "empty timestamp")) }
        let s = UnsafeBufferPointer(rebasing: raw[start..<end])
        var cursor = Cursor(bytes: s)

        if let epoch = cursor.epochNumber() { return epoch }
        if s.count >= 8, isDigit(s[0]), isDigit(s[1]), isDigit(s[2]), isDigit(s[3]), s[4] == UInt8(ascii: "-") {
            return cursor.isoLike(defaultOffset: defaultOffsetSeconds)
        }
        if s.count >= 8, let slash = s.firstIndex(of: UInt8(ascii: "/")), slash <= 2 {
            return cursor.usDate(defaultOffset: defaultOffsetSeconds)
        }
        return .failure(TimestampError(reason: "unrecognised timestamp format (expected ISO 8601, YYYY-MM-DD HH:MM:SS, MM/DD/YYYY HH:MM[:SS] or epoch seconds/milliseconds)"))
    }
}

/// Bytes from the data as an error message may quote them: printable ASCII as it is, anything else as `\xNN`,
/// so a message never carries a control character or escape sequence to the terminal.
private func visible(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
    var out = ""
    for b in bytes {
        if b >= 0x20 && b < 0x7F {
            out.unicodeScalars.append(Unicode.Scalar(b))
        } else {
            let h = String(b, radix: 16, uppercase: true)
            out += "\\x" + (h.count == 1 ? "0" + h : h)
        }
    }
    return out
}

@inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

private struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool { i >= bytes.count }
    var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    mutating func digits(exactly n: Int) -> Int? {
        guard i + n <= bytes.count else { return nil }
        var value = 0
        for k in 0..<n {
            let b = bytes[i + k]
            guard isDigit(b) else { return nil }
            value = value * 10 + Int(b - 0x30)
        }
        i += n
        return value
    }

    mutating func digits(min: Int, max: Int) -> Int? {
        var value = 0
        var count = 0
        while i < bytes.count, count < max, isDigit(bytes[i]) {
            value = value * 10 + Int(bytes[i] - 0x30)
            i += 1
            count += 1
        }
        return count >= min ? value : nil
    }

    /// Takes `c` when it comes next. A `Unicode.Scalar`, not a `Character`: a `Character`'s ASCII value is worked out
    /// at run time, through the String machinery, on every call.
    @inline(__always) mutating func expect(_ c: Unicode.Scalar) -> Bool {
        guard let b = current, b == UInt8(ascii: c) else { return false }
        i += 1
        return true
    }

    /// A whole-field integer (optionally fractional) is an epoch: seconds, or milliseconds from 12 digits up.
    mutating func epochNumber() -> Result<Int64, TimestampError>? {
        var k = 0
        var negative = false
        if k < bytes.count, bytes[k] == UInt8(ascii: "-") { negative = true; k += 1 }
        let digitStart = k
        var value: Int64 = 0
        while k < bytes.count, isDigit(bytes[k]) {
            if value > (Int64.max - 9) / 10 { return .failure(TimestampError(reason: "epoch value out of range")) }
            value = value * 10 + Int64(bytes[k] - 0x30)
            k += 1
        }
        let digitCount = k - digitStart
        guard digitCount > 0 else { return nil }
        var fraction = 0.0
        if k < bytes.count, bytes[k] == UInt8(ascii: ".") {
            k += 1
            var scale = 0.1
            let fracStart = k
            while k < bytes.count, isDigit(bytes[k]) {
                fraction += Double(bytes[k] - 0x30) * scale
                scale /= 10
                k += 1
            }
            if k == fracStart { return nil }
        }
        guard k == bytes.count else { return nil }
        // Bare 8-digit numbers like 20230105 are more likely dates than 1970 epochs, and "-0" or "-5" no time at
        // all; refuse to guess.
        if digitCount < 9 { return .failure(TimestampError(reason: "number too small to be an epoch timestamp")) }
        var seconds: Int64
        if digitCount >= 12 {
            seconds = value / 1000
            if negative { seconds = -seconds }
        } else {
            seconds = negative ? -value : value
            _ = fraction  // sub-second precision is kept in the original text only
        }
        // Years 1900...2200 cover every real export; anything else is a typo or the wrong column.
        if seconds < -2_208_988_800 || seconds > 7_258_118_400 {
            return .failure(TimestampError(reason: "epoch value outside the years 1900–2200"))
        }
        return .success(seconds)
    }

    mutating func isoLike(defaultOffset: Int) -> Result<Int64, TimestampError> {
        guard let year = digits(exactly: 4), expect("-"), let month = digits(min: 1, max: 2), expect("-"),
              let day = digits(min: 1, max: 2)
        else { return .failure(TimestampError(reason: "malformed date (expected YYYY-MM-DD)")) }
        return timeAfterDate(year: year, month: month, day: day, allowingT: true, defaultOffset: defaultOffset)
    }

    mutating func usDate(defaultOffset: Int) -> Result<Int64, TimestampError> {
        guard let month = digits(min: 1, max: 2), expect("/"), let day = digits(min: 1, max: 2), expect("/"),
              let year = digits(exactly: 4)
        else { return .failure(TimestampError(reason: "malformed date (expected MM/DD/YYYY)")) }
        return timeAfterDate(year: year, month: month, day: day, allowingT: false, defaultOffset: defaultOffset)
    }

    /// The timestamp of a date already read: midnight at the end of the text, else a space (or, in ISO dates, `T`),
    /// more spaces and a time.
    @inline(__always)
    mutating func timeAfterDate(year: Int, month: Int, day: Int, allowingT: Bool,
                                defaultOffset: Int) -> Result<Int64, TimestampError> {
        var hour = 0, minute = 0, second = 0
        if !atEnd {
            guard let sep = current,
                  sep == UInt8(ascii: " ") || (allowingT && (sep == UInt8(ascii: "T") || sep == UInt8(ascii: "t")))
            else { return .failure(TimestampError(reason: "unexpected text after the date")) }
            i += 1
            while current == 0x20 { i += 1 }
            switch time() {
            case .failure(let e): return .failure(e)
            case .success(let t): (hour, minute, second) = t
            }
        }
        return finish(year: year, month: month, day: day, hour: hour, minute: minute, second: second, defaultOffset: defaultOffset)
    }

    /// `HH:MM[:SS[.fff]]` plus an optional `AM`/`PM`.
    mutating func time() -> Result<(Int, Int, Int), TimestampError> {
        guard let hour = digits(min: 1, max: 2), expect(":"), let minute = digits(exactly: 2)
        else { return .failure(TimestampError(reason: "malformed time (expected HH:MM or HH:MM:SS)")) }
        var second = 0
        if expect(":") {
            guard let s = digits(exactly: 2) else { return .failure(TimestampError(reason: "malformed seconds")) }
            second = s
            if expect(".") || expect(",") {
                guard digits(min: 1, max: 9) != nil else { return .failure(TimestampError(reason: "malformed fractional seconds")) }
            }
        }
        var h = hour
        let save = i
        while current == 0x20 { i += 1 }
        if let b = current, b == UInt8(ascii: "A") || b == UInt8(ascii: "a") || b == UInt8(ascii: "P") || b == UInt8(ascii: "p") {
            let isPM = b == UInt8(ascii: "P") || b == UInt8(ascii: "p")
            i += 1
            guard let m = current, m == UInt8(ascii: "M") || m == UInt8(ascii: "m") else {
                return .failure(TimestampError(reason: "malformed AM/PM marker"))
            }
            i += 1
            guard (1...12).contains(hour) else { return .failure(TimestampError(reason: "hour \(hour) out of range for a 12-hour clock")) }
            h = hour % 12 + (isPM ? 12 : 0)
        } else {
            i = save
        }
        guard h < 24 else { return .failure(TimestampError(reason: "hour \(h) out of range 0–23")) }
        guard minute < 60 else { return .failure(TimestampError(reason: "minute \(minute) out of range 0–59")) }
        guard second < 60 else { return .failure(TimestampError(reason: "second \(second) out of range 0–59")) }
        return .success((h, minute, second))
    }

    /// Reads an optional zone (`Z`, `+HH:MM`, `+HHMM`, `+HH`, ` UTC`) and checks nothing else follows.
    mutating func finish(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, defaultOffset: Int) -> Result<Int64, TimestampError> {
        guard (1...12).contains(month) else { return .failure(TimestampError(reason: "month \(month) out of range 1–12")) }
        guard year >= 1900 && year <= 2200 else { return .failure(TimestampError(reason: "year \(year) outside 1900–2200")) }
        let maxDay = CivilTime.daysInMonth(year: year, month: month)
        guard day >= 1 && day <= maxDay else { return .failure(TimestampError(reason: "day \(day) out of range for \(year)-\(month < 10 ? "0" : "")\(month) (1–\(maxDay))")) }
        while current == 0x20 { i += 1 }
        var offset = defaultOffset
        if let b = current {
            if b == UInt8(ascii: "Z") || b == UInt8(ascii: "z") {
                i += 1
                offset = 0
            } else if b == UInt8(ascii: "+") || b == UInt8(ascii: "-") {
                i += 1
                guard let hh = digits(exactly: 2) else { return .failure(TimestampError(reason: "malformed zone offset")) }
                _ = expect(":")
                let mm = digits(exactly: 2) ?? 0
                guard hh <= 14, mm < 60 else { return .failure(TimestampError(reason: "zone offset out of range")) }
                offset = (hh * 3600 + mm * 60) * (b == UInt8(ascii: "-") ? -1 : 1)
            } else if bytes.count - i == 3,
                      let u = current, u == UInt8(ascii: "U") || u == UInt8(ascii: "u") {
                let rest = visible(UnsafeBufferPointer(rebasing: bytes[i...]))
                guard rest.uppercased() == "UTC" else { return .failure(TimestampError(reason: "unknown zone '\(rest)'")) }
                i += 3
                offset = 0
            } else if bytes.count - i == 3,
                      let g = current, g == UInt8(ascii: "G") || g == UInt8(ascii: "g") {
                let rest = visible(UnsafeBufferPointer(rebasing: bytes[i...]))
                guard rest.uppercased() == "GMT" else { return .failure(TimestampError(reason: "unknown zone '\(rest)'")) }
                i += 3
                offset = 0
            }
        }
        guard atEnd else { return .failure(TimestampError(reason: "unexpected text after the time")) }
        let local = CivilTime.epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return .success(local - Int64(offset))
    }
}
