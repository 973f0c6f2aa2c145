import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// What the suppressions and the allow and deny lists (docs/lists.md) do to a transaction's score, its alert and its
/// reasons. The scan and live scoring both go through this type, so that a transaction is scored alike by either:
///
/// - a detector suppressed for the card at the transaction's instant gives it no part (its evidence, its reason, and
///   the spree's memory of it);
/// - a deny-listed card or merchant lifts the evidence, after the spree, to the least that reaches the alert threshold,
///   and its alert is raised whatever the day's budget, with the entry as its first reason;
/// - an allow-listed card or merchant keeps its score but raises no alert (deny wins over allow).
///
/// Entries apply by the transaction's own instant, never by the time of scoring (`ListEntry.applies(at:)`).
public struct ListPolicy: Sendable {
    private var byCard: [String: [ListEntry]] = [:]
    private var byMerchant: [String: [ListEntry]] = [:]
    /// The present, for the reason lines that say a suppression not yet ended began after an alert's transaction.
    public let now: Int64
    /// The least evidence whose score reaches the alert threshold: what a deny-listed transaction is lifted to.
    public let denyEvidence: Double

    public init(_ entries: [ListEntry], threshold: Double, now: Int64 = Int64(Date().timeIntervalSince1970)) {
        for entry in entries {
            // A removed entry still applies to the transactions before its removal, so every entry is kept.
            switch entry.target {
            case .card: byCard[entry.value, default: []].append(entry)
            case .merchant: byMerchant[entry.value, default: []].append(entry)
            }
        }
        self.now = now
        var evidence = Ensemble.evidence(score: threshold)
        while Ensemble.score(evidence: evidence) < threshold { evidence = evidence.nextUp }
        denyEvidence = evidence
    }

    /// Every entry the store holds.
    public static func load(_ store: Store, threshold: Double, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> ListPolicy {
        ListPolicy(try store.listEntries(), threshold: threshold, now: now)
    }

    public var isEmpty: Bool { byCard.isEmpty && byMerchant.isEmpty }

    /// What the lists say about a transaction of `card` at `merchant` at `instant`; nil when no entry names either.
    public func verdict(card: String, merchant: String, instant: Int64) -> ListVerdict? {
        let cardEntries = byCard[card] ?? [], merchantEntries = byMerchant[merchant] ?? []
        if cardEntries.isEmpty && merchantEntries.isEmpty { return nil }
        let applying = (cardEntries + merchantEntries).filter { $0.applies(at: instant) }
        return ListVerdict(instant: instant, now: now, denyEvidence: denyEvidence,
                           suppressions: cardEntries.filter { $0.kind == .suppress },
                           suppressing: applying.filter { $0.kind == .suppress },
                           allow: applying.first { $0.kind == .allow }, deny: applying.first { $0.kind == .deny })
    }

    /// The verdicts of a chunk's listed rows, by row (offset by `offset`, the chunk's first row in the scan).
    public func verdicts(_ chunk: TransactionColumns, offset: Int) -> [Int: ListVerdict] {
        var found: [Int: ListVerdict] = [:]
        if isEmpty { return found }
        let listedMerchants = Set(chunk.merchantNames.indices.filter { byMerchant[chunk.merchantNames[$0]] != nil })
        for client in 0 ..< chunk.clientCount {
            let card = byCard[chunk.clientIDs[client]] != nil
            for row in chunk.rows(ofClient: client) where card || listedMerchants.contains(Int(chunk.merchants[row])) {
                found[offset + row] = verdict(card: chunk.clientIDs[client], merchant: chunk.merchantNames[Int(chunk.merchants[row])],
                                              instant: chunk.instants[row])
            }
        }
        return found
    }
}

/// What the lists say about one transaction.
public struct ListVerdict: Sendable {
    public let instant: Int64
    let now: Int64
    let denyEvidence: Double
    /// Every suppression of the card, in force at the transaction or not: the reason lines quote them.
    let suppressions: [ListEntry]
    /// The suppressions that apply at the transaction's instant.
    public let suppressing: [ListEntry]
    public let allow: ListEntry?
    public let deny: ListEntry?
    /// The evidence the deny list added (`deny(_:)`), which its reason quotes.
    public private(set) var lift = 0.0

    /// Whether the transaction raises no alert whatever its score.
    public var raisesNoAlert: Bool { allow != nil && deny == nil }
    /// Whether the transaction raises an alert whatever its score and the day's budget.
    public var alwaysAlerts: Bool { deny != nil }

    /// Takes the suppressed detectors' parts and hits out.
    public func mask(_ parts: inout DetectorScores, hits: inout [RuleHit]) {
        guard !suppressing.isEmpty else { return }
        for detector in Detector.allCases where parts[detector] != nil && suppresses(detector) { parts[detector] = nil }
        hits.removeAll { suppresses($0.detector) }
    }

    func suppresses(_ detector: Detector) -> Bool { suppressing.contains { $0.suppresses(detector.rawValue) } }

    /// Evidence after the spree as the deny list leaves it: at least the threshold's.
    public mutating func deny(_ evidence: Double) -> Double {
        guard deny != nil, evidence < denyEvidence else { return evidence }
        lift = denyEvidence - evidence
        return denyEvidence
    }

    /// An alert's reasons with what the lists add: the deny entry first, then the composer's, then a line for each
    /// suppression in force at the transaction or begun after it (`ListEntry.suppressionNotes`).
    public func reasons(_ reasons: [AlertReason]) -> [AlertReason] {
        (deny.map { [$0.denyReason(contribution: lift)] } ?? []) + reasons
            + ListEntry.suppressionNotes(suppressions, instant: instant, now: now, reasons: reasons)
    }
}

extension ListPolicy {
    /// The scan's side, over its rows: the verdicts of the listed rows, filled chunk by chunk.
    public struct Rows: Sendable {
        public private(set) var verdicts: [Int: ListVerdict] = [:]

        public init() {}

        public mutating func take(_ policy: ListPolicy, _ chunk: TransactionColumns, offset: Int) {
            verdicts.merge(policy.verdicts(chunk, offset: offset)) { $1 }
        }

        /// Each row's own evidence with the suppressed detectors left out: the listed rows' worked out again from
        /// their parts, masked, as live scoring works out every transaction's.
        public func suppressing(_ evidence: [Double], composer: EvidenceComposer, normalised: [Detector: [Double]],
                                hits: [RuleHit]) -> [Double] {
            let rows = verdicts.filter { !$0.value.suppressing.isEmpty }
            guard !rows.isEmpty else { return evidence }
            var hitsByRow: [Int: [RuleHit]] = [:]
            for hit in hits where rows[hit.row] != nil { hitsByRow[hit.row, default: []].append(hit) }
            var evidence = evidence
            for (row, verdict) in rows {
                var parts = DetectorScores()
                for (detector, _) in composer.models { parts[detector] = normalised[detector]?[row] }
                var rowHits = hitsByRow[row] ?? []
                for hit in rowHits { parts[hit.detector] = hit.score }
                verdict.mask(&parts, hits: &rowHits)
                evidence[row] = composer.evidence(parts)
            }
            return evidence
        }

        /// Evidence after the spree with the deny list's lift (kept for the reasons).
        public mutating func denying(_ evidence: [Double]) -> [Double] {
            var evidence = evidence
            for row in verdicts.keys where verdicts[row]!.alwaysAlerts { evidence[row] = verdicts[row]!.deny(evidence[row]) }
            return evidence
        }

        /// The alerts a scan raises: `Ensemble.select` over the scores with the allow-listed rows left out, and every
        /// deny-listed row, highest score first.
        public func select(scores: [Double], instants: [Int64], threshold: Double, dailyBudget: Int) -> [Int] {
            var eligible = scores
            for (row, verdict) in verdicts where verdict.raisesNoAlert { eligible[row] = 0 }
            var selected = Ensemble.select(scores: eligible, instants: instants, threshold: threshold, dailyBudget: dailyBudget)
            let chosen = Set(selected)
            let denied = verdicts.filter { $0.value.alwaysAlerts && !chosen.contains($0.key) }.map(\.key)
            guard !denied.isEmpty else { return selected }
            selected += denied
            selected.sort { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
            return selected
        }
    }
}
