import ArgumentParser
import Foundation
import VigilEngine

/// `--config`: the settings file, else the default one when it exists, else the built-in defaults.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "A TOML settings file (default: $XDG_CONFIG_HOME/vigil/config.toml or ~/.config/vigil/config.toml when it exists; see `vigil config --print-defaults`).")
    var config: String?

    func load() throws -> VigilConfig {
        if let config { return try VigilConfig.load(path: config) }
        let fallback = VigilConfig.defaultPath()
        return FileManager.default.fileExists(atPath: fallback) ? try VigilConfig.load(path: fallback) : VigilConfig()
    }
}
