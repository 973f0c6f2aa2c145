import Foundation
import Testing
@testable import VigilTUI

@Suite struct ThemeFileTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("themes").path

    @Test func theShippedThemesLoadAndDiffer() throws {
        #expect(ThemeFile.available(in: Self.directory) == ["dark", "high-contrast", "light"])
        let themes = try ThemeFile.available(in: Self.directory).map { try ThemeFile.load(path: Self.directory + "/\($0).theme") }
        #expect(themes.map(\.name) == ["dark", "high-contrast", "light"])
        #expect(themes[0] == Theme.default, "the dark file is the built-in default")
        #expect(Set(themes).count == 3)
    }

    @Test func theHighContrastThemeTellsRolesApartWithoutColour() throws {
        let theme = try ThemeFile.load(path: Self.directory + "/high-contrast.theme")
        func attributes(_ style: Style) -> [Bool] { [style.bold, style.reverse, style.underline, style.dim] }
        let key = [theme.title, theme.selection, theme.alert, theme.statusBar, theme.text].map(attributes)
        #expect(Set(key.map { $0.description }).count == key.count, "each role has its own attributes")
    }

    @Test func valuesParseColoursBackgroundsAndAttributes() throws {
        let theme = try ThemeFile.parse("""
            # comment
            name = mine   # trailing comment
            title = 231 on 24 bold
            alert = RED underline
            selection = reverse
            text = default on blue

            """, file: "mine.theme", fallbackName: "x")
        #expect(theme.name == "mine")
        #expect(theme.title == Style(foreground: .indexed(231), background: .indexed(24), bold: true))
        #expect(theme.alert == Style(foreground: .red, underline: true))
        #expect(theme.selection == Style(reverse: true))
        #expect(theme.text == Style(foreground: .default, background: .blue))
        #expect(theme.header == Theme.default.header, "a role left out keeps the default")
        #expect(try ThemeFile.parse("", file: "f", fallbackName: "empty").name == "empty")
    }

    @Test func brokenFilesNameTheFileLineAndKey() {
        func error(_ text: String) -> String? {
            do { _ = try ThemeFile.parse(text, file: "themes/bad.theme", fallbackName: "bad"); return nil } catch { return error.description }
        }
        #expect(error("title = bleu") == "themes/bad.theme:1: title: unknown colour 'bleu' (expected default, black, red, green, yellow, blue, magenta, cyan, white or 0–255)")
        #expect(error("\n\ntitle = 300") == "themes/bad.theme:3: title: unknown colour '300' (expected default, black, red, green, yellow, blue, magenta, cyan, white or 0–255)")
        #expect(error("alert = red blink") == "themes/bad.theme:1: alert: unknown attribute 'blink' (expected bold, dim, underline or reverse)")
        #expect(error("titel = red")?.hasPrefix("themes/bad.theme:1: titel: unknown key (known: name, title,") == true)
        #expect(error("text = red\ntext = blue") == "themes/bad.theme:2: text: set twice")
        #expect(error("just words") == "themes/bad.theme:1: expected KEY = VALUE, found 'just words'")
        #expect(error("title = red on") == "themes/bad.theme:1: title: 'on' needs a background colour")
        #expect(error("ti\u{1B}[31mtle = red")?.contains("\u{1B}") == false, "hostile text is sanitised")
    }

    @Test func aMissingFileIsAnErrorNamingIt() {
        #expect(throws: ThemeError(file: "/nowhere/x.theme", line: 0, key: nil, message: "cannot read the file")) {
            try ThemeFile.load(path: "/nowhere/x.theme")
        }
    }
}
