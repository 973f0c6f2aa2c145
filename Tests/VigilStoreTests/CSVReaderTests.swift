import Foundation
import Testing
@testable import VigilStore

@Suite struct CSVReaderTests {
    let scratch = ScratchDirectory()

    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let text = "a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"line1\nline2\"\nplain,,end\n"
        let rows = try records(text, in: scratch)
        #expect(rows == [["a", "b", "c"], ["x, y", "say \"hi\"", "line1\nline2"], ["plain", "", "end"]])
    }

    @Test func crlfAndLoneCRAndNoFinalNewline() throws {
        #expect(try records("a,b\r\n1,2\r\n3,4", in: scratch) == [["a", "b"], ["1", "2"], ["3", "4"]])
        #expect(try records("a,b\r1,2\r", in: scratch) == [["a", "b"], ["1", "2"]])
        #expect(try records("a,\"b\r\nc\"\r\n", in: scratch) == [["a", "b\r\nc"]])
    }

    @Test func byteOrderMarkIsDropped() throws {
        let rows = try records(bytes: [0xEF, 0xBB, 0xBF] + Array("id,x\n1,2\n".utf8), in: scratch)
        #expect(rows.first?.first == "id")
    }

    /// Every leading mark goes, at any chunk size (a mark may straddle two chunks); bytes that only begin a mark, or
    /// a mark after the first field has begun, are text and kept.
    @Test func everyLeadingByteOrderMarkIsDroppedAtAnyChunkSize() throws {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        func read(_ bytes: [UInt8], chunkSize: Int) throws -> [[String]] {
            let reader = CSVReader(source: ByteSource(bytes: bytes, name: "marks.csv"), chunkSize: chunkSize)
            var record = CSVRecord()
            var out: [[String]] = []
            while try reader.next(into: &record) { out.append((0..<record.fieldCount).map { record.lossyString($0) }) }
            return out
        }
        for chunkSize in [1, 2, 3, 4, 5, 7, 1 << 20] {
            for marks in 1...4 {
                let rows = try read(Array(repeating: mark, count: marks).flatMap { $0 } + Array("id,x\n1,2\n".utf8), chunkSize: chunkSize)
                #expect(rows == [["id", "x"], ["1", "2"]], "\(marks) marks, chunk size \(chunkSize)")
            }
            #expect(try read(mark + mark, chunkSize: chunkSize).isEmpty, "chunk size \(chunkSize)")
            #expect(try read(mark + [0xEF, 0xBB], chunkSize: chunkSize) == [["\u{FFFD}"]], "chunk size \(chunkSize)")
            #expect(try read(mark + [0xEF, 0x41], chunkSize: chunkSize) == [["\u{FFFD}A"]], "chunk size \(chunkSize)")
            #expect(try read(Array("a".utf8) + mark + Array(",b\n".utf8), chunkSize: chunkSize) == [["a\u{FEFF}", "b"]])
        }
    }

    @Test func blankLinesAreSkippedAndLineNumbersKept() throws {
        let path = scratch.file("lines.csv", "h1,h2\n\n1,\"a\nb\"\n\r\n2,c\n")
        let reader = CSVReader(source: try ByteSource(path: path), chunkSize: 5)
        var record = CSVRecord()
        var lines: [Int] = []
        while try reader.next(into: &record) { lines.append(record.line) }
        #expect(lines == [1, 3, 6])
    }

    @Test func raggedRowsKeepTheirFieldCount() throws {
        let rows = try records("a,b,c\n1,2\n1,2,3,4\n", in: scratch)
        #expect(rows.map(\.count) == [3, 2, 4])
    }

    @Test func unterminatedQuoteIsReportedNotSwallowed() throws {
        let rows = try records("a,b\n1,\"never closed\n2,3\n", in: scratch)
        #expect(rows.count == 2)
        #expect(rows[1].last?.hasPrefix("!unterminated quoted field (opened on line 2)") == true)
    }

    @Test func emptyTrailingFieldAfterDelimiterAtEOF() throws {
        #expect(try records("a,b,", in: scratch) == [["a", "b", ""]])
    }

    @Test func csvTextRoundTripsThroughTheReader() throws {
        let original = [["plain", "with, comma", "with \"quote\"", "multi\nline", ""]]
        let path = scratch.file("rt.csv", "plain,\"with, comma\",\"with \"\"quote\"\"\",\"multi\nline\",\n")
        let reader = CSVReader(source: try ByteSource(path: path))
        var record = CSVRecord()
        _ = try reader.next(into: &record)
        let again = try records(record.csvText() + "\n", in: scratch)
        #expect(again == original)
    }

    @Test func gzipIsReadTransparently() throws {
        let gz = try scratch.gzipped("z.csv.gz", "a,b\n1,2\n")
        let reader = CSVReader(source: try ByteSource(path: gz))
        var record = CSVRecord()
        var rows: [[String]] = []
        while try reader.next(into: &record) { rows.append((0..<record.fieldCount).map { record.lossyString($0) }) }
        #expect(rows == [["a", "b"], ["1", "2"]])
    }

    @Test func aTruncatedGzipIsAnErrorNotAnEarlyEnd() throws {
        var text = "a,b\n"
        for i in 0..<5000 { text += "\(i),\(i * 7919 % 104_729)\n" }
        let gz = try scratch.gzipped("t.csv.gz", text, keepingBytes: 4000)
        let reader = CSVReader(source: try ByteSource(path: gz))
        var record = CSVRecord()
        do {
            while try reader.next(into: &record) {}
            Issue.record("a truncated gzip file read to the end without an error")
        } catch {
            #expect(error.description.contains("truncated"))
            #expect(error.description.hasPrefix(gz))
        }
    }

    @Test func delimiterIsSniffedFromTheHeader() throws {
        for (sep, text) in [("|", "a|b|c\n1|2|3\n"), (";", "a;b;c\n1;2;3\n"), ("\t", "a\tb\tc\n1\t2\t3\n"), (",", "a,b;c\n")] {
            let path = scratch.file("s.csv", text)
            let reader = CSVReader(source: try ByteSource(path: path))
            try reader.sniffDelimiter()
            #expect(reader.delimiter == UInt8(ascii: Unicode.Scalar(sep)!), "\(sep)")
        }
    }
}

@Suite struct ImportFieldOrdinalTests {
    @Test func ordinalsArePositionsInAllCases() {
        for (position, field) in ImportField.allCases.enumerated() { #expect(field.ordinal == position, "\(field)") }
    }
}

@Suite struct TrimmedFieldTests {
    let scratch = ScratchDirectory()

    @Test func fieldsAreTrimmedOfSpacesAndTabsAndCheckedForUTF8() throws {
        var bytes = Array(" plain ,\tZürich\t,   ,x,".utf8)
        bytes += [0x20, 0x66, 0xC3, 0x28, 0x20]  // "f" then an invalid two-byte sequence
        bytes += Array(",\u{1F600} \n".utf8)
        let path = scratch.file("t.csv", bytes: bytes)
        let reader = CSVReader(source: try ByteSource(path: path))
        var record = CSVRecord()
        #expect(try reader.next(into: &record))
        #expect(record.fieldCount == 6)
        #expect(record.trimmedString(0) == "plain")
        #expect(record.trimmedString(1) == "Zürich")
        #expect(record.trimmedString(2) == "")
        #expect(record.trimmedString(3) == "x")
        #expect(record.trimmedString(4) == nil)
        #expect(record.trimmedString(5) == "\u{1F600}")
    }
}
