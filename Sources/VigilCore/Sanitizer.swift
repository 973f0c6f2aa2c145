/// Makes data safe to draw. Terminal control characters, escape sequences and
/// invisible format characters in data (a merchant name, a note, a file path)
/// could move the cursor, recolour the screen, retitle the window or reorder
/// text; instead they are shown as visible placeholders:
///
/// - C0 controls U+0000–U+001F become their control pictures U+2400–U+241F
///   (so ESC is `␛`, BEL `␇`, NUL `␀`, newline `␊`); an escape sequence
///   therefore reads as `␛[31m` and does nothing;
/// - DEL becomes `␡`;
/// - C1 controls U+0080–U+009F (including the one-byte CSI), bidi overrides
///   and isolates, other format characters (except the zero width joiner that
///   emoji sequences need), line and paragraph separators, and unpaired
///   surrogates become `�`.
///
/// `CellBuffer.put` applies it to everything on the screen, and the command line's output layer and every report
/// and CSV file Vigil writes apply the same rule, so data reads the same, and is as harmless, wherever it goes.
public enum Sanitizer {
    public static let replacement: Unicode.Scalar = "\u{FFFD}"

    /// The placeholder for an unsafe scalar, nil when the scalar is safe to draw as it is.
    public static func placeholder(for scalar: Unicode.Scalar) -> Unicode.Scalar? {
        let value = scalar.value
        if value < 0x20 { return Unicode.Scalar(0x2400 + value) }
        if value < 0x7F { return nil }
        if value == 0x7F { return "\u{2421}" }
        if value < 0xA0 { return replacement }
        if value == 0x200D { return nil } // zero width joiner: glues emoji sequences, moves nothing
        switch scalar.properties.generalCategory {
        case .format, .lineSeparator, .paragraphSeparator, .surrogate, .control:
            return replacement
        default:
            return nil
        }
    }

    public static func isSafe(_ scalar: Unicode.Scalar) -> Bool {
        placeholder(for: scalar) == nil
    }

    /// The text with every unsafe scalar replaced by its placeholder.
    public static func sanitize(_ text: String) -> String {
        // Fast path: most data is already clean.
        if text.unicodeScalars.allSatisfy(isSafe) { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(placeholder(for: scalar) ?? scalar)
        }
        return String(scalars)
    }

    /// The same, for a document of several lines (a report, a command's output): line feeds, and a carriage return
    /// just before one (a CSV file's CRLF), are kept as line ends; every other unsafe scalar, a lone CR included,
    /// gets its placeholder.
    public static func sanitize(_ text: String, keepingLineBreaks: Bool) -> String {
        guard keepingLineBreaks else { return sanitize(text) }
        if text.unicodeScalars.allSatisfy({ isSafe($0) || $0 == "\n" }) { return text }
        var scalars = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            if previousCR {
                // A CR is kept only as the first half of a CRLF line end.
                scalars.append(scalar == "\n" ? "\r" : "\u{240D}")
                previousCR = false
            }
            if scalar == "\r" { previousCR = true; continue }
            scalars.append(scalar == "\n" ? scalar : placeholder(for: scalar) ?? scalar)
        }
        if previousCR { scalars.append("\u{240D}") }
        return String(scalars)
    }

    /// JSON text with every unsafe scalar written as a `\uXXXX` escape (a pair of them beyond the BMP): a parser
    /// reads back exactly the data, but a terminal or a viewer shown the text sees nothing it would obey. Unsafe
    /// scalars can only stand inside JSON strings, where an escape means the same scalar, so the document's meaning
    /// is unchanged.
    public static func escapedJSON(_ json: String) -> String {
        if json.unicodeScalars.allSatisfy({ isSafe($0) || $0 == "\n" }) { return json }
        var out = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            guard scalar != "\n", !isSafe(scalar) else { out.append(scalar); continue }
            for unit in String(scalar).utf16 {
                let hex = String(unit, radix: 16)
                out.append(contentsOf: ("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            }
        }
        return String(out)
    }
}
