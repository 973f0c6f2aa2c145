// libFuzzer target for everything an import does to a file's bytes before SQLite sees them: the CSV reader
// (delimiter sniffing, header, records), the column mapping, the row converter, and the timestamp and amount
// parsers. Built by fuzz/run.sh together with the importer's own sources (not the package), so the package
// builds and tests as usual without the fuzzer flag.
//
// Besides "no crash, no hang, no unbounded memory" it checks properties that must hold for any input; a broken
// one traps, which libFuzzer reports as a crash with the input that broke it:
// - the reader gives the same records whatever its chunk size (every chunk boundary is a place to go wrong);
// - a record never holds more than the reader's limits;
// - a converted transaction has a finite amount and in-range coordinates and instant;
// - a rejection's value shows no control, escape or format character.

import Foundation
import VigilCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    fuzzParsers(bytes)
    fuzzReaderChunking(bytes)
    fuzzImport(bytes)
    return 0
}

/// 1900-01-01 minus the largest zone offset, and 2201-01-01 plus it.
private let earliestInstant: Int64 = -2_208_988_800 - 15 * 3600
private let latestInstant: Int64 = 7_289_568_000 + 15 * 3600

private func fuzzParsers(_ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { buffer in
        if case .success(let t) = TimestampParser().parse(bytes: buffer) {
            precondition(t >= earliestInstant && t <= latestInstant, "timestamp out of range: \(t)")
        }
        if case .success(let t) = TimestampParser(defaultOffsetSeconds: -12 * 3600).parse(bytes: buffer) {
            precondition(t >= earliestInstant && t <= latestInstant, "timestamp out of range: \(t)")
        }
        if case .success(let money) = AmountParser().parse(bytes: buffer) {
            precondition(money.currency.utf8.count == 3, "currency '\(money.currency)'")
            precondition(money.minorUnits.magnitude <= Money.maximumMinorUnits.magnitude, "amount past the maximum")
        }
        // A declared currency is never overruled by one written in the amount: the amount is in it or rejected.
        if case .success(let money) = AmountParser().parse(bytes: buffer, declared: .init(code: "EUR", source: "fuzz")) {
            precondition(money.currency == "EUR", "declared EUR, got \(money.currency)")
        }
    }
}

private struct Snapshot: Equatable {
    var line: Int
    var bytes: [UInt8]
    var ends: [Int]
    var problem: String?
    var problemField: Int?
}

private func readAll(_ bytes: [UInt8], chunkSize: Int, delimiter: UInt8, maxRecordBytes: Int, maxFields: Int) -> Result<[Snapshot], ImportError> {
    let reader = CSVReader(source: ByteSource(bytes: bytes, name: "fuzz.csv"), delimiter: delimiter, chunkSize: chunkSize,
                           maxRecordBytes: maxRecordBytes, maxFields: maxFields)
    var record = CSVRecord()
    var out: [Snapshot] = []
    do throws(ImportError) {
        while try reader.next(into: &record) {
            precondition(record.bytes.count <= maxRecordBytes && record.fieldCount <= maxFields, "record over the limits")
            precondition(record.fieldCount >= 1, "a record with no field")
            out.append(Snapshot(line: record.line, bytes: record.bytes, ends: record.ends,
                                problem: record.problem, problemField: record.problemField))
        }
    } catch {
        return .failure(error)
    }
    return .success(out)
}

private func fuzzReaderChunking(_ bytes: [UInt8]) {
    // The delimiter is sniffed from the first chunk only (a header longer than the import's 1 MiB chunk is no
    // header), so both readers are given the one the whole input shows. Small limits, so inputs of a few
    // kilobytes reach the code that cuts records off.
    let sniffer = CSVReader(source: ByteSource(bytes: bytes, name: "fuzz.csv"), chunkSize: 1 << 16)
    do throws(ImportError) { try sniffer.sniffDelimiter() } catch { preconditionFailure("reading from memory failed") }
    let delimiter = sniffer.delimiter
    let whole = readAll(bytes, chunkSize: 1 << 16, delimiter: delimiter, maxRecordBytes: 512, maxFields: 24)
    let chunked = readAll(bytes, chunkSize: 1 + bytes.count % 7, delimiter: delimiter, maxRecordBytes: 512, maxFields: 24)
    switch (whole, chunked) {
    case (.success(let a), .success(let b)): precondition(a == b, "records differ with the chunk size")
    default: preconditionFailure("reading from memory failed")
    }
}

/// The import's own steps (as `PreparedImport` and the parse pipeline take them), on the bytes in memory.
private func fuzzImport(_ bytes: [UInt8]) {
    let source = ByteSource(bytes: bytes, name: "fuzz.csv")
    let reader = CSVReader(source: source, chunkSize: 4096)
    var record = CSVRecord()
    var mapping: ColumnMapping?
    do throws(ImportError) {
        guard try reader.looksLikeText() else { return }
        try reader.sniffDelimiter()
        guard try reader.next(into: &record) else { return }
        if record.problem == nil {
            var names: [String] = []
            for i in 0..<record.fieldCount { names.append(record.string(i)?.trimmed ?? "") }
            if names.count >= 2 {
                do throws(ImportError) {
                    mapping = try ColumnMapping.resolve(header: names, file: "fuzz.csv", overrides: [:])
                } catch {
                    checkVisible(error.description, "import error")
                }
            }
        }
        // A header the import would refuse still leaves rows worth converting: map the first record's columns in
        // a fixed order, so every input with three or more fields reaches the converter.
        if mapping == nil {
            let n = record.fieldCount
            guard n >= 3 else { return }
            let order: [ImportField] = [.client, .time, .amount, .merchant, .homeLat, .homeLon, .merchLat, .merchLon,
                                        .currency, .channel, .label, .labelKind, .category, .city, .state, .country]
            var columns: [ImportField: Int] = [:]
            for (i, field) in order.prefix(n).enumerated() { columns[field] = i }
            mapping = ColumnMapping(layout: n % 2 == 0 ? "cards" : "mapped", columns: columns,
                                    idColumns: n > order.count ? [order.count] : [], header: (0..<n).map { "c\($0)" })
        }
        guard let mapping else { return }
        var converter = RowConverter(mapping: mapping, delimiter: reader.delimiter, timestamps: TimestampParser(),
                                     amounts: AmountParser())
        // Half the inputs import as into a store of tokens, so that the card-number path is fuzzed as well.
        let tokens = bytes.count % 2 == 0
        if tokens { converter.cards = FuzzCards() }
        while try reader.next(into: &record) {
            switch converter.convert(record) {
            case .success(let t):
                precondition(t.instant >= earliestInstant && t.instant <= latestInstant, "instant out of range")
                precondition(!t.clientID.isEmpty, "empty client")
                precondition(!tokens || CardNumber.packed(Array(t.clientID.utf8), separated: true) == nil,
                             "a card number kept as the client")
                precondition(t.amount.minorUnits.magnitude <= Money.maximumMinorUnits.magnitude, "amount past the maximum")
                for point in [t.home, t.merchantLocation].compactMap({ $0 }) {
                    precondition(point.latitude.isFinite && abs(point.latitude) <= 90, "latitude \(point.latitude)")
                    precondition(point.longitude.isFinite && abs(point.longitude) <= 180, "longitude \(point.longitude)")
                    precondition(point.latitude.sign == .plus || point.latitude != 0, "negative zero latitude")
                }
                _ = FNV1a.sourceHash(t.sourceKey)
            case .failure(let rejection):
                precondition(rejection.line >= 1, "rejection without a line")
                if let value = rejection.value { checkVisible(value, "rejected value") }
                checkVisible(rejection.reason, "rejection reason")
            }
        }
    } catch {
        preconditionFailure("reading from memory failed: \(error)")
    }
}

/// Text that will be printed: no C0/C1 control, DEL, or format character (bidi overrides and the like).
private func checkVisible(_ text: String, _ what: String) {
    for scalar in text.unicodeScalars {
        let v = scalar.value
        let category = scalar.properties.generalCategory
        precondition(v >= 0x20 && !(0x7F...0x9F).contains(v) && category != .format && category != .control,
                     "\(what) carries U+\(String(v, radix: 16))")
    }
}

/// The store's cards as the fuzz target sees them: a card's id is its masked number, its source-id part a fixed-size
/// stand-in; the converter's handling of both is what is fuzzed, not the keyed token.
private final class FuzzCards: CardIdentities {
    func clientID(_ number: CardNumber.Packed) -> [UInt8] {
        Array(CardNumber.masked(String(decoding: number.digits, as: UTF8.self)).utf8)
    }

    func idPart(_ number: CardNumber.Packed) -> [UInt8] { Array("tok_\(number.length)".utf8) }

    func takeNew() -> [(token: [UInt8], clientID: String)] { [] }
}
