import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct SequenceEncoderTests {
    /// Two clients: A with three transactions (the second a refund 90 minutes later, the third online 1 km away), B with one.
    static func columns() -> TransactionColumns {
        var c = TransactionColumns()
        c.categoryNames = ["travel", "grocery", "zoo"]
        let t0: Int64 = 19_723 * 86_400 + 18 * 3_600  // Monday 18:00 UTC
        c.append(id: 1, instant: t0, amountMinor: 4_500, category: 1, home: (40.7, -74.0), merchant: (40.7, -74.0), label: 0)
        c.append(id: 2, instant: t0 + 5_400, amountMinor: -1_000, category: 1, home: (40.7, -74.0), merchant: (.nan, .nan), label: 0)
        c.append(id: 3, instant: t0 + 86_400, amountMinor: 124_000, category: 0, home: (40.7, -74.0), merchant: (40.709, -74.0),
                 label: 1, channel: .online)
        c.endClient("A")
        c.append(id: 4, instant: t0, amountMinor: 100, category: 2, home: (.nan, .nan), merchant: (.nan, .nan), label: 0)
        c.endClient("B")
        return c
    }

    @Test func eachClientIsASequenceWithFixedTransformsAndCausalGaps() throws {
        let encoder = SequenceEncoder.fitting(["zoo", "grocery", "travel", "grocery"])
        #expect(encoder.categoryNames == ["grocery", "travel", "zoo"] && encoder.categoryCount == 4)
        let steps = encoder.encode(Self.columns())
        let w = SequenceEncoder.numericNames.count
        #expect(steps.starts == [0, 3, 4] && steps.count == 4 && steps.numeric.count == 4 * w)
        // The columns' own category indices are mapped through the names: grocery 0, travel 1, zoo 2.
        #expect(steps.categories == [0, 0, 1, 2])
        #expect(abs(steps.logAmount[0] - Float(log1p(45.0))) < 1e-6)
        #expect(abs(steps.logAmount[1] - Float(log1p(10.0))) < 1e-6, "refunds by magnitude")
        #expect(steps.numeric[w + 1] == 1, "the refund flag")
        // No gap before a client's first transaction; 90 minutes before the second.
        #expect(steps.logGap[0].isNaN && steps.logGap[3].isNaN)
        #expect(abs(steps.logGap[1] - Float(log1p(90.0)) / 4) < 1e-6)
        #expect(abs(SequenceEncoder.gapSeconds(fromTarget: steps.logGap[1]) - 5_400) < 0.5)
        // 18:00: the hour's sine is -1, cosine 0; Monday: weekday sine 0, cosine 1.
        #expect(abs(steps.numeric[3] + 1) < 1e-6 && abs(steps.numeric[4]) < 1e-6)
        #expect(abs(steps.numeric[5]) < 1e-6 && abs(steps.numeric[6] - 1) < 1e-6)
        // The third is 1 km from home and from the previous placed transaction (the first; the second had no place).
        let km = Float(log1p(1.0007)) / 5
        #expect(abs(steps.numeric[2 * w + 7] - km) < 1e-3 && abs(steps.numeric[2 * w + 8] - km) < 1e-3)
        #expect(steps.numeric[2 * w + 10] == 1, "online")
        #expect(steps.numeric[w + 9] == 0 && steps.numeric[w + 7] == 0, "no place: no distances")
        #expect(steps.kmHome[1].isNaN && abs(steps.kmHome[2] - 1.0007) < 0.01)
        #expect(steps.usualKmHome(before: 2) == 0)
        #expect(steps.usualKmHome(before: 0) == nil && steps.usualKmHome(before: 3) == nil)
        #expect(steps.sequenceStart(of: 0) == 0 && steps.sequenceStart(of: 2) == 0 && steps.sequenceStart(of: 3) == 3)
    }

    @Test func unknownCategoriesShareTheOtherIdAndStepsAppendAndSelect() {
        let encoder = SequenceEncoder(categoryNames: ["grocery"])
        let steps = encoder.encode(Self.columns())
        #expect(steps.categories == [0, 0, 1, 1])
        #expect(encoder.categoryName(1) == "other" && encoder.categoryName(0) == "grocery")
        var twice = steps
        twice.append(steps)
        #expect(twice.starts == [0, 3, 4, 7, 8] && twice.count == 8)
        let second = twice.sequences([3, 1])
        #expect(second.starts == [0, 1, 2] && second.categories == [1, 1])
        #expect(SequenceEncoder(categoryNames: (0..<400).map { "c\($0)" }).categoryCount == 256)
    }
}
