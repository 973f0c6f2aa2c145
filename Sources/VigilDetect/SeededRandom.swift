import Foundation

/// A small, fast, deterministic random number generator: xoshiro256** seeded through SplitMix64.
///
/// Detectors never use the system generator or Swift's `random(in:using:)`: the standard library does not promise
/// that those algorithms stay the same across releases, and an analyst must be able to re-run a model next year and
/// get the same scores bit for bit. Everything here is plain integer arithmetic, identical on every platform.
///
/// Work that runs in parallel takes one generator per unit of work (`init(seed:stream:)`, e.g. one per tree), so the
/// numbers each unit sees depend only on the seed and its index, never on which thread ran it or in what order.
public struct SeededRandom: Sendable, Hashable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator for stream `stream` of `seed`.
    ///
    /// The stream index is hashed together with the seed (rather than, say, jumping ahead in one sequence) so that
    /// deriving stream 1,000,000 costs the same as stream 0, and neighbouring streams share no state words.
    public init(seed: UInt64, stream: UInt64 = 0) {
        var seeder = SplitMix64(state: SplitMix64.mix(seed) ^ SplitMix64.mix(stream &+ 0x6A09_E667_F3BC_C909))
        state = (seeder.next(), seeder.next(), seeder.next(), seeder.next())
        // xoshiro's only bad state is all zeros; SplitMix64 cannot produce four zeros in a row, but stay explicit.
        if state == (0, 0, 0, 0) { state.0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// The next 64 uniformly distributed bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, by: 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotateLeft(state.3, by: 45)
        return result
    }

    /// A uniform `Double` in [0, 1), with 53 random bits (every representable multiple of 2⁻⁵³).
    public mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform integer in `0 ..< upperBound`, without modulo bias (Lemire's multiply-and-reject method).
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "the range 0..<\(upperBound) is empty")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            // Rejecting the low `2⁶⁴ mod bound` values of the low word makes every result equally likely.
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return Int(product.high)
    }

    /// A uniform integer in `range`.
    public mutating func nextInt(in range: Range<Int>) -> Int {
        range.lowerBound + nextInt(below: range.count)
    }

    /// A uniform integer in `range`.
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        nextInt(in: range.lowerBound ..< range.upperBound + 1)
    }

    /// A standard normal variate (Box–Muller), for generating test and benchmark data.
    public mutating func nextGaussian() -> Double {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        let radius = (-2 * log(1 - nextUnitDouble())).squareRoot()
        return radius * cos(2 * Double.pi * nextUnitDouble())
    }

    public static func == (lhs: SeededRandom, rhs: SeededRandom) -> Bool {
        lhs.state == rhs.state
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(state.0)
        hasher.combine(state.1)
        hasher.combine(state.2)
        hasher.combine(state.3)
    }
}

func rotateLeft(_ value: UInt64, by amount: UInt64) -> UInt64 {
    (value << amount) | (value >> (64 - amount))
}

/// SplitMix64: used only to spread a seed over xoshiro's 256 bits of state, as its authors recommend.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// A bijective mixing of 64 bits: nearby inputs give unrelated outputs.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
