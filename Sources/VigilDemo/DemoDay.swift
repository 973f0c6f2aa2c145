import Foundation
import VigilCore

/// The calendar facts of one generated day, shared by every client.
struct DemoDay: Sendable {
    let index: Int
    let start: Int64
    let isWeekend: Bool
    /// "YYYY-MM-DD " as ASCII.
    let datePrefix: [UInt8]

    init(index: Int, configStart: Int64) {
        self.index = index
        start = configStart + Int64(index) * 86_400
        let epochDay = start / 86_400
        let weekday = DemoText.weekday(daysSinceEpoch: epochDay)
        isWeekend = weekday == 0 || weekday == 6
        datePrefix = DemoText.datePrefix(daysSinceEpoch: epochDay)
    }
}

/// Where a client's generation has got to; advanced one day at a time.
struct DemoClientCursor {
    var nextSequence = 1
    var nextIncident = 0
    var nextTrip = 0
}

/// A transaction before it is dressed as a `Transaction`: plain data, so a day's rows move and
/// sort cheaply and only the final position of each row allocates its strings.
struct DemoDraft {
    var second: Int32
    var merchant: Int32
    var cents: Int64
    var kind: DemoAnomalyKind?
    var client: Int32 = 0
    var sequence: Int32 = 0
}

/// Generates one client's transactions for one day. Every random choice comes from a stream
/// derived from (seed, client, day), so the result is independent of threads and order.
struct DemoDayBuilder {
    static let hour: Int32 = 3_600
    static let lastSecond: Int32 = 86_399
    /// Flights land by then: card-present purchases on the first day of a trip and on the
    /// day back home start at 13:00, so legitimate travel never looks like impossible travel.
    static let travelDayFirstSecond: Int32 = 13 * 3_600
    static let maxOrdinaryCents: Int64 = 500_000
    /// A stolen card's charges are about five times the card's own (the relative jump is what marks them).
    static let compromisedCardFactor: ClosedRange<Double> = 4...6
    static let compromisedCardShare = 1.0 / 3

    let world: DemoWorld
    let seed: UInt64
    let refundRate: Double
    let day: DemoDay
    /// Merchants whose terminal is compromised on this day (a handful at most).
    let compromisedMerchants: [Int32]
    var rng = DemoRandom(seed: 0)

    init(world: DemoWorld, config: DemoConfig, day: DemoDay, compromisedMerchants: [Int32] = []) {
        self.world = world
        seed = config.seed
        refundRate = config.refundRate
        self.day = day
        self.compromisedMerchants = compromisedMerchants
    }

    /// Appends the client's day, in time order, to `output`, and one sort key per row to `keys`.
    mutating func build(
        client: DemoHabits, cursor: inout DemoClientCursor, drafts: inout [DemoDraft],
        output: inout [DemoDraft], keys: inout [UInt64]
    ) {
        rng = DemoRandom(seed: seed, purpose: DemoStream.day, UInt64(client.index), UInt64(day.index))
        drafts.removeAll(keepingCapacity: true)
        let trips = client.trips
        while cursor.nextTrip < trips.count && trips[cursor.nextTrip].returnDay < day.index {
            cursor.nextTrip += 1
        }
        var city = client.homeCityIndex
        var onTrip = false
        var travelDay = false
        if cursor.nextTrip < trips.count {
            let trip = trips[cursor.nextTrip]
            if day.index >= trip.firstDay && day.index < trip.returnDay {
                city = trip.cityIndex
                onTrip = true
                travelDay = day.index == trip.firstDay
            } else if day.index == trip.returnDay {
                travelDay = true
            }
        }
        ordinaryPurchases(client, city: city, onTrip: onTrip, travelDay: travelDay, into: &drafts)

        let incidents = client.incidents
        while cursor.nextIncident < incidents.count && incidents[cursor.nextIncident].day < day.index {
            cursor.nextIncident += 1
        }
        while cursor.nextIncident < incidents.count && incidents[cursor.nextIncident].day == day.index {
            plant(client, incidents[cursor.nextIncident].action, into: &drafts)
            cursor.nextIncident += 1
        }
        if !compromisedMerchants.isEmpty {
            // Every purchase at a skimmed terminal is fraud, however ordinary for its card; refunds stay genuine.
            for i in drafts.indices where drafts[i].kind == nil && drafts[i].cents > 0
                && compromisedMerchants.contains(drafts[i].merchant) {
                drafts[i].kind = .compromisedMerchant
            }
        }

        emit(client, drafts: &drafts, cursor: &cursor, output: &output, keys: &keys)
    }

    // MARK: ordinary behaviour

    private mutating func ordinaryPurchases(_ client: DemoHabits, city: Int, onTrip: Bool, travelDay: Bool, into drafts: inout [DemoDraft]) {
        let categories: [Double]
        var rate: Double
        if onTrip {
            categories = client.tripCategories
            rate = 1.25 * (day.isWeekend ? client.weekendRate : client.weekdayRate)
        } else if day.isWeekend {
            categories = client.weekendCategories
            rate = client.weekendRate
        } else {
            categories = client.weekdayCategories
            rate = client.weekdayRate
        }
        if travelDay { rate *= 0.8 }
        let count = rng.poisson(rate)
        for _ in 0..<count {
            let category = rng.index(cumulative: categories)
            let isOnline = DemoCategory.all[category].isOnline
            let favourites = client.favouritesByCategory[category]
            let merchant: Int32
            if (isOnline || !onTrip) && !favourites.isEmpty && rng.chance(0.85) {
                merchant = rng.choice(favourites)
            } else {
                merchant = world.randomMerchant(category: category, city: city, using: &rng)
            }
            var second = habitualSecond(client)
            if travelDay && !isOnline && second < Self.travelDayFirstSecond {
                second = Self.travelDayFirstSecond + Int32(rng.int(below: Int(Self.lastSecond - Self.travelDayFirstSecond)))
            }
            var cents = ordinaryCents(client, category: category)
            if rng.chance(refundRate) { cents = -cents }
            drafts.append(DemoDraft(second: second, merchant: merchant, cents: cents, kind: nil))
        }
    }

    /// A time of day around one of the client's habitual hours (later at weekends), never before 06:00.
    private mutating func habitualSecond(_ client: DemoHabits) -> Int32 {
        let hour = client.habitualHours[rng.index(cumulative: client.hourCumulative)]
        let centre = Double(hour * 3_600 + 1_800 + (day.isWeekend ? 2_700 : 0))
        var second = Int32((centre + client.hourSpreadSeconds * rng.normal()).rounded())
        if second < 6 * Self.hour { second = 6 * Self.hour + Int32(rng.int(below: 3_600)) }
        if second > Self.lastSecond { second = Self.lastSecond - Int32(rng.int(below: 1_800)) }
        return second
    }

    private mutating func ordinaryCents(_ client: DemoHabits, category: Int) -> Int64 {
        let spec = DemoCategory.all[category]
        let usd = exp(spec.logMedian + client.spendLog + spec.sigma * rng.normal())
        return min(Self.maxOrdinaryCents, max(100, Int64((usd * 100).rounded())))
    }

    /// The client's median amount in a category, in cents.
    private func typicalCents(_ client: DemoHabits, category: Int) -> Double {
        exp(DemoCategory.all[category].logMedian + client.spendLog) * 100
    }

    // MARK: planted anomalies

    private mutating func plant(_ client: DemoHabits, _ action: DemoAction, into drafts: inout [DemoDraft]) {
        let kind = action.kind
        switch action {
        case .unusualHour:
            var second = Int32(rng.int(in: 3_600...(4 * 3_600 + 1_800)))
            for _ in 0..<rng.int(in: 1...3) where second < 5 * Self.hour {
                let category: Int
                let merchant: Int32
                if rng.chance(0.6) {
                    category = rng.choice([DemoCategory.shoppingNet, DemoCategory.miscNet])
                    merchant = world.randomMerchant(category: category, city: client.homeCityIndex, using: &rng)
                } else {
                    category = rng.choice([DemoCategory.miscPOS, DemoCategory.foodDining, DemoCategory.gasTransport, DemoCategory.shoppingPOS])
                    merchant = world.randomMerchant(category: category, city: client.homeCityIndex, using: &rng)
                }
                let cents = typicalCents(client, category: category) * rng.uniform(1, 3)
                drafts.append(draft(second, merchant, cents, kind))
                second += Int32(rng.int(in: 180...1_500))
            }

        case .unusualPlace(let city):
            // The real card stays quiet in person that day, so the far city is plausible to reach
            // (this is about where, not about speed).
            drafts.removeAll { !isOnline($0) }
            var second = Int32(rng.int(in: (10 * 3_600)...(18 * 3_600)))
            for _ in 0..<rng.int(in: 1...3) {
                let category = rng.choice([
                    DemoCategory.shoppingPOS, DemoCategory.miscPOS, DemoCategory.foodDining,
                    DemoCategory.gasTransport, DemoCategory.entertainment, DemoCategory.home,
                ])
                let merchant = world.randomMerchant(category: category, city: city, using: &rng)
                drafts.append(draft(second, merchant, typicalCents(client, category: category) * rng.uniform(1.5, 4), kind))
                second += Int32(rng.int(in: 600...3_000))
            }

        case .overDailySpend(let totalCents):
            let count = rng.int(in: 3...6)
            var second = Int32(rng.int(in: (9 * 3_600)...(12 * 3_600)))
            for _ in 0..<count {
                let category: Int
                if rng.chance(0.35) {
                    category = DemoCategory.shoppingNet
                } else {
                    category = rng.choice([DemoCategory.shoppingPOS, DemoCategory.home, DemoCategory.miscPOS, DemoCategory.entertainment])
                }
                let merchant = world.randomMerchant(category: category, city: client.homeCityIndex, using: &rng)
                drafts.append(draft(second, merchant, totalCents / Double(count) * rng.uniform(0.7, 1.3), kind))
                second += Int32(rng.int(in: 2_400...5_400))
            }

        case .overMonthlySpendPurchase(let cents):
            let category = rng.choice([DemoCategory.shoppingNet, DemoCategory.shoppingPOS, DemoCategory.home, DemoCategory.entertainment])
            let merchant = world.randomMerchant(category: category, city: client.homeCityIndex, using: &rng)
            drafts.append(draft(habitualSecond(client), merchant, cents * rng.uniform(0.8, 1.2), kind))

        case .burst:
            var second = Int32(rng.int(in: (8 * 3_600)...(21 * 3_600)))
            for _ in 0..<rng.int(in: 6...12) {
                let category: Int
                if rng.chance(0.5) {
                    category = rng.choice(DemoCategory.onlineIndices)
                } else {
                    category = rng.choice(DemoCategory.burstCardPresent)
                }
                let merchant = world.randomMerchant(category: category, city: client.homeCityIndex, using: &rng)
                drafts.append(draft(second, merchant, typicalCents(client, category: category) * rng.uniform(0.5, 1.5), kind))
                second += Int32(rng.int(in: 90...300))
            }

        case .impossibleTravel(let city):
            // The client buys in person at home; within two hours the card is used in person over 1,000 km away.
            let anchor = Int32(rng.int(in: (9 * 3_600)...(19 * 3_600)))
            drafts.removeAll { !isOnline($0) && $0.second >= anchor - 60 && $0.second <= anchor + 5 * Self.hour }
            let home = rng.choice(client.favouriteCardPresent)
            let homeCategory = world.merchants[Int(home)].category
            drafts.append(DemoDraft(second: anchor, merchant: home, cents: ordinaryCents(client, category: homeCategory), kind: nil))
            var second = anchor + Int32(rng.int(in: (15 * 60)...(90 * 60)))
            for _ in 0..<rng.int(in: 1...2) {
                let category = rng.choice([
                    DemoCategory.shoppingPOS, DemoCategory.miscPOS, DemoCategory.gasTransport,
                    DemoCategory.foodDining, DemoCategory.entertainment,
                ])
                let merchant = world.randomMerchant(category: category, city: city, using: &rng)
                drafts.append(draft(second, merchant, typicalCents(client, category: category) * rng.uniform(1, 4), kind))
                second += Int32(rng.int(in: 300...1_500))
            }

        case .cardTesting:
            var second = Int32(rng.int(in: (8 * 3_600)...(21 * 3_600)))
            let testers = (0..<rng.int(in: 1...2)).map { _ in
                world.randomMerchant(
                    category: rng.choice([DemoCategory.miscNet, DemoCategory.shoppingNet]),
                    city: client.homeCityIndex, using: &rng)
            }
            for _ in 0..<rng.int(in: 5...15) {
                drafts.append(DemoDraft(second: second, merchant: rng.choice(testers), cents: Int64(rng.int(in: 50...300)), kind: kind))
                second += Int32(rng.int(in: 15...120))
            }
            second += Int32(rng.int(in: 120...1_200))
            let cashOut = world.randomMerchant(category: DemoCategory.shoppingNet, city: client.homeCityIndex, using: &rng)
            drafts.append(DemoDraft(second: second, merchant: cashOut, cents: Int64(rng.int(in: 30_000...150_000)), kind: kind))

        case .compromisedCard:
            // The thief uses the card where and when its owner does, so only the amount tells: about five times what
            // the client usually pays in that category.
            for i in drafts.indices where drafts[i].kind == nil && drafts[i].cents > 0 && rng.chance(Self.compromisedCardShare) {
                let category = world.merchants[Int(drafts[i].merchant)].category
                let factor = rng.uniform(Self.compromisedCardFactor.lowerBound, Self.compromisedCardFactor.upperBound)
                drafts[i] = draft(drafts[i].second, drafts[i].merchant, typicalCents(client, category: category) * factor, kind)
            }
        }
    }

    @inline(__always)
    private func isOnline(_ draft: DemoDraft) -> Bool {
        DemoCategory.all[world.merchants[Int(draft.merchant)].category].isOnline
    }

    @inline(__always)
    private func draft(_ second: Int32, _ merchant: Int32, _ cents: Double, _ kind: DemoAnomalyKind) -> DemoDraft {
        DemoDraft(second: second, merchant: merchant, cents: max(100, Int64(cents.rounded())), kind: kind)
    }

    // MARK: output

    private func emit(
        _ client: DemoHabits, drafts: inout [DemoDraft], cursor: inout DemoClientCursor,
        output: inout [DemoDraft], keys: inout [UInt64]
    ) {
        guard !drafts.isEmpty else { return }
        for i in drafts.indices {
            drafts[i].second = min(Self.lastSecond, max(0, drafts[i].second))
        }
        // Insertion sort: a client's day is a handful of rows, and being stable it keeps
        // insertion order on ties without allocating.
        for i in drafts.indices.dropFirst() {
            let item = drafts[i]
            var j = i
            while j > 0 && drafts[j - 1].second > item.second {
                drafts[j] = drafts[j - 1]
                j -= 1
            }
            drafts[j] = item
        }
        // One row per second per client: (instant, client) then identifies a row and orders the day.
        for i in drafts.indices.dropFirst() where drafts[i].second <= drafts[i - 1].second {
            drafts[i].second = drafts[i - 1].second + 1
        }
        if let last = drafts.last, last.second > Self.lastSecond {
            drafts[drafts.count - 1].second = Self.lastSecond
            for i in drafts.indices.dropLast().reversed() where drafts[i].second >= drafts[i + 1].second {
                drafts[i].second = drafts[i + 1].second - 1
            }
        }
        let clientKey = UInt64(client.index) << DemoGenerator.clientShift
        for var draft in drafts {
            draft.client = Int32(client.index)
            draft.sequence = Int32(truncatingIfNeeded: cursor.nextSequence)
            cursor.nextSequence += 1
            output.append(draft)
            keys.append(UInt64(draft.second) << DemoGenerator.secondShift | clientKey)
        }
    }
}
