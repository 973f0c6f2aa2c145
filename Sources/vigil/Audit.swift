import ArgumentParser

struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The triage audit trail: verify its sealed hash chain and the alerts against it, list its events, or print its head to keep.",
        subcommands: [Verify.self, Log.self, Anchor.self], defaultSubcommand: Verify.self)

    struct Anchor: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the trail's head (events, last id, its hash) to keep elsewhere; `audit verify --anchor` checks the trail still extends it.")

        @OptionGroup var storeOption: StoreOption

        func run() throws {
            let anchor = try storeOption.openExisting().auditAnchor()
            print(anchor.description)
            printError("keep this line elsewhere (a ticket, a mail, another machine); later, "
                       + "`vigil audit verify --anchor \(anchor)` checks that the trail still extends it")
        }
    }
}
