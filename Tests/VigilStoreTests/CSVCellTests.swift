import Foundation
import Testing
import VigilCore
import VigilStore

/// `CSVCell`: the one rule for every cell of every CSV Vigil writes.
@Suite struct CSVCellTests {
    @Test func cellsASpreadsheetWouldEvaluateAreText() {
        #expect(CSVCell.text("=HYPERLINK(\"http://x\",\"y\")") == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"")
        #expect(CSVCell.text("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0")
        #expect(CSVCell.text("@SUM(1+1)") == "'@SUM(1+1)")
        #expect(CSVCell.text("-2+3") == "'-2+3")
        #expect(CSVCell.text("\t=1") == "'␉=1")
        #expect(CSVCell.text("\r=1") == "'␍=1")
        // Not at the start, or a lookalike: nothing to neutralise.
        #expect(CSVCell.text("a=b") == "a=b")
        #expect(CSVCell.text("Shop 1") == "Shop 1")
        #expect(CSVCell.text("") == "")
    }

    @Test func textIsSanitisedAndQuotedAsRFC4180() {
        #expect(CSVCell.text("a,b") == "\"a,b\"")
        #expect(CSVCell.text("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVCell.text("line\none") == "\"line\none\"")
        #expect(CSVCell.text("a\rb\r\nc") == "\"a␍b\r\nc\"")
        #expect(CSVCell.text("\u{1B}[31mred\u{07}") == "␛[31mred␇")
        #expect(CSVCell.text("abc\u{202E}\u{9B}") == "abc��")
        #expect(CSVCell.text("Café, Zürich") == "\"Café, Zürich\"")
    }

    @Test func numbersStayNumbers() {
        #expect(CSVCell.number("-3.10") == "-3.10")
        let t = Transaction(sourceKey: "=k", clientID: "@C1", instant: 1_700_000_000, originalTime: "t",
                            amount: Money(minorUnits: -310), merchant: "+Shop", category: "-food",
                            home: GeoPoint(latitude: -33.5, longitude: -70.25))
        let fields = TransactionCSV.row(t).components(separatedBy: ",")
        #expect(fields[0] == "'=k" && fields[1] == "'@C1" && fields[5] == "'+Shop" && fields[6] == "'-food")
        #expect(fields[3] == "-3.10" && fields[10] == "-33.500000" && fields[11] == "-70.250000")
    }

    @Test func normalRowsAreWrittenAsBefore() {
        let t = Transaction(sourceKey: "k1", clientID: "C1", instant: 1_700_000_000, originalTime: "t",
                            amount: Money(minorUnits: 1234), merchant: "fraud_Rippin, Kub and Mann", category: "misc_net")
        #expect(TransactionCSV.row(t) == "k1,C1,2023-11-14T22:13:20Z,12.34,USD,\"fraud_Rippin, Kub and Mann\",misc_net,,,,,,,,,,")
    }
}
