import Foundation
import Testing
import VigilApp
import VigilCore
@testable import VigilEngine
import VigilTUI

@Suite struct ThemeCatalogTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "vigil-themes-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "name = paper\ntext = black on white\n".write(toFile: directory + "/paper.theme", atomically: true, encoding: .utf8)
        try "title = bleu\n".write(toFile: directory + "/broken.theme", atomically: true, encoding: .utf8)
    }

    @Test func namesStartWithTheBuiltInDarkAndLoadByNameOrPath() throws {
        let catalog = ThemeCatalog(directories: [directory, directory + "/missing"], embedded: [:])
        #expect(catalog.names() == ["dark", "broken", "paper"])
        #expect(try catalog.load("dark") == Theme.default, "built in when no file has the name")
        #expect(try catalog.load("paper").text == Style(foreground: .black, background: .white))
        #expect(try catalog.load(directory + "/paper.theme").name == "paper")
        #expect(throws: ThemeError(file: directory + "/broken.theme", line: 1, key: "title",
                                   message: "unknown colour 'bleu' (expected default, black, red, green, yellow, blue, magenta, cyan, white or 0–255)")) {
            try catalog.load("broken")
        }
        #expect(throws: ThemeError(file: "nosuch", line: 0, key: nil, message: "no such theme (available: dark, broken, paper)")) {
            try catalog.load("nosuch")
        }
        // Cycling leaves out what does not load and starts with the chosen theme.
        #expect(catalog.cycle(startingWith: try catalog.load("paper")).map(\.name) == ["paper", "dark"])
    }

    @Test func theStandardPlacesFollowTheEnvironmentAndTheBinary() {
        let fromEnvironment = ThemeCatalog.standard(environment: ["VIGIL_THEMES": "/a:/b"], executable: "/x/vigil")
        #expect(fromEnvironment.directories == ["/a", "/b"])
        let built = ThemeCatalog.standard(environment: ["HOME": "/home/ana"], executable: "/src/vigil/.build/x86_64-unknown-linux-gnu/debug/vigil")
        #expect(built.directories == ["/src/vigil/themes", "/src/vigil/.build/x86_64-unknown-linux-gnu/share/vigil/themes",
                                      "/home/ana/.local/share/vigil/themes"])
    }

    /// The binary carries the shipped themes, the same as their files (run scripts/embed-themes.sh after changing
    /// one), so that a binary copied out of the build folder has them; a file of the same name overrides the copy.
    @Test func theBinaryCarriesTheShippedThemesAndFilesOverrideThem() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("themes").path
        let carried = ThemeCatalog(directories: []).embedded
        #expect(carried.keys.sorted() == ThemeFile.available(in: folder))
        for name in ThemeFile.available(in: folder) {
            let file = try String(contentsOfFile: folder + "/" + name + ".theme", encoding: .utf8)
            #expect(carried[name].map { $0 + "\n" } == file, "\(name).theme differs from the copy in the binary")
        }
        let bare = ThemeCatalog(directories: [directory + "/missing"])
        #expect(bare.names() == ["dark", "high-contrast", "light"])
        #expect(try bare.load("light") == ThemeFile.load(path: folder + "/light.theme"))
        try "name = light\ntext = black on white\n".write(toFile: directory + "/light.theme", atomically: true, encoding: .utf8)
        let overridden = ThemeCatalog(directories: [directory])
        #expect(try overridden.load("light").text == Style(foreground: .black, background: .white))
    }

    @Test func theShippedThemesAreFoundFromTheSourceTree() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let catalog = ThemeCatalog(directories: [root.appendingPathComponent("themes").path])
        #expect(catalog.names() == ["dark", "high-contrast", "light"])
    }
}
