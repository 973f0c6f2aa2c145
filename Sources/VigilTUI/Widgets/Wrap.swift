import VigilCore

/// Breaks text into rows no wider than `width` display columns, for text
/// views and dialog messages.
///
/// The text is sanitised first, so every row measures what will be drawn.
/// Line breaks in the text (`\n`, `\r\n`, and other newline characters) start
/// a new row; long lines break after the last space that fits, and a word
/// wider than a row is split. A wide character is never split, and a space at
/// a break is dropped. An empty line stays as one empty row. A width of 0 or
/// less gives no rows at all.
public func wrap(_ text: String, toWidth width: Int) -> [String] {
    guard width > 0 else { return [] }
    var rows: [String] = []
    for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
        wrapLine(Sanitizer.sanitize(String(line)), width: width, into: &rows)
    }
    return rows
}

/// Columns one already-sanitised character takes once `CellBuffer.put` draws it
/// (a lone combining mark is drawn on a placeholder base, so it takes one).
func drawnWidth(of character: Character) -> Int {
    max(1, displayWidth(of: character))
}

private func wrapLine(_ line: String, width: Int, into rows: inout [String]) {
    var current: [Character] = []
    var currentWidth = 0
    // Index in `current` just after its last space: where a break may go.
    var breakIndex: Int?
    var justBroke = false
    for character in line {
        let columns = drawnWidth(of: character)
        if currentWidth + columns > width, !current.isEmpty {
            if let cut = breakIndex, cut > 0 {
                var head = current[..<cut]
                while head.last == " " { head = head.dropLast() }
                rows.append(String(head))
                current = Array(current[cut...])
            } else {
                rows.append(String(current))
                current = []
            }
            currentWidth = current.reduce(0) { $0 + drawnWidth(of: $1) }
            breakIndex = nil
            justBroke = true
        }
        if character == " ", current.isEmpty, justBroke { continue }
        justBroke = false
        current.append(character)
        currentWidth += columns
        if character == " " { breakIndex = current.count }
    }
    rows.append(String(current))
}
