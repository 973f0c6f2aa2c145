import VigilCore

/// What a key did to an open dialog.
public enum DialogEvent: Hashable, Sendable {
    /// Not a dialog key; the dialog stays open and the key is the caller's.
    case ignored
    /// The dialog used the key (e.g. moved the selection) and stays open.
    case handled
    /// Enter picked the choice at this index; close the dialog.
    case chosen(Int)
    /// Escape; close the dialog without a choice.
    case cancelled
}

/// Which of a dialog's choices is selected.
public struct DialogState: Hashable, Sendable {
    public let choiceCount: Int
    public private(set) var selected: Int

    public init(choiceCount: Int, selected: Int = 0) {
        self.choiceCount = max(0, choiceCount)
        self.selected = min(max(0, selected), max(0, choiceCount - 1))
    }

    /// ←/→ move the selection (stopping at the ends), Tab and Shift-Tab move it
    /// round, Enter picks, Escape cancels. A dialog swallows every other key
    /// as `.ignored`, since it is modal.
    public mutating func handle(_ key: Key) -> DialogEvent {
        switch key {
        case .left:
            selected = max(0, selected - 1)
        case .right:
            selected = min(max(0, choiceCount - 1), selected + 1)
        case .tab:
            if choiceCount > 0 { selected = (selected + 1) % choiceCount }
        case .backTab:
            if choiceCount > 0 { selected = (selected + choiceCount - 1) % choiceCount }
        case .enter:
            return choiceCount > 0 ? .chosen(selected) : .cancelled
        case .escape:
            return .cancelled
        default:
            return .ignored
        }
        return .handled
    }
}

/// A modal box centred over the screen: a title in its frame, a wrapped
/// message, and a row of choices with the selected one highlighted. It
/// clears the cells it covers and leaves the rest of the screen as it was.
/// On a small screen it shrinks to fit; the choices row is the last thing
/// to go, then the message is cut.
public struct Dialog: Hashable, Sendable {
    public struct Styles: Hashable, Sendable {
        public var frame: Style
        public var title: Style
        public var message: Style
        public var choice: Style
        public var selectedChoice: Style
    }

    public var title: String
    public var message: String
    public var choices: [String]
    public var styles: Styles
    /// The widest the message area grows before the message wraps.
    public var preferredWidth: Int

    public init(
        title: String, message: String, choices: [String] = ["OK"],
        styles: Styles = Styles(theme: .default), preferredWidth: Int = 48
    ) {
        self.title = title
        self.message = message
        self.choices = choices
        self.styles = styles
        self.preferredWidth = preferredWidth
    }

    /// Columns between choices on the choices row.
    private static let choiceGap = 2

    private func label(_ choice: String) -> String { "[ " + Sanitizer.sanitize(choice) + " ]" }

    private var choicesWidth: Int {
        choices.reduce(0) { $0 + displayWidth(of: label($1)) } + Self.choiceGap * max(0, choices.count - 1)
    }

    /// Width of the content (message and choices): wide enough for the
    /// title, the choices and the message up to `preferredWidth`, and no
    /// wider than the screen allows inside a frame and a column of padding.
    private func contentWidth(screenWidth: Int) -> Int {
        let longestLine = message.split(whereSeparator: \.isNewline).map { displayWidth(of: String($0)) }.max() ?? 0
        let wanted = max(displayWidth(of: title) + 2, choicesWidth, min(preferredWidth, longestLine), 1)
        return max(0, min(wanted, screenWidth - 4))
    }

    /// Where the dialog goes on `screen`.
    public func frame(in screen: Rect) -> Rect {
        let width = contentWidth(screenWidth: screen.width)
        let messageRows = wrap(message, toWidth: width).count
        return screen.centered(width: width + 4, height: messageRows + 4)
    }

    /// Draws the dialog over whatever `buffer` already holds in `screen`.
    public func render(into buffer: inout CellBuffer, over screen: Rect, state: DialogState) {
        let box = frame(in: screen)
        guard !box.isEmpty else { return }
        let interior = buffer.drawBox(box, style: styles.frame, title: title, titleStyle: styles.title)
        let content = interior.inset(top: 0, left: 1, bottom: 0, right: 1)
        guard !content.isEmpty else { return }

        // Choices on the last row; the message above, with a blank row between when there is room.
        let choicesY = content.maxY - 1
        let messageRows = wrap(message, toWidth: content.width)
        let messageHeight = min(messageRows.count, max(0, content.height - 2))
        for (index, row) in messageRows.prefix(messageHeight).enumerated() {
            buffer.put(row, at: content.x, y: content.y + index, style: styles.message, maxWidth: content.width)
        }

        var x = content.x + max(0, (content.width - choicesWidth) / 2)
        for (index, choice) in choices.enumerated() {
            let text = label(choice)
            let style = index == state.selected ? styles.selectedChoice : styles.choice
            let room = content.maxX - x
            guard room > 0 else { break }
            x += buffer.put(text, at: x, y: choicesY, style: style, maxWidth: room) + Self.choiceGap
        }
    }
}

// In an extension so that the compiler still synthesises the (internal) memberwise initialiser; other modules start
// from a theme and set the fields they want to change.
extension Dialog.Styles {
    public init(theme: Theme) {
        self.init(frame: theme.text, title: theme.header, message: theme.text,
                  choice: theme.text, selectedChoice: theme.text.reversed)
    }
}
