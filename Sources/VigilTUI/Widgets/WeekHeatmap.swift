import Foundation

/// An hour × weekday heatmap: seven rows (Monday first) of 24 hourly cells shaded by value, with hour labels
/// above, weekday labels at the left, a legend of the shades below, and one cell (the alert being looked at)
/// highlighted.
///
/// Each hour is two columns wide when the rect allows (4 + 48 columns), one otherwise (4 + 24); narrower than that
/// the widget says so instead of drawing a misleading grid. Values below zero count as zero; shades split the range
/// from zero to the largest value into equal steps, and only an exact zero is blank.
public struct WeekHeatmap: Sendable {
    public struct Styles: Hashable, Sendable {
        public var label: Style
        public var cell: Style
        public var highlight: Style
    }

    /// `values[weekday][hour]`, weekday 0 = Monday; missing rows or hours count as zero.
    public var values: [[Double]]
    /// The cell to highlight, as (weekday, hour).
    public var highlight: (weekday: Int, hour: Int)?
    /// What the values are, for the legend ("transactions", "spend").
    public var unit: String
    public var styles: Styles

    /// Blank, then four shades from light to full.
    public static let shades: [Character] = [" ", "░", "▒", "▓", "█"]
    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

    /// "Mon" … "Sun" for weekday 0 … 6.
    public static func weekdayName(_ weekday: Int) -> String { weekdays[((weekday % 7) + 7) % 7] }
    /// Columns for the weekday labels.
    static let labelWidth = 4
    /// Rows drawn: hour labels, seven days, legend.
    public static let height = 9

    public init(values: [[Double]], highlight: (weekday: Int, hour: Int)? = nil, unit: String = "transactions",
                styles: Styles = Styles(theme: .default)) {
        self.values = values
        self.highlight = highlight
        self.unit = unit
        self.styles = styles
    }

    func value(_ weekday: Int, _ hour: Int) -> Double {
        guard values.indices.contains(weekday), values[weekday].indices.contains(hour) else { return 0 }
        let v = values[weekday][hour]
        return v.isFinite && v > 0 ? v : 0
    }

    /// The largest value, the top of the scale.
    var maximum: Double {
        (0..<7).flatMap { day in (0..<24).map { value(day, $0) } }.max() ?? 0
    }

    /// The shade for `value`: blank for zero, else one of four equal steps of the range up to `maximum`.
    static func shade(_ value: Double, maximum: Double) -> Character {
        guard value > 0, maximum > 0 else { return shades[0] }
        let step = Int((value / maximum * 4).rounded(.up))
        return shades[min(4, max(1, step))]
    }

    /// Draws the heatmap in the top-left of `rect`.
    public func render(into buffer: inout CellBuffer, in rect: Rect) {
        guard !rect.isEmpty else { return }
        let cellWidth = rect.width >= Self.labelWidth + 48 ? 2 : 1
        guard rect.width >= Self.labelWidth + 24, rect.height >= Self.height else {
            Chart.tooSmall("heatmap needs \(Self.labelWidth + 24)×\(Self.height)", into: &buffer, in: rect, style: styles.label)
            return
        }
        let top = maximum
        // Hour labels every six hours.
        for hour in stride(from: 0, to: 24, by: 6) {
            buffer.put(String(hour), at: rect.x + Self.labelWidth + hour * cellWidth, y: rect.y, style: styles.label)
        }
        for day in 0..<7 {
            let y = rect.y + 1 + day
            buffer.put(Self.weekdays[day], at: rect.x, y: y, style: styles.label)
            for hour in 0..<24 {
                let isHighlight = highlight.map { $0.weekday == day && $0.hour == hour } ?? false
                // The alert's cell is drawn as a mark, so it shows without colour too.
                let shade = String(repeating: isHighlight ? "■" : String(Self.shade(value(day, hour), maximum: top)), count: cellWidth)
                buffer.put(shade, at: rect.x + Self.labelWidth + hour * cellWidth, y: y,
                           style: isHighlight ? styles.highlight : styles.cell)
            }
        }
        var legend = "░ ▒ ▓ █ up to " + Self.formatted(top) + " " + unit + " an hour"
            + (highlight == nil ? "" : "  ■ this alert")
        if displayWidth(of: legend) > rect.width - Self.labelWidth {
            legend = "░▒▓█ ≤ " + Self.formatted(top) + "/hour" + (highlight == nil ? "" : "  ■ alert")
        }
        buffer.put(legend, at: rect.x + Self.labelWidth, y: rect.y + 8, style: styles.label, maxWidth: rect.width - Self.labelWidth)
    }

    /// Whole numbers plainly, others to one decimal, large ones grouped ("1,250"): the charts' one formatter, which
    /// also copes with a spend too large for an Int64 (a store holding huge amounts) rather than stopping.
    static func formatted(_ value: Double) -> String { Chart.grouped(value) }
}

// In an extension so that the compiler still synthesises the (internal) memberwise initialiser; other modules start
// from a theme and set the fields they want to change.
extension WeekHeatmap.Styles {
    public init(theme: Theme) {
        self.init(label: theme.dim, cell: theme.accent, highlight: theme.selection)
    }
}
