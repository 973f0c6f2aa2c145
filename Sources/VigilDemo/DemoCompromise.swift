import Foundation

/// A card-present merchant whose terminal is skimmed from `days.lowerBound` to before `days.upperBound` (day offsets
/// from `DemoConfig.start`): every purchase there in that window is labelled `compromised_merchant`.
public struct DemoCompromisedMerchant: Sendable, Hashable {
    public let merchant: String
    public let city: DemoCity
    public let category: String
    public let days: Range<Int>
    /// How many clients count it among their regular merchants: the cards it can reach.
    public let regulars: Int
    let merchantIndex: Int32

    /// Two to five weeks, as long as a skimmer goes unnoticed in the common-point-of-purchase literature.
    static let windowDays: ClosedRange<Int> = 14...35
    /// Fewest regulars a candidate needs: fraud at one merchant shows across cards only where several cards meet.
    static let minimumRegulars = 8

    /// `compromisedMerchantsPerYear` per thousand clients (at least one where a window fits after the warm-up), drawn
    /// among card-present merchants with several regulars, likelier the more regulars (squared): skimmers go where
    /// cards are.
    static func plan(config: DemoConfig, world: DemoWorld, clients: [DemoHabits]) -> [DemoCompromisedMerchant] {
        guard config.compromisedMerchantsPerYear > 0, config.warmupDays < config.days else { return [] }
        var regulars = [Int](repeating: 0, count: world.merchants.count)
        for client in clients {
            for merchant in client.favouriteCardPresent { regulars[Int(merchant)] += 1 }
        }
        let travel = DemoCategory.index(named: "travel")
        let busiest = regulars.max() ?? 0
        let floor = min(minimumRegulars, busiest)
        guard floor >= 2 else { return [] }
        let candidates = world.merchants.indices.filter { regulars[$0] >= floor && world.merchants[$0].category != travel }
        guard !candidates.isEmpty else { return [] }
        var weights = candidates.map { Double(regulars[$0] * regulars[$0]) }

        var rng = DemoRandom(seed: config.seed, purpose: DemoStream.compromise, 0)
        let expected = config.compromisedMerchantsPerYear * Double(config.clients) / 1_000 * Double(config.days) / 365
        let count = max(1, rng.poisson(expected))
        var planned: [DemoCompromisedMerchant] = []
        for _ in 0..<count {
            let cumulative = cumulativeWeights(weights)
            guard cumulative[cumulative.count - 1] > 0 else { break }
            let pick = rng.index(cumulative: cumulative)
            // One window per merchant: a second skimming of the same terminal would blur which cards it reached.
            weights[pick] = 0
            let index = candidates[pick]
            // A whole window where the run allows it.
            let first = rng.int(in: config.warmupDays...max(config.warmupDays, config.days - windowDays.lowerBound))
            let end = min(config.days, first + rng.int(in: windowDays))
            let merchant = world.merchants[index]
            planned.append(DemoCompromisedMerchant(
                merchant: merchant.name, city: world.cities[merchant.city], category: DemoCategory.all[merchant.category].name,
                days: first..<end, regulars: regulars[index], merchantIndex: Int32(index)))
        }
        return planned
    }
}
