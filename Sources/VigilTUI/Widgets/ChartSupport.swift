import Foundation
import VigilCore

/// What the chart widgets (`TimelineChart`, `Sparkline`, `LocationMap`, `HorizontalBars`, `ProgressBar`,
/// `WeekHeatmap`) share: cleaning values, summing a series into columns, number formats and block characters.
enum Chart {
    /// Lower eighth blocks for 1 … 8 eighths of a cell's height.
    static let verticalEighths: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    /// Left eighth blocks for 1 … 8 eighths of a cell's width.
    static let horizontalEighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]

    /// The value, or 0 when it is NaN or infinite.
    static func finite(_ value: Double) -> Double { value.isFinite ? value : 0 }

    /// A sum that overflowed to infinity, brought back to the largest finite value of its sign.
    static func clampedSum(_ value: Double) -> Double {
        if value.isNaN { return 0 }
        if value == .infinity { return .greatestFiniteMagnitude }
        if value == -.infinity { return -.greatestFiniteMagnitude }
        return value
    }

    /// `value` (already rounded as the caller wants) as an Int within `range`, truncated; NaN gives the lower bound.
    static func clampedInt(_ value: Double, _ range: ClosedRange<Int>) -> Int {
        guard !value.isNaN else { return range.lowerBound }
        if value <= Double(range.lowerBound) { return range.lowerBound }
        if value >= Double(range.upperBound) { return range.upperBound }
        return Int(value)
    }

    /// A series summed into at most `columns` columns: when it is longer, each column sums `perColumn` =
    /// ⌈count / columns⌉ consecutive values, aligned so the last column is complete (the first may hold fewer,
    /// `offset` values short); otherwise one value a column. Non-finite values count as zero.
    struct Buckets: Equatable {
        var sums: [Double]
        var perColumn: Int
        var offset: Int

        init(_ values: [Double], columns: Int) {
            guard !values.isEmpty, columns > 0 else {
                sums = []
                perColumn = 1
                offset = 0
                return
            }
            let count = values.count
            perColumn = count <= columns ? 1 : (count + columns - 1) / columns
            let used = (count + perColumn - 1) / perColumn
            offset = used * perColumn - count
            var sums = Array(repeating: 0.0, count: used)
            for (index, value) in values.enumerated() {
                sums[(index + offset) / perColumn] += Chart.finite(value)
            }
            self.sums = sums.map(Chart.clampedSum)
        }

        /// The column holding value `index`.
        func column(of index: Int) -> Int { (index + offset) / perColumn }

        /// The first value index in `column`.
        func firstIndex(in column: Int) -> Int { max(0, column * perColumn - offset) }
    }

    /// A short number for an axis: "0", "7", "2.5", "950", "1.2k", "34k", "1.5M", "2.1B", "3T", "-1.2k", "1e15".
    /// One decimal below ten of a unit (dropped when it is .0), whole numbers above; 10¹⁵ and beyond as a power of ten.
    static func compact(_ value: Double) -> String {
        let value = finite(value)
        let magnitude = abs(value)
        let sign = value < 0 ? "-" : ""
        let units: [(scale: Double, suffix: String)] = [(1, ""), (1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")]
        var index = units.lastIndex { magnitude >= $0.scale } ?? 0
        while index < units.count {
            let scaled = magnitude / units[index].scale
            let tenths = (scaled * 10).rounded()
            if tenths == 0 { return "0" }
            if tenths < 100 {
                let text = tenths.truncatingRemainder(dividingBy: 10) == 0
                    ? String(Int(tenths / 10)) : String(format: "%.1f", tenths / 10)
                return sign + text + units[index].suffix
            }
            let whole = scaled.rounded()
            if whole < 1000 { return sign + String(Int(whole)) + units[index].suffix }
            index += 1 // 999.6 rounds up to the next unit
        }
        return sign + exponent(magnitude)
    }

    /// "1e15", "2e17": the magnitude to one significant digit.
    private static func exponent(_ magnitude: Double) -> String {
        var power = Int(log10(magnitude).rounded(.down))
        var mantissa = (magnitude / pow(10, Double(power))).rounded()
        if mantissa >= 10 {
            mantissa = 1
            power += 1
        }
        return String(Int(mantissa)) + "e" + String(power)
    }

    /// A number with thousands separators: whole numbers and anything from 1,000 up rounded ("1,234", "-56"),
    /// smaller fractions to one decimal ("12.5"). Beyond what an Int64 holds, the compact form.
    static func grouped(_ value: Double) -> String {
        let value = finite(value)
        guard abs(value) < 9e18 else { return compact(value) }
        if abs(value) < 1_000, value != value.rounded() {
            let text = String(format: "%.1f", value)
            return text == "-0.0" ? "0.0" : text
        }
        return Formatting.grouped(Int64(value.rounded()))
    }

    /// How many eighths of a cell a bar `fraction` of `width` cells long fills, rounded by `rule` and kept within the
    /// bar (a NaN fraction fills nothing): the bar charts and the progress bar measure their bars alike.
    static func eighths(_ fraction: Double, of width: Int, rounding rule: FloatingPointRoundingRule) -> Int {
        clampedInt((fraction * Double(width * 8)).rounded(rule), 0...width * 8)
    }

    /// A bar `eighths` eighths of a cell long: full blocks then one partial block.
    static func horizontalBar(eighths: Int) -> String {
        let eighths = max(0, eighths)
        var bar = String(repeating: "█", count: eighths / 8)
        if eighths % 8 > 0 { bar.append(horizontalEighths[eighths % 8 - 1]) }
        return bar
    }

    /// The one-line note a widget draws instead of itself when `rect` is too small.
    static func tooSmall(_ message: String, into buffer: inout CellBuffer, in rect: Rect, style: Style) {
        guard !rect.isEmpty else { return }
        buffer.put(message, in: rect.row(), style: style)
    }
}
