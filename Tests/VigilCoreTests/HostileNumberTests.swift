import Testing
import VigilCore

/// Numbers and times as hostile or broken exports write them: each refused with a reason in words, never
/// rounded, never crashing, and no byte of the input echoed raw into a message.
@Suite struct HostileNumberTests {
    func amountReason(_ text: String) -> String? {
        if case .failure(let e) = AmountParser().parse(text) { return e.reason }
        return nil
    }

    func timeReason(_ text: String) -> String? {
        if case .failure(let e) = TimestampParser().parse(text) { return e.reason }
        return nil
    }

    @Test(arguments: ["NaN", "nan", "+Inf", "-Inf", "inf", "Infinity", "-INFINITY", "$NaN", "(Inf)"])
    func nonFiniteAmounts(text: String) {
        #expect(amountReason(text) == "not a finite amount (NaN or infinity)")
    }

    @Test(arguments: ["1e308", "-1E308", "1.7976931348623157e308", "2.5e-3", "12E+2"])
    func exponentAmounts(text: String) {
        #expect(amountReason(text) == "exponent notation is not accepted (write the amount out in full)")
    }

    @Test func negativeZeroIsZero() {
        for text in ["-0", "-0.00", "(0.00)", "-$0"] {
            guard case .success(let money) = AmountParser().parse(text) else {
                Issue.record("\(text) was refused")
                continue
            }
            #expect(money.minorUnits == 0)
        }
    }

    @Test func hugeAndOddAmounts() {
        #expect(amountReason("99999999999999999999") == "amount too large: more than 10,000,000,000,000.00, the most one transaction may be")
        #expect(amountReason("0x1F") == "unexpected character 'x'")
        #expect(amountReason("12\u{1B}[2J") == "unexpected character '\\x1b'")
        #expect(amountReason("e5") == "unexpected character 'e'", "a bare e is no exponent")
    }

    @Test func shortNegativeEpochsAreNoTimes() {
        #expect(timeReason("-0") == "number too small to be an epoch timestamp")
        #expect(timeReason("-5") == "number too small to be an epoch timestamp")
        guard case .success(let t) = TimestampParser().parse("-1672531229") else {
            Issue.record("a 1917 epoch was refused")
            return
        }
        #expect(t == -1_672_531_229)
    }

    @Test func aZoneWithControlBytesIsQuotedVisibly() {
        #expect(timeReason("2023-01-01 10:00 UT\u{07}") == "unknown zone 'UT\\x07'")
        #expect(timeReason("2023-01-01 10:00 G\u{1B}[") == "unknown zone 'G\\x1B['")
    }

    @Test(arguments: ["NaN", "1e308", "Infinity", "-0.0", "9999-12-31T23:59:59Z", "99999999999999999999999"])
    func hostileTimesAreRefused(text: String) {
        #expect(timeReason(text) != nil)
    }
}
