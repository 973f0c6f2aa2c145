import Foundation
import VigilCore
import VigilStore

/// Feeds arriving CSV lines into a store and scores them: each batch of lines is imported exactly as `vigil import`
/// imports a file (same column mapping, same rejections with line, field and value, same duplicate check on the
/// transaction's identity), then every transaction new to the store is scored by the `LiveScorer`.
///
/// Lines are numbered as in the input stream (the header is line 1), so a rejection points at the line the
/// producer sent.
public final class LiveIngest {
    public let store: Store
    public let scorer: LiveScorer?
    /// Why arriving transactions are stored but not scored (no fitted detectors yet), when they are not.
    public let notScoring: String?
    let options: ImportOptions
    /// What the lines come from ("standard input", a followed file's path), naming each batch's import.
    let sourceName: String
    private var batches = 0
    /// Lines consumed so far (the header included).
    public private(set) var linesSeen = 0

    /// What one batch did.
    public struct Outcome: Sendable {
        public var imported = 0
        public var rejected = 0
        public var duplicate = 0
        /// Rejections as "line N, column C, value 'V': reason", line numbers those of the input stream.
        public var rejections: [String] = []
        public var scoring = LiveScorer.Batch()

        public init() {}
    }

    public init(store: Store, config: VigilConfig, options: ImportOptions = ImportOptions(), sourceName: String = "ingest") throws {
        self.store = store
        self.options = options
        self.sourceName = sourceName
        do {
            let scorer = try LiveScorer(store: store, config: config)
            try scorer.catchUp()
            self.scorer = scorer
            notScoring = nil
        } catch let error as LiveScoringError {
            scorer = nil
            notScoring = error.description
        }
    }

    /// Imports `lines` (whole CSV records as the producer sent their bytes, without line ends) under `header`, then
    /// scores what is new.
    public func ingest(header: [UInt8], lines: [[UInt8]]) throws -> Outcome {
        var outcome = Outcome()
        let firstLine = linesSeen == 0 ? 2 : linesSeen + 1
        if linesSeen == 0 { linesSeen = 1 }
        linesSeen += lines.count
        guard !lines.isEmpty else { return outcome }
        batches += 1
        var bytes = header
        bytes.append(UInt8(ascii: "\n"))
        for line in lines {
            bytes += line
            bytes.append(UInt8(ascii: "\n"))
        }
        var importing = options
        importing.rejectionsShown = Int.max
        let prepared = try PreparedImport(bytes: bytes, name: "\(sourceName), lines \(firstLine)–\(linesSeen)", options: importing)
        let summary = try store.importFile(prepared)
        outcome.imported = summary.imported
        outcome.rejected = summary.rejected
        outcome.duplicate = summary.duplicate
        for r in summary.rejections {
            // The batch's line 2 (after its header) is the stream's `firstLine`.
            var place = "line \(r.line - 2 + firstLine)"
            if let column = r.column { place += ", column \(column)" }
            if let value = r.value { place += ", value '\(value.prefix(80))'" }
            outcome.rejections.append(place + ": " + r.reason)
        }
        outcome.scoring = try scoreArrivals()
        return outcome
    }

    /// Scores every transaction the store holds beyond what the scorer has seen (this process's and any other's).
    public func scoreArrivals() throws -> LiveScorer.Batch {
        var total = LiveScorer.Batch()
        guard let scorer else { return total }
        while true {
            let batch = try scorer.scorePending()
            total.scored += batch.scored
            total.late += batch.late
            total.alertsOpened += batch.alertsOpened
            total.latencies += batch.latencies
            total.verdicts += batch.verdicts
            if batch.latencies.isEmpty { return total }
        }
    }
}

/// Splits a byte stream into CSV records: whole lines, a quoted field's line breaks kept inside its record.
public struct RecordSplitter: Sendable {
    private var pending: [UInt8] = []
    private var quoted = false
    private var scanned = 0

    public init() {}

    /// Adds bytes; returns the records they complete (without their line ends; CR before LF dropped), as bytes:
    /// whatever they hold goes to the importer as it came, to be accepted or rejected there.
    public mutating func add(_ bytes: some Sequence<UInt8>) -> [[UInt8]] {
        pending.append(contentsOf: bytes)
        var records: [[UInt8]] = []
        var start = 0
        var i = scanned
        while i < pending.count {
            let byte = pending[i]
            if byte == UInt8(ascii: "\"") {
                quoted.toggle()
            } else if byte == UInt8(ascii: "\n") && !quoted {
                var end = i
                if end > start && pending[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                records.append(Array(pending[start ..< end]))
                start = i + 1
            }
            i += 1
        }
        pending.removeFirst(start)
        scanned = pending.count
        return records
    }

    /// What is left after the last line end (a last record without one), emptied.
    public mutating func finish() -> [UInt8]? {
        defer { pending = []; scanned = 0; quoted = false }
        var bytes = pending
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return bytes.isEmpty ? nil : bytes
    }
}
