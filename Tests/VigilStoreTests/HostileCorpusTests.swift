import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// Every file of fixtures/hostile/ imported: no crash, every row accounted for (imported + rejected + duplicate =
/// the rows the file holds, counted by hand in fixtures/hostile/README.md), every rejection naming its line,
/// column, value and reason with nothing in them that could drive a terminal, and what was valid stored as written.
@Suite struct HostileCorpusTests {
    let scratch = ScratchDirectory()

    /// What one rejected row must say: the column (nil for a row that is wrong as a whole) and part of the reason.
    struct Expected: CustomStringConvertible {
        var column: String?
        var reason: String
        var description: String { "\(column ?? "-"): \(reason)" }
    }

    struct Outcome {
        var summary: ImportSummary
        var rejections: [Int: Rejection]
        var store: Store
    }

    static func path(_ name: String) -> String { Fixtures.path("hostile/" + name) }

    /// Imports one hostile file into a fresh store and checks what every import must satisfy.
    func importHostile(_ name: String, rows: Int, imported: Int, rejected: [Int: Expected],
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> Outcome {
        let store = try scratch.store()
        let summary = try store.importFile(try PreparedImport(path: Self.path(name)))
        #expect(summary.rowsRead == rows, "rows read", sourceLocation: sourceLocation)
        #expect(summary.imported == imported, "rows imported", sourceLocation: sourceLocation)
        #expect(summary.rejected == rejected.count, "rows rejected", sourceLocation: sourceLocation)
        #expect(summary.duplicate == 0, sourceLocation: sourceLocation)
        #expect(summary.rowsRead == summary.imported + summary.rejected + summary.duplicate, sourceLocation: sourceLocation)
        #expect(try store.count("SELECT COUNT(*) FROM transactions") == imported, sourceLocation: sourceLocation)
        let fileName = try store.pool.read { db in try String.fetchOne(db, sql: "SELECT file_name FROM imports WHERE id = ?", arguments: [summary.importID]) }
        #expect(fileName == name, "the import names its file", sourceLocation: sourceLocation)

        let stored = try store.rejectedRows(importID: summary.importID).map(\.rejection)
        #expect(stored.count == rejected.count, sourceLocation: sourceLocation)
        var byLine: [Int: Rejection] = [:]
        for rejection in stored {
            byLine[rejection.line] = rejection
            Self.checkVisible(rejection.reason, sourceLocation: sourceLocation)
            if let value = rejection.value {
                Self.checkVisible(value, sourceLocation: sourceLocation)
                #expect(value.count <= Rejection.shownCharacters + 40, "a long value is cut short", sourceLocation: sourceLocation)
            }
            #expect(!rejection.raw.isEmpty, "the raw row is kept", sourceLocation: sourceLocation)
            guard let expected = rejected[rejection.line] else {
                Issue.record("unexpected rejection on line \(rejection.line): \(rejection)", sourceLocation: sourceLocation)
                continue
            }
            #expect(rejection.column == expected.column, "line \(rejection.line): \(rejection.reason)", sourceLocation: sourceLocation)
            #expect(rejection.reason.contains(expected.reason), "line \(rejection.line): '\(rejection.reason)' should say '\(expected.reason)'",
                    sourceLocation: sourceLocation)
            if expected.column != nil {
                #expect(rejection.value != nil, "line \(rejection.line) shows the value", sourceLocation: sourceLocation)
            }
        }
        for line in rejected.keys where byLine[line] == nil {
            Issue.record("line \(line) should have been rejected (\(rejected[line]!))", sourceLocation: sourceLocation)
        }
        return Outcome(summary: summary, rejections: byLine, store: store)
    }

    /// No C0 or C1 control, DEL, or format character (bidi overrides, zero-width characters) in `text`.
    static func checkVisible(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let bad = text.unicodeScalars.filter { scalar in
            let v = scalar.value
            return v < 0x20 || (0x7F...0x9F).contains(v) || scalar.properties.generalCategory == .format
        }
        #expect(bad.isEmpty, "'\(text.debugDescription)' carries \(bad.map { String($0.value, radix: 16) })", sourceLocation: sourceLocation)
    }

    func merchants(_ store: Store) throws -> [String: String] {
        let rows = try store.pool.read { db in try Row.fetchAll(db, sql: "SELECT source_key, merchant FROM transactions") }
        return Dictionary(uniqueKeysWithValues: rows.map { ($0["source_key"] as String, $0["merchant"] as String) })
    }

    @Test func nanInfinityHugeAndNegativeZeroAmounts() throws {
        let finite = Expected(column: "amount", reason: "not a finite amount (NaN or infinity)")
        let exponent = Expected(column: "amount", reason: "exponent notation is not accepted")
        let outcome = try importHostile("amounts.csv", rows: 13, imported: 3, rejected: [
            3: finite, 4: finite, 5: finite, 6: finite, 7: finite, 8: exponent, 9: exponent, 10: exponent,
            13: Expected(column: "amount", reason: "amount too large"),
            14: Expected(column: "amount", reason: "unexpected character 'x'"),
        ])
        #expect(outcome.rejections[3]?.value == "NaN" && outcome.rejections[8]?.value == "1e308")
        let amounts = try outcome.store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT source_key, amount_minor FROM transactions ORDER BY id")
        }.map { ($0["source_key"] as String, $0["amount_minor"] as Int64) }
        #expect(amounts.map(\.0) == ["A1", "A10", "A11"])
        #expect(amounts.map(\.1) == [1250, 0, 0], "-0 is stored as 0")
    }

    /// Amounts past the maximum per transaction (10^15 minor units) are rejected naming it, the maximum itself
    /// imports, and the store's totals and statistics still work with it (they stopped with an overflow before).
    @Test func amountsBeyondTheMaximumAreRejectedNamingIt() throws {
        let tooLarge = Expected(column: "amount", reason: "amount too large: more than 10,000,000,000,000.00, the most one transaction may be")
        let outcome = try importHostile("huge-amounts.csv", rows: 9, imported: 4, rejected: [
            2: tooLarge, 3: tooLarge, 6: tooLarge, 7: tooLarge, 8: tooLarge,
        ])
        #expect(outcome.rejections[2]?.value == "50000000000000000.00" && outcome.rejections[6]?.value == "10000000000000.01")
        let amounts = try outcome.store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT source_key, amount_minor FROM transactions ORDER BY id")
        }.map { ($0["source_key"] as String, $0["amount_minor"] as Int64) }
        #expect(amounts.map(\.0) == ["H3", "H4", "H8", "H9"])
        #expect(amounts.map(\.1) == [Money.maximumMinorUnits, -Money.maximumMinorUnits, 100, Money.maximumMinorUnits])
        #expect(try outcome.store.stats().totalMinorUnitsByCurrency == ["USD": Money.maximumMinorUnits + 100])
    }

    /// A currency written in the amount that contradicts the currency column is rejected naming both, and so is an
    /// amount with two signs or two codes; a sign that fits the column (`$` for CAD) is taken in the column's currency.
    @Test func amountsInAnotherCurrencyThanTheColumnAreRejected() throws {
        let twoSigns = Expected(column: "amount", reason: "more than one currency sign")
        let outcome = try importHostile("currencies.csv", rows: 15, imported: 5, rejected: [
            2: Expected(column: "amount", reason: "the amount is in EUR but the currency column says USD"),
            3: Expected(column: "amount", reason: "the amount is in EUR (€) but the currency column says USD"),
            4: Expected(column: "amount", reason: "the amount is in pounds (£) but the currency column says USD"),
            5: twoSigns, 6: twoSigns, 7: twoSigns, 8: twoSigns,
            12: Expected(column: "amount", reason: "the sign € (EUR) disagrees with the code USD"),
            14: Expected(column: "amount", reason: "more than one currency code"),
            16: Expected(column: "amount", reason: "the amount is in yen or yuan (¥) but the currency column says GBP"),
        ])
        #expect(outcome.rejections[3]?.value == "€12.00" && outcome.rejections[5]?.value == "$$3")
        let stored = try outcome.store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT source_key, amount_minor, currency FROM transactions ORDER BY id")
        }.map { "\($0["source_key"] as String) \($0["amount_minor"] as Int64) \($0["currency"] as String)" }
        #expect(stored == ["C8 300 USD", "C9 1200 EUR", "C10 500 CAD", "C12 750 EUR", "C14 1200 USD"])
    }

    /// Two byte-order marks at the start (a file saved twice by a tool that adds one) are both skipped: the first
    /// column keeps its name, so the rows keep their ids (with the second mark left in, `id` went unrecognised and
    /// every row silently got a digest for its identity instead).
    @Test func aDoubledByteOrderMarkLeavesTheFirstColumnNamed() throws {
        let outcome = try importHostile("double-bom.csv", rows: 2, imported: 2, rejected: [:])
        let keys = try outcome.store.pool.read { db in try String.fetchAll(db, sql: "SELECT source_key FROM transactions ORDER BY id") }
        #expect(keys == ["B1", "B2"])
    }

    @Test func nanInfinityHugeAndNegativeZeroCoordinates() throws {
        let outcome = try importHostile("coordinates.csv", rows: 9, imported: 3, rejected: [
            2: Expected(column: "lat", reason: "not a finite number"),
            3: Expected(column: "lon", reason: "not a finite number"),
            4: Expected(column: "lat", reason: "not a finite number"),
            5: Expected(column: "lat", reason: "out of range"),
            6: Expected(column: "lon", reason: "out of range"),
            9: Expected(column: "lon", reason: "out of range"),
        ])
        let zero = try outcome.store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT home_lat, home_lon FROM transactions WHERE source_key = 'G6'")
        }
        let lat = try #require(zero?["home_lat"] as Double?)
        let lon = try #require(zero?["home_lon"] as Double?)
        #expect(lat == 0 && lat.sign == .plus && lon == 0 && lon.sign == .plus, "-0 is stored as 0")
    }

    @Test func hostileTimestamps() throws {
        let outcome = try importHostile("timestamps.csv", rows: 10, imported: 1, rejected: [
            2: Expected(column: "time", reason: "unrecognised timestamp format"),
            3: Expected(column: "time", reason: "unrecognised timestamp format"),
            4: Expected(column: "time", reason: "number too small to be an epoch timestamp"),
            5: Expected(column: "time", reason: "epoch value out of range"),
            6: Expected(column: "time", reason: "day 30 out of range"),
            7: Expected(column: "time", reason: "hour 24 out of range"),
            8: Expected(column: "time", reason: "year 9999 outside"),
            9: Expected(column: "time", reason: "zone offset out of range"),
            10: Expected(column: "time", reason: "unknown zone 'UT\\x07'"),
        ])
        #expect(outcome.rejections[10]?.value == "2023-01-01 10:00 UT\\x07", "the BEL is shown, not sent")
    }

    @Test func nulBytesRejectTheRowThatUsesThem() throws {
        let nul = "NUL byte in the field"
        let outcome = try importHostile("nul-bytes.csv", rows: 5, imported: 2, rejected: [
            2: Expected(column: "merchant", reason: nul), 3: Expected(column: "amount", reason: nul),
            5: Expected(column: "merchant", reason: nul),
        ])
        #expect(outcome.rejections[2]?.value == "Shop\\x00Evil")
        #expect(try merchants(outcome.store).keys.sorted() == ["N3", "N5"], "a NUL in a column no field uses is no reason to reject")
    }

    @Test func invalidUTF8IsRejectedWithTheColumnNamed() throws {
        let invalid = "invalid UTF-8"
        let outcome = try importHostile("invalid-utf8.csv", rows: 7, imported: 1, rejected: [
            2: Expected(column: "merchant", reason: invalid), 3: Expected(column: "client", reason: invalid),
            4: Expected(column: "merchant", reason: invalid), 5: Expected(column: "merchant", reason: invalid),
            6: Expected(column: "merchant", reason: invalid), 8: Expected(column: "merchant", reason: invalid),
        ])
        #expect(outcome.rejections[2]?.value == "Caf\u{FFFD}", "the bad byte shows as a replacement character")
        #expect(try merchants(outcome.store)["U6"] == "Café Zoë")
    }

    @Test func mixedLineEndingsKeepLineNumbers() throws {
        let outcome = try importHostile("line-endings.csv", rows: 6, imported: 5, rejected: [
            9: Expected(column: "amount", reason: "unexpected character 'x'"),
        ])
        let stored = try merchants(outcome.store)
        #expect(stored.keys.sorted() == ["L1", "L2", "L3", "L4", "L6"])
        #expect(stored["L4"] == "two\r\nlines")
    }

    @Test func escapeSequencesAndControlsInMerchantsAreStoredAsWritten() throws {
        let outcome = try importHostile("escape-sequences.csv", rows: 9, imported: 9, rejected: [:])
        let stored = try merchants(outcome.store)
        #expect(stored["E1"] == "\u{1B}[31mRED\u{1B}[0m")
        #expect(stored["E2"] == "\u{1B}]0;PWNED\u{07}Shop")
        #expect(stored["E3"] == "\u{1B}[2JWIPE")
        #expect(stored["E6"] == "\u{1B}P+q544e\u{1B}\\DCS")
        #expect(stored["E8"] == "\u{08}\u{08}\u{08}Backspace")
        let category = try outcome.store.pool.read { db in try String.fetchOne(db, sql: "SELECT category FROM transactions WHERE source_key = 'E1'") }
        #expect(category == "\u{1B}[5mblink")
    }

    @Test func c1ControlsAndBidiOverridesAreStoredAsWritten() throws {
        let outcome = try importHostile("c1-and-bidi.csv", rows: 9, imported: 9, rejected: [:])
        let stored = try merchants(outcome.store)
        #expect(stored["B1"] == "\u{202E}exe.txt")
        #expect(stored["B4"] == "\u{9B}31mC1CSI")
        #expect(stored["B7"] == "bom\u{FEFF}inside")
    }

    @Test func unbalancedQuotes() throws {
        let outcome = try importHostile("quotes.csv", rows: 4, imported: 3, rejected: [
            5: Expected(column: "merchant", reason: "unterminated quoted field (opened on line 5)"),
        ])
        let stored = try merchants(outcome.store)
        #expect(stored["Q1"] == "Joe\"s Diner" && stored["Q2"] == "Joe\"s Diner" && stored["Q3"] == "Closedtrailing")
        #expect(outcome.rejections[5]?.value?.hasPrefix("never closed,grocery") == true,
                "the swallowed rest of the file is in the rejected value")
    }

    @Test func wrongAndHugeNumbersOfColumns() throws {
        let outcome = try importHostile("columns.csv", rows: 5, imported: 2, rejected: [
            3: Expected(column: nil, reason: "expected 8 fields, found 20"),
            4: Expected(column: nil, reason: "more than 4096 fields"),
            5: Expected(column: nil, reason: "expected 8 fields, found 7"),
        ])
        #expect(outcome.rejections[4]?.raw.utf8.count ?? 0 < 10_000, "the kept raw row is cut off with the record")
    }

    @Test func aTenMegabyteFieldIsRejectedWithoutHoldingIt() throws {
        let outcome = try importHostile("huge-field.csv.gz", rows: 3, imported: 2, rejected: [
            3: Expected(column: "merchant", reason: "record longer than 1 MiB (cut off in field 5)"),
        ])
        let value = try #require(outcome.rejections[3]?.value)
        #expect(value.hasPrefix("AAAA") && value.hasSuffix(" bytes)"))
        #expect(value.count < 200)
        #expect(try merchants(outcome.store).keys.sorted() == ["H1", "H3"], "the rows after it are read as usual")
    }

    @Test func headerOnlyImportsNothing() throws {
        _ = try importHostile("header-only.csv", rows: 0, imported: 0, rejected: [:])
    }

    @Test func filesThatAreNotCSVAreRefusedWithAReason() throws {
        let empty = Self.path("empty.csv")
        #expect(throws: ImportError.empty(file: empty)) { try PreparedImport(path: empty) }
        let utf16 = Self.path("utf16.csv")
        #expect(throws: ImportError.notCSV(file: utf16, reason: "it holds binary data")) { try PreparedImport(path: utf16) }
        let wide = Self.path("header-wide.csv")
        #expect(throws: ImportError.notCSV(file: wide, reason: "header: more than 4096 fields")) { try PreparedImport(path: wide) }
    }

    /// Every file in the directory is covered by a test above, so a new hostile file cannot go unchecked.
    @Test func everyHostileFileIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("hostile")).filter { $0 != "README.md" }.sorted()
        #expect(files == ["amounts.csv", "c1-and-bidi.csv", "columns.csv", "coordinates.csv", "currencies.csv", "double-bom.csv",
                          "empty.csv", "escape-sequences.csv", "header-only.csv", "header-wide.csv", "huge-amounts.csv",
                          "huge-field.csv.gz", "invalid-utf8.csv", "line-endings.csv", "nul-bytes.csv", "quotes.csv",
                          "timestamps.csv", "utf16.csv"])
    }

    @Test func headerNamesInErrorsAreShownEscaped() throws {
        let path = scratch.file("evil-header.csv", "id,\u{1B}]0;PWNED\u{07},\u{202E}x\n1,2,3\n")
        do {
            _ = try PreparedImport(path: path)
            Issue.record("a header with no client, time or amount column was accepted")
        } catch {
            Self.checkVisible(error.description)
            #expect(error.description.contains("\\x1B]0;PWNED\\x07") && error.description.contains("\\u{202E}x"))
        }
    }

    @Test func columnNamesFromTheFileAreEscapedInRejectionsAndTheMappingSummary() throws {
        let evil = "\u{1B}[2Jmerchant\u{7}"
        let path = scratch.file("evil-columns.csv", bytes: Array("client,time,amount,\(evil)\nC1,2024-03-01 10:00:00,1.00,Caf".utf8)
                                    + [0xE9] + Array("\nC2,2024-03-01 10:00:00,1.00,Shop\n".utf8))
        let prepared = try PreparedImport(path: path, options: ImportOptions(overrides: [.merchant: evil]))
        #expect(prepared.mapping.summary.contains("merchant=\\x1B[2Jmerchant\\x07"))
        Self.checkVisible(prepared.mapping.summary)
        let store = try scratch.store()
        let summary = try store.importFile(prepared)
        #expect(summary.imported == 1 && summary.rejected == 1)
        let rejection = try #require(try store.rejectedRows(importID: summary.importID).first?.rejection)
        #expect(rejection.column == "\\x1B[2Jmerchant\\x07" && rejection.reason == "invalid UTF-8")
    }

    @Test func shownValuesAreEscapedAndCutShort() {
        #expect(Rejection.shown("plain value") == "plain value")
        #expect(Rejection.shown("a\u{1B}[2Jb\u{9B}c\u{202E}d\u{7F}") == "a\\x1B[2Jb\\u{009B}c\\u{202E}d\\x7F")
        let long = Rejection.shown(String(repeating: "é", count: 1000))
        #expect(long == String(repeating: "é", count: Rejection.shownCharacters) + "… (2000 bytes)")
    }
}
