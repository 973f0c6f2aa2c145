import Foundation
import Testing
@testable import VigilStore

/// Inputs the import fuzz target (fuzz/run.sh) found to break a property, kept as regression tests.
@Suite struct FuzzFindingsTests {
    /// Every record of `bytes`, read with chunks of `chunkSize` bytes from memory.
    func read(_ bytes: [UInt8], chunkSize: Int, maxRecordBytes: Int = CSVReader.defaultMaxRecordBytes,
              maxFields: Int = CSVReader.defaultMaxFields) throws -> [[String]] {
        let reader = CSVReader(source: ByteSource(bytes: bytes, name: "finding.csv"), chunkSize: chunkSize,
                               maxRecordBytes: maxRecordBytes, maxFields: maxFields)
        var record = CSVRecord()
        var out: [[String]] = []
        while try reader.next(into: &record) {
            out.append((0..<record.fieldCount).map { record.lossyString($0) } + [record.problem ?? ""])
        }
        return out
    }

    /// crash-9490b6ce: a byte-order mark followed by "-USD ", read in 2-byte chunks, kept the mark as text:
    /// the mark was looked for only in the first chunk. Chunks are now at least 3 bytes.
    @Test func aByteOrderMarkIsDroppedWhateverTheChunkSize() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("-USD ".utf8)
        for chunkSize in [1, 2, 3, 4, 1 << 20] {
            #expect(try read(bytes, chunkSize: chunkSize) == [["-USD ", ""]], "chunk size \(chunkSize)")
        }
    }

    /// crash-28d127e2: a byte-order mark that filled the first chunk exactly left nothing to read, and the reader
    /// read one byte past its buffer (AddressSanitizer: heap-buffer-overflow). A file of just a mark did the same
    /// with the import's own 1 MiB chunk.
    @Test func aByteOrderMarkFillingTheFirstChunkIsNotReadPast() throws {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF, 0xCF, 0xC2, 0xA3, 0xCF, 0xC2, 0xA3]
        for chunkSize in [3, 1 << 20] {
            #expect(try read(bytes, chunkSize: chunkSize) == [["\u{FFFD}£\u{FFFD}£", ""]])
        }
        #expect(try read([0xEF, 0xBB, 0xBF], chunkSize: 1 << 20).isEmpty)
        let scratch = ScratchDirectory()
        let markOnly = scratch.file("mark-only.csv", bytes: [0xEF, 0xBB, 0xBF])
        #expect(throws: ImportError.empty(file: markOnly)) { try PreparedImport(path: markOnly) }
    }

    /// A quote never closed swallows the rest of the file into one record; past the limit it is cut off, and the
    /// problem said is still the quote (it explains the length), not the limit.
    @Test func anUnterminatedQuoteIsNamedEvenPastTheLimit() throws {
        let bytes = Array(("a,b\n1,\"never closed\n" + String(repeating: "2,3\n", count: 100)).utf8)
        for chunkSize in [7, 1 << 20] {
            let rows = try read(bytes, chunkSize: chunkSize, maxRecordBytes: 64)
            #expect(rows.count == 2)
            #expect(rows[1].last == "unterminated quoted field (opened on line 2); cut off at 64 bytes")
        }
    }

    /// The reader's limits hold at every chunk size, and cut a record off in the same place.
    @Test func limitsCutRecordsOffTheSameWayAtEveryChunkSize() throws {
        let bytes = Array(("a,b\n" + String(repeating: "x", count: 100) + ",y\n" + String(repeating: ",", count: 40) + "\nlast,row\n").utf8)
        let expected = try read(bytes, chunkSize: 1 << 20, maxRecordBytes: 64, maxFields: 16)
        #expect(expected.count == 4)
        #expect(expected[1].last == "record longer than 64 bytes (cut off in field 1)")
        #expect(expected[2].last == "more than 16 fields")
        #expect(expected[3] == ["last", "row", ""])
        for chunkSize in [1, 5, 7, 64] {
            #expect(try read(bytes, chunkSize: chunkSize, maxRecordBytes: 64, maxFields: 16) == expected, "chunk size \(chunkSize)")
        }
    }
}
