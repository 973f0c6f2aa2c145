import ArgumentParser
import VigilEngine

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or check the settings: detector weights, alert threshold and budget, rule parameters.")

    @OptionGroup var configOption: ConfigOption

    @Flag(name: .long, help: "Print every setting with its default and meaning, as a TOML file to start from.")
    var printDefaults = false

    func run() throws {
        if printDefaults {
            print(VigilConfig().tomlText(), terminator: "")
            return
        }
        let config = try configOption.load()
        print(config.tomlText(), terminator: "")
    }
}
