import Testing
import VigilCore

/// Amounts a program printing binary doubles wrote (`repr(0.1 + 0.2)`, a pandas export) are the cents they stand
/// for; sub-cent amounts anybody means are not.
@Suite struct FloatRenderingTests {
    let parser = AmountParser()

    func read(_ text: String, _ parser: AmountParser? = nil) -> (cents: Int64, adjustment: AmountParser.Adjustment)? {
        guard case .success(let r) = (parser ?? self.parser).read(text) else { return nil }
        return (r.money.minorUnits, r.adjustment)
    }

    func reason(_ text: String) -> String? {
        if case .failure(let e) = parser.read(text) { return e.reason }
        return nil
    }

    @Test(arguments: [
        ("85.64999999999999", 8565), ("0.30000000000000004", 30), ("1.0000000000000002", 100),
        ("0.07000000000000001", 7), ("-85.64999999999999", -8565), ("-0.30000000000000004", -30),
        ("$85.64999999999999", 8565), ("(85.64999999999999)", -8565), ("85.649999999999991", 8565),
        ("1234567.8899999999", 123_456_789), ("4.35", 435),
    ] as [(String, Int64)])
    func floatRenderingsReadAsTheirCents(text: String, cents: Int64) {
        let r = read(text)
        #expect(r?.cents == cents, "\(text)")
        #expect(r?.adjustment == (text == "4.35" ? AmountParser.Adjustment.none : .floatRendering), "\(text)")
    }

    /// Every cent value from 0.00 to 20.00 and a spread of larger ones, as Python's repr writes the double nearest
    /// it after the arithmetic a pipeline does (x * 3 / 3, a sum of tenths), reads back as itself.
    @Test func renderingsOfComputedCentsRoundTrip() {
        var checked = 0
        for cents in Array(Int64(0)...2_000) + stride(from: Int64(1_000_000), through: 900_000_000_000, by: 7_777_777_777).map({ $0 }) {
            let exact = Double(cents) / 100
            for drifted in [exact.nextUp, exact.nextDown, exact.nextUp.nextUp, exact.nextDown.nextDown] where drifted > 0 {
                let text = "\(drifted)"  // shortest round-trip form, as Python and Swift print a double
                guard !text.contains("e") else { continue }
                let r = read(text)
                #expect(r?.cents == cents, "\(text)")
                checked += 1
            }
        }
        #expect(checked > 8_000)
    }

    @Test(arguments: ["12.345", "0.005", "-0.005", "1.001", "12.3449999999999", "85.6499999", "0.000000000000001"])
    func genuineSubCentAmountsAreStillRejected(text: String) {
        #expect(reason(text)?.hasPrefix("more than two decimal places") == true, "\(text): \(reason(text) ?? "accepted")")
    }

    /// 15 significant digits is where the rule starts; fewer is a typed amount. And a drift past 4 ulps is not a
    /// rendering.
    @Test func boundaries() {
        // 14 significant digits, and as close to 85.65 as a double gets: typed, not printed.
        #expect(reason("85.649999999999") != nil)
        // 0.3 + 4 ulps and 0.3 + 5 ulps (5.55e-17 each).
        #expect(read("0.30000000000000021")?.adjustment == .floatRendering)
        #expect(reason("0.30000000000000027") != nil)
        // Trailing zeros are not significant digits: 12.34500000000000 is 12.345, typed.
        #expect(reason("12.34500000000000") != nil)
    }

    /// Where a double's spacing nears a cent, which cents it stands for is no longer certain: no repair there, and
    /// the largest amounts stay an error of their own.
    @Test func hugeAmounts() {
        #expect(read("4000000000000.0098")?.adjustment == .floatRendering)  // 4 ulps = 0.002 < half a cent
        #expect(reason("9999999999999.996")?.hasPrefix("more than two decimal places") == true)  // 4 ulps = 0.0078
        #expect(reason("99999999999999.999")?.hasPrefix("amount too large") == true)
        #expect(reason("10000000000000.001")?.hasPrefix("more than two decimal places") == true)
    }

    @Test func exponentsStayRefused() {
        #expect(reason("8.564999999999999e1")?.hasPrefix("exponent notation") == true)
    }

    @Test func roundingIsHalfEvenAndOnlyWhenAsked() {
        let rounding = AmountParser(roundsSubCent: true)
        let cases: [(String, Int64)] = [("12.345", 1234), ("12.355", 1236), ("12.3451", 1235), ("-12.345", -1234),
                                        ("-12.3451", -1235), ("0.005", 0), ("0.015", 2), ("0.004999", 0), ("12.349", 1235)]
        for (text, cents) in cases {
            let r = read(text, rounding)
            #expect(r?.cents == cents && r?.adjustment == .rounded, "\(text) gave \(String(describing: r))")
        }
        // A rendering is a rendering whether or not rounding is asked for.
        #expect(read("85.64999999999999", rounding)?.adjustment == .floatRendering)
        #expect(read("12.34", rounding)?.adjustment == AmountParser.Adjustment.none)
        // Rounding up past the largest amount is still too large.
        if case .failure(let e) = rounding.read("10000000000000.009") { #expect(e.reason.hasPrefix("amount too large")) } else {
            Issue.record("rounded past the maximum")
        }
    }

    @Test func theRuleOnItsOwn() {
        #expect(FloatRendering.isRendering(0.1 + 0.2, ofCents: 30, significantDigits: 17))
        #expect(!FloatRendering.isRendering(0.1 + 0.2, ofCents: 30, significantDigits: 14))
        #expect(!FloatRendering.isRendering(0.31, ofCents: 30, significantDigits: 17))
        #expect(!FloatRendering.isRendering(.nan, ofCents: 30, significantDigits: 17))
    }
}
