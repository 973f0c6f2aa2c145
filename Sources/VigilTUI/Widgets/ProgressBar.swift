/// One row of progress: `label [██████▌      ]  45%  detail`.
///
/// The bar fills in eighth-width blocks (▏▎▍▌▋▊▉█), rounded down, as is the percentage, so a full bar and "100%" mean
/// done. The fraction is clamped to 0…1; NaN and infinities count as 0. A nil fraction is indeterminate: the bar is an
/// even ░ band and the percentage reads "…" (nothing moves, so a still screen never looks stuck at a number).
/// The bar keeps at least five columns: the label is cut (with "…") before it, and the detail gets only what is
/// left once the bar has ten. Narrower than 12 columns there is no bar, only the percentage and the label.
public struct ProgressBar: Sendable {
    public struct Styles: Hashable, Sendable {
        public var label: Style
        /// The filled part of the bar.
        public var bar: Style
        /// Brackets, the empty part and the indeterminate band.
        public var track: Style
        public var percent: Style
        public var detail: Style
    }

    /// 0 … 1, or nil when the total is unknown.
    public var fraction: Double?
    public var label: String
    public var detail: String
    public var styles: Styles

    static let minimumBarWidth = 5
    /// The bar keeps this many columns before the detail gets any.
    static let preferredBarWidth = 10
    /// "[", "]", a space and "100%".
    static let frameWidth = 7

    public init(fraction: Double?, label: String, detail: String = "", styles: Styles = Styles(theme: .default)) {
        self.fraction = fraction
        self.label = label
        self.detail = detail
        self.styles = styles
    }

    /// The fraction drawn: clamped to 0…1, NaN and infinities as 0; nil when indeterminate.
    public var clampedFraction: Double? {
        fraction.map { $0.isFinite ? min(max($0, 0), 1) : 0 }
    }

    /// "45%" (rounded down), or "…" when indeterminate.
    public var percentText: String {
        guard let fraction = clampedFraction else { return "…" }
        return "\(Chart.clampedInt((fraction * 100).rounded(.down), 0...100))%"
    }

    /// Draws the bar on `rect`'s first row.
    public func render(into buffer: inout CellBuffer, in rect: Rect) {
        guard !rect.isEmpty else { return }
        let y = rect.y
        let percent = pad(percentText, toWidth: 4, alignment: .right)
        var room = rect.width - Self.frameWidth - Self.minimumBarWidth
        guard room >= 0 else {
            let text = percentText + (label.isEmpty ? "" : " " + label)
            buffer.put(truncate(text, toWidth: rect.width), at: rect.x, y: y, style: styles.percent, maxWidth: rect.width)
            return
        }
        var x = rect.x
        let labelWidth = min(displayWidth(of: label), max(0, room - 1))
        if labelWidth > 0 {
            buffer.put(truncate(label, toWidth: labelWidth), at: x, y: y, style: styles.label, maxWidth: labelWidth)
            x += labelWidth + 1
            room -= labelWidth + 1
        }
        let detailWidth = min(displayWidth(of: detail), max(0, room - (Self.preferredBarWidth - Self.minimumBarWidth) - 2))
        if detailWidth > 0 { room -= detailWidth + 2 }
        let barWidth = Self.minimumBarWidth + room

        buffer.put("[", at: x, y: y, style: styles.track)
        if let fraction = clampedFraction {
            let eighths = Chart.eighths(fraction, of: barWidth, rounding: .down)
            let filled = Chart.horizontalBar(eighths: eighths)
            let drawn = buffer.put(filled, at: x + 1, y: y, style: styles.bar, maxWidth: barWidth)
            buffer.put(String(repeating: " ", count: barWidth - drawn), at: x + 1 + drawn, y: y, style: styles.track)
        } else {
            buffer.put(String(repeating: "░", count: barWidth), at: x + 1, y: y, style: styles.track)
        }
        buffer.put("]", at: x + 1 + barWidth, y: y, style: styles.track)
        x += barWidth + 2
        buffer.put(" " + percent, at: x, y: y, style: styles.percent)
        x += 5
        if detailWidth > 0 {
            buffer.put("  " + truncate(detail, toWidth: detailWidth), at: x, y: y, style: styles.detail,
                       maxWidth: detailWidth + 2)
        }
    }
}

// In an extension so that the compiler still synthesises the (internal) memberwise initialiser; other modules start
// from a theme and set the fields they want to change.
extension ProgressBar.Styles {
    public init(theme: Theme) {
        self.init(label: theme.text, bar: theme.accent, track: theme.dim, percent: theme.text, detail: theme.dim)
    }
}
