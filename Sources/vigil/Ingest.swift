import ArgumentParser
import Foundation
import VigilCore
import VigilEngine
import VigilStore

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Live mode: take CSV lines as they arrive, store them and score each one at once.",
        discussion: """
            Reads CSV from standard input (`-`), follows a growing file (--follow FILE, like `tail -F`: a file that is \
            truncated, rewritten or replaced by rotation is read again from its start, and nothing is stored twice), or with \
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

    @Option(name: .long, help: "Follow a growing file by name instead of standard input, through truncation and rotation; runs until interrupted.")
    var follow: String?

    @Flag(name: .long, help: "Read nothing: score what other processes (`vigil import`, another program) add to the store, until interrupted.")
    var watch = false

    @OptionGroup var storeOption: StoreOption
    @OptionGroup var configOption: ConfigOption

    @OptionGroup var format: CSVFormatOptions

    @Flag(name: .long, help: "Print only the summary, not a line per alert raised.")
    var quiet = false

    @Option(name: .customLong("batch-size"),
            help: ArgumentHelp("Lines stored per write transaction (\(BatchSize.allowed.lowerBound)–\(Formatting.grouped(BatchSize.allowed.upperBound))); "
                               + "each batch holds the store's write lock only briefly, so a decision in the workbench is not kept waiting.",
                               valueName: "LINES"))
    var batchSize = 1_000

    @Option(name: .customLong("lock-wait"),
            help: ArgumentHelp("While another process holds the store's write lock, keep trying for up to this many seconds "
                               + "(\(Int(Ingest.lockWaits.lowerBound))–\(Int(Ingest.lockWaits.upperBound))) before stopping.",
                               valueName: "SECONDS"))
    var lockWait: Double = 60

    static let lockWaits = 0.0 ... 3600.0

    func validate() throws {
        try BatchSize.validate(batchSize)
        guard lockWait.isFinite && Self.lockWaits.contains(lockWait) else {
            throw ValidationError("--lock-wait must be between \(Int(Self.lockWaits.lowerBound)) and \(Int(Self.lockWaits.upperBound)) seconds, got \(lockWait)")
        }
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

    /// Runs `write`; while another process holds the store's write lock it tries again, for up to --lock-wait
    /// seconds in all, saying so. A batch tried again stores nothing twice (`LiveIngest.store`).
    private func waitingOutLocks<T>(on path: String, _ write: () throws -> T) throws -> T {
        let began = Date()
        var waiting = false
        while true {
            do {
                let result = try write()
                if waiting { printError("the store's write lock was released; carrying on") }
                return result
            } catch {
                guard case .locked? = StoreError.explaining(error, path: path) as? StoreError,
                      Date().timeIntervalSince(began) < lockWait else { throw error }
                if !waiting {
                    waiting = true
                    printError("\(Sanitize.line(path)): the store is locked by another process that is writing to it; "
                               + "waiting for it (up to \(Formatting.grouped(Int(lockWait.rounded(.up)))) s, --lock-wait)")
                }
                usleep(100_000)
            }
        }
    }

    func run() throws {
        // Opening writes (the schema's upgrades and indexes), so it waits out another writer too.
        let store = try waitingOutLocks(on: storeOption.path) { try storeOption.openExisting() }
        let options = try format.importOptions(batchSize: batchSize)
        var followed: FollowedFile?
        if let follow {
            do {
                followed = try FollowedFile(path: follow)
            } catch {
                throw ValidationError(Sanitize.line(error.description))
            }
        }
        let inputName = Sanitize.line(follow ?? "standard input")
        // The workbench shows the indicator from the start, while the scorer replays the store to build the
        // clients' states (seconds on millions of transactions).
        let pid = Int64(getpid())
        let started = Date().timeIntervalSince1970
        try waitingOutLocks(on: store.path) { try store.liveHeartbeat(pid: pid, startedAt: started, scored: 0, rate: 0) }
        let caughtUp = Guarded(false)
        DispatchQueue.global().async {
            while !caughtUp.wait(until: Date() + 0.5, { $0 }) {
                try? store.liveHeartbeat(pid: pid, startedAt: started, scored: 0, rate: 0)
            }
        }
        let ingest: LiveIngest
        do {
            defer { caughtUp.update { $0 = true } }
            ingest = try LiveIngest(store: store, config: try configOption.load(), options: options,
                                    sourceName: follow ?? "standard input")
        }
        if let reason = ingest.notScoring { printError("warning: transactions are stored but not scored: \(Sanitize.line(reason))") }
        var splitter = RecordSplitter()
        var header: [UInt8]?
        // After a followed file starts again, its first line is its header if it reads as one.
        var expectingHeader = false
        var totals = LiveIngest.Outcome()
        var recent: [(at: Double, count: Int)] = []
        var lastBeat = 0.0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        defer { try? store.liveSignOff(pid: pid) }

        func beat(force: Bool = false) {
            let now = Date().timeIntervalSince1970
            guard force || now - lastBeat >= 0.5 else { return }
            lastBeat = now
            recent.removeAll { now - $0.at > 5 }
            let window = min(5, max(0.5, now - started))
            let rate = Double(recent.reduce(0) { $0 + $1.count }) / window
            try? store.liveHeartbeat(pid: pid, startedAt: started, scored: totals.scoring.scored, rate: rate, at: now)
        }

        func patiently<T>(_ write: () throws -> T) throws -> T {
            try waitingOutLocks(on: store.path, write)
        }

        func account(_ outcome: LiveIngest.Outcome) {
            totals.imported += outcome.imported
            totals.rejected += outcome.rejected
            totals.duplicate += outcome.duplicate
            totals.amountAdjustments.add(outcome.amountAdjustments)
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

        func handle(_ records: [[UInt8]]) throws {
            var records = records[...]
            if let first = records.first {
                if header == nil {
                    header = first
                    records = records.dropFirst()
                } else if expectingHeader {
                    let isHeader = first == header || ingest.isHeader(first)
                    ingest.restartLines(startsWithHeader: isHeader)
                    if isHeader {
                        header = first
                        records = records.dropFirst()
                    } else {
                        printError("\(inputName) starts again without a header line; reading its lines under the previous header")
                    }
                }
                expectingHeader = false
            }
            // Batches of --batch-size lines: each commits on its own, holding the write lock briefly, and its
            // scores follow in short transactions of their own.
            if let header {
                var start = records.startIndex
                while start < records.endIndex {
                    let end = min(start + batchSize, records.endIndex)
                    var outcome = try patiently { try ingest.store(header: header, lines: Array(records[start ..< end])) }
                    outcome.scoring = try patiently { try ingest.scoreArrivals() }
                    account(outcome)
                    start = end
                }
                if !records.isEmpty { return }
            }
            var outcome = LiveIngest.Outcome()
            outcome.scoring = try patiently { try ingest.scoreArrivals() }
            account(outcome)
        }

        /// A followed file starts again (`FollowedFile.Event`): the old content's last line, if it had no line end,
        /// goes in under the old header, and the new content's first line may be a new header.
        func startOver(_ message: String) throws {
            if let last = splitter.finish() { try handle([last]) }
            splitter = RecordSplitter()
            ingest.restartLines(startsWithHeader: true)
            expectingHeader = true
            printError(message)
        }

        func readAll() throws {
            beat(force: true)
            if watch {
                guard ingest.scorer != nil else { throw ExitCode(1) }
                while true {
                    usleep(250_000)
                    try handle([])
                    beat()
                }
            }
            if let followed {
                while true {
                    let event: FollowedFile.Event
                    do {
                        event = try followed.next(limit: buffer.count)
                    } catch {
                        throw ValidationError(Sanitize.line(error.description))
                    }
                    beat()
                    switch event {
                    case .data(let bytes): try handle(splitter.add(bytes))
                    case .idle:
                        usleep(100_000)
                        try handle([])
                    case .truncated: try startOver("\(inputName) was truncated; reading from the start")
                    case .rewritten:
                        try startOver("\(inputName) was rewritten (lines already read changed); reading from the start, "
                                      + "lines already stored are skipped")
                    case .replaced: try startOver("\(inputName) was replaced (rotated); finished the old file, reading the new one")
                    case .vanished: printError("\(inputName) disappeared; finished reading it, waiting for a new file of that name")
                    }
                }
            }
            while true {
                var poller = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
                let ready = poll(&poller, 1, 1000)
                beat()
                if ready == 0 {
                    try handle([])
                    continue
                }
                if ready < 0 {
                    if errno == EINTR { continue }
                    throw ValidationError("reading input: \(String(cString: strerror(errno)))")
                }
                let count = read(STDIN_FILENO, &buffer, buffer.count)
                if count < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    throw ValidationError("reading input: \(String(cString: strerror(errno)))")
                }
                // The end of standard input ends the run.
                if count == 0 { break }
                try handle(splitter.add(buffer[0 ..< count]))
            }
            if let last = splitter.finish() { try handle([last]) }
            // Whatever another process appended meanwhile is scored before the end.
            try handle([])
        }

        do {
            try readAll()
        } catch {
            // The store refused a write (still locked after --lock-wait, a full disk, an I/O error): stop, saying
            // what is stored and how to go on. Every batch before the failed one has committed.
            guard let explained = StoreError.explaining(error, path: store.path, waitedSeconds: max(lockWait, Store.busyTimeout))
                as? StoreError else { throw error }
            printError("error: \(Sanitize.line(explained.description))")
            printError("stopped at line \(ingest.nextLine) of \(inputName): every line before it is stored, and that line and "
                       + "those after it are not. Once the cause is fixed, run `vigil ingest` again on the same input; lines "
                       + "already stored are skipped, so feeding it again from its start stores each line once")
            throw ExitCode(1)
        }
        print("ingested: \(Formatting.grouped(totals.imported)) stored, \(Formatting.grouped(totals.rejected)) rejected, "
              + "\(Formatting.grouped(totals.duplicate)) duplicate; \(Formatting.grouped(totals.scoring.scored)) scored, "
              + "\(Formatting.grouped(totals.scoring.alertsOpened.count)) alerts raised"
              + (totals.scoring.late > 0 ? "; \(Formatting.grouped(totals.scoring.late)) arrived after a later transaction of their client" : ""))
        for line in totals.amountAdjustments.summaryLines { print("  " + line) }
        if totals.rejected > 0 { throw ExitCode(1) }
    }
}
