import Foundation

/// SplitMix64: used only to expand a 64-bit seed into xoshiro state and to derive
/// independent stream seeds, because its output is well mixed even for seeds 0, 1, 2, ...
struct SplitMix64 {
    var state: UInt64

    init(state: UInt64) { self.state = state }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 finaliser on its own, a cheap bijective hash.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A seed for the stream named by (seed, purpose, a, b). Each client-day gets its own
    /// stream this way, so output never depends on which thread generated what, or in what order.
    @inline(__always)
    static func derive(_ seed: UInt64, _ purpose: UInt64, _ a: UInt64, _ b: UInt64 = 0) -> UInt64 {
        var h = mix(seed ^ 0x6A09_E667_F3BC_C908)
        h = mix(h ^ (purpose &* 0x9E37_79B9_7F4A_7C15))
        h = mix(h ^ (a &* 0xC2B2_AE3D_27D4_EB4F))
        h = mix(h ^ (b &* 0x1656_67B1_9E37_79F9))
        return h
    }
}

/// xoshiro256** (Blackman and Vigna) with the few distributions the generator needs.
/// Written out here rather than taken from the standard library so the stream is fixed
/// forever: the same seed gives the same data on every platform and toolchain.
struct DemoRandom {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    private var spareNormal: Double = 0
    private var hasSpareNormal = false

    init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    init(seed: UInt64, purpose: UInt64, _ a: UInt64, _ b: UInt64 = 0) {
        self.init(seed: SplitMix64.derive(seed, purpose, a, b))
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = DemoRandom.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = DemoRandom.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1), 53 bits.
    @inline(__always)
    mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [low, high).
    @inline(__always)
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * uniform()
    }

    /// Uniform integer in 0..<bound (bound > 0), by Lemire's multiply-shift; the tiny bias is irrelevant here.
    @inline(__always)
    mutating func int(below bound: Int) -> Int {
        precondition(bound > 0)
        return Int(next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// Uniform integer in the closed range.
    @inline(__always)
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    @inline(__always)
    mutating func chance(_ probability: Double) -> Bool {
        uniform() < probability
    }

    /// Standard normal, Marsaglia's polar method.
    mutating func normal() -> Double {
        if hasSpareNormal {
            hasSpareNormal = false
            return spareNormal
        }
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * log(s) / s).squareRoot()
                spareNormal = v * factor
                hasSpareNormal = true
                return u * factor
            }
        }
    }

    mutating func normal(mean: Double, deviation: Double) -> Double {
        mean + deviation * normal()
    }

    /// exp(N(mu, sigma)).
    mutating func logNormal(mu: Double, sigma: Double) -> Double {
        exp(mu + sigma * normal())
    }

    /// Poisson count; Knuth's product method for small means, a rounded normal beyond.
    mutating func poisson(_ mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        if mean < 30 {
            let limit = exp(-mean)
            var product = uniform()
            var count = 0
            while product > limit {
                count += 1
                product *= uniform()
            }
            return count
        }
        return max(0, Int((mean + mean.squareRoot() * normal()).rounded()))
    }

    /// One element, uniformly.
    @inline(__always)
    mutating func choice<T>(_ items: [T]) -> T {
        items[int(below: items.count)]
    }

    /// An index drawn by cumulative weights (ascending, last = total).
    @inline(__always)
    mutating func index(cumulative: [Double]) -> Int {
        let target = uniform() * cumulative[cumulative.count - 1]
        var i = 0
        while i < cumulative.count - 1 && cumulative[i] <= target { i += 1 }
        return i
    }

    /// Fisher–Yates, in place.
    mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, int(below: i + 1))
        }
    }
}

/// Running totals of weights, for `DemoRandom.index(cumulative:)`.
func cumulativeWeights(_ weights: [Double]) -> [Double] {
    var total = 0.0
    return weights.map { weight in
        total += max(0, weight)
        return total
    }
}
