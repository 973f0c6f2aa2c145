import VigilCore
import VigilDetect

/// A 64-bit FNV-1a digest of the rules' output, to compare a whole scan's findings with a recorded value: every
/// number goes in by its bit pattern and every string by its UTF-8 bytes, so any difference at all shows.
struct RuleFingerprint: Equatable, CustomStringConvertible {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
    private(set) var items = 0

    var description: String { "0x" + String(value, radix: 16) + " (\(items) items)" }

    mutating func add(_ x: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) {
            value ^= (x >> UInt64(shift)) & 0xff
            value = value &* 0x0000_0100_0000_01b3
        }
    }

    mutating func add(_ x: Int) { add(UInt64(bitPattern: Int64(x))) }
    mutating func add(_ x: Int64) { add(UInt64(bitPattern: x)) }
    mutating func add(_ x: Double) { add(x.bitPattern) }
    mutating func add(_ s: String) {
        add(s.utf8.count)
        for byte in s.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01b3
        }
    }

    mutating func add(_ hit: RuleHit) {
        items += 1
        add(hit.row)
        add(hit.detector.rawValue)
        add(hit.score)
        add(hit.reason)
    }

    static func of(_ hits: [RuleHit]) -> RuleFingerprint {
        var f = RuleFingerprint()
        for hit in hits { f.add(hit) }
        return f
    }

    // Every field of each rule's findings, client by client.

    mutating func add(_ f: ImpossibleTravelRule.Finding) {
        items += 1
        add(f.row); add(f.previousRow); add(f.score); add(f.distanceKm); add(f.elapsedSeconds); add(f.speedKmh)
    }

    mutating func add(_ f: UnusualPlaceRule.Finding) {
        items += 1
        add(f.row); add(f.score); add(f.nearestKm); add(f.history); add(f.knownPlaces)
    }

    mutating func add(_ f: UnusualHourRule.Finding) {
        items += 1
        add(f.row); add(f.score); add(f.share); add(f.history); add(f.hour); add(f.minute); add(f.weekday)
    }

    mutating func add(_ f: UnusualAmountRule.Finding) {
        items += 1
        add(f.row); add(f.score); add(f.amountMinor); add(f.usualMinor); add(f.category.map(Int.init) ?? -1); add(f.history)
    }

    mutating func add(_ f: OverSpendRule.Finding) {
        items += 1
        add(f.row); add(f.score); add(f.spendMinor); add(f.limitMinor); add(f.usualMinor); add(f.periods)
    }

    mutating func add(_ f: BurstRule.Finding) {
        items += 1
        add(f.row); add(f.kind.rawValue); add(f.score); add(f.count); add(f.expected); add(f.probability)
    }
}
