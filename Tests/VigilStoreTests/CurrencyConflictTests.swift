import Foundation
import GRDB
import Testing
import VigilCore
@testable import VigilStore

/// `--currency` given (ImportOptions.currencyIsDeclared) makes it the file's currency: an amount written in another
/// is rejected naming both, unless the row's own currency column says otherwise; not given, a written currency stands.
@Suite struct CurrencyConflictTests {
    let scratch = ScratchDirectory()

    func importText(_ text: String, declared: String?) throws -> (ImportSummary, [String]) {
        let store = try scratch.store()
        var options = ImportOptions(defaultCurrency: declared ?? "USD")
        options.currencyIsDeclared = declared != nil
        let summary = try store.importFile(try PreparedImport(path: scratch.file("rows.csv", text), options: options))
        let stored = try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT amount_minor, currency FROM transactions ORDER BY id")
        }.map { "\($0["amount_minor"] as Int64) \($0["currency"] as String)" }
        return (summary, stored)
    }

    let text = """
        client,time,amount,currency
        C1,2025-01-05T10:00:00Z,€12.00,
        C1,2025-01-05T10:01:00Z,12.00,
        C1,2025-01-05T10:02:00Z,$3,
        C1,2025-01-05T10:03:00Z,€4.00,EUR
        C1,2025-01-05T10:04:00Z,5.00 GBP,

        """

    @Test func aGivenCurrencyRejectsAmountsWrittenInAnother() throws {
        let (summary, stored) = try importText(text, declared: "USD")
        #expect(summary.rejections.map { "\($0.line) \($0.column ?? "") \($0.reason)" } == [
            "2 amount the amount is in EUR (€) but --currency says USD",
            "6 amount the amount is in GBP but --currency says USD",
        ])
        #expect(stored == ["1200 USD", "300 USD", "400 EUR"])
    }

    @Test func withoutOneAWrittenCurrencyStands() throws {
        let (summary, stored) = try importText(text, declared: nil)
        #expect(summary.rejected == 0)
        #expect(stored == ["1200 EUR", "1200 USD", "300 USD", "400 EUR", "500 GBP"])
    }
}
