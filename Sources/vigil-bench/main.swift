import Foundation
import VigilApp
import VigilCore
import VigilDemo
import VigilDetect
import VigilEngine
import VigilStore
import VigilTUI

/// Benchmarks that print one JSON object per measurement, for bench/ scripts to compare with peers.
///
///     vigil-bench import FILE [--store PATH]     import a CSV into a fresh store
///     vigil-bench demo [--clients N] [--days D]  generate demo data (no store), then into a fresh store
///     vigil-bench matrix --rows N [--columns C] [--seed S] --out PREFIX
///                                                write a synthetic matrix (PREFIX.f32) and its labels (PREFIX.labels)
///     vigil-bench iforest --matrix PREFIX [--columns C] [--seed S] [--trees T] [--scores-out FILE]
///     vigil-bench lof --matrix PREFIX [--columns C] [--neighbours K] [--leaf-size L] [--standardize] [--novel N]
///                     [--scores-out FILE]
///                                                fit and score; scores as little-endian float64 for the peers to compare
///     vigil-bench features --store PATH          features of every transaction of a store
///     vigil-bench rules --store PATH             the behavioural rules over every client, counted against labels
///     vigil-bench lstm [--steps N] [--sequences S] [--hidden H] [--epochs E] [--seed S] [--write PREFIX]
///                                                train and score the LSTM sequence model on synthetic sequences;
///                                                --write also saves them for bench/lstm_torch.py
///     vigil-bench live [--clients N] [--days D] [--arrival-days K] [--batch LINES] [--store BASE] [--only batch|ingest]
///                                                live scoring: per-transaction latency and ingest throughput
///     vigil-bench triage-wait --store PATH [--decisions N] [--interval-ms M]
///                                                decide N open alerts one at a time, M ms apart (run it while an import
///                                                writes the store): how long each decision took, waits included
///     vigil-bench audit --store PATH             the sealed chain and the alerts against their events, timed apart
///     vigil-bench scan --store PATH [--with-lof] `vigil scan`: profiles, rules, Isolation Forest (and LOF), ensemble,
///                                                alert queue; writes its runs into the store
func usage() -> Never {
    FileHandle.standardError.write(Data("""
        usage: vigil-bench import FILE [--store PATH] | demo [--clients N] [--days D] [--seed S]
               | matrix --rows N [--columns C] [--seed S] --out PREFIX
               | iforest --matrix PREFIX [--columns C] [--seed S] [--trees T] [--scores-out FILE]
               | lof --matrix PREFIX [--columns C] [--neighbours K] [--leaf-size L] [--standardize] [--scores-out FILE]
                     [--novel N]
               | triage-wait --store PATH [--decisions N] [--interval-ms M]
               | features --store PATH | rules --store PATH | scan --store PATH [--with-lof]
               | queue --store PATH [--width W] [--height H] [--keys N] [--decide N] [--no-prefetch] [--search TEXT]
                       [--cases [--claims N] [--refresh-cases]]
               | client [--store PATH --client ID] [--transactions N] [--width W] [--height H] [--repeat R]
               | overview --store PATH | audit --store PATH
               | lstm-store --store PATH [--train N] [--epochs E] [--hidden H]
               | live [--clients N] [--days D] [--arrival-days K] [--batch LINES] [--store BASE] [--only batch|ingest]
               | lstm [--steps N] [--sequences S] [--hidden H] [--epochs E] [--seed S] [--threads T] [--write PREFIX]

        """.utf8))
    exit(2)
}

func option(_ name: String, in args: [String]) -> String? {
    guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
    return args[i + 1]
}

func peakRSSKilobytes() -> Int {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Int(usage.ru_maxrss)
}

func emit(_ object: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

func freshStorePath(_ args: [String]) -> String {
    let path = option("--store", in: args) ?? NSTemporaryDirectory() + "vigil-bench-\(getpid()).sqlite"
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    return path
}

let args = Array(CommandLine.arguments.dropFirst())
guard let command = args.first else { usage() }

do {
    switch command {
    case "import":
        guard args.count >= 2 else { usage() }
        let file = args[1]
        let path = freshStorePath(args)
        let started = Date()
        let prepared = try PreparedImport(path: file)
        let summary = try Store.load(into: path) { store in try store.importFile(prepared) }
        let seconds = Date().timeIntervalSince(started)
        emit(["benchmark": "import", "file": file, "rows": summary.rowsRead, "imported": summary.imported,
              "rejected": summary.rejected, "duplicate": summary.duplicate, "seconds": seconds,
              "rows_per_second": Double(summary.rowsRead) / seconds, "peak_rss_kb": peakRSSKilobytes()])
        if option("--store", in: args) == nil { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
    case "demo":
        let clients = Int(option("--clients", in: args) ?? "") ?? 10_000
        let days = Int(option("--days", in: args) ?? "") ?? 365
        let seed = UInt64(option("--seed", in: args) ?? "") ?? 42
        let generator = try DemoGenerator(config: DemoConfig(clients: clients, days: days, seed: seed))
        var started = Date()
        var rows = 0
        generator.generate { rows += $0.count }
        let generateSeconds = Date().timeIntervalSince(started)
        emit(["benchmark": "demo_generate", "clients": clients, "days": days, "rows": rows, "seconds": generateSeconds,
              "rows_per_second": Double(rows) / generateSeconds])
        let path = freshStorePath(args)
        started = Date()
        let summary = try Store.load(into: path) { store in
            try store.appendGenerated(name: "bench", identity: "bench \(clients) \(days) \(seed)") { sink in
                try generator.generate(sink)
            }
        }
        let storeSeconds = Date().timeIntervalSince(started)
        emit(["benchmark": "demo_store", "clients": clients, "days": days, "rows": summary.imported, "seconds": storeSeconds,
              "rows_per_second": Double(summary.imported) / storeSeconds, "peak_rss_kb": peakRSSKilobytes()])
        if option("--store", in: args) == nil { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
    case "matrix":
        guard let rows = Int(option("--rows", in: args) ?? ""), let prefix = option("--out", in: args) else { usage() }
        let columns = Int(option("--columns", in: args) ?? "") ?? 8
        let seed = UInt64(option("--seed", in: args) ?? "") ?? 1
        let (matrix, labels) = SyntheticMatrix.make(rows: rows, columns: columns, seed: seed)
        try SyntheticMatrix.write(matrix, labels: labels, prefix: prefix)
        emit(["benchmark": "matrix", "rows": rows, "columns": columns, "outliers": labels.reduce(0) { $0 + Int($1) }])
    case "iforest", "lof":
        guard let prefix = option("--matrix", in: args) else { usage() }
        let columns = Int(option("--columns", in: args) ?? "") ?? 8
        var matrix = try SyntheticMatrix.read(prefix: prefix, columns: columns)
        // `--standardize` z-scores the columns first, as `vigil scan` does before LOF (for a matrix taken from a store).
        if args.contains("--standardize") { matrix = Standardizer(fitting: matrix).transform(matrix) }
        let started = Date()
        let scores: [Double]
        let fitSeconds: Double
        if command == "iforest" {
            let seed = UInt64(option("--seed", in: args) ?? "") ?? 1
            let trees = Int(option("--trees", in: args) ?? "") ?? 100
            let model = IsolationForest.fit(matrix, .init(treeCount: trees, seed: seed))
            fitSeconds = Date().timeIntervalSince(started)
            scores = model.scores(matrix)
        } else {
            let k = Int(option("--neighbours", in: args) ?? "") ?? 20
            var configuration = LocalOutlierFactor.Configuration(neighbourCount: k)
            if let leafSize = Int(option("--leaf-size", in: args) ?? "") { configuration.leafSize = leafSize }
            if let text = option("--novel", in: args) {
                // Novelty scoring: fit on all but the last `novel` rows, then score those through each search.
                guard let novel = Int(text), novel >= 1, novel <= matrix.rowCount - 2 else {
                    FileHandle.standardError.write(Data(
                        "vigil-bench: --novel must be a row count from 1 to \(matrix.rowCount - 2) (LOF keeps at least two reference rows), got '\(text)'\n".utf8))
                    exit(2)
                }
                let split = matrix.rowCount - novel
                let dimension = matrix.columnCount
                let reference = FeatureMatrix(rowCount: split, columnCount: dimension,
                                              values: Array(matrix.values[..<(split * dimension)]))
                let queries = FeatureMatrix(rowCount: novel, columnCount: dimension,
                                            values: Array(matrix.values[(split * dimension)...]))
                var model = LocalOutlierFactor.fit(reference, configuration)
                var results: [String: Any] = ["benchmark": "lof_novel", "reference_rows": split, "queries": novel,
                                              "columns": dimension, "fit_seconds": Date().timeIntervalSince(started)]
                var answers: [[Double]] = []
                for search in LocalOutlierFactorModel.NeighbourSearch.allCases {
                    model.search = search
                    let clock = ProcessInfo.processInfo.systemUptime
                    answers.append(model.factors(queries))
                    results["\(search)_seconds"] = ProcessInfo.processInfo.systemUptime - clock
                }
                results["searches_agree"] = answers.dropFirst().allSatisfy { $0 == answers[0] }
                emit(results)
                exit(0)
            }
            let model = LocalOutlierFactor.fit(matrix, configuration)
            fitSeconds = Date().timeIntervalSince(started)
            scores = model.referenceFactors
        }
        let seconds = Date().timeIntervalSince(started)
        if let out = option("--scores-out", in: args) {
            try scores.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: out)) }
        }
        var result: [String: Any] = ["benchmark": command, "rows": matrix.rowCount, "columns": columns,
                                     "fit_seconds": fitSeconds, "score_seconds": seconds - fitSeconds, "seconds": seconds,
                                     "peak_rss_kb": peakRSSKilobytes()]
        // Vigil's own metrics on its scores, for the bench to check against scikit-learn's on the same scores.
        if let labels = try? Data(contentsOf: URL(fileURLWithPath: prefix + ".labels")), labels.count == scores.count {
            let truth = labels.map { $0 == 1 }
            result["roc_auc"] = Metrics.rocAUC(scores: scores, labels: truth) ?? NSNull()
            result["average_precision"] = Metrics.averagePrecision(scores: scores, labels: truth) ?? NSNull()
        }
        emit(result)
    case "features":
        guard let path = option("--store", in: args) else { usage() }
        let store = try Store(path: path)
        let started = Date()
        let prior = try FeaturePipeline.prior(of: store)
        let priorSeconds = Date().timeIntervalSince(started)
        let set = try FeaturePipeline.load(store, prior: prior)
        let seconds = Date().timeIntervalSince(started)
        emit(["benchmark": "features", "rows": set.count, "columns": set.matrix.columnCount, "prior_seconds": priorSeconds,
              "seconds": seconds, "rows_per_second": Double(set.count) / seconds, "peak_rss_kb": peakRSSKilobytes()])
    case "triage-wait":
        guard let path = option("--store", in: args) else { usage() }
        let count = Int(option("--decisions", in: args) ?? "") ?? 50
        let interval = Double(option("--interval-ms", in: args) ?? "") ?? 100
        let store = try Store(path: path)
        let alerts = try store.alerts(limit: count, status: .open)
        var waits: [Double] = []
        var failures: [String] = []
        for alert in alerts {
            let started = Date()
            do {
                try store.decide([SeenAlert(id: alert.id, version: alert.version)], status: .falsePositive, analyst: "bench")
            } catch {
                failures.append(String(describing: error))
            }
            waits.append(Date().timeIntervalSince(started))
            Thread.sleep(forTimeInterval: interval / 1000)
        }
        let sorted = waits.sorted()
        func percentile(_ p: Double) -> Double {
            sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)]
        }
        emit(["benchmark": "triage_wait", "decisions": sorted.count, "failures": failures.count,
              "first_failure": failures.first ?? "", "p50_seconds": percentile(0.5), "p99_seconds": percentile(0.99),
              "max_seconds": sorted.last ?? 0])
    case "scan":
        guard let path = option("--store", in: args) else { usage() }
        let store = try Store(path: path)
        var detectors = Set(Detector.allCases)
        if !args.contains("--with-lof") { detectors.remove(.localOutlierFactor) }
        let report = try Scanner.scan(store, options: ScanOptions(detectors: detectors))
        var result: [String: Any] = ["benchmark": "scan", "rows": report.transactions, "seconds": report.totalSeconds,
                                     "pass_seconds": report.passSeconds, "alerts": report.alertsSelected,
                                     "detectors": detectors.map(\.rawValue).sorted(), "peak_rss_kb": peakRSSKilobytes()]
        for (stage, seconds) in report.stageSeconds { result["\(stage)_seconds"] = seconds }
        // The speed goal counts profiles, rules and the ensemble: every stage but the models and their features.
        result["behavioural_seconds"] = ScanReport.behaviouralStages.reduce(0) { $0 + (report.stageSeconds[$1] ?? 0) }
        emit(result)
    case "queue":
        // The workbench's alert queue in the in-memory backend: opening the store to the first full frame, then
        // each keypress handled and the screen redrawn, as the analyst would press them.
        guard let path = option("--store", in: args) else { usage() }
        let size = TerminalSize(width: Int(option("--width", in: args) ?? "") ?? 120, height: Int(option("--height", in: args) ?? "") ?? 40)
        let presses = Int(option("--keys", in: args) ?? "") ?? 2_000
        var started = Date()
        let store = try Store(path: path)
        // --cases: the case queue, as `vigil` opens (--decide then decides whole cases).
        let cases = args.contains("--cases")
        // --refresh-cases: first what `vigil` does before opening a store whose alerts are in no case yet (timed apart).
        var refreshed: [String: Any] = [:]
        if args.contains("--refresh-cases") {
            let opening = Date().timeIntervalSince(started), refreshing = Date()
            let refresh = try store.refreshCases(gapSeconds: VigilConfig().caseGapSeconds)
            refreshed = ["refresh_cases_ms": Date().timeIntervalSince(refreshing) * 1_000, "refresh_cases_opened": refresh.opened,
                         "refresh_cases_placed": refresh.alertsPlaced]
            started = Date().addingTimeInterval(-opening)
        }
        let queue = try AlertQueueScreen(store: store, analyst: "bench", opensOnCases: cases)
        let first = try queue.frame(size: size)
        let firstFrame = Date().timeIntervalSince(started)
        guard first.rows.count == size.height else { usage() }
        // Moving: down through the queue a row at a time and a page at a time, to the end and back.
        var moveTimes: [Double] = []
        let moves: [Key] = Array(repeating: .character("j"), count: presses / 2) + Array(repeating: .pageDown, count: max(0, presses / 2 - 2))
            + [.character("G"), .character("g")]
        // Like the workbench's run loop, the neighbouring pages are loaded after each frame, while the analyst reads
        // (untimed here); --no-prefetch leaves that out.
        let prefetching = !args.contains("--no-prefetch")
        for key in moves {
            if prefetching { try queue.prefetch(size: size) }
            started = Date()
            _ = try queue.handle(key, size: size)
            _ = try queue.frame(size: size)
            moveTimes.append(Date().timeIntervalSince(started))
        }
        // Re-querying: each sort column once, then back to score.
        var sortTimes: [Double] = []
        for _ in 0..<8 {
            if prefetching { try queue.prefetch(size: size) }
            started = Date()
            _ = try queue.handle(.character("s"), size: size)
            _ = try queue.frame(size: size)
            sortTimes.append(Date().timeIntervalSince(started))
        }
        // Deciding (with --decide N): N alerts marked false positive one by one, then each decision undone.
        // This writes to the store: its alerts end as they began, and the audit trail keeps the 2N events.
        var decideTimes: [Double] = []
        let decisions = Int(option("--decide", in: args) ?? "") ?? 0
        for key in Array(repeating: Key.character("p"), count: decisions) + Array(repeating: Key.character("u"), count: decisions) {
            if prefetching { try queue.prefetch(size: size) }
            started = Date()
            _ = try queue.handle(key, size: size)
            _ = try queue.frame(size: size)
            decideTimes.append(Date().timeIntervalSince(started))
        }
        // Searching (with --search TEXT): `/`, the text and Enter, then the next match nine times (`n`; `]` on the
        // case queue, where `n` takes a case), each search over the view.
        var searchTimes: [Double] = []
        if let text = option("--search", in: args) {
            for character in "/" + text { _ = try queue.handle(.character(character), size: size) }
            for key in [Key.enter] + Array(repeating: Key.character(cases ? "]" : "n"), count: 9) {
                started = Date()
                _ = try queue.handle(key, size: size)
                _ = try queue.frame(size: size)
                searchTimes.append(Date().timeIntervalSince(started))
            }
        }
        let searchMessage = queue.message ?? ""
        // The case queue's other keys: `v` through every view and back, then (--claims N) `n` taking the next case N
        // times (this writes: the cases stay assigned to "bench"), each followed by `q` back to the queue (untimed).
        var viewTimes: [Double] = [], claimTimes: [Double] = []
        if cases {
            for _ in 0..<5 {
                if prefetching { try queue.prefetch(size: size) }
                started = Date()
                _ = try queue.handle(.character("v"), size: size)
                _ = try queue.frame(size: size)
                viewTimes.append(Date().timeIntervalSince(started))
            }
            for _ in 0..<(Int(option("--claims", in: args) ?? "") ?? 0) {
                if prefetching { try queue.prefetch(size: size) }
                started = Date()
                _ = try queue.handle(.character("n"), size: size)
                _ = try queue.frame(size: size)
                claimTimes.append(Date().timeIntervalSince(started))
                _ = try queue.handle(.character("q"), size: size)
                _ = try queue.frame(size: size)
            }
        }
        func percentile(_ values: [Double], _ p: Double) -> Double {
            let sorted = values.sorted()
            return sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))]
        }
        var result: [String: Any] = ["benchmark": cases ? "case queue" : "queue", "search_ms_median": searchTimes.isEmpty ? 0 : percentile(searchTimes, 0.5) * 1_000,
              "search_ms_max": (searchTimes.max() ?? 0) * 1_000, "search_message": searchMessage, "alerts": cases ? try store.alertCounts().values.reduce(0, +) : queue.ids.count, "transactions": try store.transactionCount(),
              "first_frame_ms": firstFrame * 1_000, "key_ms_median": percentile(moveTimes, 0.5) * 1_000,
              "key_ms_p99": percentile(moveTimes, 0.99) * 1_000, "key_ms_max": (moveTimes.max() ?? 0) * 1_000,
              "sort_ms_median": percentile(sortTimes, 0.5) * 1_000, "sort_ms_max": (sortTimes.max() ?? 0) * 1_000,
              "keys": moveTimes.count, "peak_rss_kb": peakRSSKilobytes(),
              "decide_ms_median": decideTimes.isEmpty ? 0 : percentile(Array(decideTimes.prefix(decideTimes.count / 2)), 0.5) * 1_000,
              "undo_ms_median": decideTimes.isEmpty ? 0 : percentile(Array(decideTimes.suffix(decideTimes.count / 2)), 0.5) * 1_000,
              "undo_ms_max": (decideTimes.suffix(decideTimes.count / 2).max() ?? 0) * 1_000,
              "decide_ms_max": (decideTimes.prefix(decideTimes.count / 2).max() ?? 0) * 1_000,
              "view_ms_median": percentile(viewTimes, 0.5) * 1_000, "view_ms_max": (viewTimes.max() ?? 0) * 1_000,
              "claim_ms_median": percentile(claimTimes, 0.5) * 1_000, "claim_ms_max": (claimTimes.max() ?? 0) * 1_000]
        result.merge(refreshed) { kept, _ in kept }
        emit(result)
    case "client":
        // The client view in the in-memory backend: reading a client's transactions and alerts, computing the view,
        // and drawing the timeline and the heatmaps. Without --store, a scratch store with one client of
        // --transactions N (10,000 by default) over two years, in 40 places, scanned by the rules.
        let size = TerminalSize(width: Int(option("--width", in: args) ?? "") ?? 120, height: Int(option("--height", in: args) ?? "") ?? 40)
        let repeats = Int(option("--repeat", in: args) ?? "") ?? 30
        let store: Store
        let clientID: String
        if let path = option("--store", in: args) {
            guard let id = option("--client", in: args) else { usage() }
            store = try Store(path: path)
            clientID = id
        } else {
            let count = Int(option("--transactions", in: args) ?? "") ?? 10_000
            store = try Store(path: freshStorePath([]))
            clientID = "C-bench"
            var random = SystemRandomNumberGenerator()
            let start: Int64 = 1_672_531_200
            let rows = (0..<count).map { i -> Transaction in
                let place = Int.random(in: 0..<40, using: &random)
                return Transaction(sourceKey: "b\(i)", clientID: clientID, instant: start + Int64(i) * (2 * 365 * 86_400 / Int64(max(1, count))),
                                   originalTime: "t", amount: Money(minorUnits: Int64.random(in: -2_000...50_000, using: &random)),
                                   merchant: "Merchant \(i % 300)", category: ["grocery", "travel", "gas", "food"][i % 4],
                                   city: "City \(place)", state: "ST", home: GeoPoint(latitude: 40, longitude: -74),
                                   merchantLocation: GeoPoint(latitude: 40 + Double(place) / 10, longitude: -74 + Double(place % 7) / 5))
            }
            _ = try store.appendGenerated(name: "bench", identity: "bench-client") { sink in try sink(rows) }
            // The rules' scan saves the client's profile and raises its alerts, as the workbench would find them.
            _ = try Scanner.scan(store, options: ScanOptions(detectors: Set(Detector.rules)))
        }
        guard let probe = try store.clientActivity(clientID: clientID) else { usage() }
        let focus = probe.alertIDs.indices.first { probe.alertIDs[$0] != nil }.map { probe.ids[$0] }
        var open: [Double] = [], timeline: [Double] = [], heatmaps: [Double] = [], list: [Double] = [], total: [Double] = []
        for _ in 0..<repeats {
            let started = Date()
            let activity = try store.clientActivity(clientID: clientID)!
            let screen = ClientScreen(view: ClientView(activity: activity, profile: try store.profile(ofClient: clientID), focusTransaction: focus))
            let opened = Date()
            var buffer = CellBuffer(size: size)
            screen.render(into: &buffer, in: buffer.bounds, theme: .default)
            let drewTimeline = Date()
            _ = screen.handle(.character("2"), size: size)
            screen.render(into: &buffer, in: buffer.bounds, theme: .default)
            let drewHeatmaps = Date()
            _ = screen.handle(.character("3"), size: size)
            screen.render(into: &buffer, in: buffer.bounds, theme: .default)
            let drewList = Date()
            open.append(opened.timeIntervalSince(started))
            timeline.append(drewTimeline.timeIntervalSince(opened))
            heatmaps.append(drewHeatmaps.timeIntervalSince(drewTimeline))
            list.append(drewList.timeIntervalSince(drewHeatmaps))
            total.append(drewHeatmaps.timeIntervalSince(started))
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] * 1_000 }
        emit(["benchmark": "client", "transactions": probe.count, "width": size.width, "height": size.height, "repeats": repeats,
              "open_ms_median": median(open), "timeline_ms_median": median(timeline), "heatmaps_ms_median": median(heatmaps),
              "list_ms_median": median(list), "open_timeline_heatmaps_ms_median": median(total),
              "open_timeline_heatmaps_ms_max": (total.max() ?? 0) * 1_000, "peak_rss_kb": peakRSSKilobytes()])
    case "audit":
        // `vigil audit verify` without the whole file's integrity check: the sealed chain (one pass over the events)
        // and the alerts against their events (one pass over each), timed apart; best of three.
        guard let path = option("--store", in: args) else { usage() }
        let store = try Store(path: path, readOnly: true)
        var chain: [Double] = [], alerts: [Double] = []
        var events = 0, disagreeing = 0
        for _ in 0..<3 {
            var started = Date()
            if case .intact(let count) = try store.verifyAuditChain() { events = count }
            chain.append(Date().timeIntervalSince(started))
            started = Date()
            disagreeing = try store.alertsAgainstTrail().total
            alerts.append(Date().timeIntervalSince(started))
        }
        emit(["benchmark": "audit", "events": events, "alerts": try store.alertCounts().values.reduce(0, +),
              "disagreeing": disagreeing, "chain_s_best": chain.min() ?? 0, "alerts_s_best": alerts.min() ?? 0,
              "peak_rss_kb": peakRSSKilobytes()])
    case "overview":
        // The overview screen: opening it (the open alerts' figures, read at once) and the whole store's figures
        // (counted in the background), then drawing both panes.
        guard let path = option("--store", in: args) else { usage() }
        let store = try Store(path: path)
        var started = Date()
        let screen = OverviewScreen(store: store, query: AlertQuery(), scopeName: "open alerts", storeCounts: try store.alertCounts())
        var buffer = CellBuffer(width: 120, height: 40)
        screen.render(into: &buffer, in: buffer.bounds, theme: .default)
        let opened = Date().timeIntervalSince(started)
        screen.waitForAlerts()
        let alertsCounted = Date().timeIntervalSince(started)
        screen.waitForStoreActivity()
        let counted = Date().timeIntervalSince(started)
        started = Date()
        screen.render(into: &buffer, in: buffer.bounds, theme: .default)
        _ = screen.handle(.character("w"))
        screen.render(into: &buffer, in: buffer.bounds, theme: .default)
        let drawn = Date().timeIntervalSince(started)
        emit(["benchmark": "overview", "alerts": screen.alerts?.total ?? 0, "transactions": screen.storeActivity?.transactions ?? 0,
              "first_frame_ms": opened * 1_000, "alerts_counted_after_ms": alertsCounted * 1_000,
              "store_counted_after_ms": counted * 1_000, "draw_both_panes_ms": drawn * 1_000])
    case "rules":
        guard let path = option("--store", in: args) else { usage() }
        let store = try Store(path: path)
        let rules = RuleSet(prior: try FeaturePipeline.prior(of: store), currency: try store.predominantCurrency() ?? "USD")
        let started = Date()
        var rows = 0, fraud = 0
        var flagged = Dictionary(uniqueKeysWithValues: Detector.rules.map { ($0.rawValue, 0) })
        var flaggedFraud = flagged
        try store.forEachClientChunk { chunk in
            rows += chunk.count
            fraud += chunk.labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
            for hit in rules.hits(chunk) {
                flagged[hit.detector.rawValue, default: 0] += 1
                if chunk.labels[hit.row] == 1 { flaggedFraud[hit.detector.rawValue, default: 0] += 1 }
            }
        }
        emit(["benchmark": "rules", "rows": rows, "fraud": fraud, "seconds": Date().timeIntervalSince(started),
              "flagged": flagged, "flagged_fraud": flaggedFraud])
    case "lstm-store":
        // The LSTM on a store's transactions: trains on whole clients (seeded, up to --train N steps), scores every
        // transaction, and judges each part of the score against the store's labels (the labels are read here only).
        guard let path = option("--store", in: args) else { usage() }
        let store = try Store(path: path)
        let limit = Int(option("--train", in: args) ?? "") ?? 1_000_000
        let epochs = Int(option("--epochs", in: args) ?? "") ?? 4
        let hidden = Int(option("--hidden", in: args) ?? "") ?? 32
        var started = Date()
        var encoder: SequenceEncoder?
        var steps = SequenceSteps(inputWidth: SequenceEncoder.numericNames.count)
        var labels: [Bool] = []
        try store.forEachClientChunk { chunk in
            if encoder == nil { encoder = SequenceEncoder.fitting(chunk.categoryNames) }
            steps.append(encoder!.encode(chunk))
            labels += chunk.labels.map { $0 == 1 }
        }
        let encodeSeconds = Date().timeIntervalSince(started)
        guard let encoder else { usage() }
        // The scan's choice of training clients (seed 0).
        let subset = steps.sequences(steps.sequences(upTo: limit, seed: 0))
        started = Date()
        let (model, report) = try LSTMModel.train(subset.data, shape: LSTMShape(numericInputs: SequenceEncoder.numericNames.count,
                                                                                 categories: encoder.categoryCount, hidden: hidden),
                                                  training: LSTMTraining(maxEpochs: epochs, seed: 0))
        let trainSeconds = Date().timeIntervalSince(started)
        started = Date()
        let scored = model.score(steps.data)
        let scoreSeconds = Date().timeIntervalSince(started)
        var judged: [String: Any] = [:]
        let parts: [(String, (LSTMStepScore) -> Double)] = [
            ("nll", { Double($0.nll) }), ("amount", { Double($0.amountNLL) }), ("category", { Double($0.categoryNLL) }),
            ("gap", { Double($0.gapNLL) }), ("amount+category", { Double($0.amountNLL + $0.categoryNLL) }),
        ]
        for (name, part) in parts {
            let values = scored.map(part)
            judged[name] = ["roc_auc": Metrics.rocAUC(scores: values, labels: labels) ?? 0,
                            "average_precision": Metrics.averagePrecision(scores: values, labels: labels) ?? 0,
                            "precision_at_100": Metrics.precision(atTop: 100, scores: values, labels: labels) ?? 0]
        }
        emit(["benchmark": "lstm-store", "transactions": steps.count, "trained_steps": subset.count, "epochs": report.epochs,
              "best_epoch": report.bestEpoch, "encode_seconds": encodeSeconds, "train_seconds": trainSeconds,
              "score_seconds": scoreSeconds, "scored_per_second": Double(steps.count) / scoreSeconds, "judged": judged,
              "validation_loss": report.validationLoss])
    case "live":
        try LiveBench.run(args)
    case "lstm":
        let steps = Int(option("--steps", in: args) ?? "") ?? 1_000_000
        let sequences = Int(option("--sequences", in: args) ?? "") ?? max(1, steps / 1_000)
        let hidden = Int(option("--hidden", in: args) ?? "") ?? 32
        let epochs = Int(option("--epochs", in: args) ?? "") ?? 3
        let seed = UInt64(option("--seed", in: args) ?? "") ?? 42
        let threads = Int(option("--threads", in: args) ?? "") ?? 0
        let (data, labels) = LSTMBenchData.make(steps: steps, sequences: sequences, seed: seed)
        let shape = LSTMShape(numericInputs: LSTMBenchData.numericInputs, categories: LSTMBenchData.categories,
                              embedding: 8, hidden: hidden)
        if let prefix = option("--write", in: args) {
            try LSTMBenchData.write(data, labels: labels, prefix: prefix, meta: [
                "steps": data.stepCount, "sequences": data.count, "numeric_inputs": shape.numericInputs,
                "categories": shape.categories, "embedding": shape.embedding, "hidden": hidden, "seed": seed])
        }
        let training = LSTMTraining(maxEpochs: epochs, patience: epochs, seed: seed, threads: threads)
        var epochSeconds: [Double] = []
        var epochStarted = Date()
        let (model, report) = try LSTMModel.train(data, shape: shape, training: training) { epoch, train, validation in
            epochSeconds.append(Date().timeIntervalSince(epochStarted))
            epochStarted = Date()
            FileHandle.standardError.write(Data("epoch \(epoch): train \(train) validation \(validation)\n".utf8))
        }
        let started = Date()
        let scores = model.score(data, threads: threads)
        let scoreSeconds = Date().timeIntervalSince(started)
        let auc = Metrics.rocAUC(scores: scores.map { Double($0.nll) }, labels: labels) ?? .nan
        emit(["benchmark": "lstm", "steps": data.stepCount, "sequences": data.count, "hidden": hidden,
              "epochs": report.epochs, "best_epoch": report.bestEpoch, "train_seconds": report.seconds,
              "seconds_per_epoch": report.seconds / Double(max(1, report.epochs)),
              "epoch_seconds": epochSeconds, "trained_steps": report.steps,
              "train_steps_per_second": Double(report.steps) / report.seconds,
              "score_seconds": scoreSeconds, "score_steps_per_second": Double(data.stepCount) / scoreSeconds,
              "train_loss": report.trainLoss.last ?? .nan, "validation_loss": report.validationLoss.last ?? .nan,
              "roc_auc": auc, "anomalies": labels.filter { $0 }.count, "peak_rss_kb": peakRSSKilobytes()])
    default:
        usage()
    }
} catch {
    FileHandle.standardError.write(Data("vigil-bench: \(error)\n".utf8))
    exit(1)
}
