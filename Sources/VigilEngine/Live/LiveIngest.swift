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
    /// Lines of the current input stored so far (the header included): a batch's lines count once its import
    /// has committed, so after a failed batch this is where the input must be fed again from.
    public private(set) var linesSeen = 0

    /// What one batch did.
    public struct Outcome: Sendable {
        public var imported = 0
        public var rejected = 0
        public var duplicate = 0
        /// Rejections as "line N, column C, value 'V': reason", line numbers those of the input stream.
        public var rejections: [String] = []
        /// Amounts read otherwise than as written (floating-point renderings of whole cents).
        public var amountAdjustments = AmountAdjustments()
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

    /// Whether the current input's line 1 is its header.
    private var startsWithHeader = true

    /// The input line the next batch starts at.
    public var nextLine: Int { linesSeen == 0 && startsWithHeader ? 2 : linesSeen + 1 }

    /// Imports `lines` (whole CSV records as the producer sent their bytes, without line ends) under `header`, then
    /// scores what is new.
    public func ingest(header: [UInt8], lines: [[UInt8]]) throws -> Outcome {
        var outcome = try store(header: header, lines: lines)
        outcome.scoring = try scoreArrivals()
        return outcome
    }

    /// Imports `lines` under `header` in one write transaction (at most `options.batchSize` lines), without scoring.
    ///
    /// A batch that fails (a locked store, a full disk) leaves `linesSeen` where it was, so the same call can be
    /// made again: the importer resumes the batch's import, and the store skips whatever it already holds.
    public func store(header: [UInt8], lines: [[UInt8]]) throws -> Outcome {
        var outcome = Outcome()
        let firstLine = nextLine
        guard !lines.isEmpty else {
            if startsWithHeader { linesSeen = max(linesSeen, 1) }
            return outcome
        }
        let lastLine = firstLine + lines.count - 1
        batches += 1
        var bytes = header
        bytes.append(UInt8(ascii: "\n"))
        for line in lines {
            bytes += line
            bytes.append(UInt8(ascii: "\n"))
        }
        var importing = options
        importing.rejectionsShown = Int.max
        let prepared = try PreparedImport(bytes: bytes, name: "\(sourceName), lines \(firstLine)–\(lastLine)", options: importing)
        let summary = try store.importFile(prepared)
        linesSeen = lastLine
        outcome.imported = summary.imported
        outcome.rejected = summary.rejected
        outcome.duplicate = summary.duplicate
        outcome.amountAdjustments = summary.amountAdjustments
        for r in summary.rejections {
            // The batch's line 2 (after its header) is the input's `firstLine`.
            var place = "line \(r.line - 2 + firstLine)"
            if let column = r.column { place += ", column \(column)" }
            if let value = r.value { place += ", value '\(value.prefix(80))'" }
            outcome.rejections.append(place + ": " + r.reason)
        }
        return outcome
    }

    /// The input starts again (a followed file was truncated or replaced): lines are numbered from 1 again, line 1
    /// being a header when `startsWithHeader`.
    public func restartLines(startsWithHeader: Bool) {
        linesSeen = 0
        self.startsWithHeader = startsWithHeader
    }

    /// Whether `line` is a header this ingest can map (it names the columns the import needs), rather than a data
    /// row: a followed file that starts again may begin with a header or simply carry on with rows.
    public func isHeader(_ line: [UInt8]) -> Bool {
        (try? PreparedImport(bytes: line + [UInt8(ascii: "\n")], name: sourceName, options: options)) != nil
    }

    /// Scores every transaction the store holds beyond what the scorer has seen (this process's and any other's),
    /// committing at most `options.batchSize` (and 10,000) scores at a time so that the write lock is held briefly.
    ///
    /// The scorer steps its clients' states before it commits their scores; when the commit fails (a locked store,
    /// a full disk) those states have run ahead of the store, so they are rebuilt from the store's scored mark
    /// before the error goes on, and a later call scores the same transactions again, from the same states.
    public func scoreArrivals() throws -> LiveScorer.Batch {
        var total = LiveScorer.Batch()
        guard let scorer else { return total }
        while true {
            let batch: LiveScorer.Batch
            do {
                batch = try scorer.scorePending(limit: min(max(1, options.batchSize), 10_000))
            } catch {
                try scorer.catchUp()
                throw error
            }
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

/// Reads a file by name as it grows, as `tail -F` does: it notices when the file is truncated, rewritten,
/// replaced by another file (rotated), or removed and made again, and starts over on the file's new content, so
/// that no line is skipped. A line read twice is harmless: the store skips a transaction it already holds.
///
/// How a change is noticed: a size below what has been read means truncation; another file (device and inode)
/// at the path, once the open one has been read to its end, means replacement; and the first and the last
/// `fingerprintLength` bytes already read, checked again whenever the file changes, mean a rewrite when they
/// differ (a file truncated and written again longer than before between two looks). Its limit: a rewrite that
/// keeps both those stretches byte for byte but changes what lies between them is taken for an append.
public final class FollowedFile {
    /// What one `next` found.
    public enum Event: Equatable, Sendable {
        /// New bytes at the end of the file.
        case data([UInt8])
        /// Nothing new.
        case idle
        /// The file is shorter than what had been read: it is read again from its start.
        case truncated
        /// Bytes already read changed (truncated and written again, longer): it is read again from its start.
        case rewritten
        /// Another file is at the path now: the old one was read to its end; the new one is read from its start.
        case replaced
        /// Nothing is at the path any more: the old file was read to its end, and a new one is waited for.
        case vanished
    }

    public let path: String
    /// How many bytes at the start, and just before the read position, are checked again for a rewrite.
    public static let fingerprintLength = 4096
    private var descriptor: Int32
    private var device: UInt64
    private var inode: UInt64
    /// Bytes of the open file read so far.
    public private(set) var offset: Int64 = 0
    private var head: [UInt8] = []
    private var tail: [UInt8] = []
    /// The modification time and size at the last check of `head` and `tail`.
    private var checked: (Int, Int, Int64) = (0, 0, 0)
    private var isGone = false

    /// Opens `path`; throws a message naming it when it cannot be read.
    public init(path: String) throws(FollowError) {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FollowError(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw FollowError(path: path, reason: reason)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw FollowError(path: path, reason: "not a regular file")
        }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    deinit { close(descriptor) }

    /// Reads what is new, up to `limit` bytes, or says what happened to the file.
    public func next(limit: Int = 1 << 20) throws(FollowError) -> Event {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw FollowError(path: path, reason: String(cString: strerror(errno))) }
        if Int64(info.st_size) < offset {
            restart()
            return .truncated
        }
        // Only what the file holds beyond the read position is asked for: an idle look allocates nothing.
        let waiting = Int(min(Int64(limit), Int64(info.st_size) - offset))
        var chunk = [UInt8](repeating: 0, count: waiting)
        let count = waiting == 0 ? 0 : chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, waiting, off_t(offset)) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { return .idle }
            throw FollowError(path: path, reason: String(cString: strerror(errno)))
        }
        // Checked after reading: bytes read before a rewrite are kept only if what preceded them is unchanged after it.
        let changed = (info.st_mtim.tv_sec, info.st_mtim.tv_nsec, Int64(info.st_size)) != checked
        if count > 0 || changed {
            checked = (info.st_mtim.tv_sec, info.st_mtim.tv_nsec, Int64(info.st_size))
            if !readBytesAreUnchanged() {
                restart()
                return .rewritten
            }
        }
        if count > 0 {
            chunk.removeSubrange(count...)
            if head.count < Self.fingerprintLength { head += chunk.prefix(Self.fingerprintLength - head.count) }
            tail = Array((tail + chunk.suffix(Self.fingerprintLength)).suffix(Self.fingerprintLength))
            offset += Int64(count)
            return .data(chunk)
        }
        // At the end of the open file: is it still the one at the path?
        var current = stat()
        guard stat(path, &current) == 0 else {
            if isGone { return .idle }
            isGone = true
            return .vanished
        }
        isGone = false
        guard UInt64(current.st_dev) != device || UInt64(current.st_ino) != inode else { return .idle }
        let replacement = open(path, O_RDONLY | O_CLOEXEC)
        // Gone again, or not readable yet: looked at again on the next call.
        guard replacement >= 0 else { return .idle }
        var opened = stat()
        guard fstat(replacement, &opened) == 0 else {
            close(replacement)
            return .idle
        }
        close(descriptor)
        descriptor = replacement
        device = UInt64(opened.st_dev)
        inode = UInt64(opened.st_ino)
        restart()
        return .replaced
    }

    /// Whether the first and the last bytes read so far are still those bytes.
    private func readBytesAreUnchanged() -> Bool {
        func matches(_ expected: [UInt8], at position: Int64) -> Bool {
            guard !expected.isEmpty else { return true }
            var now = [UInt8](repeating: 0, count: expected.count)
            let count = now.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, expected.count, off_t(position)) }
            return count == expected.count && now == expected
        }
        return matches(head, at: 0) && matches(tail, at: offset - Int64(tail.count))
    }

    private func restart() {
        offset = 0
        head = []
        tail = []
        checked = (0, 0, 0)
    }
}

/// A followed file that cannot be read.
public struct FollowError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "cannot read \(path): \(reason)" }
}
