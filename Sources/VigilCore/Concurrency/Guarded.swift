import Foundation

/// A value shared between threads: every access holds a lock for the length of a closure, and waiters are woken
/// whenever it changes.
public final class Guarded<Value: Sendable>: @unchecked Sendable {
    // Unchecked: `value` is only touched with `condition` locked.
    private let condition = NSCondition()
    private var value: Value

    public init(_ value: Value) { self.value = value }

    public func read<T>(_ body: (Value) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body(value)
    }

    @discardableResult
    public func update<T>(_ body: (inout Value) -> T) -> T {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return body(&value)
    }

    /// Blocks until `done` holds.
    public func wait(_ done: (Value) -> Bool) {
        condition.lock()
        defer { condition.unlock() }
        while !done(value) { condition.wait() }
    }

    /// Blocks until `done` holds or `deadline` passes; returns whether it holds.
    public func wait(until deadline: Date, _ done: (Value) -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !done(value) {
            if !condition.wait(until: deadline) { return done(value) }
        }
        return true
    }
}
