import Foundation
import Testing
import VigilCore
@testable import VigilStore

/// An export whose amounts went through binary floats imports as the cents it meant, and says how many; a sub-cent
/// amount is rejected with where and why, or rounded and counted with `roundsSubCentAmounts`.
@Suite struct AmountRepairImportTests {
    let scratch = ScratchDirectory()

    let csv = """
        id,client,time,amount
        1,C1,2024-01-01 10:00:00,85.64999999999999
        2,C1,2024-01-02 10:00:00,0.30000000000000004
        3,C2,2024-01-02 11:00:00,-1.0000000000000002
        4,C2,2024-01-03 10:00:00,12.345
        5,C3,2024-01-03 11:00:00,7.10
        6,C3,2024-01-04 11:00:00,not money

        """

    func amounts(_ store: Store) throws -> [Int64] {
        try store.pool.read { db in try Int64.fetchAll(db, sql: "SELECT amount_minor FROM transactions ORDER BY id") }
    }

    @Test func renderingsImportAsTheirCentsAndAreCounted() throws {
        let store = try scratch.store()
        let summary = try store.importFile(try PreparedImport(path: scratch.file("f.csv", csv)))
        #expect(summary.imported == 4 && summary.rejected == 2)
        #expect(summary.amountAdjustments == { var a = AmountAdjustments(); a.fromFloatRendering = 3; return a }())
        #expect(try amounts(store) == [8565, 30, -100, 710])
        let subCent = summary.rejections.first { $0.line == 5 }
        #expect(subCent?.column == "amount" && subCent?.value == "12.345")
        #expect(subCent?.reason.hasPrefix("more than two decimal places") == true)
        #expect(try store.rejectedRows().map(\.rejection.line) == [5, 7])
    }

    @Test func roundingIsOptInAndCounted() throws {
        let store = try scratch.store()
        var options = ImportOptions()
        options.roundsSubCentAmounts = true
        let summary = try store.importFile(try PreparedImport(path: scratch.file("f.csv", csv), options: options))
        #expect(summary.imported == 5 && summary.rejected == 1)
        #expect(summary.amountAdjustments.fromFloatRendering == 3 && summary.amountAdjustments.rounded == 1)
        #expect(try amounts(store) == [8565, 30, -100, 1234, 710])
    }

    @Test func aDryRunCountsTheSame() throws {
        let summary = try PreparedImport(path: scratch.file("f.csv", csv)).validateAll()
        #expect(summary.imported == 4 && summary.rejected == 2 && summary.amountAdjustments.fromFloatRendering == 3)
    }

    /// A row whose amount was repaired but which is rejected for another field counts as rejected only.
    @Test func onlyConvertedRowsAreCounted() throws {
        let text = "client,time,amount,label\nC1,2024-01-01 10:00:00,85.64999999999999,maybe\nC1,2024-01-01 11:00:00,85.64999999999999,0\n"
        let summary = try PreparedImport(path: scratch.file("l.csv", text)).validateAll()
        #expect(summary.rejected == 1 && summary.amountAdjustments.fromFloatRendering == 1)
    }

    /// Many batches, counted across all of them.
    @Test func countsAddUpOverBatches() throws {
        var text = "client,time,amount\n"
        for i in 0..<2_500 { text += "C\(i % 40),2024-01-01 10:\(String(format: "%02d", i % 60)):00,\(i % 2 == 0 ? "0.30000000000000004" : "2.5")\n" }
        let store = try scratch.store()
        let summary = try store.importFile(try PreparedImport(path: scratch.file("b.csv", text),
                                                              options: ImportOptions(batchSize: 300)))
        #expect(summary.imported + summary.duplicate == 2_500)
        #expect(summary.amountAdjustments.fromFloatRendering == 1_250)
    }
}
