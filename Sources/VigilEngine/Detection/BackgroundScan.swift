import Foundation
import VigilCore
import VigilStore

/// A scan that runs on a thread of its own while the workbench stays responsive: the workbench starts it, polls
/// `state` from its run loop (a lock held for a copy, never for the scan's work), can cancel it, and reloads the
/// queue once it has ended.
///
/// Made with a store's path, the scan opens its own `Store` (its own SQLite connections) on its thread and closes
/// it when it ends. That is the recommended way: the scan holds one long read transaction for its read pass and
/// writes a few large transactions (the ensemble's run, the largest, takes about a second on millions of rows), and
/// on connections of its own none of that queues in front of the workbench's reads in its store's pool. The store
/// is in WAL mode, so the workbench goes on reading the last committed state while the scan writes, and sees the
/// scan's runs and alerts (`Store.changeToken()` changes) once each has committed. A write of the workbench's own
/// (a triage decision) still waits for SQLite's single write lock while one of the scan's writes holds it, for at
/// most the store's busy timeout. Made with a `Store`, the scan shares that store's connections instead.
public final class BackgroundScan: Sendable {
    public enum State: Sendable {
        /// Started (or about to start): the latest progress, nil until the first report.
        case running(ScanProgress?)
        /// Completed: the alert queue has been refreshed (when the options ask for it).
        case finished(ScanReport)
        /// Stopped by an error, in words (the store cannot be opened, the disk is full, …).
        case failed(String)
        /// Stopped by `cancel()`: the runs it began are marked cancelled and the alert queue is as it was.
        case cancelled

        /// Whether the scan has ended, one way or another.
        public var hasEnded: Bool {
            if case .running = self { return false }
            return true
        }
    }

    private enum Source: Sendable {
        case path(String)
        case store(Store)
    }

    private struct Shared: Sendable {
        var state = State.running(nil)
        var started = false
        var ended = false
    }

    public let options: ScanOptions
    private let source: Source
    private let cancellation = ScanCancellation()
    private let shared = Guarded(Shared())

    /// Called on the scan's thread with each report, before the scan goes on (tests stop it at a chosen point).
    private let observer: (@Sendable (BackgroundScan, ScanProgress) -> Void)?

    /// A scan of the store at `storePath`, which it opens on its own thread (see the type's discussion).
    public convenience init(storePath: String, options: ScanOptions) {
        self.init(source: .path(storePath), options: options, observer: nil)
    }

    /// A scan over `store`'s own connections.
    public convenience init(store: Store, options: ScanOptions) {
        self.init(source: .store(store), options: options, observer: nil)
    }

    convenience init(storePath: String, options: ScanOptions, observer: @escaping @Sendable (BackgroundScan, ScanProgress) -> Void) {
        self.init(source: .path(storePath), options: options, observer: observer)
    }

    private init(source: Source, options: ScanOptions, observer: (@Sendable (BackgroundScan, ScanProgress) -> Void)?) {
        self.source = source
        self.options = options
        self.observer = observer
    }

    /// Starts the scan on a new thread and returns at once; a second call does nothing.
    public func start() {
        let first = shared.update { shared -> Bool in
            defer { shared.started = true }
            return !shared.started
        }
        guard first else { return }
        let thread = Thread { [self] in run() }
        thread.name = "vigil-scan"
        // The detectors' own parallel work runs on Dispatch's threads; this one needs room for the scan's frames.
        thread.stackSize = 8 << 20
        thread.qualityOfService = .utility
        thread.start()
    }

    /// What the scan is doing or how it ended.
    public var state: State { shared.read(\.state) }

    /// Asks the scan to stop; it does so within about a second (at its next check), and `state` then becomes
    /// `.cancelled`, unless it has already ended otherwise. Before `start()`, the scan stops as soon as it starts.
    public func cancel() { cancellation.cancel() }

    /// Blocks until the scan has ended; returns at once if it was never started.
    public func wait() {
        shared.wait { !$0.started || $0.ended }
    }

    /// Blocks until the scan has ended or `seconds` have passed; returns whether it has ended (true if it was never
    /// started).
    @discardableResult
    public func wait(timeout seconds: Double) -> Bool {
        shared.wait(until: Date(timeIntervalSinceNow: seconds)) { !$0.started || $0.ended }
    }

    private func run() {
        let outcome: State
        do {
            let store: Store
            var opened: Store?
            switch source {
            case .store(let given):
                store = given
            case .path(let path):
                // Cancelled before it began: nothing is opened. Nor is a missing store created.
                if cancellation.isCancelled { throw ScanError.cancelled }
                guard FileManager.default.fileExists(atPath: path) else { throw BackgroundScanError.noStore(path: path) }
                store = try Store(path: path)
                opened = store
            }
            // The scan's own connections are closed before it says it has ended, so that whoever waited for it may
            // remove the store's files at once (see `Store.closeConnections()`).
            defer { try? opened?.closeConnections() }
            let report = try Scanner.scan(store, options: options, progress: { progress in
                shared.update { $0.state = .running(progress) }
                observer?(self, progress)
            }, cancellation: cancellation)
            outcome = .finished(report)
        } catch ScanError.cancelled {
            outcome = .cancelled
        } catch {
            outcome = .failed(String(describing: error))
        }
        shared.update {
            $0.state = outcome
            $0.ended = true
        }
    }
}

/// Why a background scan could not begin.
public enum BackgroundScanError: Error, Sendable, Equatable, CustomStringConvertible {
    case noStore(path: String)

    public var description: String {
        switch self {
        case .noStore(let path): return "no store at \(path)"
        }
    }
}
