import Foundation
import VigilCore
import VigilDemo
import VigilStore

/// Benchmarks that print one JSON object per measurement, for bench/ scripts to compare with peers.
///
///     vigil-bench import FILE [--store PATH]     import a CSV into a fresh store
///     vigil-bench demo [--clients N] [--days D]  generate demo data (no store), then into a fresh store
func usage() -> Never {
    FileHandle.standardError.write(Data("usage: vigil-bench import FILE [--store PATH] | demo [--clients N] [--days D] [--seed S]\n".utf8))
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
        let store = try Store(path: path)
        let started = Date()
        let summary = try store.importFile(try PreparedImport(path: file))
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
        let store = try Store(path: path)
        started = Date()
        let summary = try store.appendGenerated(name: "bench", identity: "bench \(clients) \(days) \(seed)") { sink in
            try generator.generate(sink)
        }
        let storeSeconds = Date().timeIntervalSince(started)
        emit(["benchmark": "demo_store", "clients": clients, "days": days, "rows": summary.imported, "seconds": storeSeconds,
              "rows_per_second": Double(summary.imported) / storeSeconds, "peak_rss_kb": peakRSSKilobytes()])
        if option("--store", in: args) == nil { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
    default:
        usage()
    }
} catch {
    FileHandle.standardError.write(Data("vigil-bench: \(error)\n".utf8))
    exit(1)
}
