/// A rectangle of terminal cells. Coordinates grow right (x) and down (y);
/// a rectangle never has a negative size.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public init(width: Int, height: Int) {
        self.init(x: 0, y: 0, width: width, height: height)
    }

    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    /// One past the last column.
    public var maxX: Int { x + width }
    /// One past the last row.
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }
    public var area: Int { width * height }

    public var description: String { "Rect(x: \(x), y: \(y), width: \(width), height: \(height))" }

    /// The one-row strip `offset` rows below the top, as wide as this rect: where widgets draw a line of text. It is
    /// not clipped to this rect, so callers keep `offset` within the height themselves.
    public func row(_ offset: Int = 0) -> Rect {
        Rect(x: x, y: y + offset, width: width, height: 1)
    }

    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < maxX && py >= y && py < maxY
    }

    /// The overlap of two rectangles; an empty rectangle at `self`'s origin when they do not meet.
    public func intersection(_ other: Rect) -> Rect {
        let left = max(x, other.x)
        let top = max(y, other.y)
        let right = min(maxX, other.maxX)
        let bottom = min(maxY, other.maxY)
        guard right > left, bottom > top else { return Rect(x: x, y: y, width: 0, height: 0) }
        return Rect(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// Shrinks each side; never produces a negative size (an over-inset rectangle is empty).
    public func inset(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) -> Rect {
        let newWidth = max(0, width - left - right)
        let newHeight = max(0, height - top - bottom)
        return Rect(x: x + min(left, width), y: y + min(top, height), width: newWidth, height: newHeight)
    }

    public func inset(by amount: Int) -> Rect {
        inset(top: amount, left: amount, bottom: amount, right: amount)
    }

    public func inset(horizontal: Int, vertical: Int) -> Rect {
        inset(top: vertical, left: horizontal, bottom: vertical, right: horizontal)
    }

    /// The rows of this rectangle, top to bottom, sized by `sizes`.
    public func splitRows(_ sizes: [LayoutSize]) -> [Rect] {
        LayoutSize.resolve(sizes, total: height).map { offset, length in
            Rect(x: x, y: y + offset, width: width, height: length)
        }
    }

    /// The columns of this rectangle, left to right, sized by `sizes`.
    public func splitColumns(_ sizes: [LayoutSize]) -> [Rect] {
        LayoutSize.resolve(sizes, total: width).map { offset, length in
            Rect(x: x + offset, y: y, width: length, height: height)
        }
    }

    /// The top `rows` rows (at most the whole height) and what is left below.
    public func splitTop(_ rows: Int) -> (top: Rect, rest: Rect) {
        let n = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: n), Rect(x: x, y: y + n, width: width, height: height - n))
    }

    /// The bottom `rows` rows (at most the whole height) and what is left above.
    public func splitBottom(_ rows: Int) -> (rest: Rect, bottom: Rect) {
        let n = min(max(0, rows), height)
        return (Rect(x: x, y: y, width: width, height: height - n), Rect(x: x, y: maxY - n, width: width, height: n))
    }

    /// The left `columns` columns (at most the whole width) and what is left to the right.
    public func splitLeft(_ columns: Int) -> (left: Rect, rest: Rect) {
        let n = min(max(0, columns), width)
        return (Rect(x: x, y: y, width: n, height: height), Rect(x: x + n, y: y, width: width - n, height: height))
    }

    /// The right `columns` columns (at most the whole width) and what is left to the left.
    public func splitRight(_ columns: Int) -> (rest: Rect, right: Rect) {
        let n = min(max(0, columns), width)
        return (Rect(x: x, y: y, width: width - n, height: height), Rect(x: maxX - n, y: y, width: n, height: height))
    }
}

/// How much of a split one part takes.
public enum LayoutSize: Hashable, Sendable {
    /// Exactly this many cells (fewer when the space runs out).
    case fixed(Int)
    /// This percentage of the whole length, rounded down.
    case percent(Int)
    /// A share of whatever the fixed and percentage parts leave, in proportion to the weight.
    case fill(Int)

    /// `fill(1)`.
    public static let fill = LayoutSize.fill(1)

    /// Offsets and lengths along a line of `total` cells. Fixed and percentage
    /// parts are served first, in order, until the space runs out; fill parts
    /// share the remainder by weight, the first ones taking the rounding slack.
    /// The lengths never sum to more than `total`.
    static func resolve(_ sizes: [LayoutSize], total: Int) -> [(offset: Int, length: Int)] {
        let total = max(0, total)
        var lengths = Array(repeating: 0, count: sizes.count)
        var remaining = total
        for (index, size) in sizes.enumerated() {
            let wanted: Int
            switch size {
            case .fixed(let n): wanted = max(0, n)
            case .percent(let p): wanted = total * min(max(0, p), 100) / 100
            case .fill: continue
            }
            lengths[index] = min(wanted, remaining)
            remaining -= lengths[index]
        }
        let fills = sizes.enumerated().compactMap { index, size -> (Int, Int)? in
            if case .fill(let weight) = size { return (index, max(0, weight)) }
            return nil
        }
        let totalWeight = fills.reduce(0) { $0 + $1.1 }
        if totalWeight > 0 {
            var handedOut = 0
            for (index, weight) in fills {
                lengths[index] = remaining * weight / totalWeight
                handedOut += lengths[index]
            }
            var slack = remaining - handedOut
            for (index, weight) in fills where slack > 0 && weight > 0 {
                lengths[index] += 1
                slack -= 1
            }
        }
        var offset = 0
        return lengths.map { length in
            defer { offset += length }
            return (offset, length)
        }
    }
}
