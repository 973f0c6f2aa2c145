import Testing
import VigilCore
@testable import VigilDemo

@Suite("Demo configuration")
struct DemoConfigTests {
    @Test("defaults are the documented ones and valid")
    func defaults() throws {
        let config = DemoConfig()
        #expect(config.clients == 500 && config.days == 365 && config.seed == 42)
        #expect(config.start == 1_735_689_600)
        try config.validate()
    }

    @Test("out-of-range settings name the option and the allowed range")
    func invalidSettings() {
        func failure(_ config: DemoConfig) -> DemoConfigError? {
            do {
                _ = try DemoGenerator(config: config)
                return nil
            } catch {
                return error
            }
        }
        let noClients = failure(DemoConfig(clients: 0))
        #expect(noClients == .outOfRange(option: "--clients", value: "0", allowed: "between 1 and 100000"))
        #expect(noClients?.description == "--clients must be between 1 and 100000; got 0")
        #expect(failure(DemoConfig(clients: 100_001))?.option == "--clients")
        #expect(failure(DemoConfig(days: 0))?.description == "--days must be between 1 and 3660; got 0")
        #expect(failure(DemoConfig(days: -3))?.option == "--days")
        #expect(failure(DemoConfig(start: 1_735_689_601))?.option == "--start")
        #expect(failure(DemoConfig(fraudRate: .nan))?.option == "fraudRate")
        #expect(failure(DemoConfig(anomalyWeights: [.burst: -1]))?.option == "anomalyWeights[burst]")
        #expect(failure(DemoConfig(clients: 1, days: 1)) == nil)
    }

    @Test("tiny runs work: one client, one day, no room for anomalies")
    func tinyRun() {
        let run = DemoRun(DemoConfig(clients: 1, days: 1))
        #expect(run.days.count == 1)
        #expect(run.rows.allSatisfy { $0.label == 0 })
    }

    @Test("weights select kinds: only the weighted kind is planted")
    func weightsSelectKinds() {
        // Compromised merchants have their own rate (they hit many clients at once): off here, and on by default.
        var config = DemoConfig(clients: 80, days: 90, fraudRate: 0.02, anomalyWeights: [.cardTesting: 1])
        config.compromisedMerchantsPerYear = 0
        let run = DemoRun(config)
        let kinds = Set(run.rows.compactMap(\.labelKind))
        #expect(kinds == ["card_testing"])
        #expect(run.compromises.isEmpty)
        config.compromisedMerchantsPerYear = DemoConfig().compromisedMerchantsPerYear
        #expect(Set(DemoRun(config).rows.compactMap(\.labelKind)) == ["card_testing", "compromised_merchant"])
    }
}
