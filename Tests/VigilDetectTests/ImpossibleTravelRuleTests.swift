import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct ImpossibleTravelRuleTests {
    let rule = ImpossibleTravelRule()

    /// One client's rows: (seconds from start, latitude, longitude, channel).
    private func client(_ rows: [(Int64, Double, Double, Channel?)]) -> TransactionColumns {
        var c = TransactionColumns()
        c.categoryNames = ["x"]
        for (index, (t, lat, lon, channel)) in rows.enumerated() {
            c.append(id: Int64(index + 1), instant: 1_700_000_000 + t, amountMinor: 1_000, category: 0,
                     home: (.nan, .nan), merchant: (lat, lon), label: 0, channel: channel)
        }
        c.endClient("C")
        return c
    }

    @Test func newYorkToLondonInAnHourFires() throws {
        let c = client([(0, 40.71, -74.01, .cardPresent), (3_600, 51.51, -0.13, .cardPresent)])
        let findings = rule.findings(client: 0, of: c)
        let finding = try #require(findings.first)
        #expect(findings.count == 1 && finding.row == 1 && finding.previousRow == 0)
        #expect(abs(finding.distanceKm - 5_570) < 30)
        // (5,570 − 50) km in one hour is ~6.1 times an airliner: past saturation (4×).
        #expect(finding.score == 1)
        let reason = rule.reason(for: finding)
        #expect(reason.contains("km from the previous card-present transaction 1 h 00 min earlier"))
        #expect(reason.contains("km/h needed, faster than an airliner (900 km/h)"))
    }

    @Test func theSameFlightTakingLongEnoughDoesNot() {
        let c = client([(0, 40.71, -74.01, .cardPresent), (8 * 3_600, 51.51, -0.13, .cardPresent)])
        #expect(rule.findings(client: 0, of: c).isEmpty, "≈ 690 km/h over eight hours is a flight")
    }

    @Test func scoreGrowsWithTheLogOfTheSpeedRatio() {
        // 1,850 km − 50 tolerance = 1,800 km: in one hour 2× an airliner → log 2 / log 4 = 0.5.
        #expect(abs(rule.score(distanceKm: 1_850, elapsedSeconds: 3_600) - 0.5) < 1e-12)
        #expect(rule.score(distanceKm: 950, elapsedSeconds: 3_600) == 0, "exactly an airliner is not beyond it")
        #expect(rule.score(distanceKm: 1_000, elapsedSeconds: 0) == 1, "a real distance in no time")
    }

    @Test func acrossTheAntimeridianDistancesAreShort() {
        // Fiji (178.4° E) to Samoa (171.8° W) is ~1,150 km across the date line, not ~39,000 km around the world.
        let quick = client([(0, -18.14, 178.44, .cardPresent), (30 * 60, -13.83, -171.76, .cardPresent)])
        let finding = rule.findings(client: 0, of: quick).first
        #expect(finding.map { abs($0.distanceKm - 1_150) < 60 } == true)
        let slow = client([(0, -18.14, 178.44, .cardPresent), (3 * 3_600, -13.83, -171.76, .cardPresent)])
        #expect(rule.findings(client: 0, of: slow).isEmpty, "three hours is enough for 1,150 km")
    }

    @Test func identicalPlacesAndMerchantNoiseNeverFire() {
        let c = client([(0, 40.71, -74.01, .cardPresent), (0, 40.71, -74.01, .cardPresent),
                        (60, 40.80, -74.10, .cardPresent)])  // ~12 km a minute later: within the tolerance
        #expect(rule.findings(client: 0, of: c).isEmpty)
    }

    @Test func onlyCardPresentLegsWithKnownPlacesCount() {
        let c = client([(0, 40.71, -74.01, .cardPresent),
                        (600, 34.05, -118.24, .online),        // an online merchant in LA says nothing of the card
                        (1_200, .nan, .nan, .cardPresent),      // no place: skipped
                        (1_800, 40.72, -74.00, .cardPresent),
                        (2_400, 41.88, -87.63, nil)])            // unknown channel: not card present
        #expect(rule.findings(client: 0, of: c).isEmpty)
        // The leg is measured from the last card-present place, skipping the others in between.
        let d = client([(0, 40.71, -74.01, .cardPresent), (600, 34.05, -118.24, .online),
                        (1_200, 41.88, -87.63, .cardPresent)])
        #expect(rule.findings(client: 0, of: d).map(\.previousRow) == [0])
    }

    @Test func durationsReadNaturally() {
        #expect(ImpossibleTravelRule.duration(0) == "0 min")
        #expect(ImpossibleTravelRule.duration(45 * 60) == "45 min")
        #expect(ImpossibleTravelRule.duration(2 * 3_600 + 5 * 60) == "2 h 05 min")
        #expect(ImpossibleTravelRule.duration(76 * 3_600) == "3 d 4 h")
    }
}
