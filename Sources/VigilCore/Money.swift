/// An amount of money held exactly, as integer minor units (cents) plus an ISO 4217 code.
public struct Money: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var minorUnits: Int64
    public var currency: String

    public init(minorUnits: Int64, currency: String = "USD") {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.minorUnits < rhs.minorUnits }

    /// The amount in major units, for arithmetic in detectors (never for storage).
    public var major: Double { Double(minorUnits) / 100 }

    /// `$1,234.56`, `-$3.10`; other currencies as `1,234.56 EUR`.
    public var description: String {
        let negative = minorUnits < 0
        let magnitude = minorUnits.magnitude
        let whole = magnitude / 100
        let cents = magnitude % 100
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        grouped = digits + grouped
        let centsText = cents < 10 ? "0\(cents)" : "\(cents)"
        let body = "\(grouped).\(centsText)"
        let sign = negative ? "-" : ""
        if currency == "USD" { return "\(sign)$\(body)" }
        return "\(sign)\(body) \(currency)"
    }
}
