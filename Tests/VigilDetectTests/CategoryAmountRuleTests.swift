import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct CategoryAmountRuleTests {
    /// A sample of 1,000 grocery charges of $1.00 … $1,000.00 (one of each), 50 travel charges, and refunds.
    static func sample() -> TransactionColumns {
        var c = TransactionColumns()
        c.categoryNames = ["grocery_pos", "travel"]
        var id: Int64 = 1
        func add(_ amount: Int64, _ category: Int32) {
            c.append(id: id, instant: 1_700_000_000 + id * 60, amountMinor: amount, category: category, home: (.nan, .nan),
                     merchant: (.nan, .nan), label: 0, channel: nil)
            id += 1
        }
        // Shuffled by a stride, so the estimate cannot lean on the sample's order.
        for i in 0 ..< 1_000 { add(Int64((i * 7919) % 1_000 + 1) * 100, 0) }
        for i in 0 ..< 50 { add(Int64(i + 1) * 10_000, 1) }
        for _ in 0 ..< 20 { add(-5_000, 0) }
        c.endClient("C1")
        return c
    }

    let prior = PopulationPrior.estimate(from: CategoryAmountRuleTests.sample())
    let names = ["grocery_pos", "travel", "unknown"]
    func name(_ id: Int32) -> String? { id >= 0 && Int(id) < names.count ? names[Int(id)] : nil }
    func event(_ amount: Int64, _ category: Int32 = 0) -> TransactionEvent {
        TransactionEvent(instant: 1_700_000_000, amountMinor: amount, category: category)
    }

    @Test func thePriorKeepsEachCategorysLargestTenthOfCharges() throws {
        let grocery = try #require(prior.categoryAmounts?["grocery_pos"])
        #expect(grocery.charges == 1_000, "refunds are not charges")
        #expect(grocery.largest == (901 ... 1_000).map { Int64($0) * 100 })
        #expect(grocery.shareAtLeast(100_000) == 0.001, "only the $1,000 one")
        #expect(grocery.shareAtLeast(95_050) == 0.05, "$951 … $1,000")
        #expect(grocery.shareAtLeast(100_001) == 0)
        #expect(grocery.amount(atShare: 0.05) == 95_100)
        #expect(prior.categoryAmounts?["travel"]?.largest.count == 5)
        // Encoded and decoded, the prior is the same; a prior saved before the field existed decodes to nil.
        let data = try JSONEncoder().encode(prior)
        #expect(try JSONDecoder().decode(PopulationPrior.self, from: data) == prior)
        var old = try #require(JSONSerialization.jsonObject(with: data) as? [String: Any])
        old["categoryAmounts"] = nil
        let decoded = try JSONDecoder().decode(PopulationPrior.self, from: JSONSerialization.data(withJSONObject: old))
        #expect(decoded.categoryAmounts == nil)
    }

    @Test func aChargeInItsCategorysTopTailScoresByHowFewReachIt() throws {
        let rule = CategoryAmountRule(prior: prior)
        // $990: 11 of 1,000 grocery charges are as large, p = 0.011, score 1 − 0.011 / 0.05.
        let finding = try #require(rule.judge(event(99_000), row: 7, categoryName: name))
        #expect(finding.row == 7 && finding.charges == 1_000)
        #expect(abs(finding.share - 0.011) < 1e-12)
        #expect(abs(finding.score - (1 - 0.011 / 0.05)) < 1e-12)
        #expect(rule.judge(event(200_000), row: 0, categoryName: name)?.score == 1, "larger than any seen")
        // Exactly the top 5 % reached (50 of 1,000 at $951 or more): not below the tail, so no finding.
        #expect(rule.judge(event(95_100), row: 0, categoryName: name) == nil)
        #expect(rule.judge(event(95_101), row: 0, categoryName: name) != nil)
        #expect(rule.judge(event(50_000), row: 0, categoryName: name) == nil, "an ordinary large bill")
    }

    @Test func smallChargesThinCategoriesAndUnknownOnesAreNeverJudged() {
        var floor = CategoryAmountRule.Parameters()
        floor.floorMinor = 100_001
        #expect(CategoryAmountRule(parameters: floor, prior: prior).judge(event(100_000), row: 0, categoryName: name) == nil)
        let rule = CategoryAmountRule(prior: prior)
        #expect(rule.judge(event(1_000_000, 1), row: 0, categoryName: name) == nil, "travel: 50 charges sampled, under 100")
        var thin = CategoryAmountRule.Parameters()
        thin.minimumCharges = 50
        #expect(CategoryAmountRule(parameters: thin, prior: prior).judge(event(1_000_000, 1), row: 0, categoryName: name)?.score == 1)
        #expect(rule.judge(event(1_000_000, 2), row: 0, categoryName: name) == nil, "a category the sample never saw")
        #expect(rule.judge(event(1_000_000, 9), row: 0, categoryName: name) == nil, "an id with no name")
        #expect(CategoryAmountRule(prior: RuleTestData.prior()).judge(event(1_000_000), row: 0, categoryName: name) == nil,
                "a prior saved before it kept category amounts")
    }

    @Test func theReasonQuotesTheShareTheTailsStartAndTheSample() throws {
        let rule = CategoryAmountRule(prior: prior)
        let finding = try #require(rule.judge(event(99_000), row: 0, categoryName: name))
        #expect(rule.reason(for: finding, categoryName: name)
            == "$990.00 at grocery_pos: only 1.1 % of everyone's grocery_pos charges are as large "
            + "(the top 5 % start at $951.00; 1,000 charges sampled)")
        let top = try #require(rule.judge(event(200_000), row: 0, categoryName: name))
        #expect(rule.reason(for: top, categoryName: name)
            == "$2,000.00 at grocery_pos: larger than any of everyone's grocery_pos charges (1,000 charges sampled)")
        #expect(CategoryAmountRule.percent(0.0004) == "0.04 %" && CategoryAmountRule.percent(0.05) == "5 %")
        // Without a category column every charge is in one pool named "": the reason names no category.
        #expect(rule.reason(for: finding, categoryName: { _ in "" })
            == "$990.00: only 1.1 % of everyone's charges are as large (the top 5 % start at $951.00; 1,000 charges sampled)")
        #expect(rule.reason(for: top, categoryName: { _ in " " })
            == "$2,000.00: larger than any of everyone's charges (1,000 charges sampled)")
    }

    /// In a rule set it is one more detector, and the set's hits on a client equal its own findings.
    @Test func theRuleSetRunsItWithTheOthers() {
        var columns = TransactionColumns()
        columns.categoryNames = ["grocery_pos"]
        for (i, amount) in [5_000, 99_000, 2_000, 100_000].enumerated() {
            columns.append(id: Int64(i + 1), instant: 1_700_000_000 + Int64(i) * 3_600, amountMinor: Int64(amount), category: 0,
                           home: (.nan, .nan), merchant: (.nan, .nan), label: 0, channel: nil)
        }
        columns.endClient("C1")
        let hits = RuleSet(prior: prior, enabled: [.categoryAmount]).hits(client: 0, of: columns)
        #expect(hits.map(\.row) == [1, 3])
        #expect(hits.allSatisfy { $0.detector == .categoryAmount })
        #expect(hits.first?.reason.hasPrefix("$990.00 at grocery_pos") == true)
        #expect(RuleSet(prior: prior, enabled: [.unusualAmount]).hits(client: 0, of: columns).isEmpty)
    }
}
