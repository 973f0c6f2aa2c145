/// Why an amount could not be read.
public struct AmountError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}

/// Reads amounts as exports write them, exactly, into minor units:
/// `12.5`, `-3.10` (refunds), `$1,234.56`, `-$3.10`, `$-3.10`, `(12.00)` (accounting negative),
/// `€12.00`, `£4`, `12.00 EUR`, `USD 12.00`, `$12.00 USD`. Thousands separators must group by three.
/// More than two decimals are accepted when the extra digits are zeros, or when the text is a binary floating-point
/// rendering of a whole number of cents (`85.64999999999999`, see `FloatRendering`); any other sub-cent amount
/// (`12.345`) is an error unless `roundsSubCent` (`vigil import --round-amounts`), which rounds it half-even.
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

    /// Whether a genuine sub-cent amount (`12.345`) is rounded half-even to the cent instead of rejected.
    public var roundsSubCent: Bool

    public init(defaultCurrency: String = "USD", roundsSubCent: Bool = false) {
        self.defaultCurrency = defaultCurrency
        self.roundsSubCent = roundsSubCent
    }

    /// What reading an amount did to it: nothing, almost always.
    public enum Adjustment: Sendable, Hashable {
        case none
        /// Read as the whole number of cents it is the floating-point rendering of (`FloatRendering`).
        case floatRendering
        /// A sub-cent amount rounded half-even to the cent (`roundsSubCent`).
        case rounded
    }

    public func parse(_ text: String, declared: Declared? = nil) -> Result<Money, AmountError> {
        var copy = text
        return copy.withUTF8 { parse(bytes: $0, declared: declared) }
    }

    /// The amount in `bytes`; see `read(bytes:declared:)`, which also says whether the amount was adjusted.
    public func parse(bytes: UnsafeBufferPointer<UInt8>, declared: Declared? = nil) -> Result<Money, AmountError> {
        read(bytes: bytes, declared: declared).map(\.money)
    }

    public func read(_ text: String, declared: Declared? = nil) -> Result<(money: Money, adjustment: Adjustment), AmountError> {
        var copy = text
        return copy.withUTF8 { read(bytes: $0, declared: declared) }
    }

    /// The amount in `bytes`, and what was done to read it. With `declared`, a currency written in the amount must
    /// be that one (a sign such as `$` must be one of its signs) and the money is in it; without, the money is in the
    /// written currency, else in `defaultCurrency`.
    public func read(bytes: UnsafeBufferPointer<UInt8>, declared: Declared? = nil)
        -> Result<(money: Money, adjustment: Adjustment), AmountError> {
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
        // Where the digits past the cents begin, once one of them is not zero: the slow path, off the usual one.
        var subCentFrom: Int?
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
                } else if b != 0x30, subCentFrom == nil {
                    subCentFrom = k - (decimals - 2)
                }
                decimals += 1
                sawDigit = true
                k += 1
            }
        }
        guard sawDigit else { return .failure(AmountError(reason: "no digits")) }
        if decimals == 1 { minor *= 10 }
        var total = whole * 100 + minor
        var adjustment = Adjustment.none
        guard total <= Money.maximumMinorUnits else { return .failure(tooLarge) }
        if let subCentFrom {
            switch subCent(bytes, number: i..<end, extra: subCentFrom..<end, truncated: total) {
            case .success(let (cents, kind)): (total, adjustment) = (cents, kind)
            case .failure(let error): return .failure(error)
            }
        }
        guard total <= Money.maximumMinorUnits else { return .failure(tooLarge) }
        if negative { total = -total }
        return .success((Money(minorUnits: total, currency: declared?.code ?? written ?? defaultCurrency), adjustment))
    }

    /// An amount with digits past the cents that are not all zeros (`bytes[number]` the number, digits, separators and
    /// its point; `bytes[extra]` the digits past the cents; `truncated` the cents before them): the cents it is a
    /// floating-point rendering of, else the cents it rounds to half-even when `roundsSubCent`, else an error.
    private func subCent(_ bytes: UnsafeBufferPointer<UInt8>, number: Range<Int>, extra: Range<Int>, truncated: Int64)
        -> Result<(Int64, Adjustment), AmountError> {
        // Half-even on the exact decimal: up past the half, and at exactly the half when the cents are odd.
        let first = bytes[extra.lowerBound] - 0x30
        let restNonZero = bytes[(extra.lowerBound + 1)..<extra.upperBound].contains { $0 != 0x30 }
        let roundsUp = first > 5 || (first == 5 && (restNonZero || truncated % 2 == 1))
        let nearest = truncated + (roundsUp ? 1 : 0)
        var text = ""
        var significant = 0, zerosSinceNonZero = 0
        for b in bytes[number] where b != UInt8(ascii: ",") {
            text.unicodeScalars.append(Unicode.Scalar(b))
            guard b != UInt8(ascii: ".") else { continue }
            if b != 0x30 {
                significant += zerosSinceNonZero + 1
                zerosSinceNonZero = 0
            } else if significant > 0 {
                zerosSinceNonZero += 1  // counted only if a digit other than zero follows: trailing zeros are not
            }
        }
        if let value = Double(text), FloatRendering.isRendering(value, ofCents: nearest, significantDigits: significant) {
            return .success((nearest, .floatRendering))
        }
        if roundsSubCent { return .success((nearest, .rounded)) }
        return .failure(AmountError(reason: "more than two decimal places (would need rounding; --round-amounts rounds it)"))
    }
}

/// Whether a decimal is what a program printing a binary double wrote for a whole number of cents: `0.1 + 0.2` prints
/// as `0.30000000000000004`, and a pandas export of 85.65 read into a float as `85.64999999999999`. Such a text has
/// more significant digits than anybody types (`significantDigits`: 15 or more, the most a double holds faithfully
/// being 15 to 17), and the double it reads as lies within a few units in the last place of the double nearest the
/// cents (`maximumUlps`: sums and products of a few amounts drift by one or two). The rule applies only where a
/// double's precision is much finer than a cent (4 ulps under half a cent, below about 4.4 trillion), so the cents
/// are never in doubt; a genuine sub-cent amount such as `12.345` fails the first test, and `12.3449999999999`
/// (15 digits, typed or computed) the second.
public enum FloatRendering {
    public static let minimumSignificantDigits = 15
    public static let maximumUlps = 4.0

    /// Whether `value` (a decimal of `significantDigits` significant digits, read as a double) is a rendering of
    /// `cents` minor units.
    public static func isRendering(_ value: Double, ofCents cents: Int64, significantDigits: Int) -> Bool {
        guard significantDigits >= minimumSignificantDigits, value.isFinite else { return false }
        // Exact: cents are below 2^53, and one division rounds correctly, so this is the double nearest cents / 100.
        let target = Double(cents.magnitude) / 100
        let tolerance = maximumUlps * target.ulp
        return tolerance < 0.005 && abs(value.magnitude - target) <= tolerance
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
