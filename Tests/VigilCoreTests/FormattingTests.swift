import Testing
import VigilCore

@Suite struct FormattingTests {
    @Test func numbersAndDurationsReadAsPeopleWriteThem() {
        #expect(Formatting.grouped(255_215) == "255,215" && Formatting.grouped(-1_000) == "-1,000" && Formatting.grouped(999) == "999")
        #expect(Formatting.duration(0.421) == "0.42 s" && Formatting.duration(185) == "3 min 05 s" && Formatting.duration(.nan) == "?")
    }

    /// An import without a category column stores "" for each transaction's category; nothing may print it as "()".
    @Test func aMissingCategoryIsLeftOutRatherThanShownEmpty() {
        #expect(Formatting.merchant("fraud_Kirlin", category: "grocery_pos") == "fraud_Kirlin (grocery_pos)")
        #expect(Formatting.merchant("fraud_Kirlin", category: "") == "fraud_Kirlin")
        #expect(Formatting.merchant("fraud_Kirlin", category: "  ") == "fraud_Kirlin")
        #expect(Formatting.categoryWord("travel") == "travel" && Formatting.categoryWord("") == nil && Formatting.categoryWord(nil) == nil)
    }
}
