import Foundation
import Testing
import VigilCore
@testable import VigilDetect

/// What the tests need of every rule: a per-client state stepped one transaction at a time, and the batch scan.
protocol SteppedRule {
    associatedtype State: Codable & Equatable & EmptyState
    associatedtype Found: Equatable
    func step(_ event: TransactionEvent, row: Int, state: inout State) -> Found?
    func findings(client: Int, of columns: TransactionColumns) -> [Found]
}

/// A rule state's `init()`: a client with no transactions yet.
protocol EmptyState { init() }

extension ImpossibleTravelRule.State: EmptyState {}
extension UnusualPlaceRule.State: EmptyState {}
extension UnusualHourRule.State: EmptyState {}
extension UnusualAmountRule.State: EmptyState {}
extension OverSpendRule.State: EmptyState {}
extension BurstRule.State: EmptyState {}

extension ImpossibleTravelRule: SteppedRule {}
extension UnusualPlaceRule: SteppedRule {}
extension UnusualHourRule: SteppedRule {}
extension UnusualAmountRule: SteppedRule {}
extension OverSpendRule: SteppedRule {}
extension BurstRule: SteppedRule {}

/// Live scoring's view of the rules: each client's state kept between transactions (and saved as JSON), the
/// clients' transactions arriving interleaved, must give exactly what the batch scan gives.
@Suite struct IncrementalRuleTests {
    static let data = RuleTestData.columns(clients: 120, meanRows: 100, seed: 11)

    enum Rule: String, CaseIterable, Sendable {
        case travel, travelWithoutPopulationArea, place, hour, amount, daySpend, monthSpend, burst, tunedBurst
    }

    /// The rules under test, with default parameters and a few others that reach other paths.
    private static func check(_ rule: Rule, _ test: (any SteppedRule) throws -> Void) rethrows {
        let prior = RuleTestData.prior()
        switch rule {
        case .travel: try test(ImpossibleTravelRule(populationRadiusKm: prior.localRadiusKm))
        case .travelWithoutPopulationArea: try test(ImpossibleTravelRule())
        case .place: try test(UnusualPlaceRule())
        case .hour: try test(UnusualHourRule(prior: prior))
        case .amount: try test(UnusualAmountRule())
        case .daySpend: try test(OverSpendRule(parameters: .init(period: .day)))
        case .monthSpend: try test(OverSpendRule(parameters: .init(period: .month)))
        case .burst: try test(BurstRule())
        case .tunedBurst:
            var parameters = BurstRule.Parameters()
            parameters.minimumHistory = 2
            parameters.windowSeconds = 600
            parameters.testWindowSeconds = 7_200
            parameters.testCount = 2
            try test(BurstRule(parameters: parameters))
        }
    }

    /// A transaction as live scoring builds one, from its fields rather than from a chunk.
    static func event(_ c: TransactionColumns, _ row: Int) -> TransactionEvent {
        TransactionEvent(instant: c.instants[row], amountMinor: c.amountMinor[row], category: c.categories[row],
                         homeLatitude: c.homeLatitude[row], homeLongitude: c.homeLongitude[row],
                         merchantLatitude: c.merchantLatitude[row], merchantLongitude: c.merchantLongitude[row],
                         channel: c.channels[row])
    }

    /// Every row of `data` with its client, in the order transactions would arrive: by time across clients.
    static let arrivals: [(client: Int, row: Int)] = {
        var all: [(client: Int, row: Int)] = []
        for client in 0..<data.clientCount { for row in data.rows(ofClient: client) { all.append((client, row)) } }
        return all.sorted { data.instants[$0.row] != data.instants[$1.row] ? data.instants[$0.row] < data.instants[$1.row] : $0.row < $1.row }
    }()

    @Test(arguments: Rule.allCases)
    func steppingEachClientGivesTheBatchFindings(_ rule: Rule) {
        Self.check(rule) { rule in Self.stepEachClient(rule) }
    }

    private static func stepEachClient<R: SteppedRule>(_ rule: R) {
        var total = 0
        for client in 0..<data.clientCount {
            var state = R.State()
            var stepped: [R.Found] = []
            for row in data.rows(ofClient: client) {
                if let found = rule.step(event(data, row), row: row, state: &state) { stepped.append(found) }
            }
            let batch = rule.findings(client: client, of: data)
            #expect(stepped == batch, "client \(client)")
            total += batch.count
        }
        #expect(total > 0, "the rule found nothing: the comparison proves little")
    }

    /// The clients' transactions interleaved in time, each client's state kept apart, and every state saved as
    /// JSON and loaded again (a new value) now and then mid-history: the same findings as the batch scan.
    @Test(arguments: Rule.allCases)
    func interleavedClientsWithSavedStatesGiveTheBatchFindings(_ rule: Rule) throws {
        try Self.check(rule) { rule in try Self.interleaveAndSave(rule) }
    }

    private static func interleaveAndSave<R: SteppedRule>(_ rule: R) throws {
        var states = [R.State](repeating: R.State(), count: data.clientCount)
        var stepped = [[R.Found]](repeating: [], count: data.clientCount)
        var random = SeededRandom(seed: 5)
        var saves = 0
        for (client, row) in arrivals {
            if random.nextInt(below: 20) == 0 {
                let loaded = try JSONDecoder().decode(R.State.self, from: JSONEncoder().encode(states[client]))
                #expect(loaded == states[client])
                states[client] = loaded
                saves += 1
            }
            if let found = rule.step(event(data, row), row: row, state: &states[client]) { stepped[client].append(found) }
        }
        #expect(saves > 100)
        for client in 0..<data.clientCount {
            #expect(stepped[client] == rule.findings(client: client, of: data), "client \(client)")
        }
    }

    /// Cutting one client's history at every point, saving the state there and going on from the saved copy, gives
    /// the uninterrupted walk's findings.
    @Test(arguments: Rule.allCases)
    func aStateSavedAtAnyPointGoesOnAsBefore(_ rule: Rule) throws {
        try Self.check(rule) { rule in try Self.cutEverywhere(rule) }
    }

    private static func cutEverywhere<R: SteppedRule>(_ rule: R) throws {
        // The clients with the most findings for this rule, so that cuts fall between flagged transactions.
        let counts = (0..<data.clientCount).map { rule.findings(client: $0, of: data).count }
        let clients = (0..<data.clientCount).sorted { (counts[$0], -$0) > (counts[$1], -$1) }.prefix(3)
        for client in clients {
            let rows = data.rows(ofClient: client)
            let whole = rule.findings(client: client, of: data)
            for cut in stride(from: rows.lowerBound, through: rows.upperBound, by: max(1, rows.count / 40)) {
                var state = R.State()
                var found: [R.Found] = []
                for row in rows.lowerBound..<cut {
                    if let f = rule.step(event(data, row), row: row, state: &state) { found.append(f) }
                }
                var resumed = try JSONDecoder().decode(R.State.self, from: JSONEncoder().encode(state))
                #expect(resumed == state)
                for row in cut..<rows.upperBound {
                    if let f = rule.step(event(data, row), row: row, state: &resumed) { found.append(f) }
                }
                #expect(found == whole, "client \(client) cut at \(cut)")
            }
        }
    }

    // MARK: the rule set

    static func tunedRules(currency: String) -> RuleSet {
        var parameters = RuleSet.Parameters()
        parameters.unusualAmount.minimumInCategory = 2
        parameters.unusualAmount.window = 7
        parameters.overDailySpend.window = 5
        parameters.overDailySpend.minimumPeriods = 3
        parameters.burst.minimumHistory = 2
        parameters.burst.testCount = 2
        parameters.unusualPlace.maximumPlaces = 3
        return RuleSet(parameters: parameters, prior: RuleTestData.prior(localRadiusKm: nil), currency: currency,
                       enabled: Set(Detector.rules).subtracting([.burst, .unusualHour]))
    }

    static let ruleSets: [RuleSet] = [
        RuleSet(prior: RuleTestData.prior(), currency: "USD"),
        tunedRules(currency: "EUR"),
        RuleSet(prior: RuleTestData.prior(), enabled: [.cardTesting, .unusualAmount]),
    ]

    /// Live scoring: clients interleaved in time, states saved as JSON now and then, and categories named from
    /// another vocabulary (the ids shuffled, as a store-wide vocabulary would number them): the same hits, in the
    /// same order, with the same reasons, as the batch scan.
    @Test(arguments: 0..<3)
    func clientStatesGiveTheBatchHits(_ which: Int) throws {
        let rules = Self.ruleSets[which]
        let data = Self.data
        // Live ids: category c of the chunk is id permutation[c] in the live vocabulary.
        let permutation: [Int32] = [4, 7, 0, 8, 2, 6, 1, 3, 5]
        var liveNames = [String](repeating: "", count: permutation.count)
        for (chunkID, liveID) in permutation.enumerated() { liveNames[Int(liveID)] = data.categoryNames[chunkID] }

        var states = [RuleSet.ClientState](repeating: .init(), count: data.clientCount)
        var live = [[RuleHit]](repeating: [], count: data.clientCount)
        var random = SeededRandom(seed: UInt64(which))
        for (client, row) in Self.arrivals {
            if random.nextInt(below: 30) == 0 {
                let loaded = try JSONDecoder().decode(RuleSet.ClientState.self, from: JSONEncoder().encode(states[client]))
                #expect(loaded == states[client])
                states[client] = loaded
            }
            var event = Self.event(data, row)
            event.category = permutation[Int(event.category)]
            live[client] += rules.hits(event, row: row, state: &states[client]) { liveNames[Int($0)] }
        }
        let batch = rules.hits(data, parallelism: .serial)
        #expect(batch.count > 200)
        #expect(live.flatMap { $0 } == batch)
        for client in 0..<data.clientCount {
            #expect(live[client] == rules.hits(client: client, of: data), "client \(client)")
        }
        if which != 1 {  // with the default amount parameters, some reasons name the charge's category
            #expect(batch.contains { $0.detector == .unusualAmount && !$0.reason.contains("new to them") },
                    "some reasons name a category")
        }
    }

    /// Several rules flag one transaction: its hits come in detector order, as the batch scan sorts them.
    @Test func oneTransactionsHitsAreInDetectorOrder() {
        let rules = Self.ruleSets[0]
        var best: [RuleHit] = []
        var states = [RuleSet.ClientState](repeating: .init(), count: Self.data.clientCount)
        for (client, row) in Self.arrivals {
            let hits = rules.hits(Self.event(Self.data, row), row: row, state: &states[client]) { Self.data.categoryNames[Int($0)] }
            if hits.count > best.count { best = hits }
            #expect(hits.map(\.detector) == hits.map(\.detector).sorted())
            #expect(Set(hits.map(\.row)).count <= 1)
        }
        #expect(best.count >= 3, "some transaction has several hits")
    }

    /// The rules that are not enabled leave their parts of the state empty.
    @Test func disabledRulesLeaveTheirStatesEmpty() {
        let rules = RuleSet(prior: RuleTestData.prior(), enabled: [.burst])
        var state = RuleSet.ClientState()
        for row in Self.data.rows(ofClient: 1) {
            _ = rules.hits(Self.event(Self.data, row), row: row, state: &state) { _ in nil }
        }
        var expected = RuleSet.ClientState()
        expected.burst = state.burst
        #expect(state == expected)
        #expect(state.burst != BurstRule.State())
    }

    // MARK: the buffers

    /// `RecentSample` keeps the last `capacity` values: its quantiles are those of the last values sorted afresh,
    /// and a saved copy goes on identically, ring wrapped or not.
    @Test func recentSampleKeepsTheLastValues() throws {
        var random = SeededRandom(seed: 3)
        var sample = RecentSample()
        var all: [Double] = []
        for i in 0..<500 {
            let value = (random.nextUnitDouble() * 100).rounded() / 4  // repeats, for ties
            sample.add(value, capacity: 37)
            all.append(value)
            let last = Array(all.suffix(37))
            #expect(sample.count == last.count)
            #expect(sample.inArrivalOrder == last)
            let sorted = last.sorted()
            for q in [0, 0.5, 0.95, 1.0] {
                let position = q * Double(sorted.count - 1)
                let below = Int(position.rounded(.down))
                let above = min(sorted.count - 1, below + 1)
                #expect(sample.quantile(q) == sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below)))
            }
            if i % 50 == 7 {
                var copy = try JSONDecoder().decode(RecentSample.self, from: JSONEncoder().encode(sample))
                #expect(copy == sample)
                var original = sample
                for k in 0..<60 {
                    copy.add(Double(k), capacity: 37)
                    original.add(Double(k), capacity: 37)
                    #expect(copy == original && copy.quantile(0.9) == original.quantile(0.9))
                }
            }
        }
        #expect(RecentSample().quantile(0.5) == nil)
    }

    /// `WindowQueue` behaves as a plain array dropped from the front, through its compactions, emptyings and saves.
    @Test func windowQueueIsAFirstInFirstOutWindow() throws {
        var random = SeededRandom(seed: 4)
        var queue = WindowQueue<Int64>()
        var reference: [Int64] = []
        var now: Int64 = 0
        var emptied = 0
        for i in 0..<3_000 {
            now += Int64(random.nextInt(below: 100))
            // Long windows (compactions), short ones, and ones shorter than most gaps (the queue often empty).
            let span: Int64 = [2_000, 200, 30][i / 300 % 3]
            queue.dropFirst { $0 <= now - span }
            reference.removeFirst(reference.prefix { $0 <= now - span }.count)
            queue.append(now)
            reference.append(now)
            #expect(Array(queue.elements) == reference && queue.count == reference.count && queue.first == reference.first)
            if reference.count == 1 { emptied += 1 }
            if i % 97 == 0 {
                let copy = try JSONDecoder().decode(WindowQueue<Int64>.self, from: JSONEncoder().encode(queue))
                #expect(copy == queue && Array(copy.elements) == reference)
                queue = copy
            }
        }
        #expect(emptied > 100, "the window was seldom down to the one just appended")
    }
}
