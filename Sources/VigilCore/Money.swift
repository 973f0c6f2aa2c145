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
        let sign = minorUnits < 0 ? "-" : ""
        let body = Self.grouped(minorUnits.magnitude)
        if currency == "USD" { return "\(sign)$\(body)" }
        return "\(sign)\(body) \(currency)"
    }

    /// A total as shown: `description`, but "at least …" (or "at most …") when it is at the bound of an Int64, where
    /// totals past it are clamped (`AmountSum.clampedMinorUnits`), so a clamped total never passes for an exact one.
    public var totalDescription: String {
        switch minorUnits {
        case .max: return "at least " + description
        case .min: return "at most " + description
        default: return description
        }
    }

    /// A magnitude in minor units as major units with thousands grouped and two decimals: `1,234.56`.
    public static func grouped(_ magnitude: UInt64) -> String {
        let cents = magnitude % 100
        return Formatting.grouped(magnitude / 100) + (cents < 10 ? ".0\(cents)" : ".\(cents)")
    }
}

extension Money {
    /// The largest amount one transaction may have, either sign: 10^15 minor units, ten trillion in major units.
    /// Larger than any real card payment or wire, even hundreds of millions of dollars written in a currency of small
    /// units such as the rupiah; exact as a Double (below 2^53); and small enough that 9,000 such transactions still
    /// sum within 64 bits. Sums are checked all the same (`saturatingSum`): a client may have more.
    public static let maximumMinorUnits: Int64 = 1_000_000_000_000_000

    /// `a + b`, or the nearest of `Int64.min` and `Int64.max` when the exact sum is beyond them: for totals of
    /// amounts, which a client with very many very large transactions (or a store from before the maximum) could
    /// otherwise take past 64 bits and stop the program.
    @inlinable public static func saturatingSum(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? .min : .max) : sum
    }

    /// `value` rounded to whole minor units, or the nearest of `Int64.min` and `Int64.max` when beyond them (0 for
    /// NaN): a Double worked out from amounts (a quantile, a limit, a prediction) turned back into an amount, which
    /// `Int64(_:)` would stop the program on when it is out of range.
    @inlinable public static func minorUnits(clamping value: Double) -> Int64 {
        guard !value.isNaN else { return 0 }
        let rounded = value.rounded()
        // 2^63 is exactly representable; Int64.max is not, so the bound is checked with `>=`.
        if rounded >= 9_223_372_036_854_775_808.0 { return .max }
        if rounded <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(rounded)
    }
}
