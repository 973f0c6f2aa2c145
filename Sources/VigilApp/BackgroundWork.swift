import Foundation

/// One piece of work run on its own thread, its result read without waiting: the screens start one for anything
/// that takes longer than a keystroke (the whole store's aggregates) and draw "working" until it is done.
public final class BackgroundWork<Value: Sendable>: @unchecked Sendable {
    public enum State {
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

    // `state` and `cancelled` only under `lock`.
    private let lock = NSLock()
    private var _state: State = .running
    private var cancelled = false
    private let done = DispatchSemaphore(value: 0)

    /// Starts `work` at once; it gets a closure saying whether it was cancelled, and returns nil when it stopped
    /// because it was.
    public init(name: String, _ work: @escaping @Sendable (@escaping @Sendable () -> Bool) throws -> Value?) {
        let thread = Thread { [self] in
            let outcome: State
            do {
                if let value = try work({ [weak self] in self?.isCancelled ?? true }) {
                    outcome = .finished(value)
                } else {
                    outcome = .cancelled
                }
            } catch {
                outcome = .failed(String(describing: error))
            }
            lock.withLock { _state = outcome }
            done.signal()
        }
        thread.name = name
        thread.start()
    }

    public var state: State { lock.withLock { _state } }

    public var isCancelled: Bool { lock.withLock { cancelled } }

    /// Asks the work to stop; `state` becomes `.cancelled` when it has.
    public func cancel() { lock.withLock { cancelled = true } }

    /// Blocks until the work has ended (tests; quitting cleanly).
    public func wait() {
        done.wait()
        done.signal()
    }

    /// The value, if the work finished.
    public var value: Value? {
        if case .finished(let value) = state { return value }
        return nil
    }
}
