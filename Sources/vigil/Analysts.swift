import ArgumentParser
import Foundation
import VigilCore
import VigilStore

/// `vigil analysts`: the store's analysts list, which ties each analyst name to the operating-system user who may
/// use it. Once it has an entry, every event under a name not listed for the user running the command is refused.
struct Analysts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The store's analysts: which operating-system user may decide under which name (a reviewer may only look).",
        subcommands: [Add.self, List.self, Remove.self], defaultSubcommand: List.self)

    struct Add: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(
            abstract: "List an analyst name for an operating-system user; the first entry turns the check on.",
            discussion: """
                Once the list has an entry, every decision, note, undo, case claim, assignment or snooze, list change and
                raised alert is refused unless its analyst name is listed for the operating-system user running it and
                is not a reviewer. Each change to the list is an audit event, by --analyst, who must be listed once the
                list has an entry: add yourself first.
                """)

        @OptionGroup var storeOption: StoreOption

        @Argument(help: "The analyst name, as --analyst gives it.")
        var name: String

        @Option(name: .long, help: ArgumentHelp("The operating-system user who may use the name.", valueName: "OSUSER"))
        var user: String

        @Option(name: .long, help: "analyst (decides, the default) or reviewer (may look but not decide).")
        var role: AnalystRole = .analyst

        @Option(name: .long, help: "Who is making the change, recorded in the audit trail (default: $USER).")
        var analyst: String?

        func validate() throws {
            try Analyst.validate(analyst)
            for (what, value) in [("NAME", name), ("--user", user)]
            where value.trimmingCharacters(in: .whitespaces).isEmpty || value.contains(where: \.isNewline) {
                throw ValidationError("\(what) needs a name on one line")
            }
        }

        func run() throws {
            let store = try storeOption.openExisting()
            let name = name.trimmingCharacters(in: .whitespaces)
            do {
                try store.addAnalyst(name, osUser: user.trimmingCharacters(in: .whitespaces), role: role, by: Analyst.name(analyst))
            } catch let error as AnalystListError {
                throw ValidationError(error.description)
            }
            print(Sanitize.line("\(name) listed for operating-system user \(user) as \(role.rawValue)"))
        }
    }

    struct List: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(abstract: "List the store's analysts.")

        @OptionGroup var storeOption: StoreOption

        func run() throws {
            let listed = try storeOption.openExisting().analysts()
            guard !listed.isEmpty else {
                print("no analysts listed: any name may decide (`vigil analysts add NAME --user OSUSER` starts the list)")
                return
            }
            for entry in listed {
                print(Sanitize.line("\(entry.name)  os user \(entry.osUser)  \(entry.role.rawValue)  added \(CivilTime.format(entry.addedAt)) by \(entry.addedBy)"))
            }
        }
    }

    struct Remove: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(abstract: "Take an analyst name off the list (an audit event).")

        @OptionGroup var storeOption: StoreOption

        @Argument(help: "The analyst name.")
        var name: String

        @Option(name: .long, help: "Who is making the change, recorded in the audit trail (default: $USER).")
        var analyst: String?

        func validate() throws { try Analyst.validate(analyst) }

        func run() throws {
            let store = try storeOption.openExisting()
            do {
                try store.removeAnalyst(name, by: Analyst.name(analyst))
            } catch let error as AnalystListError {
                throw ValidationError(error.description)
            }
            print(Sanitize.line("\(name) is no longer listed"))
        }
    }
}

extension AnalystRole: ExpressibleByArgument {}
