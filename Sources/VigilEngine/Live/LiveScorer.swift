import Foundation
import VigilCore
import VigilDetect
import VigilStore

/// Why live scoring cannot start.
public enum LiveScoringError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No scan has fitted the detectors yet.
    case noFittedDetectors(store: String)

    public var description: String {
        switch self {
        case .noFittedDetectors(let store):
            return "\(store): no detectors are fitted yet; run `vigil scan --store \(store)` once, then live scoring uses what it fitted"
        }
    }
}

/// Scores transactions as they arrive, each from its client's saved state, with the detectors the last scan fitted
/// (`FittedDetectors`): Isolation Forest, LOF and the LSTM when fitted, every behavioural rule, and the ensemble.
///
/// Each client's state is what a scan carries from one of the client's transactions to the next (the features'
/// windows and counts, every rule's state, the LSTM's hidden state), built by replaying the store once at start
/// (`catchUp`) and then advanced by every transaction scored. The per-transaction code is the batch scan's own,
/// so a transaction gets the scores a scan reusing the same fitted detectors gives it, provided each client's
/// transactions arrive in time order (a late one is scored as if it came last, and marked late).
public final class LiveScorer {
    public let store: Store
    public let config: VigilConfig
    let fitted: FittedDetectors
    let fittedID: Int64
    var ensemble: Ensemble { stepper.composer.ensemble }
    var sequence: SequenceDetector.Saved? { stepper.sequence }
    /// The models that take part, in detector order.
    public let models: [Detector]
    /// What moves a client's state on by one transaction, with the category vocabulary so far.
    private var stepper: Stepper
    private var categoryIndex: [String: Int32] = [:]
    /// The detectors across cards, stepped through every transaction in time order with the outcomes known so far.
    /// Cards are named by their slot in `states`.
    private var crossCard: CrossCardRunner
    /// The outcome events read so far: each batch reads only those recorded since.
    private var outcomesRead = OutcomeCursor()
    /// The suppressions and allow and deny lists, read again for each batch.
    private var lists: ListPolicy

    struct ClientState: Sendable {
        var features = FeatureExtractor.ClientState()
        var rules = RuleSet.ClientState()
        var encoder = SequenceEncoder.ClientState()
        var lstm: LSTMStreamState?
        /// Km from home of the client's last placed steps (NaN where unknown), for the LSTM's reason.
        var recentKmHome: [Float] = []
        var lastInstant: Int64?
        /// The client's transactions in the spree's window, with their own evidence.
        var spree = Spree.State()
    }

    /// Each client's state, in the slot `slots` gives it: scoring works on the states in place, where taking them out
    /// of a dictionary and putting them back would hash each client twice and move each state twice.
    private var states: [ClientState] = []
    private var slots: [String: Int] = [:]
    /// Every transaction up to this id is in the clients' states.
    public private(set) var seenThrough: Int64 = 0
    /// Threads that score side by side (read once: the count is not free to ask for).
    private let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Loads the fitted detectors; throws `LiveScoringError.noFittedDetectors` before any scan fitted them.
    public init(store: Store, config: VigilConfig = VigilConfig()) throws {
        guard let fitted = try FittedDetectors.latest(store), let id = fitted.storedID else {
            throw LiveScoringError.noFittedDetectors(store: store.path)
        }
        self.store = store
        self.config = config
        self.fitted = fitted
        fittedID = id
        var sequence: SequenceDetector.Saved?
        if let modelID = fitted.sequenceModelID, fitted.scales[.lstm] != nil,
           let saved = try SequenceDetector.saved(in: store, retrain: false), saved.id == modelID {
            sequence = saved
        }
        let models = Detector.models.filter { detector in
            guard fitted.scales[detector] != nil else { return false }
            switch detector {
            case .isolationForest: return fitted.isolation != nil
            case .localOutlierFactor: return fitted.lof != nil
            default: return sequence != nil
            }
        }
        self.models = models
        crossCard = CrossCardRunner(CrossCard(parameters: config.crossCard, currency: fitted.currency))
        lists = try ListPolicy.load(store, threshold: config.alertThreshold)
        stepper = Stepper(extractor: FeatureExtractor(prior: fitted.prior, concurrency: 1),
                          ruleSet: RuleSet(parameters: config.rules, prior: fitted.prior, currency: fitted.currency,
                                           enabled: Set(Detector.rules)),
                          sequence: sequence,
                          isolation: models.contains(.isolationForest) ? fitted.isolation : nil,
                          lof: models.contains(.localOutlierFactor) ? fitted.lof : nil,
                          composer: EvidenceComposer(ensemble: fitted.ensemble(config),
                                                     scales: fitted.scales.filter { models.contains($0.key) },
                                                     spree: config.spree,
                                                     neighbourCount: fitted.lof?.model.neighbourCount ?? config.neighbourCount),
                          lstmReasonFrom: fitted.scales[.lstm]?.lowestValue(withExceedanceAtMost: EvidenceComposer.modelReasonShare)
                              ?? -.infinity)
    }

    /// The id of category `name` in the states' vocabulary, added on first sight.
    private func category(_ name: String) -> Int32 {
        if let id = categoryIndex[name] { return id }
        let id = Int32(stepper.categoryNames.count)
        stepper.categoryNames.append(name)
        categoryIndex[name] = id
        stepper.categoryPriors.append(fitted.prior.share(ofCategory: name))
        stepper.sequenceCategory.append(sequence?.encoder.id(ofCategory: name) ?? 0)
        return id
    }

    /// Builds every client's state from the transactions already scored (ids up to the store's scored mark), in
    /// the scan's order, and the cross-card detectors' state from the same transactions in time order with the
    /// outcomes the store knows. Transactions above the mark are left for `scorePending`.
    public func catchUp() throws {
        let through = try store.liveScoredThrough()
        lists = try ListPolicy.load(store, threshold: config.alertThreshold)
        states = []
        slots = [:]
        crossCard = CrossCardRunner(crossCard.detector)
        var replay = CrossCardReplay()
        var recent: [(slot: Int, card: String, rows: [RecentRow])] = []
        try store.forEachClientChunk { chunk in
            let ids = chunk.categoryNames.map { category($0) }
            let stepper = self.stepper
            // Clients are independent: their histories are replayed side by side.
            var states = [ClientState?](repeating: nil, count: chunk.clientCount)
            var recentRows = [[RecentRow]](repeating: [], count: chunk.clientCount)
            states.withUnsafeMutableBufferPointer { buffer in
                recentRows.withUnsafeMutableBufferPointer { recentBuffer in
                    let (output, recentOutput) = (DisjointWrites(buffer), DisjointWrites(recentBuffer))
                    let workers = min(self.workers, chunk.clientCount)
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        var scratch = Stepper.scratch()
                        for client in stride(from: worker, to: chunk.clientCount, by: workers) {
                            var state = stepper.newClient()
                            let rows = chunk.rows(ofClient: client).filter { chunk.ids[$0] <= through }
                            // The spree looks back from each arrival, which comes after the client's newest transaction:
                            // the transactions within its window of that one are scored to learn their evidence, once
                            // the cross-card detectors have judged them too.
                            let recentFrom = stepper.spree.isOn
                                ? (rows.last.map { chunk.instants[$0] } ?? 0) - stepper.spree.windowSeconds : Int64.max
                            var mine: [RecentRow] = []
                            for row in rows {
                                var event = TransactionEvent(row: row, of: chunk)
                                event.category = ids[Int(event.category)]
                                let recent = event.instant >= recentFrom
                                let (raw, hits, _, _, _) = stepper.advance(&state, event: event, transactionID: chunk.ids[row],
                                                                           scoring: recent, scratch: &scratch)
                                if recent { mine.append(RecentRow(id: chunk.ids[row], instant: event.instant, raw: raw, hits: hits)) }
                            }
                            if state.lastInstant != nil {
                                output[client] = state
                                recentOutput[client] = mine
                            }
                        }
                    }
                }
            }
            let merchants = chunk.merchantNames.map { crossCard.merchant($0) }
            for (client, state) in states.enumerated() {
                guard let state else { continue }
                let slot = add(chunk.clientIDs[client], state)
                if !recentRows[client].isEmpty { recent.append((slot, chunk.clientIDs[client], recentRows[client])) }
                for row in chunk.rows(ofClient: client) where chunk.ids[row] <= through {
                    replay.append(CrossCardEvent(key: chunk.ids[row], instant: chunk.instants[row], amountMinor: chunk.amountMinor[row],
                                                 merchant: merchants[Int(chunk.merchants[row])], client: Int32(slot)))
                }
            }
        }
        outcomesRead = OutcomeCursor()
        try takeNewOutcomes()
        let wanted = Set(recent.flatMap { $0.rows.map(\.id) })
        var crossHits: [Int64: [RuleHit]] = [:]
        for event in replay.inTimeOrder() {
            let hits = crossCard.step(event, row: 0)
            if !hits.isEmpty && wanted.contains(event.key) { crossHits[event.key] = hits }
        }
        for (slot, card, rows) in recent {
            for row in rows {
                var parts = stepper.composer.parts(raw: row.raw, hits: row.hits + (crossHits[row.id] ?? [])), hits: [RuleHit] = []
                // Only suppressions change a transaction's own evidence, and they name cards.
                lists.verdict(card: card, merchant: "", instant: row.instant)?.mask(&parts, hits: &hits)
                let own = stepper.composer.evidence(parts)
                _ = stepper.spree.step(&states[slot].spree, instant: row.instant, evidence: own, key: row.id)
            }
        }
        seenThrough = through
    }

    /// A transaction the replay scored for the spree: its detectors' scores and rules' hits.
    struct RecentRow: Sendable {
        var id: Int64
        var instant: Int64
        var raw: DetectorScores
        var hits: [RuleHit]
    }

    /// Client `clientID`'s slot in `states`, given a new client's state on first sight.
    private func slot(of clientID: String) -> Int {
        slots[clientID] ?? add(clientID, stepper.newClient())
    }

    /// Gives client `clientID` a slot holding `state`.
    @discardableResult
    private func add(_ clientID: String, _ state: ClientState) -> Int {
        let slot = states.count
        states.append(state)
        slots[clientID] = slot
        return slot
    }
}

extension LiveScorer {
    /// Scores one arriving transaction of client `clientID` and takes it into the client's state. Does not write.
    public func score(_ event: TransactionEvent, categoryName: String, merchantName: String, clientID: String,
                      transactionID: Int64) -> LiveVerdict {
        var event = event
        event.category = category(categoryName)
        let slot = slot(of: clientID)
        // In place: a copy of the state taken out of the array would copy its buffers on the first write.
        var scratch = Stepper.scratch()
        var (stepped, _) = stepper.step(&states[slot], event: event, transactionID: transactionID, scoring: true,
                                        scratch: &scratch)
        stepped.hits += crossCard.step(CrossCardEvent(key: transactionID, instant: event.instant, amountMinor: event.amountMinor,
                                                      merchant: crossCard.merchant(merchantName), client: Int32(slot)), row: 0)
        seenThrough = max(seenThrough, transactionID)
        var result = stepper.verdict(raw: stepped.raw, hits: stepped.hits, transactionID: transactionID, clientID: clientID,
                                     late: stepped.late, instant: event.instant,
                                     lists: lists.verdict(card: clientID, merchant: merchantName, instant: event.instant),
                                     spree: &states[slot].spree)
        result.sequence = stepped.sequence
        return result
    }

    /// What one call of `scorePending` did.
    public struct Batch: Sendable {
        public var scored = 0
        /// Transactions older than their client's newest when they arrived.
        public var late = 0
        /// Alerts opened, by id.
        public var alertsOpened: [Int64] = []
        /// Seconds spent scoring each transaction (featurise, every detector, the ensemble), in order.
        public var latencies: [Double] = []
        public var verdicts: [LiveVerdict] = []

        public init() {}
    }

    /// Scores up to `limit` transactions the store holds beyond what this scorer has seen, in id order, and commits
    /// their scores, the alerts they raise and the scored mark together. Transactions another process scored in
    /// the meantime only advance the states.
    public func scorePending(limit: Int = 10_000) throws -> Batch {
        let arrived = try store.transactions(after: seenThrough, limit: limit)
        var batch = Batch()
        guard arrived.count > 0 else { return batch }
        let scoredThrough = try store.liveScoredThrough()
        let columns = arrived.columns
        var scores: [LiveScore] = []
        var candidates: [AlertCandidate] = []
        var alertsPerDay: [Int64: Int] = [:]
        let now = Date().timeIntervalSince1970
        let start = DispatchTime.now().uptimeNanoseconds
        try takeNewOutcomes()
        lists = try ListPolicy.load(store, threshold: config.alertThreshold)
        let verdicts = scoreBatch((0 ..< arrived.count).map { row in
            Arrival(event: TransactionEvent(row: row, of: columns), categoryName: columns.categoryNames[Int(columns.categories[row])],
                    merchantName: columns.merchantNames[Int(columns.merchants[row])], clientID: arrived.clientIDs[row],
                    transactionID: columns.ids[row])
        })
        // Scored side by side, the batch's time is shared among its transactions.
        let each = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(arrived.count)
        batch.latencies = [Double](repeating: each, count: arrived.count)
        for (row, verdict) in verdicts.enumerated() {
            let id = columns.ids[row]
            guard id > scoredThrough else { continue }
            batch.scored += 1
            if verdict.late { batch.late += 1 }
            scores.append(LiveScore(transactionID: id, fittedID: fittedID, score: verdict.score,
                                    detectors: Self.json(verdict.detectors), scoredAt: now))
            if verdict.score >= config.alertThreshold && verdict.score > 0 && verdict.lists?.raisesNoAlert != true {
                let day = CivilTime.dayNumber(columns.instants[row])
                if alertsPerDay[day] == nil { alertsPerDay[day] = try store.alertCount(onDay: day) }
                if config.dailyBudget == 0 || alertsPerDay[day]! < config.dailyBudget || verdict.lists?.alwaysAlerts == true {
                    alertsPerDay[day]! += 1
                    candidates.append(AlertCandidate(transactionID: id, score: verdict.score,
                                                     reasons: reasons(verdict, amountMinor: columns.amountMinor[row])))
                }
            }
            batch.verdicts.append(verdict)
        }
        batch.alertsOpened = try store.commitLiveScores(scores, alerts: candidates, through: columns.ids.last ?? seenThrough)
        // Alerts opened go into cases at once (an interrupted refresh is caught up by the next, which is idempotent).
        if !batch.alertsOpened.isEmpty { try store.refreshCases(gapSeconds: config.caseGapSeconds) }
        return batch
    }

    /// `detectors` as the JSON object stored with a live score: each detector's name, in alphabetical order, with its
    /// part (null where not finite). Written by hand: `JSONSerialization` is costly on this hot path.
    static func json(_ detectors: DetectorScores) -> String {
        let members = detectors.sorted { $0.detector.rawValue < $1.detector.rawValue }.map { detector, value in
            "\"" + detector.rawValue + "\":" + (value.isFinite ? value.description : "null")
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// One arriving transaction, as `scoreBatch` takes it.
    public struct Arrival: Sendable {
        public var event: TransactionEvent
        public var categoryName: String
        public var merchantName: String
        public var clientID: String
        public var transactionID: Int64

        public init(event: TransactionEvent, categoryName: String, merchantName: String, clientID: String, transactionID: Int64) {
            self.event = event
            self.categoryName = categoryName
            self.merchantName = merchantName
            self.clientID = clientID
            self.transactionID = transactionID
        }
    }

    /// Takes in the outcomes the store recorded since the last read: each applies before the first transaction
    /// scored after it became known. One recorded after later transactions were scored counts from now on.
    func takeNewOutcomes() throws {
        let (events, through) = try store.outcomeEvents(after: outcomesRead)
        crossCard.take(events)
        outcomesRead = through
    }

    /// What one transaction's client state gave, before the matrix models.
    struct Stepped: Sendable {
        var raw = DetectorScores()
        var hits: [RuleHit] = []
        var late = false
        var sequence: SequenceContext?
    }

    /// Scores `arrivals` (in arrival order) side by side, with the verdicts `score` gives them one by one: each
    /// client's transactions in order on one thread and clients on several, then the matrix models (which keep no
    /// state) over all of them at once, on every core.
    public func scoreBatch(_ arrivals: [Arrival]) -> [LiveVerdict] {
        guard !arrivals.isEmpty else { return [] }
        let count = arrivals.count
        var events = arrivals.map(\.event)
        // The arrivals grouped by client, in order of first arrival: group g's positions are
        // `positions[groupStarts[g] ..< groupStarts[g + 1]]`, in arrival order, and its state is in slot `groupSlots[g]`.
        var slotOf = [Int](repeating: 0, count: count)
        for (position, arrival) in arrivals.enumerated() {
            events[position].category = category(arrival.categoryName)
            slotOf[position] = slot(of: arrival.clientID)
            seenThrough = max(seenThrough, arrival.transactionID)
        }
        var groupSlots: [Int] = []
        var groupOfSlot = [Int32](repeating: -1, count: states.count)
        var groupOf = [Int32](repeating: 0, count: count)
        for (position, slot) in slotOf.enumerated() {
            if groupOfSlot[slot] < 0 {
                groupOfSlot[slot] = Int32(groupSlots.count)
                groupSlots.append(slot)
            }
            groupOf[position] = groupOfSlot[slot]
        }
        var groupStarts = [Int](repeating: 0, count: groupSlots.count + 1)
        for group in groupOf { groupStarts[Int(group) + 1] += 1 }
        for group in groupSlots.indices { groupStarts[group + 1] += groupStarts[group] }
        var positions = [Int](repeating: 0, count: count)
        var filled = groupStarts
        for (position, group) in groupOf.enumerated() {
            positions[filled[Int(group)]] = position
            filled[Int(group)] += 1
        }

        let width = FeatureExtractor.columnCount
        var features = [Float](repeating: 0, count: count * width)
        var stepped = [Stepped](repeating: Stepped(), count: count)
        let stepper = self.stepper
        let lists = self.lists
        let frozenEvents = events
        let ids = arrivals.map(\.transactionID)
        let groups = groupSlots.count
        let workers = min(self.workers, groups)
        let (frozenSlots, frozenStarts, frozenPositions) = (groupSlots, groupStarts, positions)
        // Each worker takes every `workers`-th client, all of its transactions in order, on its state in place (through
        // `base`, whose subscript addresses the element: the buffer's own would copy the state out and back).
        states.withUnsafeMutableBufferPointer { stateBuffer in
            features.withUnsafeMutableBufferPointer { featureBuffer in
                stepped.withUnsafeMutableBufferPointer { steppedBuffer in
                    let (states, features, stepped) = (DisjointWrites(stateBuffer), DisjointWrites(featureBuffer),
                                                       DisjointWrites(steppedBuffer))
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        var scratch = Stepper.scratch()
                        for group in stride(from: worker, to: groups, by: workers) {
                            let slot = frozenSlots[group]
                            for position in frozenPositions[frozenStarts[group] ..< frozenStarts[group + 1]] {
                                let (result, row) = stepper.step(&states.base[slot], event: frozenEvents[position],
                                                                 transactionID: ids[position], scoring: false,
                                                                 scratch: &scratch)
                                for column in 0 ..< width { features[position * width + column] = row[column] }
                                stepped[position] = result
                            }
                        }
                    }
                }
            }
        }
        // Across cards: the batch in time order (then id), as a scan takes every row, with the outcomes known by then.
        let crossOrder = (0 ..< count).sorted { a, b in
            frozenEvents[a].instant != frozenEvents[b].instant ? frozenEvents[a].instant < frozenEvents[b].instant : ids[a] < ids[b]
        }
        for position in crossOrder {
            let event = frozenEvents[position]
            stepped[position].hits += crossCard.step(
                CrossCardEvent(key: ids[position], instant: event.instant, amountMinor: event.amountMinor,
                               merchant: crossCard.merchant(arrivals[position].merchantName), client: Int32(slotOf[position])),
                row: 0)
        }
        let matrix = FeatureMatrix(rowCount: count, columnCount: width, values: features)
        let isolation = stepper.isolation?.scores(matrix)
        let lof = stepper.lof?.factors(matrix, ids: ids)
        // Every model's scores put on the ensemble's scale for the whole batch at once, a model and a share of the
        // batch per task: the batched lookup overlaps the cache misses of one transaction's lookups with the next's.
        var raws = stepped.map(\.raw)
        for position in 0 ..< count {
            if let isolation { raws[position][.isolationForest] = isolation[position] }
            if let lof { raws[position][.localOutlierFactor] = lof[position] }
        }
        let models = stepper.composer.models
        var modelRaw = [Double](repeating: .nan, count: models.count * count)
        for (m, model) in models.enumerated() {
            for position in 0 ..< count { modelRaw[m * count + position] = raws[position][model.detector] ?? .nan }
        }
        var modelNormalised = [Double](repeating: 0, count: models.count * count)
        if !models.isEmpty {
            modelRaw.withUnsafeBufferPointer { rawBuffer in
                modelNormalised.withUnsafeMutableBufferPointer { normalisedBuffer in
                    let (raw, normalised) = (ReadOnlyPointer(rawBuffer.baseAddress!), DisjointWrites(normalisedBuffer))
                    let shares = max(1, min(self.workers, count / 64))
                    DispatchQueue.concurrentPerform(iterations: models.count * shares) { task in
                        let (m, share) = task.quotientAndRemainder(dividingBy: shares)
                        let start = m * count + share * count / shares
                        let length = m * count + (share + 1) * count / shares - start
                        models[m].scale.normalise(UnsafeBufferPointer(start: raw.base + start, count: length),
                                                  into: UnsafeMutableBufferPointer(start: normalised.base + start, count: length))
                    }
                }
            }
        }
        // The verdicts, each client's in order (its spree window moves on with each) on one thread, clients side by side.
        let steppedResults = stepped
        let (frozenRaws, frozenNormalised) = (raws, modelNormalised)
        // Each verdict is written once, in place, into the array returned (no optionals to unwrap and copy after).
        let verdicts = [LiveVerdict](unsafeUninitializedCapacity: count) { verdictBuffer, initialized in
            states.withUnsafeMutableBufferPointer { stateBuffer in
                let (states, verdicts) = (DisjointWrites(stateBuffer), DisjointWrites(verdictBuffer))
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    for group in stride(from: worker, to: groups, by: workers) {
                        let slot = frozenSlots[group]
                        for position in frozenPositions[frozenStarts[group] ..< frozenStarts[group + 1]] {
                            var normalised = DetectorScores()
                            for m in models.indices { normalised[models[m].detector] = frozenNormalised[m * count + position] }
                            var result = stepper.verdict(raw: frozenRaws[position], normalised: normalised, hits: steppedResults[position].hits,
                                                         transactionID: ids[position],
                                                         clientID: arrivals[position].clientID, late: steppedResults[position].late,
                                                         instant: frozenEvents[position].instant,
                                                         lists: lists.verdict(card: arrivals[position].clientID,
                                                                              merchant: arrivals[position].merchantName,
                                                                              instant: frozenEvents[position].instant),
                                                         spree: &states.base[slot].spree)
                            result.sequence = steppedResults[position].sequence
                            (verdicts.base + position).initialize(to: result)
                        }
                    }
                }
            }
            initialized = count
        }
        return verdicts
    }

    /// An alert's reasons, ordered by contribution, as a scan writes them.
    func reasons(_ verdict: LiveVerdict, amountMinor: Int64) -> [AlertReason] {
        let reasons = stepper.composer.reasons(parts: verdict.detectors, raw: verdict.raw, hits: verdict.hits,
                                               spree: verdict.spree?.part) { detector, share in
            guard detector == .lstm, let context = verdict.sequence, let encoder = sequence?.encoder else { return nil }
            return sequenceReason(context, encoder: encoder, amountMinor: amountMinor, share: share)
        }
        return verdict.lists?.reasons(reasons) ?? reasons
    }

    /// The LSTM's reason as a scan words it: the client's last steps and this one laid out as the scan's steps are,
    /// so the same function reads them.
    func sequenceReason(_ context: SequenceContext, encoder: SequenceEncoder, amountMinor: Int64, share: String) -> String {
        var steps = SequenceSteps(inputWidth: SequenceEncoder.numericNames.count)
        let earlier = context.earlierKmHome.count
        steps.kmHome = context.earlierKmHome + [context.kmHome]
        steps.categories = [Int32](repeating: 0, count: earlier) + [context.category]
        steps.logAmount = [Float](repeating: 0, count: earlier + 1)
        steps.logGap = steps.logAmount
        steps.starts = [0, earlier + 1]
        let row = earlier
        func at<T>(_ value: T, _ filler: T) -> [T] { [T](repeating: filler, count: earlier) + [value] }
        let predictions = SequenceDetector.Predictions(expectedLogAmount: at(context.scored.expectedLogAmount, 0),
                                                       expectedCategory: at(context.scored.expectedCategory, 0),
                                                       expectedLogGap: at(context.scored.expectedLogGap, 0))
        var instants = [Int64](repeating: context.previousInstant ?? context.instant, count: earlier + 1)
        instants[row] = context.instant
        return SequenceDetector.reason(row: row, steps: steps, predictions: predictions, encoder: encoder, instants: instants,
                                       amountMinor: amountMinor, currency: fitted.currency, share: share)
    }

    /// Clients with a state.
    public var clientCount: Int { states.count }
}
