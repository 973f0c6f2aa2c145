/// Why an amount could not be read.
public struct AmountError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Reads amounts as exports write them, exactly, into minor units:
/// `12.5`, `-3.10` (refunds), `$1,234.56`, `-$3.10`, `$-3.10`, `(12.00)` (accounting negative),
/// `€12.00`, `£4`, `12.00 EUR`, `USD 12.00`. Thousands separators must group by three.
/// More than two decimals are accepted only when the extra digits are zeros: an amount is never rounded.
public struct AmountParser: Sendable {
    public var defaultCurrency: String

    public init(defaultCurrency: String = "USD") {
        self.defaultCurrency = defaultCurrency
    }

    public func parse(_ text: String) -> Result<Money, AmountError> {
        var copy = text
        return copy.withUTF8 { parse(bytes: $0) }
    }

    public func parse(bytes: UnsafeBufferPointer<UInt8>) -> Result<Money, AmountError> {
        var i = 0
        var end = bytes.count
        while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        while end > i, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if i == end { return .failure(AmountError(reason: "empty amount")) }

        var negative = false
        var currency: String?
        var parenthesised = false

        func setCurrency(_ code: String) -> Bool {
            if let existing = currency, existing != code { return false }
            currency = code
            return true
        }

        // Leading three-letter code ("USD 12.00").
        if end - i > 4, isUpper(bytes[i]), isUpper(bytes[i + 1]), isUpper(bytes[i + 2]), bytes[i + 3] == 0x20 {
            currency = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<(i + 3)]), as: UTF8.self)
            i += 4
            while i < end, bytes[i] == 0x20 { i += 1 }
        }
        // Trailing three-letter code ("12.00 EUR").
        if end - i > 4, isUpper(bytes[end - 1]), isUpper(bytes[end - 2]), isUpper(bytes[end - 3]), bytes[end - 4] == 0x20 {
            let code = String(decoding: UnsafeBufferPointer(rebasing: bytes[(end - 3)..<end]), as: UTF8.self)
            guard setCurrency(code) else { return .failure(AmountError(reason: "two different currencies")) }
            end -= 4
            while end > i, bytes[end - 1] == 0x20 { end -= 1 }
        }
        if i < end, bytes[i] == UInt8(ascii: "("), bytes[end - 1] == UInt8(ascii: ")") {
            parenthesised = true
            i += 1
            end -= 1
        }
        // Sign and symbol in either order: "-$3", "$-3".
        for _ in 0..<2 {
            if i < end, bytes[i] == UInt8(ascii: "-") {
                if negative { return .failure(AmountError(reason: "two minus signs")) }
                negative = true
                i += 1
            } else if i < end, bytes[i] == UInt8(ascii: "+") {
                i += 1
            } else if let (code, length) = symbol(bytes, at: i, end: end) {
                guard setCurrency(code) else { return .failure(AmountError(reason: "two different currencies")) }
                i += length
            }
        }
        // A symbol after the number ("12.00€") is seen in European exports.
        if i < end, let (code, length) = trailingSymbol(bytes, end: end, start: i) {
            guard setCurrency(code) else { return .failure(AmountError(reason: "two different currencies")) }
            end -= length
        }
        if parenthesised {
            if negative { return .failure(AmountError(reason: "both parentheses and a minus sign")) }
            negative = true
        }
        guard i < end else { return .failure(AmountError(reason: "no digits")) }
        if isNonFinite(bytes, i, end) { return .failure(AmountError(reason: "not a finite amount (NaN or infinity)")) }

        var whole: Int64 = 0
        var digitsSinceSeparator = 0
        var sawSeparator = false
        var sawDigit = false
        var k = i
        while k < end, bytes[k] != UInt8(ascii: ".") {
            let b = bytes[k]
            if b >= 0x30 && b <= 0x39 {
                guard whole <= (Int64.max / 100 - 9) / 10 else { return .failure(AmountError(reason: "amount too large")) }
                whole = whole * 10 + Int64(b - 0x30)
                digitsSinceSeparator += 1
                sawDigit = true
            } else if b == UInt8(ascii: ",") {
                guard sawDigit, !sawSeparator || digitsSinceSeparator == 3, sawSeparator || digitsSinceSeparator <= 3 else {
                    return .failure(AmountError(reason: "misplaced thousands separator"))
                }
                sawSeparator = true
                digitsSinceSeparator = 0
            } else {
                if hasExponent(bytes, i, end) { return .failure(exponentError) }
                return .failure(AmountError(reason: "unexpected character '\(printable(b))'"))
            }
            k += 1
        }
        if sawSeparator && digitsSinceSeparator != 3 { return .failure(AmountError(reason: "misplaced thousands separator")) }
        var minor: Int64 = 0
        var decimals = 0
        if k < end {
            k += 1  // the point
            while k < end {
                let b = bytes[k]
                guard b >= 0x30 && b <= 0x39 else {
                    if hasExponent(bytes, i, end) { return .failure(exponentError) }
                    return .failure(AmountError(reason: "unexpected character '\(printable(b))' in decimals"))
                }
                if decimals < 2 {
                    minor = minor * 10 + Int64(b - 0x30)
                } else if b != 0x30 {
                    if hasExponent(bytes, i, end) { return .failure(exponentError) }
                    return .failure(AmountError(reason: "more than two decimal places (would need rounding)"))
                }
                decimals += 1
                sawDigit = true
                k += 1
            }
        }
        guard sawDigit else { return .failure(AmountError(reason: "no digits")) }
        if decimals == 1 { minor *= 10 }
        var total = whole * 100 + minor
        if negative { total = -total }
        return .success(Money(minorUnits: total, currency: currency ?? defaultCurrency))
    }
}

private let exponentError = AmountError(reason: "exponent notation is not accepted (write the amount out in full)")

/// Whether the text is a number in exponent notation (`1e308`, `1.5E-3`): a digit, then `e` or `E`, then a digit
/// or sign. Looked for only once an amount has failed, to say why in words.
private func hasExponent(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    guard end - start >= 3 else { return false }
    for k in (start + 1)..<(end - 1) where bytes[k] | 0x20 == UInt8(ascii: "e") {
        let before = bytes[k - 1], after = bytes[k + 1]
        if before >= 0x30 && before <= 0x39 && ((after >= 0x30 && after <= 0x39) || after == 0x2B || after == 0x2D) { return true }
    }
    return false
}

/// `nan`, `inf` or `infinity` in any case: what a float formatter writes for a value that is no amount.
private func isNonFinite(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Bool {
    let count = end - start
    guard count == 3 || count == 8 else { return false }
    var word = ""
    for k in start..<end {
        let b = bytes[k] | 0x20  // lower case for letters
        guard b >= 0x61 && b <= 0x7A else { return false }
        word.unicodeScalars.append(Unicode.Scalar(b))
    }
    return word == "nan" || word == "inf" || word == "infinity"
}

@inline(__always) private func isUpper(_ b: UInt8) -> Bool { b >= 0x41 && b <= 0x5A }

private func printable(_ b: UInt8) -> String {
    b >= 0x20 && b < 0x7F ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16)
}

private let symbols: [([UInt8], String)] = [
    (Array("$".utf8), "USD"), (Array("€".utf8), "EUR"), (Array("£".utf8), "GBP"), (Array("¥".utf8), "JPY"),
]

private func symbol(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> (String, Int)? {
    // Every symbol starts with `$` or a non-ASCII byte: a digit or sign rules them all out at once.
    guard i < end, bytes[i] == 0x24 || bytes[i] >= 0x80 else { return nil }
    for (pattern, code) in symbols where i + pattern.count <= end {
        if zip(pattern, bytes[i..<(i + pattern.count)]).allSatisfy({ $0 == $1 }) { return (code, pattern.count) }
    }
    return nil
}

private func trailingSymbol(_ bytes: UnsafeBufferPointer<UInt8>, end: Int, start: Int) -> (String, Int)? {
    // Every symbol ends with `$` or a non-ASCII byte.
    guard end > start, bytes[end - 1] == 0x24 || bytes[end - 1] >= 0x80 else { return nil }
    for (pattern, code) in symbols where end - pattern.count >= start {
        if zip(pattern, bytes[(end - pattern.count)..<end]).allSatisfy({ $0 == $1 }) { return (code, pattern.count) }
    }
    return nil
}
