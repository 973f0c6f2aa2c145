import Foundation
import VigilCore

/// One outcome a bank learns after the fact about a demo transaction: a chargeback (fraud) or a dispute closed as
/// genuine, with the instant it became known.
public struct DemoOutcome: Sendable, Hashable {
    /// The transaction's source key (`source_id` in the outcomes CSV).
    public let sourceKey: String
    public let clientID: String
    /// The transaction's instant (with `clientID`, it identifies a demo row: one row per client per second).
    public let instant: Int64
    public let outcome: Outcome
    /// UTC epoch seconds at which it became known: always after `instant`.
    public let knownAt: Int64
}

/// The chargeback feed that goes with a demo run: most planted fraud comes back as a chargeback days later, and a
/// few genuine transactions are disputed and confirmed genuine. Each row's outcome depends only on the seed and the
/// row, so the feed is the same whatever the order or batches it is read in.
public struct DemoOutcomeFeed: Sendable {
    /// The feed name `vigil demo` records the outcomes under.
    public static let feedName = "demo-chargebacks"
    /// Share of fraud that comes back as a chargeback; the rest is never reported (written off, or the customer
    /// never noticed).
    public static let chargebackShare = 0.8
    /// Share of genuine purchases disputed and then confirmed genuine.
    public static let genuineShare = 0.000_5
    /// Chargeback delay: two days of processing plus a log-normal wait for the customer to notice (median 5 days),
    /// capped at 30 days: mostly within a week or two, a long tail to a month, as card networks report.
    static let chargebackMinimumDays = 2.0
    static let chargebackMedianWaitDays = 5.0
    static let chargebackWaitSigma = 0.7
    static let chargebackMaximumDays = 30.0
    /// A genuine dispute is closed after an investigation of one to eight weeks.
    static let genuineDays: ClosedRange<Double> = 7...56

    let seed: UInt64

    public init(config: DemoConfig) {
        seed = config.seed
    }

    /// The outcomes of `rows`, each with its index in `rows`, in row order.
    public func outcomes(of rows: [Transaction]) -> [(row: Int, outcome: DemoOutcome)] {
        var result: [(row: Int, outcome: DemoOutcome)] = []
        for (index, row) in rows.enumerated() {
            if let outcome = outcome(of: row) { result.append((index, outcome)) }
        }
        return result
    }

    /// What the bank learns about one row, if anything.
    public func outcome(of row: Transaction) -> DemoOutcome? {
        var rng = DemoRandom(seed: seed, purpose: DemoStream.outcome, Self.hash(row.sourceKey))
        let outcome: Outcome
        let days: Double
        if row.label == 1 {
            guard rng.chance(Self.chargebackShare) else { return nil }
            outcome = .fraud
            let wait = rng.logNormal(mu: log(Self.chargebackMedianWaitDays), sigma: Self.chargebackWaitSigma)
            days = min(Self.chargebackMaximumDays, Self.chargebackMinimumDays + wait)
        } else {
            guard row.amount.minorUnits > 0, rng.chance(Self.genuineShare) else { return nil }
            outcome = .genuine
            days = rng.uniform(Self.genuineDays.lowerBound, Self.genuineDays.upperBound)
        }
        return DemoOutcome(sourceKey: row.sourceKey, clientID: row.clientID, instant: row.instant, outcome: outcome,
                           knownAt: row.instant + Int64((days * 86_400).rounded()))
    }

    /// FNV-1a of the key: a row's own stream, independent of where the row falls in the run.
    private static func hash(_ key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
