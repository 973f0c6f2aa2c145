/// One column of a `Table`: its header, how wide it is, and how its cells align.
public struct TableColumn: Hashable, Sendable {
    public var title: String
    /// Fixed cells, a percentage of the columns' space, or a share of what is
    /// left (see `LayoutSize`).
    public var width: LayoutSize
    public var alignment: TextAlignment

    public init(_ title: String, width: LayoutSize = .fill, alignment: TextAlignment = .left) {
        self.title = title
        self.width = width
        self.alignment = alignment
    }
}

/// Which column a table is sorted by, shown as ▲ (ascending) or ▼ (descending)
/// in its header. The table only shows it; the data source does the sorting.
public struct TableSort: Hashable, Sendable {
    public var column: Int
    public var ascending: Bool

    public init(column: Int, ascending: Bool = true) {
        self.column = column
        self.ascending = ascending
    }
}

/// Where a table's rows come from. A table asks only for the rows on screen,
/// so a source can stand for millions of rows (a database query, a lazily
/// formatted array) at the cost of one page.
public protocol TableDataSource {
    /// How many rows there are in all.
    var rowCount: Int { get }
    /// The cells of row `row` (0 ≤ row < rowCount), one per column; missing
    /// cells are drawn empty and extra ones ignored.
    func cells(forRow row: Int) -> [String]
    /// A style for the whole row (e.g. an alert), nil for the table's row style.
    func style(forRow row: Int) -> Style?
}

extension TableDataSource {
    public func style(forRow row: Int) -> Style? { nil }
}

/// A data source made of a row count and a closure, for callers that do not
/// want a type of their own.
public struct TableRows: TableDataSource {
    public let rowCount: Int
    private let cellsForRow: (Int) -> [String]

    public init(count: Int, cells: @escaping (Int) -> [String]) {
        self.rowCount = max(0, count)
        self.cellsForRow = cells
    }

    public func cells(forRow row: Int) -> [String] { cellsForRow(row) }
}

/// A small in-memory table: each element is a row's cells.
extension Array: TableDataSource where Element == [String] {
    public var rowCount: Int { count }
    public func cells(forRow row: Int) -> [String] { self[row] }
}

/// A table's cursor, scroll position, marks and sort: plain data that a screen
/// keeps between frames and changes with `handle(_:rowCount:pageSize:)`.
///
/// Invariants after any mutating call: 0 ≤ cursor < rowCount (0 when empty),
/// and the cursor lies within the `pageSize` rows starting at `offset`.
public struct TableState: Hashable, Sendable {
    /// The highlighted row.
    public private(set) var cursor: Int = 0
    /// The first row on screen.
    public private(set) var offset: Int = 0
    /// Marked rows, by index; only changed by the space key when
    /// `allowsMultipleSelection` is on, or directly by the caller.
    public var selection: Set<Int> = []
    public var sort: TableSort?
    /// Whether space marks and unmarks the cursor row.
    public var allowsMultipleSelection: Bool

    public init(allowsMultipleSelection: Bool = false, sort: TableSort? = nil) {
        self.allowsMultipleSelection = allowsMultipleSelection
        self.sort = sort
    }

    /// Moves the cursor to `row` (clamped to the rows there are) and scrolls
    /// as little as needed to keep it on screen.
    public mutating func moveCursor(to row: Int, rowCount: Int, pageSize: Int) {
        cursor = min(max(0, row), max(0, rowCount - 1))
        clamp(rowCount: rowCount, pageSize: pageSize)
    }

    /// Restores the invariants, e.g. after the row count shrank or the table
    /// was resized; the table's `render` calls it with the real page size.
    public mutating func clamp(rowCount: Int, pageSize: Int) {
        let page = max(1, pageSize)
        cursor = min(max(0, cursor), max(0, rowCount - 1))
        if cursor < offset { offset = cursor }
        if cursor >= offset + page { offset = cursor - page + 1 }
        offset = min(max(0, offset), max(0, rowCount - page))
    }

    /// Handles j/↓ and k/↑ (one row), PgDn/PgUp (a page: the view and the
    /// cursor both move by `pageSize`), g/Home and G/End (first and last row),
    /// and space (mark or unmark the cursor row) when multiple selection is on.
    /// Returns false for any other key, so the caller can handle it.
    public mutating func handle(_ key: Key, rowCount: Int, pageSize: Int) -> Bool {
        let page = max(1, pageSize)
        switch key {
        case .down, .character("j"):
            moveCursor(to: cursor + 1, rowCount: rowCount, pageSize: page)
        case .up, .character("k"):
            moveCursor(to: cursor - 1, rowCount: rowCount, pageSize: page)
        case .pageDown:
            offset = min(offset + page, max(0, rowCount - page))
            moveCursor(to: cursor + page, rowCount: rowCount, pageSize: page)
        case .pageUp:
            offset = max(0, offset - page)
            moveCursor(to: cursor - page, rowCount: rowCount, pageSize: page)
        case .home, .character("g"):
            moveCursor(to: 0, rowCount: rowCount, pageSize: page)
        case .end, .character("G"):
            moveCursor(to: rowCount - 1, rowCount: rowCount, pageSize: page)
        case .character(" ") where allowsMultipleSelection:
            guard rowCount > 0 else { return true }
            toggleSelection(ofRow: cursor)
        default:
            return false
        }
        return true
    }

    /// Marks `row` if unmarked, unmarks it if marked.
    public mutating func toggleSelection(ofRow row: Int) {
        if selection.remove(row) == nil { selection.insert(row) }
    }
}

/// A scrolling table: a header row with a sort indicator, then one row per
/// data row from `TableState.offset`, the cursor row highlighted and marked
/// rows flagged in an optional marker column. Cells too long for their column
/// end in an ellipsis; everything is sanitised as `CellBuffer.put` draws it.
public struct Table: Hashable, Sendable {
    /// The styles a table draws with.
    public struct Styles: Hashable, Sendable {
        public var header: Style
        public var row: Style
        public var cursor: Style
        public var marker: Style
        /// The message shown when there are no rows.
        public var empty: Style

        public init(header: Style, row: Style, cursor: Style, marker: Style, empty: Style) {
            self.header = header
            self.row = row
            self.cursor = cursor
            self.marker = marker
            self.empty = empty
        }

        /// The theme's header and text styles; the cursor row is the text reversed.
        public init(theme: Theme) {
            self.init(header: theme.header, row: theme.text, cursor: theme.text.reversed,
                      marker: theme.accent, empty: theme.dim)
        }
    }

    public var columns: [TableColumn]
    public var styles: Styles
    /// Whether to draw the marker column (two cells) for marked rows.
    public var showsMarkers: Bool
    public var marker: Character
    /// Shown in the first row when there are no rows; empty shows nothing.
    public var emptyMessage: String

    public init(
        columns: [TableColumn], styles: Styles = Styles(theme: .default),
        showsMarkers: Bool = false, marker: Character = "✓", emptyMessage: String = "No rows"
    ) {
        self.columns = columns
        self.styles = styles
        self.showsMarkers = showsMarkers
        self.marker = marker
        self.emptyMessage = emptyMessage
    }

    /// Columns between adjacent table columns.
    public static let columnGap = 1

    /// Rows of data a table drawn in `rect` shows: all but the header. Pass it
    /// as `pageSize` to `TableState.handle`.
    public static func pageSize(for rect: Rect) -> Int { max(0, rect.height - 1) }

    private var markerWidth: Int { showsMarkers ? 2 : 0 }

    /// Each column's width when the table is `totalWidth` columns wide: the
    /// marker column and the gaps come off first, then the columns' sizes are
    /// resolved like `Rect.splitColumns`.
    public func columnWidths(totalWidth: Int) -> [Int] {
        let gaps = Self.columnGap * max(0, columns.count - 1)
        let available = max(0, totalWidth - markerWidth - gaps)
        return LayoutSize.resolve(columns.map(\.width), total: available).map(\.length)
    }

    /// Draws the header and the visible rows of `source` into `rect`, first
    /// fitting `state` to the source's row count and the rect's page size.
    /// Only rows `state.offset ..< state.offset + pageSize` are requested.
    public func render(
        _ source: some TableDataSource, into buffer: inout CellBuffer, in rect: Rect, state: inout TableState
    ) {
        guard !rect.isEmpty else { return }
        let rowCount = max(0, source.rowCount)
        let pageSize = Self.pageSize(for: rect)
        state.clamp(rowCount: rowCount, pageSize: pageSize)
        buffer.fill(rect, style: styles.row)

        let widths = columnWidths(totalWidth: rect.width)
        var starts: [Int] = []
        var x = rect.x + markerWidth
        for width in widths {
            starts.append(x)
            x += width + Self.columnGap
        }

        // Header.
        buffer.fill(rect.row(), style: styles.header)
        for (index, column) in columns.enumerated() where widths[index] > 0 {
            let title = headerTitle(column.title, index: index, width: widths[index], sort: state.sort)
            buffer.put(title, in: Rect(x: starts[index], y: rect.y, width: widths[index], height: 1),
                       style: styles.header, alignment: column.alignment)
        }
        guard pageSize > 0 else { return }

        if rowCount == 0 {
            if !emptyMessage.isEmpty {
                buffer.put(emptyMessage, in: rect.row(1), style: styles.empty)
            }
            return
        }

        let visible = state.offset..<min(rowCount, state.offset + pageSize)
        for row in visible {
            let y = rect.y + 1 + row - state.offset
            let isCursor = row == state.cursor
            let style = isCursor ? styles.cursor : (source.style(forRow: row) ?? styles.row)
            let line = rect.row(y - rect.y)
            buffer.fill(line, style: style)
            if showsMarkers, state.selection.contains(row) {
                buffer.put(String(marker), at: rect.x, y: y, style: isCursor ? styles.cursor : styles.marker,
                           maxWidth: min(markerWidth, rect.width))
            }
            let cells = source.cells(forRow: row)
            for (index, column) in columns.enumerated() where widths[index] > 0 {
                let text = index < cells.count ? cells[index] : ""
                buffer.put(text, in: Rect(x: starts[index], y: y, width: widths[index], height: 1),
                           style: style, alignment: column.alignment)
            }
        }
    }

    /// A column's header: the title, and on the sorted column " ▲" or " ▼"
    /// kept visible by truncating the title instead.
    private func headerTitle(_ title: String, index: Int, width: Int, sort: TableSort?) -> String {
        guard let sort, sort.column == index else { return title }
        let indicator = sort.ascending ? "▲" : "▼"
        guard width >= 3 else { return indicator }
        return truncate(title, toWidth: width - 2) + " " + indicator
    }
}
