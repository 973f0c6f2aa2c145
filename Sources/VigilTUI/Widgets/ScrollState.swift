/// How far a scrollable view (text view, help overlay) is scrolled: the index
/// of its first visible row. A plain value, so a screen can keep one per view.
public struct ScrollState: Hashable, Sendable {
    /// The first visible row.
    public var offset: Int

    public init(offset: Int = 0) {
        self.offset = max(0, offset)
    }

    /// The furthest a view of `rowCount` rows showing `pageSize` at a time can scroll.
    public static func maxOffset(rowCount: Int, pageSize: Int) -> Int {
        max(0, rowCount - max(0, pageSize))
    }

    /// Keeps the offset within the content, e.g. after a resize or a shorter text.
    public mutating func clamp(rowCount: Int, pageSize: Int) {
        offset = min(max(0, offset), Self.maxOffset(rowCount: rowCount, pageSize: pageSize))
    }

    /// Scrolls for j/k/↓/↑ (a row), PgDn/PgUp (a page), g/Home and G/End (the
    /// ends). Returns false for any other key, so the caller can handle it.
    public mutating func handle(_ key: Key, rowCount: Int, pageSize: Int) -> Bool {
        let page = max(1, pageSize)
        switch key {
        case .down, .character("j"): offset += 1
        case .up, .character("k"): offset -= 1
        case .pageDown: offset += page
        case .pageUp: offset -= page
        case .home, .character("g"): offset = 0
        case .end, .character("G"): offset = Self.maxOffset(rowCount: rowCount, pageSize: pageSize)
        default: return false
        }
        clamp(rowCount: rowCount, pageSize: pageSize)
        return true
    }
}
