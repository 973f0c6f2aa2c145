import Foundation
import VigilCore

/// One piece of work run on its own thread, its result read without waiting: the screens start one for anything
/// that takes longer than a keystroke (the whole store's aggregates) and draw "working" until it is done.
public final class BackgroundWork<Value: Sendable>: Sendable {
    public enum State: Sendable {
        case running
        case finished(Value)
        case failed(String)
        case cancelled

        /// The error's text, when the work failed.
        public var failure: String? {
            if case .failed(let message) = self { return message }
            return nil
        }
    }

    private struct Shared: Sendable {
        var state: State = .running
        var cancelled = false
    }

    private let shared = Guarded(Shared())

    /// Starts `work` at once; it gets a closure saying whether it was cancelled, and returns nil when it stopped
    /// because it was.
    public init(name: String, _ work: @escaping @Sendable (@escaping @Sendable () -> Bool) throws -> Value?) {
        let shared = self.shared
        let thread = Thread {
            let outcome: State
            do {
                if let value = try work({ shared.read { $0.cancelled } }) {
                    outcome = .finished(value)
                } else {
                    outcome = .cancelled
                }
            } catch {
                outcome = .failed(String(describing: error))
            }
            shared.update { $0.state = outcome }
        }
        thread.name = name
        thread.start()
    }

    /// Work nobody holds any more is of no use: it is asked to stop.
    deinit { cancel() }

    public var state: State { shared.read { $0.state } }

    public var isCancelled: Bool { shared.read { $0.cancelled } }

    /// Asks the work to stop; `state` becomes `.cancelled` when it has.
    public func cancel() { shared.update { $0.cancelled = true } }

    /// Blocks until the work has ended (tests; quitting cleanly).
    public func wait() {
        shared.wait { if case .running = $0.state { return false } else { return true } }
    }

    /// The value, if the work finished.
    public var value: Value? {
        if case .finished(let value) = state { return value }
        return nil
    }
}
