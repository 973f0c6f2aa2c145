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
            let output = UncheckedBuffer(buffer)
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
        let rows = c.rows(ofClient: client)
        let width = Self.columnCount
        var recentAmounts = RecentValues(capacity: Self.amountWindow)
        var recentDaySpends = RecentValues(capacity: Self.amountWindow)
        var daySpendMinor: Int64 = 0  // spend of rows dayStart ..< row, refunds left out; exact, so no drift
        var categoryCounts: [Int32: Int] = [:]
        var hourCounts = [Int](repeating: 0, count: 24)
        var history = 0
        var previousInstant: Int64?
        var previousPlace: GeoPoint?
        var hourStart = rows.lowerBound
        var dayStart = rows.lowerBound
        let hourPrior: [Double] = (0..<24).map { (h: Int) -> Double in
            let before: Double = prior.hourShare[(h + 23) % 24]
            let after: Double = prior.hourShare[(h + 1) % 24]
            return before + prior.hourShare[h] + after
        }

        for row in rows {
            let instant = c.instants[row]
            let logAmount = Self.logAmount(c.amountMinor[row])
            let secondOfDay = Double(((instant % 86_400) + 86_400) % 86_400)
            let hour = Self.hourOfDay(instant)
            let dayAngle = 2 * Double.pi * secondOfDay / 86_400
            let weekAngle = 2 * Double.pi * Double(Self.weekday(instant)) / 7
            let home = Self.place(c.homeLatitude[row], c.homeLongitude[row])
            let merchant = Self.place(c.merchantLatitude[row], c.merchantLongitude[row])

            let n = Double(history)
            let category = c.categories[row]
            let categoryShare = (Double(categoryCounts[category, default: 0]) + Self.smoothing * categoryPrior[Int(category)])
                / (n + Self.smoothing)
            let nearbyHours = hourCounts[(hour + 23) % 24] + hourCounts[hour] + hourCounts[(hour + 1) % 24]
            let hourShare = (Double(nearbyHours) + Self.smoothing * hourPrior[hour]) / (n + Self.smoothing)

            let kmFromHome = home.flatMap { h in merchant.map { h.distanceKm(to: $0) } } ?? 0
            let kmFromPrevious: Double
            let hoursSincePrevious: Double
            var speed = 0.0
            if let previousInstant {
                let from = previousPlace ?? home
                kmFromPrevious = from.flatMap { f in merchant.map { f.distanceKm(to: $0) } } ?? 0
                hoursSincePrevious = Double(instant - previousInstant) / 3600
                speed = kmFromPrevious / max(hoursSincePrevious, 1.0 / 60)
            } else {
                kmFromPrevious = kmFromHome
                hoursSincePrevious = 24
            }

            let deviation = robustDeviation(of: logAmount, from: recentAmounts, history: history)

            while c.instants[hourStart] < instant - 3_600 { hourStart += 1 }
            while c.instants[dayStart] < instant - 86_400 {
                daySpendMinor -= max(0, c.amountMinor[dayStart])
                dayStart += 1
            }
            let logDaySpend = log1p(Double(daySpendMinor + max(0, c.amountMinor[row])) / 100)
            let dayDeviation = robustDeviation(of: logDaySpend, from: recentDaySpends, history: history)

            let base = row * width
            output[base + TransactionFeature.logAmount.column] = Float(logAmount)
            output[base + TransactionFeature.hourSin.column] = Float(sin(dayAngle))
            output[base + TransactionFeature.hourCos.column] = Float(cos(dayAngle))
            output[base + TransactionFeature.weekdaySin.column] = Float(sin(weekAngle))
            output[base + TransactionFeature.weekdayCos.column] = Float(cos(weekAngle))
            output[base + TransactionFeature.categoryRarity.column] = Float(1 - min(1, categoryShare))
            output[base + TransactionFeature.hourRarity.column] = Float(1 - min(1, hourShare))
            output[base + TransactionFeature.logKmFromHome.column] = Float(log1p(kmFromHome))
            output[base + TransactionFeature.logKmFromPrevious.column] = Float(log1p(kmFromPrevious))
            output[base + TransactionFeature.logHoursSincePrevious.column] = Float(log1p(max(0, hoursSincePrevious)))
            output[base + TransactionFeature.logSpeedKmh.column] = Float(log1p(speed))
            output[base + TransactionFeature.amountDeviation.column] = Float(min(50, max(-50, deviation)))
            output[base + TransactionFeature.daySpendDeviation.column] = Float(min(50, max(-50, dayDeviation)))
            output[base + TransactionFeature.logCountLastHour.column] = Float(log1p(Double(row - hourStart)))
            output[base + TransactionFeature.logCountLastDay.column] = Float(log1p(Double(row - dayStart)))

            recentAmounts.add(logAmount)
            recentDaySpends.add(logDaySpend)
            daySpendMinor += max(0, c.amountMinor[row])
            categoryCounts[category, default: 0] += 1
            hourCounts[hour] += 1
            history += 1
            previousInstant = instant
            if let merchant { previousPlace = merchant }
        }
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

    /// Day of the week, Monday 0 … Sunday 6 (1970-01-01 was a Thursday).
    @inlinable public static func weekday(_ instant: Int64) -> Int {
        Int(((CivilTime.dayNumber(instant) + 3) % 7 + 7) % 7)
    }

    private static func place(_ latitude: Double, _ longitude: Double) -> GeoPoint? {
        let point = GeoPoint(latitude: latitude, longitude: longitude)
        return point.isValid ? point : nil
    }
}

/// A buffer whose disjoint ranges are written by concurrent iterations (each client owns its rows).
private struct UncheckedBuffer: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Float>
    init(_ buffer: UnsafeMutableBufferPointer<Float>) { self.buffer = buffer }
}
