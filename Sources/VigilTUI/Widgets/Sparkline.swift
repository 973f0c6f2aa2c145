/// One row of ▁▂▃▄▅▆▇█ for a series, oldest value at the left.
///
/// A series longer than the row is summed into columns of ⌈count / width⌉ consecutive values (aligned so the last
/// column is complete, as `TimelineChart` does); a shorter one gets one column a value, left-aligned. The scale runs
/// from the smallest column (▁) to the largest (█) in eight equal steps, so negative values simply lower the floor and a
/// flat series draws a flat line of ▁. NaN and infinities count as zero; an empty series draws nothing.
public struct Sparkline: Sendable {
    public var values: [Double]
    public var style: Style

    public init(values: [Double], style: Style = Theme.default.accent) {
        self.values = values
        self.style = style
    }

    /// The characters drawn `width` columns wide (fewer when the series is shorter).
    public func line(width: Int) -> String {
        let sums = Chart.Buckets(values, columns: width).sums
        guard let low = sums.min(), let high = sums.max() else { return "" }
        // Halving first keeps the range finite even from -max to +max.
        let halfRange = high / 2 - low / 2
        return String(sums.map { value -> Character in
            guard halfRange > 0 else { return Chart.verticalEighths[0] }
            let step = Chart.clampedInt(((value / 2 - low / 2) / halfRange * 7).rounded(), 0...7)
            return Chart.verticalEighths[step]
        })
    }

    /// Draws the line on `rect`'s first row.
    public func render(into buffer: inout CellBuffer, in rect: Rect) {
        guard !rect.isEmpty else { return }
        buffer.put(line(width: rect.width), at: rect.x, y: rect.y, style: style, maxWidth: rect.width)
    }
}
