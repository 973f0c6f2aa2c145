import ArgumentParser
import Foundation
import VigilCore
import VigilStore

/// `vigil key`: the store's key file (docs/keys.md).
struct Key: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The store's key file: print where it is, or rotate the audit key.",
        subcommands: [Path.self, Rotate.self], defaultSubcommand: Path.self)

    struct Path: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(abstract: "Print where the store's key file is (back it up with the store).")

        @OptionGroup var storeOption: StoreOption

        func run() throws {
            let store = try storeOption.openExisting()
            print(store.keyFile)
            if store.key == nil {
                printError("warning: " + (store.keyProblem?.description
                    ?? "\(store.keyFile) is missing: restore it from the store's backup (or name it with $VIGIL_KEY_FILE)"))
            }
        }
    }

    struct Rotate: ParsableCommand, StoreOptionCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the audit key and reseal the whole trail, once it verifies under the old key (the card key stays).")

        @OptionGroup var storeOption: StoreOption

        func run() throws {
            let store = try storeOption.openExisting()
            do {
                let events = try store.rotateAuditKey()
                print("audit key rotated: \(Formatting.grouped(events)) events resealed; \(store.keyFile) holds the new key: back it up")
            } catch let error as KeyRotationError {
                printError("error: " + error.description)
                throw ExitCode(1)
            }
        }
    }
}
