import Foundation

/// Lays out one client's trips and planted incidents over the whole run, before any day is generated,
/// so that each day can be produced independently (and in parallel with other clients).
struct DemoPlanner {
    let config: DemoConfig
    let world: DemoWorld
    let homeCity: Int
    let expectedDailyCents: Double
    let meanAmountCents: Double
    var rng: DemoRandom
    /// Days already taken by a trip, a return flight or an incident.
    var busy: [Bool]
    var monthlyStarts: [Int] = []

    init(config: DemoConfig, world: DemoWorld, index: Int, homeCity: Int, expectedDailyCents: Double, meanAmountCents: Double) {
        self.config = config
        self.world = world
        self.homeCity = homeCity
        self.expectedDailyCents = expectedDailyCents
        self.meanAmountCents = meanAmountCents
        rng = DemoRandom(seed: config.seed, purpose: DemoStream.plan, UInt64(index))
        busy = Array(repeating: false, count: config.days)
    }

    mutating func trips() -> [DemoTrip] {
        let days = config.days
        let perYear = config.tripsPerYear * rng.logNormal(mu: -0.18, sigma: 0.6)
        let count = rng.poisson(perYear * Double(days) / 365)
        guard count > 0 else { return [] }
        let reachable = world.cities.indices.filter { $0 != homeCity && world.distanceKm(homeCity, $0) > 150 }
        let reachableWeights = cumulativeWeights(reachable.map { world.cities[$0].weight })
        let favourites = (0..<rng.int(in: 1...2)).map { _ in reachable[rng.index(cumulative: reachableWeights)] }

        var trips: [DemoTrip] = []
        for _ in 0..<count {
            let city = rng.chance(0.6) ? rng.choice(favourites) : reachable[rng.index(cumulative: reachableWeights)]
            var length = rng.int(in: 2...7)
            let first = rng.int(below: days)
            length = min(length, days - first)
            // Keep two quiet days around every trip so flights home and out never collide.
            let clashes = trips.contains { other in
                first < other.firstDay + other.days + 2 && other.firstDay < first + length + 2
            }
            if clashes || length < 1 { continue }
            trips.append(DemoTrip(firstDay: first, days: length, city: world.cities[city], cityIndex: city))
        }
        trips.sort { $0.firstDay < $1.firstDay }
        for trip in trips {
            for day in trip.firstDay...trip.returnDay where day < days { busy[day] = true }
        }
        return trips
    }

    mutating func incidents(trips: [DemoTrip]) -> [DemoIncident] {
        let days = config.days
        let warmup = config.warmupDays
        guard warmup < days else { return [] }
        let monthFits = days - DemoClient.monthDays >= warmup
        let kinds = DemoAnomalyKind.allCases.filter { kind in
            kind.isPerClient && (config.anomalyWeights[kind] ?? 0) > 0 && (kind != .overMonthlySpend || monthFits)
        }
        guard !kinds.isEmpty else { return [] }
        let weights = kinds.map { config.anomalyWeights[$0] ?? 0 }
        let meanRows = zip(kinds, weights).reduce(0.0) { $0 + $1.0.meanRows * $1.1 } / weights.reduce(0, +)
        let expected = config.fraudRate * DemoClient.populationDailyRate * Double(days) / meanRows
        let count = rng.poisson(expected)
        let kindCumulative = cumulativeWeights(weights)
        let tripCities = Set(trips.map(\.cityIndex))

        var incidents: [DemoIncident] = []
        for _ in 0..<count {
            let kind = kinds[rng.index(cumulative: kindCumulative)]
            if kind == .overMonthlySpend {
                incidents += monthlyIncidents(warmup: warmup)
                continue
            }
            if kind == .compromisedCard {
                incidents += compromisedCardIncidents(warmup: warmup)
                continue
            }
            guard let day = freeDay(in: warmup..<days) else { continue }
            busy[day] = true
            let action: DemoAction
            switch kind {
            case .unusualHour: action = .unusualHour
            case .burst: action = .burst
            case .cardTesting: action = .cardTesting
            case .overDailySpend:
                let total = max(rng.uniform(5, 10) * expectedDailyCents, rng.uniform(25_000, 40_000))
                action = .overDailySpend(totalCents: total)
            case .impossibleTravel:
                let far = world.cities.indices.filter { world.distanceKm(homeCity, $0) > 1_100 }
                action = .impossibleTravel(city: rng.choice(far))
            case .unusualPlace:
                action = .unusualPlace(city: unvisitedCity(excluding: tripCities))
            case .overMonthlySpend, .compromisedCard, .compromisedMerchant:
                preconditionFailure("handled above")
            }
            incidents.append(DemoIncident(day: day, action: action))
        }
        return incidents.sorted { $0.day < $1.day }
    }

    /// A run of above-normal purchases on most free days of a 30-day window, adding two and a half to three and a half
    /// usual months of spend on top of the client's ordinary spending.
    private mutating func monthlyIncidents(warmup: Int) -> [DemoIncident] {
        // Months never overlap, so each one's excess is unambiguous.
        let taken = monthlyStarts
        guard let start = freeDay(in: warmup..<(config.days - DemoClient.monthDays + 1), where: { day in
            taken.allSatisfy { abs($0 - day) > DemoClient.monthDays }
        }) else { return [] }
        monthlyStarts.append(start)
        var free = ((start + 1)..<(start + DemoClient.monthDays)).filter { !busy[$0] }
        rng.shuffle(&free)
        let purchaseDays = [start] + free.prefix(rng.int(in: 17...25))
        let extra = rng.uniform(2.5, 3.5) * Double(DemoClient.monthDays) * expectedDailyCents
        let each = max(extra / Double(purchaseDays.count), 2 * meanAmountCents)
        for day in purchaseDays { busy[day] = true }
        return purchaseDays.map { DemoIncident(day: $0, action: .overMonthlySpendPurchase(cents: each)) }
    }

    /// Twelve to sixteen days from a free day on which the card is used by a thief as well: each free day of the window
    /// gets an incident that turns some of that day's ordinary charges into fraud (days taken by other incidents are
    /// left to them, so each day's rows have one story).
    private mutating func compromisedCardIncidents(warmup: Int) -> [DemoIncident] {
        guard let start = freeDay(in: warmup..<config.days) else { return [] }
        let end = min(config.days, start + rng.int(in: 12...16))
        let days = (start..<end).filter { !busy[$0] }
        for day in days { busy[day] = true }
        return days.map { DemoIncident(day: $0, action: .compromisedCard) }
    }

    private mutating func freeDay(in range: Range<Int>, where accept: (Int) -> Bool = { _ in true }) -> Int? {
        guard !range.isEmpty else { return nil }
        for _ in 0..<20 {
            let day = rng.int(in: range.lowerBound...(range.upperBound - 1))
            if !busy[day] && accept(day) { return day }
        }
        return nil
    }

    /// A city 300–2,500 km from home that the client never travels to; the nearest unvisited one past
    /// 300 km where none is that close (Honolulu, Anchorage).
    private mutating func unvisitedCity(excluding visited: Set<Int>) -> Int {
        let unvisited = world.cities.indices.filter { $0 != homeCity && !visited.contains($0) }
        let preferred = unvisited.filter { (300...2_500).contains(world.distanceKm(homeCity, $0)) }
        if !preferred.isEmpty { return rng.choice(preferred) }
        let far = unvisited.filter { world.distanceKm(homeCity, $0) >= 300 }
        return far.min { world.distanceKm(homeCity, $0) < world.distanceKm(homeCity, $1) } ?? unvisited[0]
    }
}
