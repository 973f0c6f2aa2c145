import VigilCore

/// A cell on the screen: where a widget wants the terminal cursor.
public struct ScreenPosition: Hashable, Sendable {
    public var x: Int
    public var y: Int

    public init(x: Int, y: Int) {
        self.x = x
        self.y = y
    }
}

/// The text being edited in a `TextInput`, the cursor within it and how far
/// the view is scrolled: a value a screen keeps and feeds keys to.
///
/// Text is held as lines of characters (grapheme clusters), so the cursor
/// moves over whole characters, wide ones and accented ones included. Only
/// characters safe to draw are accepted (see `Sanitizer`): a pasted escape
/// sequence never gets into a note. A single-line input holds one line; a
/// multi-line one (for notes) takes Enter as a new line.
public struct TextInputState: Hashable, Sendable {
    public private(set) var lines: [[Character]] = [[]]
    /// The cursor's line.
    public private(set) var cursorRow = 0
    /// The cursor's position in its line, in characters (0 is before the first).
    public private(set) var cursorColumn = 0
    public let isMultiline: Bool
    /// The most characters the text may hold, line breaks counting one each; nil for no limit.
    public let maxLength: Int?
    /// The first display column shown (scrolled so the cursor stays visible).
    public internal(set) var scrollColumn = 0
    /// The first line shown (multi-line inputs).
    public internal(set) var scrollRow = 0

    /// An input holding `text` (cut to `maxLength`, unsafe characters dropped), the cursor at its end.
    public init(text: String = "", multiline: Bool = false, maxLength: Int? = nil) {
        self.isMultiline = multiline
        self.maxLength = maxLength.map { max(0, $0) }
        insert(text)
    }

    /// The text, lines joined with "\n".
    public var text: String {
        lines.map { String($0) }.joined(separator: "\n")
    }

    /// Characters held, each line break counting one: what `maxLength` limits.
    public var length: Int {
        lines.reduce(0) { $0 + $1.count } + lines.count - 1
    }

    public var isEmpty: Bool { lines.count == 1 && lines[0].isEmpty }

    /// Replaces the whole text, the cursor at its end.
    public mutating func setText(_ text: String) {
        lines = [[]]
        cursorRow = 0
        cursorColumn = 0
        scrollColumn = 0
        scrollRow = 0
        insert(text)
    }

    /// Inserts `text` at the cursor, as typing it would: line breaks start new
    /// lines (spaces in a single-line input), unsafe characters are dropped,
    /// and insertion stops at `maxLength`. Returns whether anything was inserted.
    @discardableResult
    public mutating func insert(_ text: String) -> Bool {
        var changed = false
        for character in text {
            if character.isNewline {
                changed = (isMultiline ? insertNewline() : insertCharacter(" ")) || changed
            } else {
                changed = insertCharacter(character) || changed
            }
        }
        return changed
    }

    /// Applies one key: ←/→ (across lines when multi-line), ↑/↓ (multi-line
    /// only), Home/End and Ctrl-A/Ctrl-E (start and end of line), Backspace and
    /// Delete (joining lines at the ends), Ctrl-K (delete to end of line),
    /// Ctrl-U (delete to start of line), Ctrl-W (delete the word before the
    /// cursor), Enter (a new line when multi-line), and characters. A
    /// character is always consumed, even when refused (unsafe, or past
    /// `maxLength`), so a letter typed into a field never falls through to a
    /// screen's shortcut. Returns false for keys it does not use (Enter in a
    /// single-line input, Escape, Tab, ↑/↓ in a single-line input…), so the
    /// caller can act on them.
    public mutating func handle(_ key: Key) -> Bool {
        switch key {
        case .character(let character):
            _ = insertCharacter(character)
        case .enter:
            guard isMultiline else { return false }
            _ = insertNewline()
        case .left:
            if cursorColumn > 0 {
                cursorColumn -= 1
            } else if cursorRow > 0 {
                cursorRow -= 1
                cursorColumn = lines[cursorRow].count
            }
        case .right:
            if cursorColumn < lines[cursorRow].count {
                cursorColumn += 1
            } else if cursorRow + 1 < lines.count {
                cursorRow += 1
                cursorColumn = 0
            }
        case .up, .down:
            guard isMultiline else { return false }
            let target = cursorRow + (key == .up ? -1 : 1)
            guard target >= 0, target < lines.count else { return true }
            let column = columns(of: lines[cursorRow][..<cursorColumn])
            cursorRow = target
            cursorColumn = index(atColumn: column, in: lines[target])
        case .home, .ctrl("a"):
            cursorColumn = 0
        case .end, .ctrl("e"):
            cursorColumn = lines[cursorRow].count
        case .backspace:
            if cursorColumn > 0 {
                lines[cursorRow].remove(at: cursorColumn - 1)
                cursorColumn -= 1
            } else {
                joinWithPreviousLine()
            }
        case .delete:
            if cursorColumn < lines[cursorRow].count {
                lines[cursorRow].remove(at: cursorColumn)
            } else {
                joinWithNextLine()
            }
        case .ctrl("k"):
            lines[cursorRow].removeSubrange(cursorColumn...)
        case .ctrl("u"):
            lines[cursorRow].removeSubrange(..<cursorColumn)
            cursorColumn = 0
        case .ctrl("w"):
            let line = lines[cursorRow]
            var start = cursorColumn
            while start > 0, line[start - 1].isWhitespace { start -= 1 }
            while start > 0, !line[start - 1].isWhitespace { start -= 1 }
            if start == cursorColumn {
                joinWithPreviousLine()
            } else {
                lines[cursorRow].removeSubrange(start..<cursorColumn)
                cursorColumn = start
            }
        default:
            return false
        }
        return true
    }

    /// The cursor's display column within its line.
    public var cursorDisplayColumn: Int { columns(of: lines[cursorRow][..<cursorColumn]) }

    /// Scrolls as little as needed for the cursor to be inside a view of
    /// `width` × `height` cells. `TextInput.render` calls it.
    public mutating func scrollToCursor(width: Int, height: Int) {
        let column = cursorDisplayColumn
        if column < scrollColumn { scrollColumn = column }
        if width > 0, column >= scrollColumn + width { scrollColumn = column - width + 1 }
        if cursorRow < scrollRow { scrollRow = cursorRow }
        if height > 0, cursorRow >= scrollRow + height { scrollRow = cursorRow - height + 1 }
        scrollRow = min(scrollRow, max(0, lines.count - max(1, height)))
    }

    // MARK: - Editing

    private func accepts(_ character: Character) -> Bool {
        !character.isNewline && character.unicodeScalars.allSatisfy(Sanitizer.isSafe)
    }

    private var hasRoom: Bool { maxLength.map { length < $0 } ?? true }

    private mutating func insertCharacter(_ character: Character) -> Bool {
        guard accepts(character) else { return false }
        // A combining mark typed on its own belongs to the character before it.
        if displayWidth(of: character) == 0, cursorColumn > 0 {
            let merged = String(lines[cursorRow][cursorColumn - 1]) + String(character)
            if merged.count == 1 {
                lines[cursorRow][cursorColumn - 1] = Character(merged)
                return true
            }
        }
        guard hasRoom else { return false }
        lines[cursorRow].insert(character, at: cursorColumn)
        cursorColumn += 1
        return true
    }

    private mutating func insertNewline() -> Bool {
        guard isMultiline, hasRoom else { return false }
        let rest = Array(lines[cursorRow][cursorColumn...])
        lines[cursorRow].removeSubrange(cursorColumn...)
        lines.insert(rest, at: cursorRow + 1)
        cursorRow += 1
        cursorColumn = 0
        return true
    }

    private mutating func joinWithPreviousLine() {
        guard cursorRow > 0 else { return }
        let line = lines.remove(at: cursorRow)
        cursorRow -= 1
        cursorColumn = lines[cursorRow].count
        lines[cursorRow].append(contentsOf: line)
    }

    private mutating func joinWithNextLine() {
        guard cursorRow + 1 < lines.count else { return }
        let next = lines.remove(at: cursorRow + 1)
        lines[cursorRow].append(contentsOf: next)
    }

    private func columns(of characters: ArraySlice<Character>) -> Int {
        characters.reduce(0) { $0 + drawnWidth(of: $1) }
    }

    /// The index of the character at display column `column` in `line` (the
    /// end when the line is shorter); a wide character straddling it counts as before.
    private func index(atColumn column: Int, in line: [Character]) -> Int {
        var used = 0
        for (index, character) in line.enumerated() {
            let width = drawnWidth(of: character)
            if used + width > column { return index }
            used += width
        }
        return line.count
    }
}

/// Draws a `TextInputState`: a one-row field that scrolls sideways, or (for
/// a multi-line state) a box of lines that scrolls both ways, with the cursor
/// cell highlighted and its screen position returned for the terminal cursor.
public struct TextInput: Hashable, Sendable {
    public struct Styles: Hashable, Sendable {
        public var text: Style
        public var cursor: Style
        public var placeholder: Style

        public init(text: Style, cursor: Style, placeholder: Style) {
            self.text = text
            self.cursor = cursor
            self.placeholder = placeholder
        }

        public init(theme: Theme) {
            self.init(text: theme.text, cursor: theme.text.reversed, placeholder: theme.dim)
        }
    }

    public var styles: Styles
    /// Shown, dimmed, while the input is empty.
    public var placeholder: String
    /// Whether to highlight the cursor cell (a backend that shows the real
    /// terminal cursor can turn it off).
    public var showsCursor: Bool
    /// Whether a multi-line input wraps a line longer than the field onto the rows below (a note), instead of
    /// scrolling sideways.
    public var wraps: Bool

    public init(styles: Styles = Styles(theme: .default), placeholder: String = "", showsCursor: Bool = true, wraps: Bool = false) {
        self.styles = styles
        self.placeholder = placeholder
        self.showsCursor = showsCursor
        self.wraps = wraps
    }

    /// Draws the input into `rect` (only its first row for a single-line
    /// state), scrolling `state` to keep the cursor visible. Returns the
    /// cursor's screen position, nil when `rect` is empty.
    @discardableResult
    public func render(into buffer: inout CellBuffer, in rect: Rect, state: inout TextInputState) -> ScreenPosition? {
        guard !rect.isEmpty else { return nil }
        let area = state.isMultiline ? rect : Rect(x: rect.x, y: rect.y, width: rect.width, height: 1)
        if state.isMultiline, wraps { return renderWrapped(into: &buffer, in: area, state: &state) }
        state.scrollToCursor(width: area.width, height: area.height)
        buffer.fill(area, style: styles.text)

        if state.isEmpty, !placeholder.isEmpty {
            buffer.put(truncate(placeholder, toWidth: area.width), at: area.x, y: area.y,
                       style: styles.placeholder, maxWidth: area.width)
        } else {
            for (index, line) in state.lines.dropFirst(state.scrollRow).prefix(area.height).enumerated() {
                draw(line, from: state.scrollColumn, into: &buffer, x: area.x, y: area.y + index, width: area.width)
            }
        }

        let position = ScreenPosition(x: area.x + state.cursorDisplayColumn - state.scrollColumn,
                                      y: area.y + state.cursorRow - state.scrollRow)
        if showsCursor {
            let line = state.lines[state.cursorRow]
            let underCursor = state.cursorColumn < line.count ? drawnWidth(of: line[state.cursorColumn]) : 1
            let width = min(underCursor, area.maxX - position.x)
            buffer.restyle(Rect(x: position.x, y: position.y, width: width, height: 1), style: styles.cursor)
        }
        return position
    }

    /// Draws a multi-line state with its lines wrapped at the width of `area` (a character at a time, so a long
    /// word is never lost off the edge), scrolled down so the cursor's row shows: `scrollRow` counts wrapped rows.
    private func renderWrapped(into buffer: inout CellBuffer, in area: Rect, state: inout TextInputState) -> ScreenPosition? {
        buffer.fill(area, style: styles.text)
        var rows: [[Character]] = []
        var cursor = (row: 0, column: 0)
        for (lineIndex, line) in state.lines.enumerated() {
            var piece: [Character] = []
            var used = 0
            for (index, character) in line.enumerated() {
                let width = drawnWidth(of: character)
                if used + width > area.width, !piece.isEmpty {
                    rows.append(piece)
                    piece = []
                    used = 0
                }
                if lineIndex == state.cursorRow, index == state.cursorColumn { cursor = (rows.count, used) }
                piece.append(character)
                used += width
            }
            if lineIndex == state.cursorRow, state.cursorColumn == line.count {
                // The cursor after a full row stands at the start of the next.
                if used >= area.width {
                    rows.append(piece)
                    piece = []
                    used = 0
                }
                cursor = (rows.count, used)
            }
            rows.append(piece)
        }
        if cursor.row < state.scrollRow { state.scrollRow = cursor.row }
        if cursor.row >= state.scrollRow + area.height { state.scrollRow = cursor.row - area.height + 1 }
        state.scrollColumn = 0
        if state.isEmpty, !placeholder.isEmpty {
            buffer.put(truncate(placeholder, toWidth: area.width), at: area.x, y: area.y, style: styles.placeholder, maxWidth: area.width)
        } else {
            for (index, row) in rows.dropFirst(state.scrollRow).prefix(area.height).enumerated() {
                buffer.put(String(row), at: area.x, y: area.y + index, style: styles.text, maxWidth: area.width)
            }
        }
        let position = ScreenPosition(x: area.x + cursor.column, y: area.y + cursor.row - state.scrollRow)
        if showsCursor {
            let line = state.lines[state.cursorRow]
            let underCursor = state.cursorColumn < line.count ? drawnWidth(of: line[state.cursorColumn]) : 1
            buffer.restyle(Rect(x: position.x, y: position.y, width: min(underCursor, area.maxX - position.x), height: 1),
                           style: styles.cursor)
        }
        return position
    }

    /// Draws `line` as seen from display column `scroll`: characters before it
    /// are skipped, and a wide character cut by the left edge leaves a blank.
    private func draw(_ line: [Character], from scroll: Int, into buffer: inout CellBuffer, x: Int, y: Int, width: Int) {
        var column = 0
        var start = line.count
        for (index, character) in line.enumerated() {
            if column >= scroll {
                start = index
                break
            }
            column += drawnWidth(of: character)
        }
        let blank = max(0, column - scroll)
        guard start < line.count, blank < width else { return }
        buffer.put(String(line[start...]), at: x + blank, y: y, style: styles.text, maxWidth: width - blank)
    }
}

extension TextInput {
    /// A one-line prompt: `label` (in `labelStyle`) then the field, one cell after it, over the whole of `row`.
    public func renderPrompt(_ label: String, labelStyle: Style, into buffer: inout CellBuffer, in row: Rect,
                             state: inout TextInputState) {
        buffer.fill(row, style: styles.text)
        buffer.put(label, in: row, style: labelStyle)
        render(into: &buffer, in: row.inset(left: displayWidth(of: label) + 1), state: &state)
    }
}

/// What a key did to a prompt: every text input on the workbench (a search, a filter, a note, the palette) reads
/// keys the same way, so that Enter, Escape and editing mean the same everywhere.
public enum PromptEvent: Hashable, Sendable {
    /// Enter on a single-line input, Ctrl-S or Ctrl-D on a multi-line one: the text is done.
    case submitted(String)
    /// Escape: the input is abandoned.
    case cancelled
    /// Any other key, given to the input (which may not use it).
    case edited
}

extension TextInputState {
    /// Applies `key` as a prompt does: it submits, cancels, or edits the text (`handle(_:)`).
    public mutating func prompt(_ key: Key) -> PromptEvent {
        switch key {
        case .enter where !isMultiline: return .submitted(text)
        case .ctrl("s") where isMultiline, .ctrl("d") where isMultiline: return .submitted(text)
        case .escape: return .cancelled
        default:
            _ = handle(key)
            return .edited
        }
    }
}
