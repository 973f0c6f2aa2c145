import Foundation
import Testing
import VigilCore

/// The screen's sanitiser, applied to documents (reports, command output) and to JSON.
@Suite struct TextOutputRuleTests {
    @Test func documentsKeepTheirLineEndsAndNothingElse() {
        #expect(Sanitizer.sanitize("a\nb\r\nc\n", keepingLineBreaks: true) == "a\nb\r\nc\n")
        #expect(Sanitizer.sanitize("a\rb\r", keepingLineBreaks: true) == "a␍b␍")
        #expect(Sanitizer.sanitize("\r\r\n", keepingLineBreaks: true) == "␍\r\n")
        #expect(Sanitizer.sanitize("\u{1B}[2J\u{07}\t\u{7F}\u{9B}\u{202E}\u{2066}x", keepingLineBreaks: true) == "␛[2J␇␉␡���x")
        #expect(Sanitizer.sanitize("a\nb", keepingLineBreaks: false) == "a␊b")
        // Emoji sequences and ordinary text are left alone.
        #expect(Sanitizer.sanitize("Zürich 👩‍💻 ×\n", keepingLineBreaks: true) == "Zürich 👩‍💻 ×\n")
    }

    @Test func jsonKeepsTheDataButNothingLive() throws {
        let value = "a\u{1B}[31m\u{07}\u{7F}\u{9B}\u{202E}\u{2028}\u{E0001}\u{1F600}é"
        let data = try JSONSerialization.data(withJSONObject: ["k": value], options: [.prettyPrinted, .sortedKeys])
        let escaped = Sanitizer.escapedJSON(String(decoding: data, as: UTF8.self))
        #expect(escaped.unicodeScalars.allSatisfy { Sanitizer.isSafe($0) || $0 == "\n" }, "\(escaped)")
        for escape in ["\\u001b", "\\u0007", "\\u007f", "\\u009b", "\\u202e", "\\u2028", "\\udb40\\udc01"] {
            #expect(escaped.contains(escape), "\(escape) missing from \(escaped)")
        }
        #expect(escaped.contains("\u{1F600}é"))
        let back = try JSONSerialization.jsonObject(with: Data(escaped.utf8)) as? [String: String]
        #expect(back?["k"] == value)
        #expect(Sanitizer.escapedJSON("{\"a\":1}") == "{\"a\":1}")
    }
}
