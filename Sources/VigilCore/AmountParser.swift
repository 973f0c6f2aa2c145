/// Why an amount could not be read.
public struct AmountError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Reads amounts as exports write them, exactly, into minor units:
/// `12.5`, `-3.10` (refunds), `$1,234.56`, `-$3.10`, `$-3.10`, `(12.00)` (accounting negative),
/// `€12.00`, `£4`, `12.00 EUR`, `USD 12.00`, `$12.00 USD`. Thousands separators must group by three.
/// More than two decimals are accepted only when the extra digits are zeros: an amount is never rounded.
/// An amount may carry at most one currency sign and one code, which must agree with each other and with the
/// currency the row or the import declares; none may exceed `Money.maximumMinorUnits` either way.
public struct AmountParser: Sendable {
    public var defaultCurrency: String

    /// A currency the amount must be in, and where it was declared, for the message when it is not
    /// ("the currency column", "--currency").
    public struct Declared: Sendable, Hashable {
        public var code: String
        public var source: String

        public init(code: String, source: String) {
            self.code = code
            self.source = source
        }
    }

    public init(defaultCurrency: String = "USD") {
        self.defaultCurrency = defaultCurrency
    }

    public func parse(_ text: String, declared: Declared? = nil) -> Result<Money, AmountError> {
        var copy = text
        return copy.withUTF8 { parse(bytes: $0, declared: declared) }
    }

    /// The amount in `bytes`. With `declared`, a currency written in the amount must be that one (a sign such as
    /// `$` must be one of its signs) and the money is in it; without, the money is in the written currency, else in
    /// `defaultCurrency`.
    public func parse(bytes: UnsafeBufferPointer<UInt8>, declared: Declared? = nil) -> Result<Money, AmountError> {
        var i = 0
        var end = bytes.count
        while i < end, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        while end > i, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if i == end { return .failure(AmountError(reason: "empty amount")) }

        var negative = false
        var code: String?
        var sign: CurrencySign?
        var parenthesised = false

        // Leading three-letter code ("USD 12.00").
        if end - i > 4, isUpper(bytes[i]), isUpper(bytes[i + 1]), isUpper(bytes[i + 2]), bytes[i + 3] == 0x20 {
            code = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<(i + 3)]), as: UTF8.self)
            i += 4
            while i < end, bytes[i] == 0x20 { i += 1 }
        }
        // Trailing three-letter code ("12.00 EUR").
        if end - i > 4, isUpper(bytes[end - 1]), isUpper(bytes[end - 2]), isUpper(bytes[end - 3]), bytes[end - 4] == 0x20 {
            if code != nil { return .failure(AmountError(reason: "more than one currency code")) }
            code = String(decoding: UnsafeBufferPointer(rebasing: bytes[(end - 3)..<end]), as: UTF8.self)
            end -= 4
            while end > i, bytes[end - 1] == 0x20 { end -= 1 }
        }
        if i < end, bytes[i] == UInt8(ascii: "("), bytes[end - 1] == UInt8(ascii: ")") {
            parenthesised = true
            i += 1
            end -= 1
        }
        // Sign and symbol in either order: "-$3", "$-3". One symbol at most: "$$3" is a typo, not three dollars.
        for _ in 0..<2 {
            if i < end, bytes[i] == UInt8(ascii: "-") {
                if negative { return .failure(AmountError(reason: "two minus signs")) }
                negative = true
                i += 1
            } else if i < end, bytes[i] == UInt8(ascii: "+") {
                i += 1
            } else if let (found, length) = symbol(bytes, at: i, end: end) {
                if sign != nil { return .failure(moreThanOneSign) }
                sign = found
                i += length
            }
        }
        if symbol(bytes, at: i, end: end) != nil { return .failure(moreThanOneSign) }  // "-$$3", "$-$3"
        // A symbol after the number ("12.00€") is seen in European exports; not as well as one before ("$3$").
        if i < end, let (found, length) = trailingSymbol(bytes, end: end, start: i) {
            if sign != nil { return .failure(moreThanOneSign) }
            sign = found
            end -= length
            if trailingSymbol(bytes, end: end, start: i) != nil { return .failure(moreThanOneSign) }
        }
        if let sign, let code, !sign.codes.contains(code) {
            return .failure(AmountError(reason: "the sign \(sign.text) (\(sign.name)) disagrees with the code \(code)"))
        }
        let written = code ?? sign?.codes[0]
        if let declared {
            if let code, code != declared.code {
                return .failure(AmountError(reason: "the amount is in \(code) but \(declared.source) says \(declared.code)"))
            }
            if let sign, !sign.codes.contains(declared.code) {
                return .failure(AmountError(reason: "the amount is in \(sign.name) (\(sign.text)) but \(declared.source) says \(declared.code)"))
            }
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
                // Checked as the digits come, so that no number of them can overflow.
                guard whole <= Money.maximumMinorUnits / 100 else { return .failure(tooLarge) }
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
        guard total <= Money.maximumMinorUnits else { return .failure(tooLarge) }
        if negative { total = -total }
        return .success(Money(minorUnits: total, currency: declared?.code ?? written ?? defaultCurrency))
    }
}

private let tooLarge = AmountError(
    reason: "amount too large: more than \(Money.grouped(Money.maximumMinorUnits.magnitude)), the most one transaction may be")

private let moreThanOneSign = AmountError(reason: "more than one currency sign")

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

/// A currency sign and the currencies written with it, the usual one first: `$` is the dollar of the United States
/// and of many other countries (and the peso's sign), so it agrees with any of them, but never with EUR.
struct CurrencySign: Sendable {
    let text: String
    let bytes: [UInt8]
    let codes: [String]
    /// What the sign says, in messages: "EUR", "dollars".
    let name: String

    init(_ text: String, _ name: String, _ codes: [String]) {
        self.text = text
        self.bytes = Array(text.utf8)
        self.name = name
        self.codes = codes
    }
}

private let symbols: [CurrencySign] = [
    CurrencySign("$", "dollars", ["USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "ARS", "CLP", "COP", "CUP", "DOP", "UYU",
                       "BSD", "BBD", "BZD", "BMD", "BND", "KYD", "FJD", "GYD", "JMD", "LRD", "NAD", "SBD", "SRD", "TTD",
                       "XCD"]),
    CurrencySign("€", "EUR", ["EUR"]),
    CurrencySign("£", "pounds", ["GBP", "GIP", "FKP", "SHP", "EGP"]),
    CurrencySign("¥", "yen or yuan", ["JPY", "CNY"]),
]

private func symbol(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, end: Int) -> (CurrencySign, Int)? {
    // Every symbol starts with `$` or a non-ASCII byte: a digit or sign rules them all out at once.
    guard i < end, bytes[i] == 0x24 || bytes[i] >= 0x80 else { return nil }
    for sign in symbols where i + sign.bytes.count <= end {
        if zip(sign.bytes, bytes[i..<(i + sign.bytes.count)]).allSatisfy({ $0 == $1 }) { return (sign, sign.bytes.count) }
    }
    return nil
}

private func trailingSymbol(_ bytes: UnsafeBufferPointer<UInt8>, end: Int, start: Int) -> (CurrencySign, Int)? {
    // Every symbol ends with `$` or a non-ASCII byte.
    guard end > start, bytes[end - 1] == 0x24 || bytes[end - 1] >= 0x80 else { return nil }
    for sign in symbols where end - sign.bytes.count >= start {
        if zip(sign.bytes, bytes[(end - sign.bytes.count)..<end]).allSatisfy({ $0 == $1 }) { return (sign, sign.bytes.count) }
    }
    return nil
}
