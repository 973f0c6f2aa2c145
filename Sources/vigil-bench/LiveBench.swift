import Foundation
import VigilApp
import VigilCore
import VigilDemo
import VigilDetect
import VigilEngine
import VigilStore

/// `vigil-bench live`: live scoring on a large store. A demo of `--clients` clients over `--days` days is generated;
/// all but the last `--arrival-days` days go into a base store (kept at `--store`, reused by later runs), which is
/// scanned with every detector; the last days then arrive one transaction at a time.
///
/// Three measurements, on copies of the base store:
/// - latency: each arrival scored in memory (features from the client's state, every fitted detector, the rules,
///   the ensemble), timed one by one, reported as HdrHistogram-style percentiles;
/// - sustained scoring: the same arrivals through a second scorer, `--batch` at a time (`LiveScorer.scoreBatch`),
///   checked to give the one-by-one scores;
/// - throughput: the arrivals fed as CSV lines through `LiveIngest` in batches of `--batch` lines (import, score,
///   commit scores and alerts), end to end, with each batch's time from arrival to commit.
enum LiveBench {
    static func run(_ args: [String]) throws {
        let clients = Int(option("--clients", in: args) ?? "") ?? 10_000
        let days = Int(option("--days", in: args) ?? "") ?? 365
        let arrivalDays = Int(option("--arrival-days", in: args) ?? "") ?? 2
        let seed = UInt64(option("--seed", in: args) ?? "") ?? 42
        let batchLines = Int(option("--batch", in: args) ?? "") ?? 1_000
        let base = option("--store", in: args) ?? NSTemporaryDirectory() + "vigil-bench-live-\(clients)x\(days).sqlite"
        // `--only batch` measures the batch scoring alone, `--only ingest` the end-to-end path alone (for profiling):
        // the other measurements, and the batch's agreement check, are skipped.
        let only = option("--only", in: args)
        let batchOnly = only == "batch"

        let generator = try DemoGenerator(config: DemoConfig(clients: clients, days: days, seed: seed))
        var arrivals: [Transaction] = []
        var day = 0
        let fittedDays = days - arrivalDays
        var generated = Date()
        var setupSeconds: [String: Double] = [:]
        if !FileManager.default.fileExists(atPath: base) {
            let identity = "live-bench clients=\(clients) days=\(days) seed=\(seed) fitted=\(fittedDays)"
            try Store.load(into: base) { store in
                _ = try store.appendGenerated(name: "demo", identity: identity) { sink in
                    try generator.generate { batch in
                        day += 1
                        if day <= fittedDays { try sink(batch) } else { arrivals += batch }
                    }
                }
            }
            setupSeconds["generate_and_load"] = Date().timeIntervalSince(generated)
            generated = Date()
            let store = try Store(path: base)
            let report = try Scanner.scan(store, options: ScanOptions())
            setupSeconds["scan"] = report.totalSeconds
            try store.closeConnections()
        } else {
            generator.generate { batch in
                day += 1
                if day > fittedDays { arrivals += batch }
            }
        }
        let baseStore = try Store(path: base)
        let stored = try baseStore.transactionCount()
        let firstID = try baseStore.newestTransactionID() + 1
        try baseStore.closeConnections()

        if only == "ingest" {
            var result = try ingestThroughput(base: base, arrivals: arrivals, batchLines: batchLines)
            result["benchmark"] = "live"
            result["only"] = "ingest"
            emit(result)
            return
        }

        // Latency: in memory, one arrival at a time.
        let latencyCopy = try copy(base)
        defer { remove(latencyCopy) }
        let latencyStore = try Store(path: latencyCopy)
        var started = Date()
        let scorer = try LiveScorer(store: latencyStore)
        let loadSeconds = Date().timeIntervalSince(started)
        started = Date()
        try scorer.catchUp()
        let catchUpSeconds = Date().timeIntervalSince(started)
        var latencies: [Double] = []
        latencies.reserveCapacity(arrivals.count)
        var alerts = 0
        var singleScores: [Double] = []
        let scoringStarted = Date()
        for (offset, t) in arrivals.enumerated() where !batchOnly {
            let event = TransactionEvent(instant: t.instant, amountMinor: t.amount.minorUnits, category: 0,
                                         homeLatitude: t.home?.latitude ?? .nan, homeLongitude: t.home?.longitude ?? .nan,
                                         merchantLatitude: t.merchantLocation?.latitude ?? .nan,
                                         merchantLongitude: t.merchantLocation?.longitude ?? .nan, channel: t.channel)
            let start = DispatchTime.now().uptimeNanoseconds
            let verdict = scorer.score(event, categoryName: t.category, merchantName: t.merchant, clientID: t.clientID, transactionID: firstID + Int64(offset))
            latencies.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            if verdict.score >= 0.5 { alerts += 1 }
            singleScores.append(verdict.score)
        }
        let scoringSeconds = Date().timeIntervalSince(scoringStarted)

        // Sustained throughput: the same arrivals through a second scorer, `--batch` at a time, side by side
        // (`LiveScorer.scoreBatch`: clients on every core, the matrix models over the batch).
        let batchScorer = batchOnly ? scorer : try LiveScorer(store: latencyStore)
        if !batchOnly { try batchScorer.catchUp() }
        let arrivalValues = arrivals.enumerated().map { offset, t in
            LiveScorer.Arrival(event: TransactionEvent(instant: t.instant, amountMinor: t.amount.minorUnits, category: 0,
                                                       homeLatitude: t.home?.latitude ?? .nan, homeLongitude: t.home?.longitude ?? .nan,
                                                       merchantLatitude: t.merchantLocation?.latitude ?? .nan,
                                                       merchantLongitude: t.merchantLocation?.longitude ?? .nan, channel: t.channel),
                               categoryName: t.category, merchantName: t.merchant, clientID: t.clientID,
                               transactionID: firstID + Int64(offset))
        }
        var batchScoreSeconds: [Double] = []
        var batchAgrees = true
        let batchStarted = Date()
        var next = 0
        var batchScores: [Double] = []
        while next < arrivalValues.count {
            let end = min(arrivalValues.count, next + batchLines)
            let started = Date()
            // Only the scores are kept, for the comparison below; a consumer handles each batch's verdicts and drops them.
            batchScores += batchScorer.scoreBatch(Array(arrivalValues[next ..< end])).map(\.score)
            batchScoreSeconds.append(Date().timeIntervalSince(started))
            next = end
        }
        let sustainedSeconds = Date().timeIntervalSince(batchStarted)
        // The batch path must give the one-by-one verdicts exactly.
        for (position, score) in batchScores.enumerated() where !batchOnly && score != singleScores[position] {
            batchAgrees = false
        }
        try latencyStore.closeConnections()
        if batchOnly {
            emit(["benchmark": "live", "only": "batch", "arrivals": arrivals.count, "catch_up_seconds": catchUpSeconds,
                  "batch_score_seconds": sustainedSeconds,
                  "batch_score_per_second": Double(arrivals.count) / sustainedSeconds,
                  "batch_score_ms_p50": percentile(batchScoreSeconds, 0.5) * 1e3])
            return
        }

        let ingest = try ingestThroughput(base: base, arrivals: arrivals, batchLines: batchLines)

        var result: [String: Any] = [
            "benchmark": "live", "store_transactions": stored, "clients": clients, "arrivals": arrivals.count,
            "models": scorer.models.map(\.rawValue), "rules": Detector.rules.map(\.rawValue),
            "load_seconds": loadSeconds, "catch_up_seconds": catchUpSeconds,
            "score_seconds": scoringSeconds, "score_per_second": Double(arrivals.count) / scoringSeconds,
            "batch_score_seconds": sustainedSeconds, "batch_score_per_second": Double(arrivals.count) / sustainedSeconds,
            "batch_score_ms_p50": percentile(batchScoreSeconds, 0.5) * 1e3, "batch_score_ms_max": (batchScoreSeconds.max() ?? 0) * 1e3,
            "batch_agrees_with_single": batchAgrees, "threads": ProcessInfo.processInfo.activeProcessorCount,
            "alerts_at_0_5": alerts,
            "peak_rss_kb": peakRSSKilobytes(),
        ]
        result.merge(ingest) { first, _ in first }
        for (p, name) in [(0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (0.999, "p99_9"), (0.9999, "p99_99"), (1.0, "max")] {
            result["latency_us_\(name)"] = percentile(latencies, p) * 1e6
        }
        for (stage, seconds) in setupSeconds { result["setup_\(stage)_seconds"] = seconds }
        emit(result)
        // The latency distribution as HdrHistogram prints it: value at each percentile, on a halving ladder.
        var ladder: [Double] = []
        var missing = 1.0
        while missing > 1e-5 {
            ladder.append(1 - missing)
            missing /= 2
        }
        FileHandle.standardError.write(Data("       Value(us)   Percentile   TotalCount\n".utf8))
        let sorted = latencies.sorted()
        for p in ladder + [1.0] {
            let index = min(sorted.count - 1, Int(p * Double(sorted.count)))
            let line = String(format: "%16.3f %12.6f %12d\n", sorted[index] * 1e6, p, index + 1)
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    /// Throughput: the arrivals as CSV lines through the whole live path (`LiveIngest`), `batchLines` at a time, on
    /// a copy of the base store.
    static func ingestThroughput(base: String, arrivals: [Transaction], batchLines: Int) throws -> [String: Any] {
        let ingestCopy = try copy(base)
        defer { remove(ingestCopy) }
        let ingestStore = try Store(path: ingestCopy)
        let started = Date()
        let ingest = try LiveIngest(store: ingestStore, config: VigilConfig())
        let ingestStartSeconds = Date().timeIntervalSince(started)
        let header = Array(TransactionCSV.header.utf8)
        let lines = arrivals.map { Array(TransactionCSV.row($0).utf8) }
        var batchSeconds: [Double] = []
        var scored = 0, opened = 0
        let ingestStarted = Date()
        var position = 0
        while position < lines.count {
            let end = min(lines.count, position + batchLines)
            let batchStarted = Date()
            let outcome = try ingest.ingest(header: header, lines: Array(lines[position ..< end]))
            batchSeconds.append(Date().timeIntervalSince(batchStarted))
            scored += outcome.scoring.scored
            opened += outcome.scoring.alertsOpened.count
            position = end
        }
        let ingestSeconds = Date().timeIntervalSince(ingestStarted)
        try ingestStore.closeConnections()
        return ["ingest_start_seconds": ingestStartSeconds, "ingest_seconds": ingestSeconds,
                "ingest_per_second": Double(lines.count) / ingestSeconds, "ingest_scored": scored, "ingest_alerts": opened,
                "batch_lines": batchLines, "batch_ms_p50": percentile(batchSeconds, 0.5) * 1e3,
                "batch_ms_p99": percentile(batchSeconds, 0.99) * 1e3, "batch_ms_max": (batchSeconds.max() ?? 0) * 1e3]
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))]
    }

    /// A copy of the store at `path` (closed, so SQLite has folded its log into the file) in the temporary directory.
    static func copy(_ path: String) throws -> String {
        let target = NSTemporaryDirectory() + "vigil-bench-live-copy-\(getpid())-\(UUID().uuidString).sqlite"
        for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: path + suffix) {
            try FileManager.default.copyItem(atPath: path + suffix, toPath: target + suffix)
        }
        return target
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
