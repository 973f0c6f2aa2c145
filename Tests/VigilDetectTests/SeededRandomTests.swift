import Testing
@testable import VigilDetect

@Suite struct SeededRandomTests {
    @Test func sameSeedAndStreamGiveTheSameSequence() {
        var first = SeededRandom(seed: 7, stream: 3)
        var second = SeededRandom(seed: 7, stream: 3)
        #expect((0 ..< 100).map { _ in first.next() } == (0 ..< 100).map { _ in second.next() })
    }

    @Test func streamsAndSeedsDiffer() {
        let firstValues = { (seed: UInt64, stream: UInt64) -> [UInt64] in
            var random = SeededRandom(seed: seed, stream: stream)
            return (0 ..< 4).map { _ in random.next() }
        }
        let sequences = [firstValues(1, 0), firstValues(1, 1), firstValues(2, 0), firstValues(0, 1)]
        #expect(Set(sequences.map { $0 }).count == sequences.count)
    }

    /// Pins the generator: a change here silently changes every model fitted with a given seed.
    @Test func outputIsStableAcrossReleases() {
        // Values from an independent Python transcription of SplitMix64 seeding and xoshiro256**.
        var random = SeededRandom(seed: 42)
        let expected: [UInt64] = [0xDB98_A6B9_B81A_8D77, 0x06AF_0E01_E404_05D1, 0x6D48_4511_59C1_7972]
        #expect((0 ..< 3).map { _ in random.next() } == expected)
        var zero = SplitMix64(state: 0)
        // SplitMix64's published first output for state 0.
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    }

    @Test func unitDoublesStayInTheHalfOpenInterval() {
        var random = SeededRandom(seed: 1)
        let values = (0 ..< 10000).map { _ in random.nextUnitDouble() }
        #expect(values.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(abs(mean - 0.5) < 0.02)
    }

    @Test func integersCoverTheRangeEvenly() {
        var random = SeededRandom(seed: 9)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0 ..< 70000 { counts[random.nextInt(below: 7)] += 1 }
        #expect(counts.allSatisfy { abs($0 - 10000) < 500 })
        #expect((0 ..< 1000).allSatisfy { _ in (-3 ... 3).contains(random.nextInt(in: -3 ... 3)) })
        #expect(random.nextInt(in: 5 ..< 6) == 5)
    }

    @Test func gaussiansHaveUnitVariance() {
        var random = SeededRandom(seed: 3)
        let values = (0 ..< 20000).map { _ in random.nextGaussian() }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        #expect(abs(mean) < 0.03 && abs(variance - 1) < 0.05)
    }
}
