/// A list of labelled horizontal bars ("alerts by detector", "by reason"), one item a row in the order given (sort
/// first for a ranking): `label  ██████▍     1,234  note`.
///
/// The label column is as wide as the longest label, but at most 40 % of the width (longer labels end in "…"); values
/// are right-aligned with thousands separators; notes get what is left once the bar has eight columns. Bars are drawn
/// in eighth-width blocks (▏▎▍▌▋▊▉█) in proportion to the largest value, so it fills the bar column; any positive value
/// shows at least ▏. Negative, NaN and infinite values draw no bar (NaN and infinities also show as 0). With more
/// items than rows the last row says "+N more". Narrower than the value column plus 9 the widget draws
/// "bars need W×1" instead.
public struct HorizontalBars: Sendable {
    public struct Item: Hashable, Sendable {
        public var label: String
        public var value: Double
        public var note: String?
    }

    public struct Styles: Hashable, Sendable {
        public var label: Style
        public var bar: Style
        public var value: Style
        /// Notes, "+N more" and messages.
        public var note: Style
    }

    public var items: [Item]
    public var styles: Styles

    static let minimumLabelWidth = 3
    static let minimumBarWidth = 4
    /// The bar keeps this many columns before notes get any.
    static let preferredBarWidth = 8

    public init(items: [(label: String, value: Double, note: String?)], styles: Styles = Styles(theme: .default)) {
        self.items = items.map { Item(label: $0.label, value: $0.value, note: $0.note) }
        self.styles = styles
    }

    /// Draws one item a row from the top of `rect`.
    public func render(into buffer: inout CellBuffer, in rect: Rect) {
        guard !rect.isEmpty else { return }
        guard !items.isEmpty else {
            buffer.put("no data", in: rect.row(), style: styles.note)
            return
        }
        let values = items.map { Chart.finite($0.value) }
        let valueTexts = values.map(Chart.grouped)
        let valueWidth = valueTexts.map { displayWidth(of: $0) }.max() ?? 1
        let needed = Self.minimumLabelWidth + 1 + Self.minimumBarWidth + 1 + valueWidth
        guard rect.width >= needed else {
            Chart.tooSmall("bars need \(needed)×1", into: &buffer, in: rect, style: styles.note)
            return
        }
        let longestLabel = items.map { displayWidth(of: $0.label) }.max() ?? 0
        let labelWidth = min(longestLabel, max(Self.minimumLabelWidth, rect.width * 2 / 5),
                             rect.width - valueWidth - 2 - Self.minimumBarWidth)
        let rest = rect.width - labelWidth - 2 - valueWidth
        let longestNote = items.map { displayWidth(of: $0.note ?? "") }.max() ?? 0
        let noteWidth = max(0, min(longestNote, rest - Self.preferredBarWidth - 2))
        let barWidth = rest - (noteWidth > 0 ? noteWidth + 2 : 0)
        let largest = values.max() ?? 0

        let shown = items.count <= rect.height ? items.count : rect.height - 1
        for index in 0..<shown {
            let y = rect.y + index
            var x = rect.x
            buffer.put(pad(items[index].label, toWidth: labelWidth), at: x, y: y, style: styles.label, maxWidth: labelWidth)
            x += labelWidth + 1
            let value = values[index]
            if value > 0, largest > 0 {
                let eighths = max(1, Chart.eighths(value / largest, of: barWidth, rounding: .toNearestOrAwayFromZero))
                buffer.put(Chart.horizontalBar(eighths: eighths), at: x, y: y, style: styles.bar, maxWidth: barWidth)
            }
            x += barWidth + 1
            buffer.put(pad(valueTexts[index], toWidth: valueWidth, alignment: .right), at: x, y: y, style: styles.value,
                       maxWidth: valueWidth)
            x += valueWidth
            if noteWidth > 0, let note = items[index].note, !note.isEmpty {
                buffer.put(truncate(note, toWidth: noteWidth), at: x + 2, y: y, style: styles.note, maxWidth: noteWidth)
            }
        }
        if shown < items.count {
            buffer.put("+\(items.count - shown) more", at: rect.x, y: rect.y + shown, style: styles.note,
                       maxWidth: rect.width)
        }
    }
}

// In an extension so that the compiler still synthesises the (internal) memberwise initialiser; other modules start
// from a theme and set the fields they want to change.
extension HorizontalBars.Styles {
    public init(theme: Theme) {
        self.init(label: theme.text, bar: theme.accent, value: theme.text, note: theme.dim)
    }
}
