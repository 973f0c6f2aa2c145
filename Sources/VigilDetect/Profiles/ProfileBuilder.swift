import Foundation
import VigilCore

/// Builds client profiles one client at a time, reusing its buffers from one client to the next: nothing is
/// allocated per row, and categories and merchants are summed in arrays indexed by their codes.
struct ProfileBuilder {
    let columns: TransactionColumns
    let parameters: ClientProfile.Parameters
    private let secondsPerHalfLife: Double
    /// The squared straight-line distance between unit vectors that lie `mergeKm` apart along the surface: comparing
    /// chords orders places exactly as great-circle distances do, with no trigonometry per comparison.
    private let mergeChordSquared: Double
    /// Places tracked while reading, more than are kept so that the heaviest at the end were not evicted early.
    private let workingPlaces: Int

    private var categoryWeight: [Double] = []
    private var categoryCount: [Int] = []
    private var categoryTouched: [Int] = []
    private var merchantWeight: [Double] = []
    private var merchantCount: [Int] = []
    private var merchantTouched: [Int] = []
    private var places: [WorkingPlace] = []
    private var placedRows: [(vector: UnitVector, weight: Double)] = []
    private var weighted: [(value: Double, weight: Double)] = []
    private var dayTotals: [Int64] = []
    private var monthTotals: [Int64] = []
    private var sorted: [Double] = []

    init(columns: TransactionColumns, parameters: ClientProfile.Parameters) {
        precondition(parameters.halfLifeDays > 0, "the half-life must be positive, got \(parameters.halfLifeDays)")
        self.columns = columns
        self.parameters = parameters
        secondsPerHalfLife = parameters.halfLifeDays * 86_400
        let chord = 2 * sin(min(max(parameters.mergeKm, 0) / GeoPoint.earthRadiusKm, .pi) / 2)
        mergeChordSquared = chord * chord
        workingPlaces = max(1, parameters.maximumPlaces * 4)
        categoryWeight = Array(repeating: 0, count: columns.categoryNames.count)
        categoryCount = Array(repeating: 0, count: columns.categoryNames.count)
        merchantWeight = Array(repeating: 0, count: columns.merchantNames.count)
        merchantCount = Array(repeating: 0, count: columns.merchantNames.count)
    }

    mutating func profile(ofClient client: Int) -> ClientProfile? {
        let rows = columns.rows(ofClient: client)
        guard let lastRow = rows.last else { return nil }
        reset()
        let asOf = columns.instants[lastRow]
        let first = columns.instants[rows.lowerBound]
        let hasMerchants = columns.merchants.count == columns.count
        var hourOfWeek = [Double](repeating: 0, count: 168)
        var totalWeight = 0.0
        var merchantWeightTotal = 0.0
        var home: GeoPoint?
        var lastPlace = -1
        var previousInstant: Int64?
        var currentDay = Int64.min
        var dayTotal: Int64 = 0
        var currentMonth = Int.min
        var monthTotal: Int64 = 0

        /// Closes the current day's spend, and its month's when the day starts a new month.
        func closeDay() {
            guard dayTotal > 0 else { return }
            dayTotals.append(dayTotal)
            let date = CivilTime.civilFromDays(Int(currentDay))
            let month = date.year * 12 + date.month - 1
            if month != currentMonth {
                if monthTotal > 0 { monthTotals.append(monthTotal) }
                currentMonth = month
                monthTotal = 0
            }
            monthTotal = Money.saturatingSum(monthTotal, dayTotal)
            dayTotal = 0
        }

        for row in rows {
            let instant = columns.instants[row]
            let weight = exp2(-Double(asOf - instant) / secondsPerHalfLife)
            totalWeight += weight
            hourOfWeek[ClientProfile.hourOfWeekBin(instant)] += weight

            let category = Int(columns.categories[row])
            if category >= 0 {
                Self.add(weight, at: category, to: &categoryWeight, counts: &categoryCount, touched: &categoryTouched)
            }
            if hasMerchants {
                let merchant = Int(columns.merchants[row])
                if merchant >= 0 && merchant < columns.merchantNames.count {
                    Self.add(weight, at: merchant, to: &merchantWeight, counts: &merchantCount, touched: &merchantTouched)
                    merchantWeightTotal += weight
                }
            }

            let homePoint = GeoPoint(latitude: columns.homeLatitude[row], longitude: columns.homeLongitude[row])
            if homePoint.isValid { home = homePoint }
            let channel = columns.channels[row]
            if channel != .online {
                let place = GeoPoint(latitude: columns.merchantLatitude[row], longitude: columns.merchantLongitude[row])
                if place.isValid { lastPlace = remember(place, weight: weight, lastPlace: lastPlace) }
            }

            if let previousInstant { weighted.append((Double(instant - previousInstant), weight)) }
            previousInstant = instant

            let amount = columns.amountMinor[row]
            if amount > 0 {
                let day = CivilTime.dayNumber(instant)
                if day != currentDay {
                    closeDay()
                    currentDay = day
                }
                dayTotal = Money.saturatingSum(dayTotal, amount)
            }
        }
        closeDay()
        if monthTotal > 0 { monthTotals.append(monthTotal) }

        let medianGap = Self.weightedMedian(&weighted).map { Int64($0) }
        var usualDistance: Double?
        if let home, !placedRows.isEmpty {
            let origin = UnitVector(home)
            weighted.removeAll(keepingCapacity: true)
            for placed in placedRows { weighted.append((origin.distanceKm(to: placed.vector), placed.weight)) }
            usualDistance = Self.weightedMedian(&weighted)
        }

        let lambdaPerDay = log(2) / parameters.halfLifeDays
        let spanDays = max(1, Double(asOf - first) / 86_400)
        // A steady rate r gives a decayed count of r · (1 − e^(−λ·span)) / λ; invert that.
        let decayedDays = lambdaPerDay > 0 ? -expm1(-lambdaPerDay * spanDays) / lambdaPerDay : spanDays

        let keptPlaces = places.indices
            .sorted { (places[$1].weight, places[$1].count, $0) < (places[$0].weight, places[$0].count, $1) }
            .prefix(max(0, parameters.maximumPlaces))
            .map { index in
                let p = places[index]
                return ClientProfile.Place(latitude: p.latitude, longitude: p.longitude, weight: p.weight, count: p.count)
            }

        return ClientProfile(
            clientID: client < columns.clientIDs.count ? columns.clientIDs[client] : "",
            asOf: asOf, transactions: rows.count, firstInstant: first, halfLifeDays: parameters.halfLifeDays,
            hourOfWeek: hourOfWeek, home: home, places: keptPlaces, usualDistanceKm: usualDistance,
            dailySpend: spend(dayTotals, periods: parameters.spendDays),
            monthlySpend: spend(monthTotals, periods: parameters.spendMonths),
            transactionsPerDay: totalWeight / decayedDays, medianGapSeconds: medianGap,
            usualCategories: Self.top(parameters.topCategories, of: categoryWeight, touched: categoryTouched,
                                      total: totalWeight, names: columns.categoryNames),
            usualMerchants: Self.top(parameters.topMerchants, of: merchantWeight, touched: merchantTouched,
                                     total: merchantWeightTotal, names: columns.merchantNames))
    }

    /// Clears what the previous client left.
    private mutating func reset() {
        for index in categoryTouched { categoryWeight[index] = 0; categoryCount[index] = 0 }
        for index in merchantTouched { merchantWeight[index] = 0; merchantCount[index] = 0 }
        categoryTouched.removeAll(keepingCapacity: true)
        merchantTouched.removeAll(keepingCapacity: true)
        places.removeAll(keepingCapacity: true)
        placedRows.removeAll(keepingCapacity: true)
        weighted.removeAll(keepingCapacity: true)
        dayTotals.removeAll(keepingCapacity: true)
        monthTotals.removeAll(keepingCapacity: true)
    }

    /// Adds a placed transaction to the place it joins (the one used last if it is within `mergeKm`, else the
    /// nearest within `mergeKm`), or starts a new place, evicting the lightest when the working list is full.
    /// Returns the place's index.
    private mutating func remember(_ point: GeoPoint, weight: Double, lastPlace: Int) -> Int {
        let vector = UnitVector(point)
        placedRows.append((vector, weight))
        var joined = -1
        if lastPlace >= 0, places[lastPlace].vector.chordSquared(to: vector) <= mergeChordSquared {
            joined = lastPlace
        } else {
            var nearest = Double.infinity
            for index in places.indices {
                let chord = places[index].vector.chordSquared(to: vector)
                if chord <= mergeChordSquared && chord < nearest { nearest = chord; joined = index }
            }
        }
        if joined < 0 {
            let place = WorkingPlace(vector: vector, latitude: point.latitude, longitude: point.longitude)
            if places.count < workingPlaces {
                places.append(place)
                joined = places.count - 1
            } else {
                joined = 0
                for index in places.indices where places[index].weight < places[joined].weight { joined = index }
                places[joined] = place
            }
        }
        places[joined].weight += weight
        places[joined].count += 1
        return joined
    }

    /// Quantiles of the last `periods` totals.
    private mutating func spend(_ totals: [Int64], periods: Int) -> ClientProfile.Spend? {
        guard periods > 0, !totals.isEmpty else { return nil }
        sorted.removeAll(keepingCapacity: true)
        for total in totals.suffix(periods) { sorted.append(Double(total)) }
        sorted.sort()
        return ClientProfile.Spend(periods: sorted.count, p50: Self.quantile(0.5, of: sorted),
                                   p90: Self.quantile(0.9, of: sorted), p95: Self.quantile(0.95, of: sorted))
    }

    private static func add(_ weight: Double, at index: Int, to weights: inout [Double], counts: inout [Int],
                            touched: inout [Int]) {
        if index >= weights.count {
            weights += repeatElement(0, count: index + 1 - weights.count)
            counts += repeatElement(0, count: index + 1 - counts.count)
        }
        if counts[index] == 0 { touched.append(index) }
        counts[index] += 1
        weights[index] += weight
    }

    /// The `k` heaviest entries, heaviest first (ties: lower index first), with their shares of `total`.
    private static func top(_ k: Int, of weights: [Double], touched: [Int], total: Double,
                            names: [String]) -> [ClientProfile.Share] {
        guard k > 0, total > 0 else { return [] }
        return touched.sorted { (weights[$0], $1) > (weights[$1], $0) }.prefix(k).map { index in
            ClientProfile.Share(name: index < names.count ? names[index] : "#\(index)", share: weights[index] / total)
        }
    }

    /// The `q`-quantile of sorted values, interpolating linearly between order statistics.
    static func quantile(_ q: Double, of sorted: [Double]) -> Double {
        let position = q * Double(sorted.count - 1)
        let below = Int(position.rounded(.down))
        let above = min(sorted.count - 1, below + 1)
        return sorted[below] + (sorted[above] - sorted[below]) * (position - Double(below))
    }

    /// The smallest value whose cumulative weight (values in ascending order) reaches half the total; nil when
    /// empty. Sorts `pairs`. Weights that all underflowed to 0 count as equal.
    static func weightedMedian(_ pairs: inout [(value: Double, weight: Double)]) -> Double? {
        guard !pairs.isEmpty else { return nil }
        pairs.sort { $0.value < $1.value }
        let total = pairs.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return pairs[(pairs.count - 1) / 2].value }
        var cumulative = 0.0
        for pair in pairs {
            cumulative += pair.weight
            if cumulative >= total / 2 { return pair.value }
        }
        return pairs[pairs.count - 1].value
    }

}

/// A point as a unit vector from the Earth's centre.
struct UnitVector {
    var x: Double
    var y: Double
    var z: Double

    init(_ point: GeoPoint) {
        let latitude = point.latitude * .pi / 180
        let longitude = point.longitude * .pi / 180
        let c = cos(latitude)
        x = c * cos(longitude)
        y = c * sin(longitude)
        z = sin(latitude)
    }

    @inline(__always) func chordSquared(to other: UnitVector) -> Double {
        let dx = x - other.x, dy = y - other.y, dz = z - other.z
        return dx * dx + dy * dy + dz * dz
    }

    /// Great-circle distance: the chord c subtends an angle of 2·asin(c / 2).
    func distanceKm(to other: UnitVector) -> Double {
        2 * GeoPoint.earthRadiusKm * asin(min(1, chordSquared(to: other).squareRoot() / 2))
    }
}

private struct WorkingPlace {
    var vector: UnitVector
    var latitude: Double
    var longitude: Double
    var weight = 0.0
    var count = 0
}
