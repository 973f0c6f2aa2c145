import VigilCore
import Foundation

/// A theme file that cannot be used: which file, which line, which key, and why.
public struct ThemeError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the problem is the file as a whole.
    public var line: Int
    public var key: String?
    public var message: String

    public init(file: String, line: Int, key: String?, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        var text = file
        if line > 0 { text += ":\(line)" }
        if let key { text += ": \(key)" }
        return text + ": " + message
    }
}

/// Reads themes from files like `themes/dark.theme`:
///
/// ```
/// # a comment
/// name = dark
/// title = 231 on 24 bold
/// status_bar = black on white
/// selection = reverse
/// ```
///
/// Each role (`Theme.roles`) is a foreground colour, optionally `on` a background colour, then attributes
/// (`bold`, `dim`, `underline`, `reverse`), in any order after the colours. A colour is `default`, one of the eight
/// basic names (`black` … `white`) or a 256-colour palette index. A role the file leaves out keeps the built-in
/// dark theme's style; an unknown key, a bad colour or attribute, or a repeated key is an error naming the file,
/// line and key.
public enum ThemeFile {
    /// Parses the text of a theme file; `file` names it in errors. The theme's name is its `name` key, else `fallbackName`.
    public static func parse(_ text: String, file: String, fallbackName: String) throws(ThemeError) -> Theme {
        var theme = Theme.default
        theme.name = fallbackName
        var seen: Set<String> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            var content = Substring(rawLine)
            if let hash = content.firstIndex(of: "#") { content = content[..<hash] }
            let trimmed = content.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ThemeError(file: file, line: line, key: nil, message: "expected KEY = VALUE, found '\(Sanitizer.sanitize(trimmed))'")
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            let value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard seen.insert(key).inserted else {
                throw ThemeError(file: file, line: line, key: key, message: "set twice")
            }
            if key == "name" {
                guard !value.isEmpty else { throw ThemeError(file: file, line: line, key: key, message: "empty name") }
                theme.name = value
                continue
            }
            guard let role = Theme.roles.first(where: { $0.key == key }) else {
                let known = (["name"] + Theme.roles.map(\.key)).joined(separator: ", ")
                throw ThemeError(file: file, line: line, key: Sanitizer.sanitize(key), message: "unknown key (known: \(known))")
            }
            do {
                theme[keyPath: role.path] = try style(value)
            } catch let message as StyleMessage {
                throw ThemeError(file: file, line: line, key: key, message: message.text)
            } catch {
                throw ThemeError(file: file, line: line, key: key, message: "\(error)")
            }
        }
        return theme
    }

    /// Reads and parses a theme file; the theme is named after the file when it sets no `name`.
    public static func load(path: String) throws(ThemeError) -> Theme {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ThemeError(file: path, line: 0, key: nil, message: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ThemeError(file: path, line: 0, key: nil, message: "not UTF-8 text")
        }
        let base = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(text, file: path, fallbackName: base)
    }

    /// The `.theme` files in `directory`, by name, sorted.
    public static func available(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".theme") }.map { String($0.dropLast(".theme".count)) }.sorted()
    }

    private struct StyleMessage: Error { var text: String }

    /// `FG [on BG] [attributes…]`, or attributes alone.
    private static func style(_ value: String) throws -> Style {
        var words = value.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.lowercased() }
        var style = Style()
        if let first = words.first, !attributes.keys.contains(first) {
            style.foreground = try color(first)
            words.removeFirst()
            if words.first == "on" {
                words.removeFirst()
                guard let background = words.first else { throw StyleMessage(text: "'on' needs a background colour") }
                style.background = try color(background)
                words.removeFirst()
            }
        }
        for word in words {
            guard let set = attributes[word] else {
                throw StyleMessage(text: "unknown attribute '\(Sanitizer.sanitize(word))' (expected bold, dim, underline or reverse)")
            }
            set(&style)
        }
        return style
    }

    private static let attributes: [String: @Sendable (inout Style) -> Void] = [
        "bold": { $0.bold = true }, "dim": { $0.dim = true }, "underline": { $0.underline = true }, "reverse": { $0.reverse = true },
    ]

    private static let colorNames: [String: Color] = [
        "default": .default, "black": .black, "red": .red, "green": .green, "yellow": .yellow, "blue": .blue,
        "magenta": .magenta, "cyan": .cyan, "white": .white,
    ]

    private static func color(_ word: String) throws -> Color {
        if let named = colorNames[word] { return named }
        if let index = Int(word), (0...255).contains(index) { return .indexed(UInt8(index)) }
        throw StyleMessage(text: "unknown colour '\(Sanitizer.sanitize(word))' (expected default, black, red, green, yellow, blue, magenta, cyan, white or 0–255)")
    }
}
