import Testing
import VigilStore

@Suite struct RejectionLimitTests {
    @Test func parsesPercentagesAndCounts() throws {
        #expect(try RejectionLimit.parse("2%").get() == .percent(2))
        #expect(try RejectionLimit.parse("0.5%").get() == .percent(0.5))
        #expect(try RejectionLimit.parse(" 0.5 % ").get() == .percent(0.5))
        #expect(try RejectionLimit.parse("100").get() == .count(100))
        #expect(try RejectionLimit.parse("0").get() == .count(0))
        for bad in ["", "%", "-1", "1e2", "nan%", "101%", "1.5", "abc", "1..2%", "-1%"] {
            #expect((try? RejectionLimit.parse(bad).get()) == nil, "accepted '\(bad)'")
        }
        #expect(RejectionLimit.standard == .percent(1) && RejectionLimit.standard.option == "1%")
        #expect(RejectionLimit.percent(0.5).option == "0.5%" && RejectionLimit.count(100).option == "100")
    }

    @Test func judgesMoreThanTheLimit() {
        #expect(!RejectionLimit.percent(1).isExceeded(rejected: 10, read: 1_000))
        #expect(RejectionLimit.percent(1).isExceeded(rejected: 11, read: 1_000))
        #expect(!RejectionLimit.percent(1).isExceeded(rejected: 0, read: 0))
        #expect(RejectionLimit.percent(0).isExceeded(rejected: 1, read: 1_000_000))
        #expect(!RejectionLimit.count(100).isExceeded(rejected: 100, read: 100))
        #expect(RejectionLimit.count(100).isExceeded(rejected: 101, read: 1_000_000))
    }

    @Test func theVerdictLine() {
        let limit = RejectionLimit.percent(1)
        #expect(limit.verdict(rejected: 1_214, read: 173_000, seeAlso: "`vigil rejected --store s`")
                == "1,214 rows rejected (0.7 % of 173,000 read); see `vigil rejected --store s`")
        #expect(limit.verdict(rejected: 3, read: 5, seeAlso: nil)
                == "3 rows rejected (60.0 % of 5 read): more than --max-rejected 1 % allows")
        #expect(RejectionLimit.count(0).verdict(rejected: 1, read: 1_000_000, seeAlso: nil)
                == "1 row rejected (0.0001 % of 1,000,000 read): more than --max-rejected 0 rows allows")
        // Never 0.0 % nor 100.0 % when it is neither.
        #expect(limit.verdict(rejected: 999_999, read: 1_000_000, seeAlso: nil).contains("(99.9999 %"))
    }
}
