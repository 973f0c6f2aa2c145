/// A terminal in memory, for tests: a fixed size (changed only by a scripted
/// resize), a queue of scripted input, and the last buffer drawn.
public final class MemoryBackend: TerminalBackend {
    public enum Input: Hashable, Sendable {
        case key(Key)
        /// Changes the size, then delivers `Key.resize`.
        case resize(TerminalSize)
    }

    public private(set) var size: TerminalSize
    public private(set) var pendingInput: [Input]
    public private(set) var lastBuffer: CellBuffer?
    public private(set) var drawCount = 0
    public private(set) var isStarted = false
    public private(set) var startCount = 0
    public private(set) var stopCount = 0

    public init(size: TerminalSize, input: [Input] = []) {
        self.size = size
        self.pendingInput = input
    }

    public convenience init(width: Int, height: Int, keys: [Key] = []) {
        self.init(size: TerminalSize(width: width, height: height), input: keys.map(Input.key))
    }

    public func start() throws {
        guard !isStarted else { return }
        isStarted = true
        startCount += 1
    }

    public func stop() {
        guard isStarted else { return }
        isStarted = false
        stopCount += 1
    }

    public func draw(_ buffer: CellBuffer) {
        lastBuffer = buffer
        drawCount += 1
    }

    /// The script is used up.
    public var inputHasEnded: Bool { pendingInput.isEmpty }

    /// The next scripted key; nil once the script is used up (input has ended).
    public func nextKey(timeoutMilliseconds: Int?) -> Key? {
        guard !pendingInput.isEmpty else { return nil }
        switch pendingInput.removeFirst() {
        case .key(let key):
            return key
        case .resize(let newSize):
            size = newSize
            return .resize
        }
    }

    public func enqueue(_ input: Input...) {
        pendingInput.append(contentsOf: input)
    }

    /// The last drawn buffer's rows as text; blank rows of the current size before any draw.
    public var rows: [String] {
        guard let buffer = lastBuffer else {
            return Array(repeating: String(repeating: " ", count: size.width), count: size.height)
        }
        return buffer.rows
    }
}
