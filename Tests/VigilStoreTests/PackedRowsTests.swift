import Foundation
import Testing
import VigilCore
import VigilDetect
@testable import VigilStore

@Suite struct PackedRowsTests {
    /// `RowConverter.decimal` reads what it accepts exactly as `Double(_:)` (strtod) does, to the bit, and leaves
    /// everything else to it.
    @Test func decimalReadsLikeStrtod() {
        var random = SeededRandom(seed: 20_261_129)
        var accepted = 0
        for _ in 0..<50_000 {
            var text = ""
            switch random.nextInt(below: 4) {
            case 0: text += "-"
            case 1: text += "+"
            default: break
            }
            let whole = random.nextInt(in: 0...9)
            let fraction = random.nextInt(in: 0...14)
            for _ in 0..<whole { text += String(random.nextInt(below: 10)) }
            if fraction > 0 || random.nextInt(below: 2) == 0 { text += "." }
            for _ in 0..<fraction { text += String(random.nextInt(below: 10)) }
            let fast = text.utf8CString.withUnsafeBufferPointer { c in
                c.withMemoryRebound(to: UInt8.self) { RowConverter.decimal(UnsafeBufferPointer(rebasing: $0.dropLast())) }
            }
            let reference = Double(text)
            if let fast {
                accepted += 1
                #expect(fast.bitPattern == reference?.bitPattern, "\(text)")
            } else {
                // Refused: only when there are no digits or more than 15 significant ones.
                let digits = text.filter(\.isNumber).drop(while: { $0 == "0" })
                #expect(reference == nil || digits.count > 15, "\(text)")
            }
        }
        #expect(accepted > 25_000, "most are read by the fast path")
        for text in ["1e5", "0x10", "nan", "inf", "1.2.3", "--1", "", ".", "1,5", "12345678901234567"] {
            let fast = Array(text.utf8).withUnsafeBufferPointer { RowConverter.decimal($0) }
            #expect(fast == nil, "\(text)")
        }
    }

    @Test func transactionsRoundTripThroughPackedRows() {
        let transactions = [
            Transaction(sourceKey: "k1", clientID: "C1", instant: 1_700_000_000, originalTime: "2023-11-14 22:13:20",
                        amount: Money(minorUnits: -1_234, currency: "EUR"), merchant: "Café “Noir”", category: "",
                        city: "", state: nil, country: "FR", home: GeoPoint(latitude: 48.85, longitude: 2.35),
                        merchantLocation: nil, channel: .atm, label: 1, labelKind: "burst"),
            Transaction(sourceKey: "a much longer source key than fits a small string", clientID: "6508417329993844",
                        instant: -5, originalTime: "", amount: Money(minorUnits: 0), merchant: "", category: "travel",
                        home: nil, merchantLocation: GeoPoint(latitude: -0.5, longitude: 179.999999), channel: nil,
                        label: nil),
            Transaction(sourceKey: "k3", clientID: "C1", instant: 0, originalTime: "0", amount: Money(minorUnits: 7),
                        merchant: "m", category: "c", channel: .cardPresent, label: 0),
        ]
        let rows = PackedRows(transactions)
        #expect(rows.count == 3)
        for (i, t) in transactions.enumerated() {
            #expect(rows.transaction(at: i) == t)
            #expect(rows.hashes[i] == FNV1a.sourceHash(t.sourceKey))
        }
        #expect(rows.isAbsent(0, .state) && !rows.isAbsent(0, .city), "absent and empty differ")
    }

    /// A rejected row between good ones leaves nothing behind: the rows after it read back as they were written.
    @Test func aRejectedRowLeavesNoPartOfItself() throws {
        let csv = """
            id,client,time,amount,lat,long,city,label
            1,C1,2024-01-01 10:00:00,5.00,10.5,20.25,Paris,0
            2,C2,2024-01-01 11:00:00,6.00,10.5,20.25,Lyon,maybe
            3,C3,not a time,7.00,,,Nice,1
            4,C4,2024-01-01 12:00:00,8.00,,,,1

            """
        let source = ByteSource(bytes: Array(csv.utf8), name: "t.csv")
        let reader = CSVReader(source: source)
        var record = CSVRecord()
        _ = try reader.next(into: &record)
        let header = (0..<record.fieldCount).map { record.string($0)! }
        let mapping = try ColumnMapping.resolve(header: header, file: "t.csv", overrides: [:])
        let converter = RowConverter(mapping: mapping, delimiter: reader.delimiter, timestamps: TimestampParser(),
                                     amounts: AmountParser())
        var rows = PackedRows()
        var rejected: [Rejection] = []
        while try reader.next(into: &record) {
            if let rejection = converter.convert(record, into: &rows) { rejected.append(rejection) }
        }
        #expect(rejected.map(\.line) == [3, 4])
        #expect(rejected.map(\.column) == ["label", "time"])
        #expect(rows.count == 2)
        #expect(rows.transaction(at: 0).city == "Paris" && rows.transaction(at: 0).home == GeoPoint(latitude: 10.5, longitude: 20.25))
        let last = rows.transaction(at: 1)
        #expect(last.sourceKey == "4" && last.clientID == "C4" && last.city == nil && last.home == nil && last.label == 1)
        #expect(last.amount == Money(minorUnits: 800) && rows.lines == [2, 5])
    }

    /// The byte fast paths for currency codes, channels and labels agree with the text rules they stand in for.
    @Test func codesChannelsAndLabelsFromBytes() {
        func bytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
            Array(text.utf8).withUnsafeBufferPointer(body)
        }
        let codes: [(String, String?)] = [("usd", "USD"), ("Eur", "EUR"), ("GBP", "GBP"), ("US", nil), ("USDT", nil),
                                          ("U$D", nil), ("US1", nil), ("ßa", "SSA"), ("é€", nil)]
        for (text, expected) in codes { #expect(bytes(text, RowConverter.currencyCode) == expected, "\(text)") }
        let channels: [(String, Channel?)] = [("card_present", .cardPresent), ("Card-Present", .cardPresent),
                                              ("online", .online), ("ECOM", .online), ("atm", .atm), ("cash", .atm),
                                              ("atm ", nil), ("x", nil)]
        for (text, expected) in channels {
            #expect(bytes(text) { RowConverter.channel($0) } == expected, "\(text)")
            if let expected { #expect(RowConverter.channel(text) == expected) }
        }
        let labels: [(String, Int?)] = [("0", 0), ("1", 1), ("TRUE", 1), ("no", 0), ("Fraud", 1), ("2", nil), ("", nil)]
        for (text, expected) in labels { #expect(bytes(text, RowConverter.label) == expected, "\(text)") }
    }
}
