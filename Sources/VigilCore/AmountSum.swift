/// A total of amounts in minor units that stays exact whatever is added and taken away, where an `Int64` would
/// overflow (and stop the program) once a client or a store has enough very large amounts. Kept as two 64-bit words,
/// `high · 2^32 + low` with `low` in 0..<2^32: each amount moves `high` by at most 2^31, so it would take billions of
/// maximum amounts to reach its limits.
public struct AmountSum: Sendable, Hashable {
    @usableFromInline var high: Int64
    @usableFromInline var low: Int64

    public init() {
        high = 0
        low = 0
    }

    /// The total of amounts whose high words (`amount >> 32`) sum to `high` and whose low words
    /// (`amount & 0xFFFF_FFFF`) sum to `low`: what SQL can add up without overflowing.
    public init(highWords: Int64, lowWords: Int64) {
        high = highWords + (lowWords >> 32)
        low = lowWords & Self.mask
    }

    @usableFromInline static let mask: Int64 = 0xFFFF_FFFF

    @inlinable public mutating func add(_ amount: Int64) {
        high += amount >> 32
        low += amount & Self.mask
        if low > Self.mask {
            high += 1
            low -= Self.mask + 1
        }
    }

    @inlinable public mutating func subtract(_ amount: Int64) {
        high -= amount >> 32
        low -= amount & Self.mask
        if low < 0 {
            high -= 1
            low += Self.mask + 1
        }
    }

    /// The total as a Double: exact while it is below 2^53 in size, the same value `Double(_:)` gives an `Int64`.
    @inlinable public var doubleValue: Double { Double(high) * 4_294_967_296 + Double(low) }

    /// The total, or the nearest of `Int64.min` and `Int64.max` when it is beyond them.
    @inlinable public var clampedMinorUnits: Int64 {
        if high >= 1 << 31 { return .max }
        if high < -(1 << 31) { return .min }
        return (high << 32) + low
    }

    /// Whether the total is beyond what an `Int64` holds (and `clampedMinorUnits` shows a bound).
    @inlinable public var exceedsInt64: Bool { high >= 1 << 31 || high < -(1 << 31) }
}
