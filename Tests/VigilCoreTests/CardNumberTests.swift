import Testing
import VigilCore

@Suite struct CardNumberTests {
    @Test func cardNumbersShowSixAndFour() {
        #expect(CardNumber.masked("3560461234562174") == "356046******2174")
        #expect(CardNumber.masked("4111111111111111111") == "411111*********1111")  // 19 digits
        // Shorter numbers show fewer first digits: six are always hidden.
        #expect(CardNumber.masked("501877763620") == "50******3620")  // 12 digits, Maestro, as in the card export
        #expect(CardNumber.masked("4111111111111") == "411******1111")  // 13
        #expect(CardNumber.masked("411111111111111") == "41111******1111")  // 15
    }

    @Test func otherIdsAreLeftAlone() {
        for id in ["C000278", "1672531229", "41111111111", "41111111111111111111", "4111 1111 1111 1111", "", "abc"] {
            #expect(CardNumber.masked(id) == id)
        }
    }

    @Test func compositeIdsMaskOnlyTheCardPart() {
        #expect(CardNumber.maskingParts(of: "5d227e73c2815edf8071d648d0dc0e21|6508417329993844|1672531229")
                == "5d227e73c2815edf8071d648d0dc0e21|650841******3844|1672531229")
        #expect(CardNumber.maskingParts(of: "6508417329993844|") == "650841******3844|")
        #expect(CardNumber.maskingParts(of: "|6508417329993844") == "|650841******3844")
        #expect(CardNumber.maskingParts(of: "a||b") == "a||b")
        // Without a separator the whole id must be the card number.
        #expect(CardNumber.masked("x|6508417329993844") == "x|6508417329993844")
    }
}
