/// A terminal's size in cells.
public struct TerminalSize: Hashable, Sendable, CustomStringConvertible {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public var description: String { "\(width)×\(height)" }
}

/// Where screens are shown and keys come from. Only a backend touches the
/// terminal: screens render into a `CellBuffer`, the backend flushes it.
public protocol TerminalBackend: AnyObject {
    /// The current size; after `Key.resize` it is the new size.
    var size: TerminalSize { get }
    /// Takes over the terminal. Calling it again while started does nothing.
    func start() throws
    /// Gives the terminal back as it was. Safe to call more than once, and without `start`.
    func stop()
    /// Shows `buffer`; cells beyond the terminal's size are dropped.
    func draw(_ buffer: CellBuffer)
    /// The next key, waiting at most `timeoutMilliseconds` (nil waits for as
    /// long as it takes). Nil when the wait timed out or input has ended.
    func nextKey(timeoutMilliseconds: Int?) -> Key?
    /// True once no more keys can come, so that a nil from a timed `nextKey` means the end, not a timeout.
    var inputHasEnded: Bool { get }
}

extension TerminalBackend {
    /// The next key, waiting for as long as it takes; nil when input has ended.
    public func nextKey() -> Key? { nextKey(timeoutMilliseconds: nil) }

    /// A terminal's input does not end while it is open: the analyst quits.
    public var inputHasEnded: Bool { false }
}

public struct TerminalError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
