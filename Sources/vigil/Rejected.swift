import ArgumentParser
import VigilCore
import VigilStore

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
                if let value = r.value { text += " value '\(RejectionText.value(value))'" }
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

/// How every command shows rejected rows, so that an import, an outcomes feed and `vigil rejected` word them alike.
enum RejectionText {
    /// A rejected field's value as shown: card numbers masked before it is cut to 80 characters (a cut card number
    /// would no longer be recognised as one), then sanitised.
    static func value(_ value: String) -> String {
        Sanitize.line(String(CardNumber.maskingParts(of: value).prefix(80)))
    }

    /// An import's rejections under its summary: each shown one, then what was counted but not kept, then how many
    /// more there are, with `more` saying where to find them ("" for nowhere).
    static func printSummary(_ rejections: [Rejection], rejected: Int, notKept: Int, more: String) {
        for r in rejections {
            var place = "  line \(r.line)"
            if let column = r.column { place += ", column \(Sanitize.line(column))" }
            if let value = r.value { place += ", value '\(Self.value(value))'" }
            print("\(place): \(Sanitize.line(r.reason))")
        }
        if notKept > 0 {
            print("  \(Formatting.grouped(notKept)) rejected rows were counted but not kept "
                  + "(the store keeps the first \(Formatting.grouped(rejected - notKept)); --keep-rejected N keeps more)")
        }
        if rejected > rejections.count { print("  … and \(Formatting.grouped(rejected - rejections.count)) more" + more) }
    }
}

extension RejectionLimit {
    /// `--max-rejected TEXT` as the import commands read it: a value it cannot read is the command line's error.
    static func option(_ text: String) throws -> RejectionLimit {
        switch parse(text) {
        case .success(let limit): return limit
        case .failure(let error): throw ValidationError("--max-rejected \(Sanitize.line(error.description))")
        }
    }
}

/// `--map FIELD=COLUMN` options as a feed import (outcomes, lists) reads them: which column each named field comes
/// from; a malformed option or a field `Field` does not have is the command line's error, naming the fields it has.
func fieldOverrides<Field>(_ mappings: [String]) throws -> [Field: String]
where Field: RawRepresentable & CaseIterable & Hashable, Field.RawValue == String {
    var result: [Field: String] = [:]
    for option in mappings {
        guard let eq = option.firstIndex(of: "="), eq != option.startIndex, option.index(after: eq) != option.endIndex
        else { throw ValidationError("--map expects FIELD=COLUMN, got '\(Sanitize.line(option))'") }
        let name = option[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
        guard let field = Field(rawValue: name) else {
            throw ValidationError("unknown field '\(Sanitize.line(name))' in --map; fields are: "
                                  + Field.allCases.map(\.rawValue).joined(separator: ", "))
        }
        result[field] = String(option[option.index(after: eq)...])
    }
    return result
}
