import VigilCore
import VigilDetect

/// What the cross-card detectors need of a scan's rows, gathered chunk by chunk during its pass (rows in client
/// order), then stepped through in time order across all cards.
struct CrossCardInput {
    var merchants: [Int32] = []
    var clients: [Int32] = []
    var amounts: [Int64] = []
    /// 1 fraud, 0 genuine, −1 unlabelled; gathered only for `--feedback-delay`.
    var labels: [Int8] = []

    /// Takes a chunk's rows; `firstClient` is the scan's index of the chunk's first client.
    mutating func append(_ chunk: TransactionColumns, firstClient: Int, runner: inout CrossCardRunner, labels withLabels: Bool) {
        let ids = chunk.merchantNames.map { runner.merchant($0) }
        for client in 0 ..< chunk.clientCount {
            for row in chunk.rows(ofClient: client) {
                merchants.append(ids[Int(chunk.merchants[row])])
                clients.append(Int32(firstClient + client))
            }
        }
        amounts += chunk.amountMinor
        if withLabels { labels += chunk.labels }
    }

    /// The labels as outcomes known `delaySeconds` after each transaction: the delayed-feedback protocol.
    func delayedLabels(ids: [Int64], instants: [Int64], delaySeconds: Int64) -> [OutcomeEvent] {
        labels.indices.compactMap { row in
            guard labels[row] >= 0 else { return nil }
            return OutcomeEvent(transactionID: ids[row], knownAt: instants[row] + delaySeconds,
                                outcome: labels[row] == 1 ? .fraud : .genuine, source: .delayedLabel)
        }
    }

    /// Every row's cross-card hits (row = the scan's row), stepping the rows in (instant, id) order.
    func hits(runner: inout CrossCardRunner, ids: [Int64], instants: [Int64]) -> [RuleHit] {
        let order = ids.indices.sorted { instants[$0] != instants[$1] ? instants[$0] < instants[$1] : ids[$0] < ids[$1] }
        var hits: [RuleHit] = []
        for row in order {
            hits += runner.step(CrossCardEvent(key: ids[row], instant: instants[row], amountMinor: amounts[row],
                                               merchant: merchants[row], client: clients[row]), row: row)
        }
        return hits
    }
}

/// The transactions live scoring replays through the cross-card detectors at start, gathered client by client and
/// stepped in the scan's order: by instant, then id.
struct CrossCardReplay {
    private var events: [CrossCardEvent] = []

    mutating func append(_ event: CrossCardEvent) { events.append(event) }

    func inTimeOrder() -> [CrossCardEvent] {
        events.sorted { $0.instant != $1.instant ? $0.instant < $1.instant : $0.key < $1.key }
    }
}
