/// The line-drawing characters a box's frame is made of.
public struct BoxCharacters: Hashable, Sendable {
    public var horizontal: Character
    public var vertical: Character
    public var topLeft: Character
    public var topRight: Character
    public var bottomLeft: Character
    public var bottomRight: Character

    public init(
        horizontal: Character, vertical: Character,
        topLeft: Character, topRight: Character, bottomLeft: Character, bottomRight: Character
    ) {
        self.horizontal = horizontal
        self.vertical = vertical
        self.topLeft = topLeft
        self.topRight = topRight
        self.bottomLeft = bottomLeft
        self.bottomRight = bottomRight
    }

    /// Thin Unicode box-drawing lines: `┌─┐│└┘`.
    public static let single = BoxCharacters(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘")
    /// Plain ASCII, for terminals without line drawing: `+-+|`.
    public static let ascii = BoxCharacters(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+")
}

extension CellBuffer {
    /// Clears `rect` and frames it, with `title` (truncated, sanitised) set into
    /// the top edge. Overlays (dialogs, help) use it so that whatever was drawn
    /// beneath does not show through. A rectangle too small for a frame
    /// (under 2×2) is only cleared. Returns the interior inside the frame.
    @discardableResult
    public mutating func drawBox(
        _ rect: Rect, style: Style, title: String? = nil, titleStyle: Style? = nil,
        characters: BoxCharacters = .single
    ) -> Rect {
        fill(rect, style: style)
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let across = String(repeating: characters.horizontal, count: rect.width - 2)
        put(String(characters.topLeft) + across + String(characters.topRight), at: rect.x, y: rect.y, style: style)
        put(String(characters.bottomLeft) + across + String(characters.bottomRight), at: rect.x, y: rect.maxY - 1, style: style)
        for row in (rect.y + 1)..<(rect.maxY - 1) {
            put(String(characters.vertical), at: rect.x, y: row, style: style)
            put(String(characters.vertical), at: rect.maxX - 1, y: row, style: style)
        }
        if let title, !title.isEmpty, rect.width >= 5 {
            let label = " " + truncate(title, toWidth: rect.width - 4) + " "
            put(label, at: rect.x + 1, y: rect.y, style: titleStyle ?? style, maxWidth: rect.width - 2)
        }
        return rect.inset(by: 1)
    }
}

extension Rect {
    /// A rectangle of the given size centred in this one, never larger than it:
    /// where overlays go. An odd leftover puts the extra cell right and below.
    public func centered(width: Int, height: Int) -> Rect {
        let w = min(max(0, width), self.width)
        let h = min(max(0, height), self.height)
        return Rect(x: x + (self.width - w) / 2, y: y + (self.height - h) / 2, width: w, height: h)
    }
}
