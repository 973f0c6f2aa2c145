import Foundation
import VigilCore

/// One batch of parsed rows handed from the parsing thread to the writer: the rows that became
/// transactions (packed, with their lines and identity hashes, computed here rather than on the writer's
/// thread) and the rows that were rejected, each in file order.
struct ParsedBatch: Sendable {
    var rowCount = 0
    var rows: PackedRows
    var rejections: [Rejection] = []
    /// Compressed bytes consumed so far, for progress.
    var bytesRead: Int64 = 0
    var isLast = false
    /// On the last batch, the file's SHA-256 when the source hashed it as it was read.
    var contentHash: String?
    /// When the pipeline totals clients: their totals since the last batch that carried them, on the last batch and
    /// whenever they reach `ParsePipeline.clientLimit` clients.
    var clientTotals: ClientTotals?

    init(capacity: Int) {
        rows = PackedRows(capacity: capacity)
    }
}

/// Reads and converts rows on a thread of its own while the caller writes the previous batch to SQLite,
/// so parsing and inserting use two cores. At most `depth` batches wait, so memory stays bounded.
final class ParsePipeline: @unchecked Sendable {
    // Unchecked: `reader`, `hash`, `converter`, `record` and `clients` are touched only by the parsing thread once started;
    // `queue`, `failure` and `cancelled` only under `condition`.
    private let reader: CSVReader
    private let source: ByteSource
    private let hash: StreamingHash?
    private let converter: RowConverter
    private let batchSize: Int
    private let skip: Int
    /// Whether the parsing thread totals the clients of the rows it converts (`ParsedBatch.clientTotals`), for a
    /// load in which every converted row goes in or none does, instead of the writer's thread.
    private let totalsClients: Bool
    /// Most clients held before their totals go with a batch.
    private let clientLimit: Int
    private let depth = 3
    private let condition = NSCondition()
    private var queue: [ParsedBatch] = []
    private var failure: (any Error)?
    private var cancelled = false

    init(reader: CSVReader, source: ByteSource, hash: StreamingHash?, converter: RowConverter, batchSize: Int, skip: Int,
         totalsClients: Bool = false, clientLimit: Int = 250_000) {
        self.totalsClients = totalsClients
        self.clientLimit = clientLimit
        self.reader = reader
        self.source = source
        self.hash = hash
        self.converter = converter
        self.batchSize = batchSize
        self.skip = skip
    }

    func start() {
        // The thread keeps the pipeline alive while it runs, and lets go when it ends. (Keeping the thread in a
        // property made a cycle: every import leaked its pipeline and its 1 MiB read buffer, found by AddressSanitizer.)
        let thread = Thread { [self] in run() }
        thread.name = "vigil-import-parse"
        thread.start()
    }

    /// The next batch, waiting for it; rethrows a read error from the parsing thread.
    func next() throws -> ParsedBatch {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && failure == nil { condition.wait() }
        if !queue.isEmpty {
            let batch = queue.removeFirst()
            condition.broadcast()
            return batch
        }
        throw failure!
    }

    /// Stops the parsing thread (when the writer fails) and lets it finish.
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    private func run() {
        var record = CSVRecord()
        var clients = ClientTotals()
        do {
            var skipped = 0
            while skipped < skip, try reader.next(into: &record) { skipped += 1 }
            var finished = false
            while !finished {
                var batch = ParsedBatch(capacity: batchSize)
                while batch.rowCount < batchSize {
                    guard try reader.next(into: &record) else { finished = true; break }
                    batch.rowCount += 1
                    if let rejection = converter.convert(record, into: &batch.rows) {
                        batch.rejections.append(rejection)
                    } else if totalsClients {
                        clients.add(batch.rows, batch.rows.count - 1)
                    }
                }
                batch.bytesRead = source.offset
                batch.isLast = finished
                if finished { batch.contentHash = hash?.digest }
                if totalsClients && (finished || clients.count >= clientLimit) {
                    batch.clientTotals = clients
                    clients = ClientTotals()
                }
                condition.lock()
                while queue.count >= depth && !cancelled { condition.wait() }
                if cancelled { condition.unlock(); return }
                queue.append(batch)
                condition.broadcast()
                condition.unlock()
            }
        } catch {
            condition.lock()
            failure = error
            condition.broadcast()
            condition.unlock()
        }
    }
}
