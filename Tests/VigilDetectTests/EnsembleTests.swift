import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct TailScaleTests {
    @Test func ranksNotUnitsDecideAndTiesShareTheirRank() {
        let raw = (1...100).map(Double.init)  // 100 distinct scores
        let scale = TailScale(fitting: raw, tail: 0.1)
        #expect(scale.normalise(100) == 1, "nothing scores higher than the top")
        #expect(abs(scale.normalise(95) - 0.5) < 1e-12, "5 % above it: half way into a 10 % tail")
        #expect(scale.normalise(90) == 0, "10 % above it: the edge of the tail")
        #expect(scale.normalise(3) == 0)
        // Multiplying every score by 1,000 changes nothing: only ranks matter.
        let scaled = TailScale(fitting: raw.map { $0 * 1_000 }, tail: 0.1)
        #expect(scaled.normalise(95_000) == scale.normalise(95))
        // Equal raw scores get equal normalised ones.
        let tied = TailScale(fitting: [1, 2, 2, 2, 3], tail: 1)
        #expect(tied.normalise(2) == tied.normalise(2.0) && abs(tied.normalise(2) - 0.8) < 1e-12)
    }

    /// The indexed search (a coarse search of every 32nd score, then one stretch) counts exactly what a linear count
    /// does: runs of ties across the index's boundaries, values below, between and above every score, at entries.
    @Test func exceedanceEqualsALinearCount() {
        var random = SeededRandom(seed: 5)
        for count in [1, 31, 32, 33, 64, 65, 1_000, 1_023, 1_024, 1_025, 5_000, 40_000] {
            let raw = (0 ..< count).map { _ in Double(random.nextInt(below: max(1, count / 40))) / 4 }
            let scale = TailScale(fitting: raw, tail: 1)
            // Every distinct score, either side of it and both extremes (a sample of them for the largest scale).
            let all = Set(raw).sorted().flatMap { [$0, $0 - 0.1, $0 + 0.1] } + [-1e300, 1e300]
            let probes = all.count > 400 ? Swift.stride(from: 0, to: all.count, by: all.count / 400).map { all[$0] } + [-1e300, 1e300] : all
            for value in probes {
                let above = raw.filter { $0 > value }.count
                #expect(scale.exceedance(value) == Double(above) / Double(count), "\(count) scores, \(value)")
            }
        }
    }

    /// `normalise` equals the formula over a linear count everywhere: at every fitted score and on both sides of it.
    @Test func normaliseEqualsTheFormulaOverALinearCount() {
        var random = SeededRandom(seed: 6)
        for count in [1, 2, 40, 1_000, 5_000] {
            let raw = (0 ..< count).map { _ in Double(random.nextInt(below: max(1, count / 10))) / 8 }
            let probes = Set(raw).sorted().flatMap { [$0, $0 - 0.01, $0 + 0.01] } + [-1e300, 1e300, .nan]
            for tail in [0.01, 0.05, 0.3, 1] {
                let scale = TailScale(fitting: raw, tail: tail)
                for value in probes {
                    let above = value.isNaN ? count : raw.filter { $0 > value }.count
                    let expected = max(0, 1 - (Double(above) / Double(count)) / tail)
                    #expect(scale.normalise(value) == expected, "\(count) scores, tail \(tail), \(value)")
                }
            }
        }
    }

    /// The batched lookup (live scoring's, a group of values at a time with their stretches fetched ahead) gives
    /// exactly the one-at-a-time numbers: values in any order, NaN, groups cut short, an empty scale.
    @Test func batchedNormaliseEqualsOneAtATime() {
        var random = SeededRandom(seed: 7)
        for count in [0, 1, 33, 1_025, 40_000] {
            let raw = (0 ..< count).map { _ in Double(random.nextInt(below: max(1, count / 20))) / 4 }
            for tail in [0.05, 1] {
                let scale = TailScale(fitting: raw, tail: tail)
                for probeCount in [0, 1, TailScale.lookahead, 3 * TailScale.lookahead + 5] {
                    let probes = (0 ..< probeCount).map { i -> Double in
                        i % 7 == 3 ? .nan : Double(random.nextInt(below: max(1, count / 20) + 2)) / 4 - 0.1 * Double(i % 3)
                    }
                    var batched = [Double](repeating: -1, count: probeCount)
                    probes.withUnsafeBufferPointer { values in
                        batched.withUnsafeMutableBufferPointer { scale.normalise(values, into: $0) }
                    }
                    #expect(batched == probes.map { scale.normalise($0) }, "\(count) scores, tail \(tail), \(probeCount) values")
                }
            }
        }
    }

    /// `lowestValue(withExceedanceAtMost:)` is the exact edge: a value's exceedance is within the share exactly when
    /// the value reaches it, for shares inside, at and outside (0, 1), on ties and on an empty scale.
    @Test func theLowestValueWithinAShareIsTheExactEdge() {
        var random = SeededRandom(seed: 8)
        for count in [0, 1, 10, 1_000, 5_000] {
            let raw = (0 ..< count).map { _ in Double(random.nextInt(below: max(1, count / 10))) / 8 }
            let scale = TailScale(fitting: raw, tail: 1)
            let probes = Set(raw).sorted().flatMap { [$0, $0 - 0.01, $0 + 0.01] } + [-1e300, 1e300]
            for share in [-0.1, 0, 0.001, 0.1, 0.5, 0.999, 1, 2] {
                let edge = scale.lowestValue(withExceedanceAtMost: share)
                for value in probes {
                    #expect((scale.exceedance(value) <= share) == (value >= edge), "\(count) scores, share \(share), \(value)")
                }
            }
        }
    }

    @Test func aFullTailOrdersEveryTransaction() {
        let scale = TailScale(fitting: [0.3, 0.1, 0.2, 0.4], tail: 1)
        #expect(scale.normalise([0.1, 0.2, 0.3, 0.4]) == [0.25, 0.5, 0.75, 1])
    }
}

@Suite struct EnsembleTests {
    let ensemble = Ensemble(weights: [.impossibleTravel: 1, .unusualHour: 0.3, .overDailySpend: 0.5, .isolationForest: 0.25])

    @Test func evidenceIsTheWeightedSumAndTheScoreIsMonotone() {
        let composer = EvidenceComposer(ensemble: ensemble, scales: [.isolationForest: TailScale(fitting: [0, 1], tail: 1)],
                                        spree: Spree(hours: 0, weight: 0, floor: 0.69),
                                        neighbourCount: 20)
        let hits = [RuleHit(row: 1, detector: .overDailySpend, score: 0.5, reason: ""),
                    RuleHit(row: 1, detector: .unusualHour, score: 1, reason: ""),
                    RuleHit(row: 3, detector: .overDailySpend, score: 1, reason: "")]
        let evidence = composer.evidence(rowCount: 4, normalised: [.isolationForest: [0, 0.5, 1, 0]], hits: hits)
        #expect(evidence == [0, 0.125 + 0.25 + 0.3, 0.25, 0.5])
        let scores = evidence.map(Ensemble.score(evidence:))
        #expect(scores[0] == 0)
        #expect(abs(scores[1] - (1 - exp(-0.675))) < 1e-12)
        // Two detectors agreeing outrank either alone.
        #expect(scores[1] > scores[3] && scores[3] > scores[2])
        #expect(abs(Ensemble.evidence(score: scores[1]) - 0.675) < 1e-12)
    }

    @Test func aFullStrengthTravelAlertsAloneAndAWeakHourDoesNot() {
        let threshold = 0.5
        #expect(Ensemble.score(evidence: ensemble.contribution(of: .impossibleTravel, score: 1)) >= threshold)
        #expect(Ensemble.score(evidence: ensemble.contribution(of: .unusualHour, score: 1)) < threshold)
    }

    @Test func selectionKeepsTheThresholdAndTheDailyBudget() {
        let day: Int64 = 86_400
        let scores = [0.9, 0.6, 0.8, 0.4, 0.7, 0.95]
        let instants: [Int64] = [0, 10, 20, 30, day + 5, day + 6]
        #expect(Ensemble.select(scores: scores, instants: instants, threshold: 0.5, dailyBudget: 0) == [5, 0, 2, 4, 1])
        // Two a day: day 0 keeps its best two (0.9, 0.8), day 1 both of its.
        #expect(Ensemble.select(scores: scores, instants: instants, threshold: 0.5, dailyBudget: 2) == [5, 0, 2, 4])
        // Before 1970 a day still runs midnight to midnight.
        #expect(Ensemble.select(scores: [0.9, 0.8], instants: [-10, -day - 10], threshold: 0.5, dailyBudget: 1) == [0, 1])
    }
}

@Suite struct UnusualAmountRuleTests {
    let rule = UnusualAmountRule()

    /// One client: (category, amount in cents), an hour apart.
    private func client(_ rows: [(Int32, Int64)]) -> TransactionColumns {
        var c = TransactionColumns()
        c.categoryNames = ["grocery", "travel"]
        for (index, (category, amount)) in rows.enumerated() {
            c.append(id: Int64(index + 1), instant: 1_700_000_000 + Int64(index) * 3_600, amountMinor: amount, category: category,
                     home: (.nan, .nan), merchant: (.nan, .nan), label: 0)
        }
        c.endClient("C")
        return c
    }

    @Test func aChargeFarAboveTheClientsUsualInTheCategoryFires() throws {
        let usual: [(Int32, Int64)] = (0..<20).map { (0, 4_000 + Int64($0) * 100) }  // $40.00 ... $59.00
        let findings = rule.findings(client: 0, of: client(usual + [(0, 20_000)]))
        let finding = try #require(findings.first)
        #expect(findings.count == 1 && finding.row == 20 && finding.category == 0)
        #expect(finding.usualMinor == 5_805 && finding.medianMinor == 4_950, "the 95th percentile and median of $40.00 ... $59.00")
        // The limit is 2.5 × the $49.50 median (1.3 × $58.05 is less); $200 is 1.62× it, on the way to 2×.
        #expect(abs(finding.score - log(20_000 / 12_375) / log(2)) < 1e-12)
        #expect(rule.reason(for: finding, categoryNames: ["grocery", "travel"])
                == "$200.00 is 3.4× this client's usual largest grocery charge ($58.05, the 95th percentile of their last 20 there; "
                + "median $49.50)")
        // A store imported without a category column names its one category "": no blank word, no "new to them".
        #expect(rule.reason(for: finding, categoryNames: ["", "travel"])
                == "$200.00 is 3.4× this client's usual largest charge ($58.05, the 95th percentile of their last 20; median $49.50)")
        #expect(rule.reason(for: finding, categoryNames: [])
                == "$200.00 is 3.4× this client's usual largest charge ($58.05, the 95th percentile of their last 20; median $49.50); "
                + "the category is new to them")
    }

    /// A $12 client's $61.20 is as strange as a $120 client's $612: the limits scale with the client's own charges,
    /// so the same pattern ten times larger fires on the same rows with the same scores.
    @Test func theLimitScalesWithTheClient() throws {
        func pattern(_ scale: Int64) -> [(Int32, Int64)] {
            let usual: [(Int32, Int64)] = (0..<30).map { (0, (800 + Int64($0 % 8) * 100) * scale) }  // $8 ... $15
            return usual + [(0, 6_120 * scale), (0, 1_200 * scale), (0, 2_600 * scale)]
        }
        let small = rule.findings(client: 0, of: client(pattern(1)))
        let large = rule.findings(client: 0, of: client(pattern(10)))
        let finding = try #require(small.first)
        #expect(small.map(\.row) == [30], "$61.20 fires; $12 and $26 (2.4× the median) do not")
        #expect(large.map(\.row) == [30] && large[0].score == finding.score && finding.score > 0.3)
        #expect(rule.reason(for: finding, categoryNames: ["grocery", "travel"])
                == "$61.20 is 4.1× this client's usual largest grocery charge ($15.00, the 95th percentile of their last 30 there; "
                + "median $11.00)")
        #expect(rule.reason(for: large[0], categoryNames: ["grocery", "travel"]).hasPrefix("$612.00 is 4.1× this client's usual largest"))
    }

    @Test func theSmallFloorKeepsPenniesQuiet() {
        let usual: [(Int32, Int64)] = (0..<20).map { _ in (0, 30) }  // 30-cent charges
        #expect(rule.findings(client: 0, of: client(usual + [(0, 450)])).isEmpty, "$4.50 is 15× usual but under the $5 floor")
        #expect(rule.findings(client: 0, of: client(usual + [(0, 600)])).map(\.row) == [20])
    }

    /// A compromised card's run of large charges does not become its own yardstick at once: each is remembered at
    /// the limit it passed ($27.50, then $35.75, ...), so all of a run of eight $55–$62 charges fire where, remembered
    /// as they were, the first three would have lifted the 95th percentile past the rest.
    @Test func aRunOfLargeChargesKeepsFiringWhileTheLimitClimbsByTheFactor() {
        let usual: [(Int32, Int64)] = (0..<30).map { (0, 800 + Int64($0 % 8) * 100) }
        let run: [(Int32, Int64)] = (0..<8).flatMap { i in [(Int32(0), Int64(5_500 + i * 100)), (0, 1_100)] }
        let flagged = rule.findings(client: 0, of: client(usual + run)).map(\.row)
        #expect(flagged == (0..<8).map { 30 + 2 * $0 })
    }

    @Test func coldStartNeverFiresAndANewCategoryIsJudgedAgainstEverything() throws {
        #expect(rule.findings(client: 0, of: client([(0, 1_000), (0, 1_000), (0, 900_000)])).isEmpty, "three charges are too few")
        let usual: [(Int32, Int64)] = (0..<12).map { _ in (0, 5_000) }
        let finding = try #require(rule.findings(client: 0, of: client(usual + [(1, 80_000)])).first)
        #expect(finding.category == nil && finding.usualMinor == 5_000)
        #expect(rule.reason(for: finding, categoryNames: ["grocery", "travel"]).hasSuffix("the category is new to them"))
    }
}

@Suite struct ImpossibleTravelLocalAreaTests {
    /// Card-present charges a minute apart at merchants scattered up to ~140 km around a home in Kansas, then one in Paris.
    private func client(paris: Bool) -> TransactionColumns {
        var c = TransactionColumns()
        c.categoryNames = ["x"]
        // The first ten reach the edges of the area; the last three fall inside it.
        let offsets: [(Double, Double)] = [(1, 1), (-1, -1), (1, -1), (-1, 1), (1, 0), (-1, 0), (0, 1), (0, -1), (0.9, 0.9),
                                           (-0.9, -0.9), (0.5, 0.5), (-0.5, -0.5), (0.2, -0.9)]
        var rows = offsets.map { (38.5 + $0.0, -98.0 + $0.1) }
        if paris { rows.append((48.86, 2.35)) }
        for (index, place) in rows.enumerated() {
            c.append(id: Int64(index + 1), instant: 1_700_000_000 + Int64(index) * 60, amountMinor: 1_000, category: 0,
                     home: (38.5, -98.0), merchant: place, label: 0, channel: .cardPresent)
        }
        c.endClient("C")
        return c
    }

    @Test func legsInsideTheClientsUsualAreaAreNotTravel() {
        let local = ImpossibleTravelRule().findings(client: 0, of: client(paris: false))
        var off = ImpossibleTravelRule.Parameters()
        off.localAreaQuantile = 0
        off.noiseQuantile = 0
        let everyLeg = ImpossibleTravelRule(parameters: off).findings(client: 0, of: client(paris: false))
        // Before ten places are known every leg counts; after, legs within the area stop firing.
        #expect(everyLeg.map(\.row) == Array(1...12))
        #expect(local.map(\.row) == Array(1...9))
    }

    @Test func aLegShorterThanTheUsualAreasDiameterIsNotTimedEvenPastItsEdge() {
        // Ten charges from 100 km north of home back to home, then one 130 km north a minute later: beyond every
        // earlier distance, yet 130 km from the last one, under twice the usual radius.
        var c = TransactionColumns()
        c.categoryNames = ["x"]
        let north = (0..<10).map { (38.5 + Double(9 - $0) / 10, -98.0) }
        for (index, place) in (north + [(39.67, -98.0)]).enumerated() {
            c.append(id: Int64(index + 1), instant: 1_700_000_000 + Int64(index) * 3_600 * 24 + (index == 10 ? -86_340 : 0),
                     amountMinor: 1_000, category: 0, home: (38.5, -98.0), merchant: place, label: 0, channel: .cardPresent)
        }
        c.endClient("C")
        #expect(ImpossibleTravelRule().findings(client: 0, of: c).isEmpty)
        var off = ImpossibleTravelRule.Parameters()
        off.noiseQuantile = 0
        #expect(ImpossibleTravelRule(parameters: off).findings(client: 0, of: c).map(\.row) == [10])
    }

    @Test func aNewClientBorrowsThePopulationsUsualArea() {
        // Two charges a minute apart, 150 km apart, before the client has any history of their own.
        var c = TransactionColumns()
        c.categoryNames = ["x"]
        for (index, place) in [(38.5, -98.0), (39.85, -98.0)].enumerated() {
            c.append(id: Int64(index + 1), instant: 1_700_000_000 + Int64(index) * 60, amountMinor: 1_000, category: 0,
                     home: (38.5, -98.0), merchant: place, label: 0, channel: .cardPresent)
        }
        c.endClient("C")
        #expect(ImpossibleTravelRule().findings(client: 0, of: c).map(\.row) == [1])
        #expect(ImpossibleTravelRule(populationRadiusKm: 100).findings(client: 0, of: c).isEmpty)
        #expect(ImpossibleTravelRule(populationRadiusKm: 20).findings(client: 0, of: c).map(\.row) == [1])
    }

    @Test func aJumpOutOfTheAreaStillFires() throws {
        let findings = ImpossibleTravelRule().findings(client: 0, of: client(paris: true))
        let last = try #require(findings.last)
        #expect(last.row == 13 && last.score == 1)
    }
}

@Suite struct RuleSetTests {
    @Test func hitsAreTheRulesOwnFindingsInRowOrderWhateverTheThreadCount() {
        var c = TransactionColumns()
        c.categoryNames = ["x"]
        for client in 0..<40 {
            for i in 0..<30 {
                let amount: Int64 = i == 29 && client % 3 == 0 ? 500_000 : 2_000
                c.append(id: Int64(client * 100 + i), instant: 1_700_000_000 + Int64(i) * 86_400 + Int64(client), amountMinor: amount,
                         category: 0, home: (.nan, .nan), merchant: (.nan, .nan), label: 0)
            }
            c.endClient("C\(client)")
        }
        let prior = PopulationPrior.estimate(from: c)
        let rules = RuleSet(prior: prior)
        let serial = rules.hits(c, parallelism: .serial)
        #expect(serial == rules.hits(c, parallelism: Parallelism(threadCount: 4)))
        #expect(serial.map(\.row) == serial.map(\.row).sorted())
        let amounts = serial.filter { $0.detector == .unusualAmount }
        #expect(amounts.map(\.row) == (0..<40).filter { $0 % 3 == 0 }.map { $0 * 30 + 29 })
        #expect(amounts.allSatisfy { $0.reason.hasPrefix("$5,000.00 is ") })
        let onlyTravel = RuleSet(prior: prior, enabled: [.impossibleTravel]).hits(c)
        #expect(onlyTravel.isEmpty)
    }
}

@Suite struct PopulationLocalRadiusTests {
    private func sample(cardPresent: Int) -> TransactionColumns {
        var c = TransactionColumns()
        c.categoryNames = ["x"]
        // Merchants 1, 2, … km north of home (0.009° of latitude is about 1 km), and as many online charges far away.
        for i in 0..<cardPresent {
            c.append(id: Int64(i), instant: 1_700_000_000 + Int64(i), amountMinor: 1_000, category: 0, home: (10, 20),
                     merchant: (10 + Double(i + 1) * 0.008_993, 20), label: 0, channel: .cardPresent)
            c.append(id: Int64(10_000 + i), instant: 1_700_000_000 + Int64(i), amountMinor: 1_000, category: 0, home: (10, 20),
                     merchant: (50, 50), label: 0, channel: .online)
        }
        c.endClient("C")
        return c
    }

    @Test func theRadiusIsTheNinetiethPercentileOfCardPresentDistances() throws {
        let radius = try #require(PopulationPrior.estimate(from: sample(cardPresent: 200)).localRadiusKm)
        #expect(abs(radius - 181) < 1.5, "\(radius)")
        #expect(PopulationPrior.estimate(from: sample(cardPresent: 99)).localRadiusKm == nil)
    }

    @Test func aPriorSavedBeforeTheRadiusExistedStillDecodes() throws {
        let old = #"{"medianLogAmount":1,"madLogAmount":0.5,"categoryShare":{},"hourShare":[\#(Array(repeating: "0", count: 24).joined(separator: ","))]}"#
        let prior = try JSONDecoder().decode(PopulationPrior.self, from: Data(old.utf8))
        #expect(prior.localRadiusKm == nil && prior.madLogAmount == 0.5)
    }
}
