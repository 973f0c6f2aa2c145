import ArgumentParser
import VigilStore

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract: "A terminal workbench for fraud analysts.",
        discussion: """
            With no command, opens the workbench (on the built-in demo store unless --store or $VIGIL_STORE names one).
            Commands that take --store default to $VIGIL_STORE, else ./vigil.sqlite; `demo` defaults to the demo store.
            """,
        subcommands: [Open.self, Import.self, Ingest.self, Demo.self, Stats.self, Rejected.self, Audit.self, Triage.self, Cases.self, Report.self, Features.self, Scan.self, Alerts.self, Scores.self, Outcomes.self, CPP.self, Lists.self, Analysts.self, Key.self, Eval.self, Config.self, Doctor.self],
        defaultSubcommand: Open.self
    )

    /// Runs the command, and turns the store's own failures (locked, full disk, read-only, I/O) into a message that
    /// names the store and what to do, instead of a raw SQLite error.
    static func main() {
        Output.start()
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            Output.fail(error)
        }
        do {
            try command.run()
        } catch {
            if let store = (command as? any StoreCommand)?.storePath,
               let explained = StoreError.explaining(error, path: store) as? StoreError {
                printError("error: \(Sanitize.line(explained.description))")
                Output.fail(ExitCode(1))
            }
            Output.fail(error)
        }
        Output.finish()
    }
}
