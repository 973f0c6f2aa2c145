/// One line of a `TextView`, with its own style or the view's.
public struct TextLine: Hashable, Sendable, ExpressibleByStringLiteral {
    public var text: String
    /// Nil draws the line in the view's style.
    public var style: Style?

    public init(_ text: String, style: Style? = nil) {
        self.text = text
        self.style = style
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }
}

/// Read-only text that scrolls vertically: a transaction's details, a note, a
/// log. Lines wrap by display width (or, with `wraps` off, are cut with an
/// ellipsis); a wrapped line keeps its style on every row. The scroll position
/// lives in a `ScrollState` the caller keeps.
public struct TextView: Hashable, Sendable {
    public var lines: [TextLine]
    public var style: Style
    public var wraps: Bool

    public init(lines: [TextLine], style: Style = Theme.default.text, wraps: Bool = true) {
        self.lines = lines
        self.style = style
        self.wraps = wraps
    }

    /// One line per line of `text`, all in `style`.
    public init(text: String, style: Style = Theme.default.text, wraps: Bool = true) {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { TextLine(String($0)) }
        self.init(lines: lines, style: style, wraps: wraps)
    }

    /// The rows drawn at `width` columns, each with the style it is drawn in.
    public func rows(width: Int) -> [TextLine] {
        guard width > 0 else { return [] }
        return lines.flatMap { line -> [TextLine] in
            let style = line.style ?? self.style
            if wraps {
                return wrap(line.text, toWidth: width).map { TextLine($0, style: style) }
            }
            // Without wrapping a line break inside a line would be shown as a placeholder; keep it a break.
            return line.text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                .map { TextLine(truncate(String($0), toWidth: width), style: style) }
        }
    }

    /// How many rows the text takes at `width` columns: the `rowCount` for
    /// `ScrollState.handle`.
    public func rowCount(width: Int) -> Int { rows(width: width).count }

    /// Draws the rows from `state.offset` into `rect`, first clamping the
    /// offset so the view never scrolls past the end of the text.
    public func render(into buffer: inout CellBuffer, in rect: Rect, state: inout ScrollState) {
        guard !rect.isEmpty else { return }
        let rows = rows(width: rect.width)
        state.clamp(rowCount: rows.count, pageSize: rect.height)
        buffer.fill(rect, style: style)
        for (index, row) in rows.dropFirst(state.offset).prefix(rect.height).enumerated() {
            let line = rect.row(index)
            let rowStyle = row.style ?? style
            if rowStyle != style { buffer.fill(line, style: rowStyle) }
            buffer.put(row.text, in: line, style: rowStyle)
        }
    }
}
