/// One line of help: the key as written, and what it does.
public struct HelpEntry: Hashable, Sendable {
    public var key: String
    public var description: String

    public init(key: String, description: String) {
        self.key = key
        self.description = description
    }
}

/// A titled group of help entries; an empty title draws no heading.
public struct HelpSection: Hashable, Sendable {
    public var title: String
    public var entries: [HelpEntry]

    public init(title: String, entries: [HelpEntry]) {
        self.title = title
        self.entries = entries
    }
}

/// A framed box centred over the screen listing key bindings by section:
/// each section's heading, then its keys in an aligned column beside their
/// descriptions. When the list is taller than the box it scrolls (keep a
/// `ScrollState`) and the bottom edge shows which rows are in view.
public struct HelpOverlay: Hashable, Sendable {
    public struct Styles: Hashable, Sendable {
        public var frame: Style
        public var title: Style
        public var section: Style
        public var key: Style
        public var description: Style

        public init(frame: Style, title: Style, section: Style, key: Style, description: Style) {
            self.frame = frame
            self.title = title
            self.section = section
            self.key = key
            self.description = description
        }

        public init(theme: Theme) {
            self.init(frame: theme.text, title: theme.header, section: theme.header,
                      key: theme.accent, description: theme.text)
        }
    }

    public var title: String
    public var sections: [HelpSection]
    public var styles: Styles

    public init(title: String = "Keys", sections: [HelpSection], styles: Styles = Styles(theme: .default)) {
        self.title = title
        self.sections = sections
        self.styles = styles
    }

    /// The help for a key-binding table.
    public init<Action>(title: String = "Keys", bindings: KeyBindingTable<Action>, styles: Styles = Styles(theme: .default)) {
        self.init(title: title, sections: bindings.helpSections, styles: styles)
    }

    /// A row of the list: a section heading, an entry, or the blank row between sections.
    private enum Row {
        case heading(String)
        case entry(HelpEntry)
        case blank
    }

    private var contentRows: [Row] {
        var rows: [Row] = []
        for section in sections {
            if !rows.isEmpty { rows.append(.blank) }
            if !section.title.isEmpty { rows.append(.heading(section.title)) }
            rows += section.entries.map(Row.entry)
        }
        return rows
    }

    /// Rows in the list (headings, entries and blanks): the `rowCount` for `ScrollState.handle`.
    public var rowCount: Int { contentRows.count }

    private var keyColumnWidth: Int {
        sections.flatMap(\.entries).map { displayWidth(of: $0.key) }.max() ?? 0
    }

    /// Where the overlay goes on `screen`: as big as the list plus its frame
    /// and a column of padding each side, no bigger than the screen.
    public func frame(in screen: Rect) -> Rect {
        let entryWidth = sections.flatMap(\.entries).map { keyColumnWidth + 2 + displayWidth(of: $0.description) }.max() ?? 0
        let headingWidth = sections.map { displayWidth(of: $0.title) }.max() ?? 0
        let width = max(entryWidth, headingWidth, displayWidth(of: title) + 2) + 4
        return screen.centered(width: width, height: rowCount + 2)
    }

    /// Rows of the list visible at once on `screen`: the `pageSize` for `ScrollState.handle`.
    public func pageSize(in screen: Rect) -> Int { max(0, frame(in: screen).height - 2) }

    /// Draws the overlay over whatever `buffer` holds in `screen`, from row
    /// `state.offset` of the list (clamped first so it never scrolls past the end).
    public func render(into buffer: inout CellBuffer, over screen: Rect, state: inout ScrollState) {
        let box = frame(in: screen)
        guard !box.isEmpty else { return }
        let rows = contentRows
        let interior = buffer.drawBox(box, style: styles.frame, title: title, titleStyle: styles.title)
        state.clamp(rowCount: rows.count, pageSize: interior.height)
        let content = interior.inset(top: 0, left: 1, bottom: 0, right: 1)
        guard !content.isEmpty else { return }
        let keyWidth = min(keyColumnWidth, content.width)

        for (index, row) in rows.dropFirst(state.offset).prefix(content.height).enumerated() {
            let y = content.y + index
            switch row {
            case .heading(let text):
                buffer.put(truncate(text, toWidth: content.width), at: content.x, y: y, style: styles.section,
                           maxWidth: content.width)
            case .entry(let entry):
                buffer.put(pad(entry.key, toWidth: keyWidth), at: content.x, y: y, style: styles.key, maxWidth: keyWidth)
                let descriptionX = content.x + keyWidth + 2
                let room = content.maxX - descriptionX
                if room > 0 {
                    buffer.put(truncate(entry.description, toWidth: room), at: descriptionX, y: y,
                               style: styles.description, maxWidth: room)
                }
            case .blank:
                break
            }
        }

        // Which rows are in view, on the bottom edge, when not all of them are.
        if rows.count > content.height, content.height > 0 {
            let last = min(rows.count, state.offset + content.height)
            let position = " \(state.offset + 1)–\(last)/\(rows.count) "
            let width = displayWidth(of: position)
            if width <= box.width - 3 {
                buffer.put(position, at: box.maxX - 2 - width, y: box.maxY - 1, style: styles.frame)
            }
        }
    }
}
