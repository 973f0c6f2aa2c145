import ArgumentParser
import Foundation
import VigilCore
import VigilDetect
import VigilStore

struct Scores: ParsableCommand, StoreOptionCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every transaction's scores as CSV, by its source id, for other tools to join.",
        discussion: """
            Columns: source_id (the transaction's id in the file it came from; a part that is a card number is \
            masked, 356046******2174), transaction_id (the store's), then one column per detector the store's scans \
            ran, from its newest complete run, named as in the config, and ensemble last. Rules score only what they \
            flag: their other transactions are written 0. A transaction stored after the last scan has empty cells. \
            Streams: memory stays flat however many transactions the store holds.
            """)

    @OptionGroup var storeOption: StoreOption

    @Option(name: .long, help: ArgumentHelp("The CSV file to write, or - for standard output.", valueName: "FILE"))
    var out: String

    func run() throws {
        let store = try storeOption.openExisting()
        let sources = Self.columnOrder(try store.latestCompleteRuns())
        guard !sources.isEmpty else {
            printError("error: no detector has scored \(Sanitize.line(store.path)) yet; run `vigil scan --store \(Sanitize.line(store.path))` first")
            throw ExitCode(1)
        }
        let file = out == "-" ? nil : try PrivateFile.create(out)
        var chunk: [UInt8] = []
        chunk.reserveCapacity(1 << 20)
        func flush() throws {
            if let file { try file.write(bytes: chunk) } else { Output.writeRaw(String(decoding: chunk, as: UTF8.self), to: .standardOutput) }
            chunk.removeAll(keepingCapacity: true)
        }
        let header = ["source_id", "transaction_id"] + sources.map(\.detector)
        chunk.append(contentsOf: CSVCell.line(header.map(CSVCell.text)).utf8)
        chunk.append(0x0A)
        let progress = ProgressLine()
        let started = Date()
        var rows = 0
        var key: [UInt8] = []
        try store.streamScores(sources) { row in
            key.removeAll(keepingCapacity: true)
            CardNumber.appendMaskingParts(of: row.sourceKey, separator: UInt8(ascii: "|"), to: &key)
            chunk.append(contentsOf: CSVCell.text(String(decoding: key, as: UTF8.self)).utf8)
            chunk.append(UInt8(ascii: ","))
            chunk.append(contentsOf: String(row.transactionID).utf8)
            for score in row.scores {
                chunk.append(UInt8(ascii: ","))
                // Shortest text that reads back as the same double; empty where there is no score.
                if score == 0 { chunk.append(UInt8(ascii: "0")) } else if !score.isNaN { chunk.append(contentsOf: score.description.utf8) }
            }
            chunk.append(0x0A)
            rows += 1
            if chunk.count >= 1 << 20 {
                try flush()
                progress.update("scores: \(Formatting.grouped(rows)) transactions")
            }
        }
        try flush()
        progress.clear()
        guard let file else { return }
        try file.commit()
        print("\(Sanitize.line(out)): \(Formatting.grouped(rows)) transactions × \(sources.count) scores "
              + "(\(sources.map(\.detector).joined(separator: ", "))) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    /// Detectors in `Detector` order, any the store holds that this build does not know after them by name, and the
    /// ensemble last.
    static func columnOrder(_ sources: [ScoreSource]) -> [ScoreSource] {
        func rank(_ s: ScoreSource) -> (Int, String) {
            if s.detector == "ensemble" { return (Detector.allCases.count + 1, s.detector) }
            return (Detector(rawValue: s.detector)?.ordinal ?? Detector.allCases.count, s.detector)
        }
        return sources.sorted { rank($0) < rank($1) }
    }
}
