import VigilCore

/// The one rule for the cells of every CSV file Vigil writes (reports, exports, features).
///
/// A text cell is made safe twice over. A spreadsheet evaluates a cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return as a formula (`=HYPERLINK(...)`, `+cmd|' /C calc'!A0`), so such a cell gets a leading `'`,
/// which spreadsheets read as "this is text" (OWASP's CSV injection rule). And its control characters, escape
/// sequences and bidirectional overrides become the screen's visible placeholders (`Sanitizer`), so the file is as
/// harmless in a terminal or viewer as on the workbench; only a line break stays, inside the quoted cell as CSV
/// allows, so a note or a merchant keeps its lines and an export reads back the same. Numbers Vigil formats itself (amounts, ids, scores,
/// coordinates) are written as they are, so a negative amount stays a number.
public enum CSVCell {
    /// A cell of text from data (a merchant, a client id, a note): neutralised, sanitised, then quoted per RFC 4180
    /// when it holds a comma, a quote or a line break.
    public static func text(_ s: String) -> String {
        if isPlain(s) { return s }
        var cell = Sanitizer.sanitize(s, keepingLineBreaks: true)
        if let first = s.unicodeScalars.first, formulaStarts.contains(first) { cell = "'" + cell }
        return quoted(cell)
    }

    /// A number Vigil formatted itself, written as it is.
    public static func number(_ s: String) -> String { s }

    /// Cells joined into one line (without its line end).
    public static func line(_ cells: [String]) -> String { cells.joined(separator: ",") }

    /// The first characters that make a spreadsheet evaluate a cell.
    static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// Quoted when it holds a comma, quote or line break, its quotes doubled (RFC 4180).
    static func quoted(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Printable ASCII that needs no quoting and cannot start a formula: most data, kept as it is at no cost.
    private static func isPlain(_ s: String) -> Bool {
        var utf8 = s.utf8.makeIterator()
        guard let first = utf8.next() else { return true }
        if first == 0x3D || first == 0x2B || first == 0x2D || first == 0x40 { return false }
        var byte: UInt8? = first
        while let b = byte {
            if b < 0x20 || b >= 0x7F || b == 0x2C || b == 0x22 { return false }
            byte = utf8.next()
        }
        return true
    }
}
