import ArgumentParser

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The triage audit trail: verify its hash chain, or list its events.",
        subcommands: [Verify.self, Log.self], defaultSubcommand: Verify.self)
}
