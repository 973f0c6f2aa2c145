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

    @Test func cardNumbersAreRecognisedAsTypedOrStored() {
        #expect(CardNumber.digits(typed: "4111 1111 1111 1111").map { String(decoding: $0, as: UTF8.self) } == "4111111111111111")
        #expect(CardNumber.digits(typed: " 4111-1111-1111-1111 ") != nil)
        for text in ["4111  1111 1111 1111", "4111 1111 1111 1111 ", "-4111111111111111", "41111111111", "41111111111111111111",
                     "4111x111111111111", "", "C000278"] {
            #expect(CardNumber.digits(Array(text.utf8), separated: true) == nil, "\(text)")
        }
        #expect(CardNumber.digits(Array("4111 1111 1111 1111".utf8), separated: false) == nil)
        // Packed and back, leading zeros and nineteen digits included.
        for text in ["012345678901", "9999999999999999999", "6508417329993844"] {
            let packed = CardNumber.packed(Array(text.utf8), separated: false)
            #expect(packed.map { String(decoding: $0.digits, as: UTF8.self) } == text)
        }
        #expect(CardNumber.packed(Array("0123456789012".utf8), separated: false) != CardNumber.packed(Array("123456789012".utf8), separated: false))
    }

    @Test func freeTextKeepsOnlyLuhnValidRunsMasked() {
        #expect(CardNumber.isLuhnValid(Array("4111111111111111".utf8)))
        #expect(!CardNumber.isLuhnValid(Array("4111111111111112".utf8)))
        #expect(CardNumber.maskingDigitRuns(in: "holder of 6508417329993844 called; ref 4111111111111112, amount 50000000000000000.00")
                == "holder of 650841******3844 called; ref 4111111111111112, amount 50000000000000000.00")
        #expect(CardNumber.digitRuns(in: "a 123456789012 b 12345678901234567890 c 4111111111111111") == ["123456789012", "4111111111111111"])
        #expect(CardNumber.masking(["4111 0000 0000 0001"], in: "x,4111 0000 0000 0001,y") == "x,411100******0001,y")
    }

    /// A column narrower than a masked card gives up stars before digits, and first digits before last ones.
    @Test func aCardFitsItsColumnByLosingStarsFirst() {
        #expect(CardNumber.fitting("477763*********0123", width: 16) == "477763******0123")
        #expect(CardNumber.fitting("477763*********0123", width: 19) == "477763*********0123")
        #expect(CardNumber.fitting("50******3620", width: 9) == "50***3620")
        #expect(CardNumber.fitting("356046******2174", width: 9) == "*****2174")
        #expect(CardNumber.fitting("477763*********0123~2", width: 9) == "***0123~2")
        #expect(CardNumber.fitting("C0000123456789012", width: 9) == "C0000123456789012", "not a masked card: the table cuts it")
        #expect(CardNumber.fitting("12*34*56789", width: 9) == "12*34*56789", "two runs of stars: not a masked card")
    }
}
