import VigilCore

/// A width × height grid of cells: what a screen renders into and what a
/// backend flushes to the terminal. Everything written through `put` is
/// sanitised first, so data can never reach the terminal as control codes.
public struct CellBuffer: Hashable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        // A continuation cell on its own would be meaningless.
        var base = fill
        base.isContinuation = false
        if displayWidth(of: base.character) != 1 || !base.character.unicodeScalars.allSatisfy(Sanitizer.isSafe) {
            base.character = " "
        }
        self.cells = Array(repeating: base, count: self.width * self.height)
    }

    public init(size: TerminalSize) {
        self.init(width: size.width, height: size.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }
    public var size: TerminalSize { TerminalSize(width: width, height: height) }

    public subscript(x: Int, y: Int) -> Cell {
        guard x >= 0, x < width, y >= 0, y < height else { return .blank }
        return cells[y * width + x]
    }

    /// Writes `text` on row `y` from column `x`, one cell per column, wide
    /// characters taking two. Stops at the right edge, at `maxWidth` columns,
    /// or before a wide character that would not fit whole. Text left of
    /// column 0 is skipped column by column. Returns the columns advanced.
    @discardableResult
    public mutating func put(_ text: String, at x: Int, y: Int, style: Style = .plain, maxWidth: Int? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        let limit = maxWidth.map { min(width, x + max(0, $0)) } ?? width
        var column = x
        for character in Sanitizer.sanitize(text) {
            var glyph = character
            var columns = displayWidth(of: character)
            if columns == 0 {
                // A combining mark with nothing to combine with: show it on a dotted circle.
                glyph = Character(String("\u{25CC}") + String(character))
                columns = 1
            }
            if column + columns > limit { break }
            if column >= 0 {
                setCell(Cell(character: glyph, style: style), x: column, y: y)
                if columns == 2 {
                    setCell(Cell(character: " ", style: style, isContinuation: true), x: column + 1, y: y)
                }
            } else if column + columns > 0 {
                // The left half of a wide character fell off the left edge; keep the column honest.
                setCell(Cell(character: " ", style: style), x: 0, y: y)
            }
            column += columns
        }
        return max(0, column - x)
    }

    /// Writes `text` into `rect`'s first row, clipped to the rectangle, aligned within it.
    @discardableResult
    public mutating func put(_ text: String, in rect: Rect, style: Style = .plain, alignment: TextAlignment = .left) -> Int {
        guard !rect.isEmpty else { return 0 }
        return put(pad(text, toWidth: rect.width, alignment: alignment), at: rect.x, y: rect.y, style: style, maxWidth: rect.width)
    }

    /// Paints every cell of `rect` (clipped to the buffer) with `character` in `style`.
    public mutating func fill(_ rect: Rect, style: Style = .plain, character: Character = " ") {
        let area = rect.intersection(bounds)
        guard !area.isEmpty else { return }
        let glyph: Character = displayWidth(of: character) == 1 && character.unicodeScalars.allSatisfy(Sanitizer.isSafe)
            ? character : " "
        for row in area.y..<area.maxY {
            for column in area.x..<area.maxX {
                setCell(Cell(character: glyph, style: style), x: column, y: row)
            }
        }
    }

    /// Changes only the style of the cells in `rect`, keeping their characters.
    public mutating func restyle(_ rect: Rect, style: Style) {
        let area = rect.intersection(bounds)
        guard !area.isEmpty else { return }
        for row in area.y..<area.maxY {
            for column in area.x..<area.maxX {
                cells[row * width + column].style = style
            }
        }
    }

    public mutating func clear(style: Style = .plain) {
        fill(bounds, style: style)
    }

    /// Row `y` as text: one character per cell, continuation cells skipped, so a
    /// wide character appears once. Out-of-range rows are empty.
    public func rowText(_ y: Int) -> String {
        guard y >= 0, y < height else { return "" }
        var text = ""
        for column in 0..<width {
            let cell = cells[y * width + column]
            if !cell.isContinuation { text.append(cell.character) }
        }
        return text
    }

    /// All rows as text.
    public var rows: [String] { (0..<height).map(rowText) }

    /// Writes one cell, repairing any wide character it cuts in half: the
    /// other half becomes a plain space rather than a dangling continuation.
    private mutating func setCell(_ cell: Cell, x: Int, y: Int) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let index = y * width + x
        let old = cells[index]
        if old.isContinuation, !cell.isContinuation, x > 0 {
            cells[index - 1] = Cell(character: " ", style: cells[index - 1].style)
        }
        if !old.isContinuation, displayWidth(of: old.character) == 2, x + 1 < width {
            cells[index + 1] = Cell(character: " ", style: cells[index + 1].style)
        }
        cells[index] = cell
    }
}
