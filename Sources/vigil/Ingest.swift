import ArgumentParser
import Foundation
import VigilApp
import VigilCore
import VigilStore

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Live mode: take CSV lines as they arrive, store them and score each one at once.",
        discussion: """
            Reads CSV from standard input (`-`), follows a growing file (--follow FILE, like `tail -f`), or with \
            --watch scores what other processes add to the store. The first line is the header, mapped as `vigil \
            import` maps one. Each batch of lines that arrives is imported (bad rows rejected with their line, field \
            and value; repeats skipped), then every new transaction is scored from its client's saved state by the \
            detectors the last `vigil scan` fitted and the ensemble: exactly the scores a scan reusing them gives. \
            An alert appears in every open workbench within a second, marked new. A kill at any moment loses \
            nothing committed (a batch's scores, alerts and scored mark commit together), and sending the same \
            input again stores nothing twice and scores only what was left unscored.
            """)

    @Argument(help: "`-` for standard input.")
    var input: String?

    @Option(name: .long, help: "Follow a growing file instead of standard input; runs until interrupted.")
    var follow: String?

    @Flag(name: .long, help: "Read nothing: score what other processes (`vigil import`, another program) add to the store, until interrupted.")
    var watch = false

    @OptionGroup var storeOption: StoreOption
    @OptionGroup var configOption: ConfigOption

    @OptionGroup var format: CSVFormatOptions

    @Flag(name: .long, help: "Print only the summary, not a line per alert raised.")
    var quiet = false

    func validate() throws {
        if watch {
            guard input == nil && follow == nil else { throw ValidationError("--watch reads no input: give neither `-` nor --follow") }
            return
        }
        switch (input, follow) {
        case ("-"?, nil), (nil, _?): break
        case (nil, nil): throw ValidationError("give `-` to read standard input, --follow FILE, or --watch")
        case (_?, _?): throw ValidationError("give either `-` or --follow FILE, not both")
        default: throw ValidationError("the input must be `-` (standard input); to read a file as it grows, use --follow FILE")
        }
    }

    func run() throws {
        let store = try storeOption.openExisting()
        let options = try format.importOptions(batchSize: 20_000)
        let descriptor: Int32
        if let follow {
            descriptor = open(follow, O_RDONLY)
            guard descriptor >= 0 else {
                throw ValidationError("cannot read \(Sanitize.line(follow)): \(String(cString: strerror(errno)))")
            }
        } else {
            descriptor = STDIN_FILENO
        }
        // The workbench shows the indicator from the start, while the scorer replays the store to build the
        // clients' states (seconds on millions of transactions).
        let pid = Int64(getpid())
        let started = Date().timeIntervalSince1970
        try store.liveHeartbeat(pid: pid, startedAt: started, scored: 0, rate: 0)
        let catchingUp = CatchingUp()
        DispatchQueue.global().async {
            while !catchingUp.isDone {
                usleep(500_000)
                if !catchingUp.isDone { try? store.liveHeartbeat(pid: pid, startedAt: started, scored: 0, rate: 0) }
            }
        }
        let ingest: LiveIngest
        do {
            defer { catchingUp.finish() }
            ingest = try LiveIngest(store: store, config: try configOption.load(), options: options,
                                    sourceName: follow ?? "standard input")
        }
        if let reason = ingest.notScoring { printError("warning: transactions are stored but not scored: \(Sanitize.line(reason))") }
        var splitter = RecordSplitter()
        var header: [UInt8]?
        var totals = LiveIngest.Outcome()
        var recent: [(at: Double, count: Int)] = []
        var lastBeat = 0.0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        defer {
            try? store.liveSignOff(pid: pid)
            if follow != nil { close(descriptor) }
        }

        func beat(force: Bool = false) {
            let now = Date().timeIntervalSince1970
            guard force || now - lastBeat >= 0.5 else { return }
            lastBeat = now
            recent.removeAll { now - $0.at > 5 }
            let window = min(5, max(0.5, now - started))
            let rate = Double(recent.reduce(0) { $0 + $1.count }) / window
            try? store.liveHeartbeat(pid: pid, startedAt: started, scored: totals.scoring.scored, rate: rate, at: now)
        }

        func handle(_ records: [[UInt8]]) throws {
            var records = records[...]
            if header == nil, let first = records.first {
                header = first
                records = records.dropFirst()
            }
            var outcome = LiveIngest.Outcome()
            if let header, !records.isEmpty {
                outcome = try ingest.ingest(header: header, lines: Array(records))
            } else {
                outcome.scoring = try ingest.scoreArrivals()
            }
            totals.imported += outcome.imported
            totals.rejected += outcome.rejected
            totals.duplicate += outcome.duplicate
            totals.scoring.scored += outcome.scoring.scored
            totals.scoring.late += outcome.scoring.late
            totals.scoring.alertsOpened += outcome.scoring.alertsOpened
            recent.append((Date().timeIntervalSince1970, outcome.scoring.scored))
            for rejection in outcome.rejections { printError("rejected: \(Sanitize.line(rejection))") }
            if !quiet {
                for alert in outcome.scoring.alertsOpened { print("alert #\(alert) raised") }
            }
            beat(force: outcome.scoring.scored > 0)
        }

        beat(force: true)
        if watch {
            guard ingest.scorer != nil else { throw ExitCode(1) }
            while true {
                usleep(250_000)
                try handle([])
                beat()
            }
        }
        while true {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = follow == nil ? poll(&poller, 1, 1000) : 1
            beat()
            if ready == 0 {
                try handle([])
                continue
            }
            if ready < 0 {
                if errno == EINTR { continue }
                throw ValidationError("reading input: \(String(cString: strerror(errno)))")
            }
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw ValidationError("reading input: \(String(cString: strerror(errno)))")
            }
            if count == 0 {
                // The end of standard input ends the run; a followed file is waited on for more.
                if follow == nil { break }
                usleep(100_000)
                try handle([])
                continue
            }
            try handle(splitter.add(buffer[0 ..< count]))
        }
        if let last = splitter.finish() { try handle([last]) }
        // Whatever another process appended meanwhile is scored before the end.
        try handle([])
        print("ingested: \(Formatting.grouped(totals.imported)) stored, \(Formatting.grouped(totals.rejected)) rejected, "
              + "\(Formatting.grouped(totals.duplicate)) duplicate; \(Formatting.grouped(totals.scoring.scored)) scored, "
              + "\(Formatting.grouped(totals.scoring.alertsOpened.count)) alerts raised"
              + (totals.scoring.late > 0 ? "; \(Formatting.grouped(totals.scoring.late)) arrived after a later transaction of their client" : ""))
        if totals.rejected > 0 { throw ExitCode(1) }
    }
}

/// Whether the scorer is still replaying the store, for the heartbeat kept up meanwhile.
private final class CatchingUp: @unchecked Sendable {
    // Unchecked: every access holds the lock.
    private let lock = NSLock()
    private var done = false

    var isDone: Bool { lock.withLock { done } }
    func finish() { lock.withLock { done = true } }
}
