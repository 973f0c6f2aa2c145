extension DisjointWrites {
    /// Initialises the element at `index` in memory that holds none yet (an `unsafeUninitializedCapacity` buffer),
    /// where assigning would release a value that was never there.
    @inlinable
    public func initialize(at index: Int, to value: Element) {
        (base + index).initialize(to: value)
    }

    /// Runs `body` on the element at `index` in place: the element is not copied out and back, so the arrays it holds
    /// stay uniquely referenced and grow without being copied.
    @inlinable
    public func withElement<Result>(at index: Int, _ body: (inout Element) throws -> Result) rethrows -> Result {
        try body(&base[index])
    }
}
