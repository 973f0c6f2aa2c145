import ArgumentParser
import VigilCore

struct Rejected: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(abstract: "List rows that imports rejected, with where and why.")

    @OptionGroup var storeOption: StoreOption

    @Option(name: .customLong("import"), help: "Only this import's rows.")
    var importID: Int64?

    @Option(name: .long, help: "At most this many rows.")
    var limit: Int = 100

    @Flag(name: .long, help: "Print the raw rows as CSV (to fix and re-import).")
    var raw = false

    func run() throws {
        let store = try storeOption.openExisting()
        let notKept = try store.rejectedRowsNotKept(importID: importID)
        for (importID, r) in try store.rejectedRows(importID: importID, limit: limit) {
            if raw {
                print(Sanitize.line(r.raw))
            } else {
                var text = "import \(importID) line \(r.line)"
                if let column = r.column { text += " column \(column)" }
                if let value = r.value { text += " value '\(value.prefix(80))'" }
                print(Sanitize.line(text + ": " + r.reason))
            }
        }
        for (importID, counted, kept) in notKept {
            // With --raw, standard output is CSV to fix and re-import: the note goes to standard error.
            let note = "import \(importID): \(Formatting.grouped(counted - kept)) more rejected rows were counted but not kept "
                + "(it rejected \(Formatting.grouped(counted)) and kept the first \(Formatting.grouped(kept)))"
            if raw { printError(note) } else { print(note) }
        }
    }
}
