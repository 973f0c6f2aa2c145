/// Card numbers as Vigil may print or export them: the last four digits and at most the first six, the rest
/// starred (`356046******2174`, the form PCI DSS allows to be shown), at least six digits always hidden, so a short
/// card number (Maestro's 12 digits, as in the card export) shows fewer of its first: `50******3620`.
public enum CardNumber {
    /// Lengths of a card number (primary account numbers as issued: 12 digits for some Maestro cards up to 19).
    /// Ids of other sorts this long and all digits are rare, and masking one costs nothing but its middle digits.
    public static let lengths = 12...19
    /// Digits never shown, whatever the length.
    static let hiddenDigits = 6

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
}
