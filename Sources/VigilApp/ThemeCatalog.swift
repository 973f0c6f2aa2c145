import Foundation
import VigilTUI

/// Where the workbench finds theme files, and how `--theme NAME` picks one.
public struct ThemeCatalog: Sendable {
    /// Searched in order; the first file with a name wins.
    public var directories: [String]
    /// Theme files by name that the binary carries (`EmbeddedThemes`, from `themes/`): used when no directory has
    /// the name, so an installed binary has the shipped themes.
    public var embedded: [String: String]

    public init(directories: [String], embedded: [String: String]? = nil) {
        self.directories = directories
        self.embedded = embedded ?? EmbeddedThemes.files
    }

    /// `$VIGIL_THEMES` (directories separated by `:`) when set; else the `themes` folder of the source tree the
    /// binary was built in (`.build/CONFIG/vigil` → `themes/`), `share/vigil/themes` beside an installed binary,
    /// and `$XDG_DATA_HOME/vigil/themes` (or `~/.local/share/vigil/themes`).
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment,
                                executable: String = Bundle.main.executablePath ?? CommandLine.arguments.first ?? "") -> ThemeCatalog {
        if let list = environment["VIGIL_THEMES"], !list.isEmpty {
            return ThemeCatalog(directories: list.split(separator: ":").map(String.init))
        }
        let binary = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        var directories = [
            binary.appendingPathComponent("../../../themes").standardizedFileURL.path,
            binary.appendingPathComponent("../share/vigil/themes").standardizedFileURL.path,
        ]
        let data = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        directories.append(data + "/vigil/themes")
        return ThemeCatalog(directories: directories)
    }

    /// Every theme name available, in the order the workbench cycles through them: `dark` (built in) first.
    public func names() -> [String] {
        var names = ["dark"]
        for directory in directories {
            for name in ThemeFile.available(in: directory) where !names.contains(name) { names.append(name) }
        }
        for name in embedded.keys.sorted() where !names.contains(name) { names.append(name) }
        return names
    }

    /// The theme `name` (a name from `names()`, or a path to a `.theme` file): from the first directory with its
    /// file, else from the copy the binary carries. `dark` is always found.
    public func load(_ name: String) throws(ThemeError) -> Theme {
        if name.contains("/") || name.hasSuffix(".theme") { return try ThemeFile.load(path: name) }
        for directory in directories {
            let path = directory + "/" + name + ".theme"
            if FileManager.default.fileExists(atPath: path) { return try ThemeFile.load(path: path) }
        }
        if let text = embedded[name] { return try ThemeFile.parse(text, file: "(built in) \(name).theme", fallbackName: name) }
        if name == "dark" { return .default }
        throw ThemeError(file: name, line: 0, key: nil, message: "no such theme (available: \(names().joined(separator: ", ")))")
    }

    /// Every theme that loads, for cycling, with `first` first; a file that does not load is left out.
    public func cycle(startingWith first: Theme) -> [Theme] {
        var themes = [first]
        for name in names() where name != first.name {
            if let theme = try? load(name) { themes.append(theme) }
        }
        return themes
    }
}
