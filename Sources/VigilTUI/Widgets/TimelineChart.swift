import Foundation
import VigilCore

/// What happened on a day of a timeline, drawn on the marks row under the day's column. When several land in one
/// column the highest (latest in this list) wins.
public enum TimelineMark: Int, Comparable, Sendable, CaseIterable {
    /// An alert that was cleared: "·".
    case cleared
    /// An alert that was flagged: "!".
    case flagged
    /// An alert that was escalated: "E".
    case escalated
    /// Confirmed fraud: "F".
    case confirmed
    /// The alert being looked at: "▲".
    case current

    public static func < (lhs: TimelineMark, rhs: TimelineMark) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The one-column symbol on the marks row and in the legend.
    public var symbol: Character {
        switch self {
        case .cleared: return "·"
        case .flagged: return "!"
        case .escalated: return "E"
        case .confirmed: return "F"
        case .current: return "▲"
        }
    }

    /// What the legend calls it.
    public var legendName: String {
        switch self {
        case .cleared: return "cleared"
        case .flagged: return "flagged"
        case .escalated: return "escalated"
        case .confirmed: return "fraud"
        case .current: return "this alert"
        }
    }
}

/// A spending timeline: one value per day (daily totals, oldest first) drawn as vertical bars in eighth blocks
/// (▁▂▃▄▅▆▇█, eight steps a row), with a value axis, date labels, marks for the client's alerts and a legend.
///
/// Rows, top to bottom: the plot (all rows but four), the x-axis (`└──┴──`, ticks under the date labels), the dates
/// ("MM-DD", or "YYYY-MM" at month changes when the series is longer than 120 days), the marks row (each mark's
/// symbol under its day's column) and the legend ("max 1.2k/day  ▲ this alert  F fraud").
///
/// Scale: linear from zero to the largest column total (plus, with refunds, down to the most negative one). The y-axis
/// labels, right-aligned in compact form ("950", "1.2k", "-300"), sit at the top row, at zero and (with at least six
/// rows and no negatives) halfway. Without negatives zero is the x-axis itself; with them a `┼───` zero row sits
/// inside the plot, positive bars rise above it in eighth blocks and negative bars hang below it in half blocks
/// (▀ half a row, █ a full row). Any non-zero value shows at least the smallest block.
///
/// Width: when there are more days than plot columns, each column sums ⌈days / columns⌉ consecutive days (the legend
/// says "N days/column" and the axis shows column totals); the columns are aligned so the latest one is complete and
/// the first may hold fewer days. With fewer days each day gets the same whole number of columns (at most eight; one
/// of them a gap when it has two or more) and the chart is left-aligned.
///
/// Needs 4 more rows than the three-row minimum plot (7) and 12 plot columns beside the axis labels; smaller rects get
/// a one-line "timeline needs W×H" instead.
public struct TimelineChart: Sendable {
    public struct Styles: Hashable, Sendable {
        /// Axis lines and ticks.
        public var axis: Style
        /// Axis labels, dates and the legend.
        public var label: Style
        /// Bars above zero.
        public var bar: Style
        /// Bars below zero (refunds).
        public var negativeBar: Style
        /// Cleared, flagged and escalated marks.
        public var mark: Style
        /// The current alert's mark and bar, and confirmed fraud marks.
        public var alert: Style
    }

    /// Daily totals, oldest first; NaN and infinities count as zero.
    public var values: [Double]
    /// Days since 1970-01-01 (UTC) of `values[0]`.
    public var firstDay: Int
    /// Marks by day index into `values`; indices outside it are ignored.
    public var marks: [Int: TimelineMark]
    /// What the values are in ("EUR"), for the legend; may be empty.
    public var unit: String
    public var styles: Styles

    /// What the legend calls `.current` marks: one alert's day, or (a case's timeline) several.
    public var currentName = TimelineMark.current.legendName
    /// Rows besides the plot: x-axis, dates, marks, legend.
    static let footerRows = 4
    static let minimumPlotRows = 3
    static let minimumPlotColumns = 12
    /// The most columns one day gets when there is room to spare.
    static let maximumColumnsPerDay = 8
    /// Series longer than this label months, shorter ones days.
    static let monthLabelThreshold = 120
    /// Days are kept within about ±2.7 million years so date arithmetic cannot overflow.
    static let dayRange = -1_000_000_000...1_000_000_000

    public init(values: [Double], firstDay: Int, marks: [Int: TimelineMark] = [:], unit: String = "",
                styles: Styles = Styles(theme: .default)) {
        self.values = values
        self.firstDay = firstDay
        self.marks = marks
        self.unit = unit
        self.styles = styles
    }

    // MARK: Dates

    /// The proleptic Gregorian (year, month, day) of `day` days since 1970-01-01, clamped to `dayRange` first so that
    /// no day a chart is given can overflow the calendar arithmetic.
    public static func civilDate(_ day: Int) -> (year: Int, month: Int, day: Int) {
        CivilTime.civilFromDays(min(max(day, dayRange.lowerBound), dayRange.upperBound))
    }

    /// "YYYY-MM-DD" for `day` days since 1970-01-01 (UTC): 0 is "1970-01-01", -1 "1969-12-31".
    public static func dayLabel(_ day: Int) -> String {
        let date = civilDate(day)
        return yearText(date.year) + "-" + twoDigits(date.month) + "-" + twoDigits(date.day)
    }

    /// "MM-DD", the date label of a short timeline.
    static func monthDayLabel(_ day: Int) -> String {
        let date = civilDate(day)
        return twoDigits(date.month) + "-" + twoDigits(date.day)
    }

    /// "YYYY-MM", the date label of a long timeline.
    static func yearMonthLabel(_ day: Int) -> String {
        let date = civilDate(day)
        return yearText(date.year) + "-" + twoDigits(date.month)
    }

    private static func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    private static func yearText(_ year: Int) -> String {
        let digits = String(year.magnitude)
        return (year < 0 ? "-" : "") + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    // MARK: Layout

    /// Where everything goes for one rect size.
    struct Layout {
        /// Columns for the y-axis labels (the axis line is the next column).
        var labelWidth: Int
        var plotColumns: Int
        var plotRows: Int
        /// Column totals, one per slot.
        var buckets: Chart.Buckets
        /// Columns per slot and the bar's width within it.
        var slotWidth: Int
        var barWidth: Int
        /// Rows above the zero line and below it (the zero row itself, when there are negatives, is between).
        var positiveRows: Int
        var negativeRows: Int
        var hasNegatives: Bool
        /// The value of one row of bar.
        var unitsPerRow: Double
        var maximum: Double
        var minimum: Double
        /// Y-axis labels by plot row (the x-axis row is `plotRows`).
        var labels: [Int: String]

        func slot(ofDay day: Int) -> Int { buckets.column(of: day) }
    }

    /// Column totals and the vertical scale for `columns` plot columns and `rows` plot rows.
    func layout(plotColumns columns: Int, plotRows rows: Int, labelWidth: Int) -> Layout {
        let buckets = Chart.Buckets(values, columns: columns)
        let slotWidth: Int
        let barWidth: Int
        if buckets.perColumn > 1 || buckets.sums.isEmpty {
            slotWidth = 1
            barWidth = 1
        } else {
            slotWidth = max(1, min(Self.maximumColumnsPerDay, columns / buckets.sums.count))
            barWidth = slotWidth == 1 ? 1 : slotWidth - 1
        }
        let maximum = max(0, buckets.sums.max() ?? 0)
        let minimum = min(0, buckets.sums.min() ?? 0)
        let hasNegatives = minimum < 0
        var positiveRows = rows
        var negativeRows = 0
        var unitsPerRow = 1.0
        var labels: [Int: String] = [:]
        if !hasNegatives {
            if maximum > 0 {
                unitsPerRow = maximum / Double(rows)
                labels[0] = Chart.compact(maximum)
                if rows >= 6 { labels[rows / 2] = Chart.compact(unitsPerRow * Double(rows - rows / 2)) }
            }
            labels[rows] = "0"
        } else {
            let available = rows - 1
            if maximum == 0 {
                negativeRows = available
            } else {
                let share = -minimum / (maximum - minimum)
                negativeRows = min(max(1, Chart.clampedInt((Double(available) * share).rounded(), 0...available)), available - 1)
            }
            positiveRows = available - negativeRows
            unitsPerRow = max(positiveRows > 0 ? maximum / Double(positiveRows) : 0, -minimum / Double(negativeRows))
            if positiveRows > 0 { labels[0] = Chart.compact(Chart.clampedSum(unitsPerRow * Double(positiveRows))) }
            labels[positiveRows] = "0"
            labels[rows - 1] = Chart.compact(Chart.clampedSum(-unitsPerRow * Double(negativeRows)))
        }
        return Layout(labelWidth: labelWidth, plotColumns: columns, plotRows: rows, buckets: buckets,
                      slotWidth: slotWidth, barWidth: barWidth, positiveRows: positiveRows, negativeRows: negativeRows,
                      hasNegatives: hasNegatives, unitsPerRow: unitsPerRow, maximum: maximum, minimum: minimum,
                      labels: labels)
    }

    /// The layout for a `width` × `height` rect, or nil when it is too small (with the size it would need).
    func layout(width: Int, height: Int) -> (layout: Layout?, needed: (width: Int, height: Int)) {
        let rows = height - Self.footerRows
        // The label width depends on the column totals, which depend on the columns left beside the labels.
        func settle(_ plotColumns: (Int) -> Int) -> Layout {
            var labelWidth = 1
            var result = layout(plotColumns: plotColumns(labelWidth), plotRows: max(rows, Self.minimumPlotRows),
                                labelWidth: labelWidth)
            for _ in 0..<8 {
                let wanted = result.labels.values.map { displayWidth(of: $0) }.max() ?? 1
                if wanted <= labelWidth { break }
                labelWidth = wanted
                result = layout(plotColumns: plotColumns(labelWidth), plotRows: max(rows, Self.minimumPlotRows),
                                labelWidth: labelWidth)
            }
            return result
        }
        let minimal = settle { _ in Self.minimumPlotColumns }
        let needed = (width: minimal.labelWidth + 1 + Self.minimumPlotColumns,
                      height: Self.minimumPlotRows + Self.footerRows)
        guard rows >= Self.minimumPlotRows, width - minimal.labelWidth - 1 >= Self.minimumPlotColumns else {
            return (nil, needed)
        }
        let result = settle { width - $0 - 1 }
        guard result.plotColumns >= Self.minimumPlotColumns else { return (nil, needed) }
        return (result, needed)
    }

    /// The screen column where day `index` (into `values`) starts when the chart is drawn in `rect`: the first column
    /// of its bar, above its mark; nil for a day outside the series or a rect too small to draw in.
    public func column(ofDay index: Int, in rect: Rect) -> Int? {
        guard values.indices.contains(index), let layout = layout(width: rect.width, height: rect.height).layout else {
            return nil
        }
        return rect.x + layout.labelWidth + 1 + layout.slot(ofDay: index) * layout.slotWidth
    }

    // MARK: Drawing

    /// Draws the chart filling `rect`, or a one-line note when `rect` is too small.
    public func render(into buffer: inout CellBuffer, in rect: Rect) {
        guard !rect.isEmpty else { return }
        let (found, needed) = layout(width: rect.width, height: rect.height)
        guard let layout = found else {
            Chart.tooSmall("timeline needs \(needed.width)×\(needed.height)", into: &buffer, in: rect, style: styles.label)
            return
        }
        let first = min(max(firstDay, Self.dayRange.lowerBound), Self.dayRange.upperBound - values.count)
        let plotX = rect.x + layout.labelWidth + 1
        let axisX = rect.x + layout.labelWidth
        let axisY = rect.y + layout.plotRows
        let zeroRow = layout.hasNegatives ? layout.positiveRows : nil

        // Marks, strongest per slot.
        var slotMarks: [Int: TimelineMark] = [:]
        for (day, mark) in marks where values.indices.contains(day) {
            let slot = layout.slot(ofDay: day)
            slotMarks[slot] = max(slotMarks[slot] ?? mark, mark)
        }

        // Y-axis.
        for row in 0...layout.plotRows {
            if let label = layout.labels[row] {
                buffer.put(pad(label, toWidth: layout.labelWidth, alignment: .right), at: rect.x, y: rect.y + row,
                           style: styles.label, maxWidth: layout.labelWidth)
            }
            let axis: String
            if row == layout.plotRows {
                axis = "└"
            } else if row == zeroRow {
                axis = "┼"
            } else {
                axis = layout.labels[row] == nil ? "│" : "┤"
            }
            buffer.put(axis, at: axisX, y: rect.y + row, style: styles.axis)
        }
        if let zeroRow {
            buffer.put(String(repeating: "─", count: layout.plotColumns), at: plotX, y: rect.y + zeroRow, style: styles.axis)
        }

        // Bars.
        for (slot, value) in layout.buckets.sums.enumerated() {
            let style = slotMarks[slot] == .current ? styles.alert : (value < 0 ? styles.negativeBar : styles.bar)
            let x = plotX + slot * layout.slotWidth
            if value > 0 {
                let limit = layout.positiveRows * 8
                let eighths = max(1, Chart.clampedInt((value / layout.unitsPerRow * 8).rounded(), 0...limit))
                for level in 0..<layout.positiveRows {
                    let cell = min(8, eighths - level * 8)
                    guard cell > 0 else { break }
                    let glyph = String(repeating: String(Chart.verticalEighths[cell - 1]), count: layout.barWidth)
                    buffer.put(glyph, at: x, y: rect.y + layout.positiveRows - 1 - level, style: style)
                }
            } else if value < 0 {
                let limit = layout.negativeRows * 2
                let halves = max(1, Chart.clampedInt((-value / layout.unitsPerRow * 2).rounded(), 0...limit))
                for level in 0..<layout.negativeRows {
                    let cell = min(2, halves - level * 2)
                    guard cell > 0 else { break }
                    let glyph = String(repeating: cell == 2 ? "█" : "▀", count: layout.barWidth)
                    buffer.put(glyph, at: x, y: rect.y + layout.positiveRows + 1 + level, style: style)
                }
            }
        }

        // X-axis with ticks under the date labels, then the dates.
        var axisLine = Array(repeating: Character("─"), count: layout.plotColumns)
        let byMonth = values.count > Self.monthLabelThreshold
        var nextFree = 0
        var previousMonth: String?
        for slot in layout.buckets.sums.indices {
            let day = first + layout.buckets.firstIndex(in: slot)
            let x = slot * layout.slotWidth
            let label = byMonth ? Self.yearMonthLabel(day) : Self.monthDayLabel(day)
            defer { previousMonth = label }
            if byMonth, label == previousMonth { continue }
            let length = displayWidth(of: label)
            guard x >= nextFree, x + length <= layout.plotColumns else { continue }
            axisLine[x] = "┴"
            buffer.put(label, at: plotX + x, y: axisY + 1, style: styles.label)
            nextFree = x + length + 2
        }
        buffer.put(String(axisLine), at: plotX, y: axisY, style: styles.axis)

        // Marks.
        for (slot, mark) in slotMarks {
            let style = mark >= .confirmed ? styles.alert : styles.mark
            buffer.put(String(mark.symbol), at: plotX + slot * layout.slotWidth, y: axisY + 2, style: style)
        }

        buffer.put(legend(layout, marks: Set(slotMarks.values)), at: rect.x, y: axisY + 3, style: styles.label,
                   maxWidth: rect.width)
    }

    /// "max 1.2k EUR/day  min -40 EUR/day  ▲ this alert  F fraud", or with several days a column
    /// "3 days/column  max 3.4k EUR  ▲ this alert"; the marks listed are those drawn, strongest first.
    func legend(_ layout: Layout, marks: Set<TimelineMark>) -> String {
        guard !values.isEmpty else { return "no data" }
        let unitText = unit.isEmpty ? "" : " " + unit
        let perDay = layout.buckets.perColumn == 1 ? "/day" : ""
        var parts: [String] = []
        if layout.buckets.perColumn > 1 { parts.append("\(layout.buckets.perColumn) days/column") }
        if layout.maximum > 0 || !layout.hasNegatives {
            parts.append("max " + Chart.compact(layout.maximum) + unitText + perDay)
        }
        if layout.hasNegatives { parts.append("min " + Chart.compact(layout.minimum) + unitText + perDay) }
        for mark in marks.sorted(by: >) { parts.append(String(mark.symbol) + " " + (mark == .current ? currentName : mark.legendName)) }
        return parts.joined(separator: "  ")
    }
}

// In an extension so that the compiler still synthesises the (internal) memberwise initialiser; other modules start
// from a theme and set the fields they want to change.
extension TimelineChart.Styles {
    public init(theme: Theme) {
        self.init(axis: theme.dim, label: theme.dim, bar: theme.accent, negativeBar: theme.text,
                  mark: theme.mark, alert: theme.alert)
    }
}
