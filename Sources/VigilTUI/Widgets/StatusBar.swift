/// A one-row bar with text at the left (e.g. where the analyst is) and at the
/// right (e.g. counts, key hints). When both do not fit, the right segment
/// keeps its space and the left is truncated with an ellipsis; a right
/// segment wider than the whole bar is truncated too. At least one column
/// separates the two.
public struct StatusBar: Hashable, Sendable {
    public var left: String
    public var right: String
    public var style: Style
    /// The right segment's style; nil uses `style`.
    public var rightStyle: Style?

    public init(left: String = "", right: String = "", style: Style = Theme.default.statusBar, rightStyle: Style? = nil) {
        self.left = left
        self.right = right
        self.style = style
        self.rightStyle = rightStyle
    }

    /// Draws the bar across the first row of `rect`.
    public func render(into buffer: inout CellBuffer, in rect: Rect) {
        guard !rect.isEmpty else { return }
        let row = rect.row()
        buffer.fill(row, style: style)
        let rightText = truncate(right, toWidth: rect.width)
        let rightWidth = displayWidth(of: rightText)
        let leftRoom = max(0, rect.width - rightWidth - (rightWidth > 0 ? 1 : 0))
        if leftRoom > 0 {
            buffer.put(truncate(left, toWidth: leftRoom), at: rect.x, y: rect.y, style: style, maxWidth: leftRoom)
        }
        if rightWidth > 0 {
            buffer.put(rightText, at: row.maxX - rightWidth, y: rect.y, style: rightStyle ?? style, maxWidth: rightWidth)
        }
    }
}
