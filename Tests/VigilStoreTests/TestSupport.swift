import CZlib
import Foundation
import GRDB
@testable import VigilStore

/// A scratch directory removed when the value goes away.
final class ScratchDirectory {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "vigil-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String, _ contents: String) -> String {
        let p = path + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: Data(contents.utf8))
        return p
    }

    func file(_ name: String, bytes: [UInt8]) -> String {
        let p = path + "/" + name
        _ = FileManager.default.createFile(atPath: p, contents: Data(bytes))
        return p
    }

    /// Gzips `text` into a file, keeping only the first `keepingBytes` compressed bytes when given (a truncated file).
    /// Compressed in-process with zlib: no child process, so nothing to wait for.
    func gzipped(_ name: String, _ text: String, keepingBytes: Int? = nil) throws -> String {
        let gz = path + "/" + name
        guard let file = gzopen(gz, "wb") else { throw CocoaError(.fileWriteUnknown) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        guard gzclose(file) == Z_OK, written == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        if let keepingBytes {
            let whole = try Data(contentsOf: URL(fileURLWithPath: gz))
            try whole.prefix(keepingBytes).write(to: URL(fileURLWithPath: gz))
        }
        return gz
    }

    func store() throws -> Store { try Store(path: path + "/store.sqlite") }
}

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures").path

    static func path(_ name: String) -> String { directory + "/" + name }
}

/// Reads every record of a CSV text through the real reader.
func records(_ text: String, in scratch: ScratchDirectory) throws -> [[String]] {
    try records(bytes: Array(text.utf8), in: scratch)
}

func records(bytes: [UInt8], in scratch: ScratchDirectory) throws -> [[String]] {
    let path = scratch.file("r-\(UUID().uuidString).csv", bytes: bytes)
    let reader = CSVReader(source: try ByteSource(path: path), chunkSize: 7)  // tiny chunks cross every boundary
    var record = CSVRecord()
    var out: [[String]] = []
    while try reader.next(into: &record) {
        var fields = (0..<record.fieldCount).map { record.lossyString($0) }
        if let problem = record.problem { fields.append("!" + problem) }
        out.append(fields)
    }
    return out
}

extension Store {
    func count(_ sql: String) throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }
}
