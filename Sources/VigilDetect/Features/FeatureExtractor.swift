import Dispatch
import Foundation
import VigilCore

/// Turns clients' transaction histories into feature vectors (`TransactionFeature`), one row per transaction in
/// the order of the input columns.
///
/// Each vector depends only on its transaction and the same client's earlier ones (by instant, then row id), plus
/// the fixed `PopulationPrior`: appending later transactions never changes an earlier vector. Clients are
/// independent, so a chunk's clients are worked on in parallel; the result does not depend on the thread count.
public struct FeatureExtractor: Sendable {
    public var prior: PopulationPrior
    /// Below this many earlier transactions, amount deviation is judged against the population.
    public static let minimumHistory = 5
    /// How many recent amounts the client's median and MAD look at.
    public static let amountWindow = 64
    /// Weight of the population share when smoothing a client's category and hour shares (in transactions).
    public static let smoothing = 5.0
    /// Floor of the MAD, in log-amount units, so a client who always spends the same is not infinitely surprised.
    public static let minimumMAD = 0.2

    public var concurrency: Int

    public init(prior: PopulationPrior, concurrency: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.prior = prior
        self.concurrency = max(1, concurrency)
    }

    public static var columnCount: Int { TransactionFeature.allCases.count }

    /// Feature rows for every transaction of `columns`, in the same order.
    public func features(of columns: TransactionColumns) -> FeatureMatrix {
        let width = Self.columnCount
        var values = [Float](repeating: 0, count: columns.count * width)
        let categoryPrior = columns.categoryNames.map { prior.share(ofCategory: $0) }
        let clientCount = columns.clientCount
        values.withUnsafeMutableBufferPointer { buffer in
            let output = DisjointWrites(buffer)
            let workers = min(concurrency, max(1, clientCount))
            let perWorker = (clientCount + workers - 1) / max(1, workers)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let first = worker * perWorker
                let last = min(clientCount, first + perWorker)
                guard first < last else { return }
                for client in first..<last {
                    extract(client: client, of: columns, categoryPrior: categoryPrior, into: output.buffer)
                }
            }
        }
        return FeatureMatrix(rowCount: columns.count, columnCount: width, values: values)
    }

    /// Walks one client's rows in order, carrying what the client has done so far.
    private func extract(client: Int, of c: TransactionColumns, categoryPrior: [Double],
                         into output: UnsafeMutableBufferPointer<Float>) {
        var state = ClientState()
        let width = Self.columnCount
        for row in c.rows(ofClient: client) {
            let event = TransactionEvent(row: row, of: c)
            let target = UnsafeMutableBufferPointer(rebasing: output[(row * width) ..< ((row + 1) * width)])
            features(of: event, categoryPrior: categoryPrior[Int(event.category)], state: &state, into: target)
        }
    }

    /// What a client's earlier transactions leave behind for the features of the next one: the state a batch pass
    /// carries from row to row, and live scoring keeps per client between arrivals.
    public struct ClientState: Sendable {
        var recentAmounts = RecentValues(capacity: FeatureExtractor.amountWindow)
        var recentDaySpends = RecentValues(capacity: FeatureExtractor.amountWindow)
        /// Spend of the window's transactions from `dayHead` on, refunds left out; exact, so no drift, and wide
        /// enough that no number of large amounts in a day overflows it (it goes down as well as up, so a saturating
        /// Int64 would not stay exact).
        var daySpend = AmountSum()
        var categoryCounts: [Int32: Int] = [:]
        var hourCounts = [Int](repeating: 0, count: 24)
        var history = 0
        var previousInstant: Int64?
        var previousPlace: GeoPoint?
        /// The client's recent transactions, oldest first: those from `dayHead` are within a day of the newest,
        /// those from `hourHead` within an hour.
        var windowInstants: [Int64] = []
        var windowAmounts: [Int64] = []
        var dayHead = 0
        var hourHead = 0

        public init() {}

        /// How many transactions the client has had.
        public var count: Int { history }
    }

    /// The feature row of `event` (the client's next transaction, in time order) written to `output`
    /// (`columnCount` values), then `event` taken into `state`. `categoryPrior` is the population's share of the
    /// event's category (`PopulationPrior.share(ofCategory:)`). The batch pass is this, row after row.
    public func features(of event: TransactionEvent, categoryPrior: Double, state s: inout ClientState,
                         into output: UnsafeMutableBufferPointer<Float>) {
        let instant = event.instant
        let logAmount = Self.logAmount(event.amountMinor)
        let secondOfDay = Double(((instant % 86_400) + 86_400) % 86_400)
        let hour = Self.hourOfDay(instant)
        let dayAngle = 2 * Double.pi * secondOfDay / 86_400
        let weekAngle = 2 * Double.pi * Double(Self.weekday(instant)) / 7
        let home = Self.place(event.homeLatitude, event.homeLongitude)
        let merchant = Self.place(event.merchantLatitude, event.merchantLongitude)

        let n = Double(s.history)
        let category = event.category
        let categoryShare = (Double(s.categoryCounts[category, default: 0]) + Self.smoothing * categoryPrior)
            / (n + Self.smoothing)
        let nearbyHours = s.hourCounts[(hour + 23) % 24] + s.hourCounts[hour] + s.hourCounts[(hour + 1) % 24]
        let before: Double = prior.hourShare[(hour + 23) % 24]
        let after: Double = prior.hourShare[(hour + 1) % 24]
        let hourPrior = before + prior.hourShare[hour] + after
        let hourShare = (Double(nearbyHours) + Self.smoothing * hourPrior) / (n + Self.smoothing)

        let kmFromHome = home.flatMap { h in merchant.map { h.distanceKm(to: $0) } } ?? 0
        let kmFromPrevious: Double
        let hoursSincePrevious: Double
        var speed = 0.0
        if let previousInstant = s.previousInstant {
            let from = s.previousPlace ?? home
            kmFromPrevious = from.flatMap { f in merchant.map { f.distanceKm(to: $0) } } ?? 0
            hoursSincePrevious = Double(instant - previousInstant) / 3600
            speed = kmFromPrevious / max(hoursSincePrevious, 1.0 / 60)
        } else {
            kmFromPrevious = kmFromHome
            hoursSincePrevious = 24
        }

        let deviation = robustDeviation(of: logAmount, from: s.recentAmounts, history: s.history)

        let windowCount = s.windowInstants.count
        while s.hourHead < windowCount && s.windowInstants[s.hourHead] < instant - 3_600 { s.hourHead += 1 }
        while s.dayHead < windowCount && s.windowInstants[s.dayHead] < instant - 86_400 {
            s.daySpend.subtract(max(0, s.windowAmounts[s.dayHead]))
            s.dayHead += 1
        }
        s.hourHead = max(s.hourHead, s.dayHead)
        var daySpend = s.daySpend
        daySpend.add(max(0, event.amountMinor))
        let logDaySpend = log1p(daySpend.doubleValue / 100)
        let dayDeviation = robustDeviation(of: logDaySpend, from: s.recentDaySpends, history: s.history)

        output[TransactionFeature.logAmount.column] = Float(logAmount)
        output[TransactionFeature.hourSin.column] = Float(sin(dayAngle))
        output[TransactionFeature.hourCos.column] = Float(cos(dayAngle))
        output[TransactionFeature.weekdaySin.column] = Float(sin(weekAngle))
        output[TransactionFeature.weekdayCos.column] = Float(cos(weekAngle))
        output[TransactionFeature.categoryRarity.column] = Float(1 - min(1, categoryShare))
        output[TransactionFeature.hourRarity.column] = Float(1 - min(1, hourShare))
        output[TransactionFeature.logKmFromHome.column] = Float(log1p(kmFromHome))
        output[TransactionFeature.logKmFromPrevious.column] = Float(log1p(kmFromPrevious))
        output[TransactionFeature.logHoursSincePrevious.column] = Float(log1p(max(0, hoursSincePrevious)))
        output[TransactionFeature.logSpeedKmh.column] = Float(log1p(speed))
        output[TransactionFeature.amountDeviation.column] = Float(min(50, max(-50, deviation)))
        output[TransactionFeature.daySpendDeviation.column] = Float(min(50, max(-50, dayDeviation)))
        output[TransactionFeature.logCountLastHour.column] = Float(log1p(Double(windowCount - s.hourHead)))
        output[TransactionFeature.logCountLastDay.column] = Float(log1p(Double(windowCount - s.dayHead)))

        s.recentAmounts.add(logAmount)
        s.recentDaySpends.add(logDaySpend)
        s.daySpend = daySpend
        s.categoryCounts[category, default: 0] += 1
        s.hourCounts[hour] += 1
        s.history += 1
        s.previousInstant = instant
        if let merchant { s.previousPlace = merchant }
        // The window keeps the day behind the newest transaction; what has left it is dropped now and then.
        if s.dayHead >= 256 && s.dayHead * 2 >= windowCount {
            s.windowInstants.removeFirst(s.dayHead)
            s.windowAmounts.removeFirst(s.dayHead)
            s.hourHead -= s.dayHead
            s.dayHead = 0
        }
        s.windowInstants.append(instant)
        s.windowAmounts.append(event.amountMinor)
    }

    /// The feature row of `event` as an array (see `features(of:categoryPrior:state:into:)`).
    public func features(of event: TransactionEvent, categoryPrior: Double, state: inout ClientState) -> [Float] {
        var row = [Float](repeating: 0, count: Self.columnCount)
        row.withUnsafeMutableBufferPointer { features(of: event, categoryPrior: categoryPrior, state: &state, into: $0) }
        return row
    }

    /// (value − median) / (1.4826 · MAD) against the client's recent values, or against the population's amounts
    /// while the client has fewer than `minimumHistory` earlier transactions; the MAD is floored at `minimumMAD`.
    private func robustDeviation(of value: Double, from recent: RecentValues, history: Int) -> Double {
        var center = prior.medianLogAmount
        var spread = prior.madLogAmount
        if history >= Self.minimumHistory, let median = recent.median {
            center = median
            spread = recent.medianAbsoluteDeviation(from: median)
        }
        return (value - center) / (1.4826 * max(spread, Self.minimumMAD))
    }

    /// log(1 + |amount| in major units), with the amount's sign.
    @inlinable public static func logAmount(_ minorUnits: Int64) -> Double {
        let major = Double(minorUnits.magnitude) / 100
        return minorUnits < 0 ? -log1p(major) : log1p(major)
    }

    /// UTC hour of the day, 0–23.
    @inlinable public static func hourOfDay(_ instant: Int64) -> Int {
        Int(((instant % 86_400) + 86_400) % 86_400 / 3_600)
    }

    /// Day of the week, Monday 0 … Sunday 6.
    @inlinable public static func weekday(_ instant: Int64) -> Int {
        CivilTime.weekday(ofDay: CivilTime.dayNumber(instant))
    }

    private static func place(_ latitude: Double, _ longitude: Double) -> GeoPoint? {
        let point = GeoPoint(latitude: latitude, longitude: longitude)
        return point.isValid ? point : nil
    }
}
