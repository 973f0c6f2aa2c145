import Testing
@testable import VigilCore

/// The maximum amount per transaction, and the arithmetic that keeps totals of amounts from overflowing.
@Suite struct AmountLimitTests {
    let parser = AmountParser()

    func reason(_ text: String, declared: AmountParser.Declared? = nil) -> String? {
        if case .failure(let e) = parser.parse(text, declared: declared) { return e.reason }
        return nil
    }

    @Test func theMaximumIsAcceptedAndOneCentMoreIsNot() {
        #expect(parser.parse("10000000000000.00") == .success(Money(minorUnits: Money.maximumMinorUnits)))
        #expect(parser.parse("-$10,000,000,000,000") == .success(Money(minorUnits: -Money.maximumMinorUnits)))
        #expect(parser.parse("0000000000000000000000000000012.34") == .success(Money(minorUnits: 1234)))
        for text in ["10000000000000.01", "-10000000000000.01", "50000000000000000.00", "92233720368547758.07",
                     "9223372036854775807", String(repeating: "9", count: 40)] {
            #expect(reason(text) == "amount too large: more than 10,000,000,000,000.00, the most one transaction may be", "\(text)")
        }
    }

    @Test func saturatingSumStopsAtTheBounds() {
        #expect(Money.saturatingSum(2, 3) == 5)
        #expect(Money.saturatingSum(.max, 1) == .max)
        #expect(Money.saturatingSum(.max - 1, .max) == .max)
        #expect(Money.saturatingSum(.min, -1) == .min)
        #expect(Money.saturatingSum(.max, .min) == -1)
    }

    @Test func clampingADoubleToMinorUnits() {
        #expect(Money.minorUnits(clamping: 12.5) == 13)
        #expect(Money.minorUnits(clamping: -12.5) == -13)
        #expect(Money.minorUnits(clamping: 9.3e18) == .max)
        #expect(Money.minorUnits(clamping: Double(Int64.max)) == .max)
        #expect(Money.minorUnits(clamping: -9.3e18) == .min)
        #expect(Money.minorUnits(clamping: -9_223_372_036_854_775_808.0) == .min)
        #expect(Money.minorUnits(clamping: .infinity) == .max)
        #expect(Money.minorUnits(clamping: .nan) == 0)
    }

    /// AmountSum agrees with Int64 arithmetic wherever that does not overflow, to the bit as a Double too, and goes
    /// on exactly where it would.
    @Test func amountSumIsExactBeyondInt64() {
        var random = SystemRandomNumberGenerator()
        var sum = AmountSum()
        var reference: Int64 = 0
        var added: [Int64] = []
        for _ in 0..<10_000 {
            let amount = Int64.random(in: -Money.maximumMinorUnits...Money.maximumMinorUnits, using: &random)
            sum.add(amount)
            reference += amount
            added.append(amount)
            #expect(sum.clampedMinorUnits == reference)
            #expect(!sum.exceedsInt64)
            if abs(reference) < 1 << 53 { #expect(sum.doubleValue.bitPattern == Double(reference).bitPattern) }
        }
        for amount in added.prefix(5_000) {
            sum.subtract(amount)
            reference -= amount
            #expect(sum.clampedMinorUnits == reference)
        }

        var big = AmountSum()
        for _ in 0..<3 { big.add(.max) }
        #expect(big.exceedsInt64 && big.clampedMinorUnits == .max)
        #expect(big.doubleValue == 3 * Double(Int64.max))
        big.subtract(.max)
        big.subtract(.max)
        #expect(!big.exceedsInt64 && big.clampedMinorUnits == .max)
        for _ in 0..<4 { big.add(.min) }
        #expect(big.exceedsInt64 && big.clampedMinorUnits == .min)

        // SQL's two word sums, joined.
        let amounts: [Int64] = [.max, .max, -5, -123_456_789_012, .min]
        let high = amounts.reduce(Int64(0)) { $0 + ($1 >> 32) }
        let low = amounts.reduce(Int64(0)) { $0 + ($1 & 0xFFFF_FFFF) }
        var expected = AmountSum()
        for a in amounts { expected.add(a) }
        #expect(AmountSum(highWords: high, lowWords: low) == expected)
        #expect(expected.clampedMinorUnits == Int64.max - 123_456_789_018)
    }
}

/// A currency written in an amount: one sign and one code at most, agreeing with each other and with the currency
/// the row or the import declares.
@Suite struct AmountCurrencyTests {
    let parser = AmountParser()
    let column = AmountParser.Declared(code: "USD", source: "the currency column")

    func parse(_ text: String, _ declared: AmountParser.Declared? = nil) -> Result<Money, AmountError> {
        parser.parse(text, declared: declared)
    }

    @Test func aWrittenCurrencyThatContradictsTheDeclaredOneIsRejectedNamingBoth() {
        #expect(parse("12.00 EUR", column) == .failure(AmountError(reason: "the amount is in EUR but the currency column says USD")))
        #expect(parse("USD 12.00", .init(code: "EUR", source: "--currency"))
                == .failure(AmountError(reason: "the amount is in USD but --currency says EUR")))
        #expect(parse("€12.00", column) == .failure(AmountError(reason: "the amount is in EUR (€) but the currency column says USD")))
        #expect(parse("12.00€", column) == .failure(AmountError(reason: "the amount is in EUR (€) but the currency column says USD")))
        #expect(parse("£12.00", column) == .failure(AmountError(reason: "the amount is in pounds (£) but the currency column says USD")))
        #expect(parse("$12.00", .init(code: "EUR", source: "the currency column"))
                == .failure(AmountError(reason: "the amount is in dollars ($) but the currency column says EUR")))
    }

    @Test func aWrittenCurrencyThatAgreesIsTakenInTheDeclaredOne() {
        #expect(parse("$12.00", column) == .success(Money(minorUnits: 1200, currency: "USD")))
        #expect(parse("$12.00", .init(code: "CAD", source: "the currency column")) == .success(Money(minorUnits: 1200, currency: "CAD")))
        #expect(parse("£3", .init(code: "GBP", source: "x")) == .success(Money(minorUnits: 300, currency: "GBP")))
        #expect(parse("12.00 EUR", .init(code: "EUR", source: "x")) == .success(Money(minorUnits: 1200, currency: "EUR")))
        #expect(parse("$12.00 USD", column) == .success(Money(minorUnits: 1200, currency: "USD")))
        #expect(parse("12", .init(code: "CHF", source: "x")) == .success(Money(minorUnits: 1200, currency: "CHF")))
        // With nothing declared the written currency stands, as before.
        #expect(parse("€12.00") == .success(Money(minorUnits: 1200, currency: "EUR")))
        #expect(parse("-$3.10") == .success(Money(minorUnits: -310, currency: "USD")))
        #expect(parse("($12.00)") == .success(Money(minorUnits: -1200, currency: "USD")))
    }

    @Test func malformedSignsAreRejected() {
        for text in ["$$3", "$3$", "3$$", "€$3", "$€3", "€3€", "-$$3", "$-$3", "(€$3)"] {
            #expect(parse(text) == .failure(AmountError(reason: "more than one currency sign")), "\(text)")
            #expect(parse(text, column) == .failure(AmountError(reason: "more than one currency sign")), "\(text)")
        }
        #expect(parse("USD 3 USD") == .failure(AmountError(reason: "more than one currency code")))
        #expect(parse("USD 3 EUR") == .failure(AmountError(reason: "more than one currency code")))
        #expect(parse("€5 USD") == .failure(AmountError(reason: "the sign € (EUR) disagrees with the code USD")))
        #expect(parse("$5 EUR") == .failure(AmountError(reason: "the sign $ (dollars) disagrees with the code EUR")))
    }
}
