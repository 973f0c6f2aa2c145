import Foundation
import Testing
import VigilCore
@testable import VigilDetect

@Suite struct UnusualPlaceRuleTests {
    let rule = UnusualPlaceRule()

    /// One client living in New York: (latitude, longitude, channel) per daily transaction.
    private func client(_ rows: [(Double, Double, Channel?)], home: (Double, Double) = (40.71, -74.01)) -> TransactionColumns {
        var c = TransactionColumns()
        c.categoryNames = ["x"]
        for (index, (lat, lon, channel)) in rows.enumerated() {
            c.append(id: Int64(index + 1), instant: 1_700_000_000 + Int64(index) * 86_400, amountMinor: 1_000, category: 0,
                     home: home, merchant: (lat, lon), label: 0, channel: channel)
        }
        c.endClient("C")
        return c
    }

    private var usual: [(Double, Double, Channel?)] {
        (0..<20).map { i in (40.71 + Double(i % 4) * 0.05, -74.01 + Double(i % 3) * 0.05, .cardPresent) }
    }

    @Test func farFromEveryKnownPlaceFiresWithItsNumbers() throws {
        let findings = rule.findings(client: 0, of: client(usual + [(34.05, -118.24, .cardPresent)]))  // Los Angeles
        let finding = try #require(findings.first)
        #expect(findings.count == 1 && finding.row == 20)
        #expect(abs(finding.nearestKm - 3_930) < 40)
        #expect(finding.score == 1, "about 20 times the 200 km threshold, past saturation (10 times)")
        #expect(finding.history == 20 && finding.knownPlaces >= 1)
        #expect(rule.reason(for: finding).contains("km from every place this client has used the card before"))
        #expect(abs(rule.score(nearestKm: 632.4555320336759) - 0.5) < 1e-9, "√10 × 200 km: halfway on the log scale")
    }

    @Test func nearbyTownsAndRepeatVisitsDoNotFire() {
        let trips: [(Double, Double, Channel?)] = [(40.22, -74.76, .cardPresent),   // Trenton, ~ 85 km
                                                   (34.05, -118.24, .online),        // an online merchant in LA
                                                   (.nan, .nan, .cardPresent)]       // no place given
        #expect(rule.findings(client: 0, of: client(usual + trips)).isEmpty)
        // Once seen, a far place is a known place.
        let twice = usual + [(34.05, -118.24, .cardPresent), (34.06, -118.25, .atm)]
        #expect(rule.findings(client: 0, of: client(twice)).map(\.row) == [20])
    }

    @Test func shortHistoryNeverFires() {
        let rows = Array(usual.prefix(5)) + [(34.05, -118.24, .cardPresent)]
        #expect(rule.findings(client: 0, of: client(rows)).isEmpty)
    }

    @Test func theHomeCountsAsAKnownPlace() {
        // Every purchase so far in Los Angeles, but home is New York: a purchase at home is not unusual.
        let away = (0..<15).map { _ in (34.05, -118.24, Channel.cardPresent) } as [(Double, Double, Channel?)]
        #expect(rule.findings(client: 0, of: client(away + [(40.72, -74.00, .cardPresent)])).isEmpty)
    }
}
