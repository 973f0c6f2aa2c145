import Testing
import VigilCore

@Suite struct AmountParserTests {
    let parser = AmountParser()

    func money(_ text: String) -> Money? {
        if case .success(let m) = parser.parse(text) { return m }
        return nil
    }

    func cents(_ text: String) -> Int64? { money(text)?.minorUnits }

    @Test func plainAmounts() {
        #expect(cents("7.14") == 714)
        #expect(cents("7.1") == 710)
        #expect(cents("7") == 700)
        #expect(cents(".5") == 50)
        #expect(cents("0.00") == 0)
        #expect(cents("12.3400") == 1234)
    }

    @Test func symbolsAndSeparators() {
        #expect(money("$1,234.56") == Money(minorUnits: 123_456, currency: "USD"))
        #expect(money("€12.00") == Money(minorUnits: 1200, currency: "EUR"))
        #expect(money("12.00€") == Money(minorUnits: 1200, currency: "EUR"))
        #expect(money("£4") == Money(minorUnits: 400, currency: "GBP"))
        #expect(money("12.00 EUR") == Money(minorUnits: 1200, currency: "EUR"))
        #expect(money("USD 1,000,000.01") == Money(minorUnits: 100_000_001, currency: "USD"))
        #expect(cents("1234567.89") == 123_456_789)
    }

    @Test func refunds() {
        #expect(cents("-3.10") == -310)
        #expect(cents("-$3.10") == -310)
        #expect(cents("$-3.10") == -310)
        #expect(cents("($12.00)") == -1200)
    }

    @Test func neverRounds() {
        if case .failure(let e) = parser.parse("1.005") { #expect(e.reason.contains("more than two decimal")) } else { Issue.record("1.005 was accepted") }
    }

    @Test func rejectsMalformed() {
        for text in ["", "abc", "1,23.45", "12,34", "$", "1.2.3", "--5", "$1,234,56", "1e5", "€5 USD"] {
            #expect(money(text) == nil, "accepted '\(text)'")
        }
    }

    @Test func defaultCurrency() {
        #expect(AmountParser(defaultCurrency: "CHF").parse("5") == .success(Money(minorUnits: 500, currency: "CHF")))
    }

    @Test func display() {
        #expect(Money(minorUnits: 123_456).description == "$1,234.56")
        #expect(Money(minorUnits: -310).description == "-$3.10")
        #expect(Money(minorUnits: 5, currency: "EUR").description == "0.05 EUR")
    }
}
