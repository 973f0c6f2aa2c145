import VigilCore

/// The cross-card detectors as a scan and live scoring both run them: the state, the merchant vocabulary, and the
/// outcomes not yet applied, each applied just before the first transaction whose instant is after the outcome
/// became known. The scan and live scoring step through the same code in the same order, so they give the same hits.
public struct CrossCardRunner: Sendable {
    public let detector: CrossCard
    public private(set) var state = CrossCard.State()
    private var merchantIDs: [String: Int32] = [:]
    public private(set) var merchantNames: [String] = []
    /// Outcomes taken in, in application order; those from `next` on are still to apply.
    private var pending: [OutcomeEvent] = []
    private var next = 0
    /// How many of each outcome event were taken in, so that a reader given every event again takes only the new.
    private var taken: [OutcomeEvent: Int] = [:]

    public init(_ detector: CrossCard) {
        self.detector = detector
    }

    /// Outcomes applied so far.
    public var appliedOutcomes: Int { next }

    /// The id of merchant `name`, given on first sight.
    public mutating func merchant(_ name: String) -> Int32 {
        if let id = merchantIDs[name] { return id }
        let id = Int32(merchantNames.count)
        merchantNames.append(name)
        merchantIDs[name] = id
        return id
    }

    /// Takes in the events of `events` not taken before (counting repeats), to be applied in application order.
    public mutating func take(_ events: [OutcomeEvent]) {
        var seen: [OutcomeEvent: Int] = [:]
        var fresh: [OutcomeEvent] = []
        for event in events {
            seen[event, default: 0] += 1
            if seen[event]! > taken[event, default: 0] {
                fresh.append(event)
                taken[event, default: 0] += 1
            }
        }
        guard !fresh.isEmpty else { return }
        if next > 4_096 {
            pending.removeFirst(next)
            next = 0
        }
        pending.replaceSubrange(next..., with: OutcomeEvent.inApplicationOrder(pending[next...] + fresh))
    }

    /// Applies the outcomes known before `instant`, then judges the transaction and takes it in.
    public mutating func step(_ event: CrossCardEvent, row: Int) -> [RuleHit] {
        while next < pending.count && pending[next].knownAt < event.instant {
            detector.learn(pending[next], state: &state)
            next += 1
        }
        let names = merchantNames
        return detector.step(event, row: row, state: &state, merchantName: { names[Int($0)] })
    }
}
