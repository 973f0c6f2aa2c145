import Foundation

/// Card numbers as Vigil may print or export them: the last four digits and at most the first six, the rest
/// starred (`356046******2174`, the form PCI DSS allows to be shown), at least six digits always hidden, so a short
/// card number (Maestro's 12 digits, as in the card export) shows fewer of its first: `50******3620`.
public enum CardNumber {
    /// Lengths of a card number (primary account numbers as issued: 12 digits for some Maestro cards up to 19).
    /// Ids of other sorts this long and all digits are rare, and masking one costs nothing but its middle digits.
    public static let lengths = 12...19
    /// Digits never shown, whatever the length.
    static let hiddenDigits = 6

    /// A masked card id shortened to `width` characters for a table column, keeping what tells cards apart: its stars
    /// are fewer (down to one) before any digit goes, so `477763*********0123` in 16 reads `477763******0123`; when
    /// that is not enough the id keeps its end (`*0123~2`). Anything else longer than `width` is left to the table.
    public static func fitting(_ id: String, width: Int) -> String {
        let characters = Array(id)
        guard characters.count > width, width > 1,
              let first = characters.firstIndex(of: "*"), let last = characters.lastIndex(of: "*") else { return id }
        let stars = last - first + 1
        guard characters[first...last].allSatisfy({ $0 == "*" }) else { return id }
        let keep = stars - (characters.count - width)
        if keep >= 1 {
            return String(characters[..<first]) + String(repeating: "*", count: keep) + String(characters[(last + 1)...])
        }
        return "*" + String(characters.suffix(width - 1))
    }

    /// `text` masked when it is all digits and as long as a card number, else as it is.
    public static func masked(_ text: String) -> String {
        var out: [UInt8] = []
        appendMaskingParts(of: Array(text.utf8)[...], separator: nil, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A composite id (`trans_num|cc_num|unix_time`, how an import joins several id columns) with every part that
    /// is a card number masked.
    public static func maskingParts(of id: String) -> String {
        var out: [UInt8] = []
        appendMaskingParts(of: Array(id.utf8)[...], separator: UInt8(ascii: "|"), to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `bytes` to `out`, each part between `separator`s (the whole when there is none) that is a card
    /// number masked.
    public static func appendMaskingParts<Bytes: RandomAccessCollection>(of bytes: Bytes, separator: UInt8?, to out: inout [UInt8])
        where Bytes.Element == UInt8, Bytes.Index == Int {
        var start = bytes.startIndex
        while start <= bytes.endIndex {
            var end = start
            while end < bytes.endIndex, bytes[end] != separator { end += 1 }
            let part = bytes[start..<end]
            if lengths.contains(part.count), part.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                let shownFirst = min(6, part.count - 4 - hiddenDigits)
                out.append(contentsOf: part.prefix(shownFirst))
                out.append(contentsOf: repeatElement(UInt8(ascii: "*"), count: part.count - 4 - shownFirst))
                out.append(contentsOf: part.suffix(4))
            } else {
                out.append(contentsOf: part)
            }
            if end < bytes.endIndex { out.append(bytes[end]) }
            start = end + 1
        }
    }

    /// The digits of `bytes` when it is a card number: 12 to 19 ASCII digits, with single spaces or dashes between
    /// groups allowed when `separated` (`4111 1111 1111 1111` as typed or as a card column may hold it); else nil.
    public static func digits<Bytes: Collection>(_ bytes: Bytes, separated: Bool) -> [UInt8]? where Bytes.Element == UInt8 {
        packed(bytes, separated: separated)?.digits
    }

    /// A card number as a value: its digits as an integer (19 digits fit in 64 bits) and how many there are (leading
    /// zeros count). Made without allocating, so an import can look a row's card up per row.
    public struct Packed: Hashable, Sendable {
        public let value: UInt64
        public let length: UInt8

        /// The ASCII digits.
        public var digits: [UInt8] {
            var out = [UInt8](repeating: 0x30, count: Int(length))
            var rest = value
            for i in stride(from: out.count - 1, through: 0, by: -1) {
                out[i] = 0x30 + UInt8(rest % 10)
                rest /= 10
            }
            return out
        }
    }

    /// `bytes` as a card number (`digits(_:separated:)`'s rule), packed; else nil.
    public static func packed<Bytes: Collection>(_ bytes: Bytes, separated: Bool) -> Packed? where Bytes.Element == UInt8 {
        guard bytes.count <= 40 else { return nil }
        var value: UInt64 = 0
        var count = 0
        var previousWasSeparator = true  // no separator first
        for byte in bytes {
            if byte >= 0x30 && byte <= 0x39 {
                count += 1
                guard count <= lengths.upperBound else { return nil }
                value = value * 10 + UInt64(byte - 0x30)
                previousWasSeparator = false
            } else if separated, byte == 0x20 || byte == 0x2D, !previousWasSeparator {
                previousWasSeparator = true
            } else {
                return nil
            }
        }
        guard !previousWasSeparator, lengths.contains(count) else { return nil }
        return Packed(value: value, length: UInt8(count))
    }

    /// The digits of `text` when it is a card number as someone would type or paste it (`digits(_:separated:)`).
    public static func digits(typed text: String) -> [UInt8]? {
        digits(Array(text.trimmingCharacters(in: .whitespaces).utf8), separated: true)
    }

    /// The runs of 12 to 19 digits in `text` (not parts of longer runs).
    public static func digitRuns(in text: String) -> [String] {
        var runs: [String] = []
        var run = ""
        for ch in text.unicodeScalars {
            if ch.value >= 0x30 && ch.value <= 0x39 {
                run.unicodeScalars.append(ch)
            } else {
                if lengths.contains(run.count) { runs.append(run) }
                run = ""
            }
        }
        if lengths.contains(run.count) { runs.append(run) }
        return runs
    }

    /// `text` with each of `numbers` (card numbers as a field held them, maybe spaced) masked wherever it occurs, then
    /// any other card number in it (`maskingDigitRuns(in:)`): a rejected row whose card column is known.
    public static func masking(_ numbers: [String], in text: String) -> String {
        var text = text
        for number in numbers where !number.isEmpty {
            guard let digits = digits(Array(number.utf8), separated: true) else { continue }
            text = text.replacingOccurrences(of: number, with: masked(String(decoding: digits, as: UTF8.self)))
        }
        return maskingDigitRuns(in: text)
    }

    /// Whether `digits` (ASCII) pass the Luhn check that every issued card number passes.
    public static func isLuhnValid(_ digits: [UInt8]) -> Bool {
        var sum = 0
        for (position, byte) in digits.reversed().enumerated() {
            var d = Int(byte) - 0x30
            if position % 2 == 1 { d = d * 2 > 9 ? d * 2 - 9 : d * 2 }
            sum += d
        }
        return !digits.isEmpty && sum % 10 == 0
    }

    /// `text` with every card number in it masked: each run of 12 to 19 digits (not part of a longer run) that passes
    /// the Luhn check, as data-loss tools find card numbers in free text (an analyst's note, a rejected row as it was
    /// read). Longer or failing runs (an amount, a reference) stay as they are.
    public static func maskingDigitRuns(in text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        var changed = false
        while i < bytes.count {
            guard bytes[i] >= 0x30 && bytes[i] <= 0x39 else { out.append(bytes[i]); i += 1; continue }
            var end = i
            while end < bytes.count, bytes[end] >= 0x30 && bytes[end] <= 0x39 { end += 1 }
            let run = bytes[i..<end]
            if lengths.contains(run.count), isLuhnValid(Array(run)) {
                appendMaskingParts(of: Array(run)[...], separator: nil, to: &out)
                changed = true
            } else {
                out.append(contentsOf: run)
            }
            i = end
        }
        return changed ? String(decoding: out, as: UTF8.self) : text
    }
}
