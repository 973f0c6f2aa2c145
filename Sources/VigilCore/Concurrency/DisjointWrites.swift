/// A mutable buffer that parallel workers write into at disjoint indices.
///
/// Swift cannot prove that concurrent writers touch disjoint elements, so the buffer is wrapped in a type that
/// promises it: every use partitions the indices (by chunk, by client), and each index has exactly one writer while
/// the workers run. The buffer's owner keeps it alive for as long as they do.
@frozen
public struct DisjointWrites<Element>: @unchecked Sendable {
    /// The first element. An empty buffer may have no address; nothing is ever written through it then.
    public let base: UnsafeMutablePointer<Element>
    public let count: Int

    @inlinable
    public init(_ buffer: UnsafeMutableBufferPointer<Element>) {
        base = buffer.baseAddress ?? UnsafeMutablePointer<Element>(bitPattern: MemoryLayout<Element>.alignment)!
        count = buffer.count
    }

    @inlinable
    public var buffer: UnsafeMutableBufferPointer<Element> { UnsafeMutableBufferPointer(start: base, count: count) }

    @inlinable
    public subscript(index: Int) -> Element {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}

/// Memory that parallel workers only read, shared between them while its owner keeps it alive and unchanged.
@frozen
public struct ReadOnlyPointer<Element>: @unchecked Sendable {
    public let base: UnsafePointer<Element>

    @inlinable
    public init(_ base: UnsafePointer<Element>) {
        self.base = base
    }

    @inlinable
    public subscript(index: Int) -> Element { base[index] }
}
