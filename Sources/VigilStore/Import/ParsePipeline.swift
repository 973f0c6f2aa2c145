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
    /// The batch's converted rows whose amounts were repaired or rounded.
    var amountAdjustments = AmountAdjustments()
    /// Cards first met in this batch (`CardRegistry`), stored with its rows.
    var newCards: [(token: [UInt8], clientID: String)] = []

    init(capacity: Int) {
        rows = PackedRows(capacity: capacity)
    }
}

/// Reads and converts rows on a thread of its own while the caller writes the previous batch to SQLite,
/// so parsing and inserting use two cores. At most `depth` batches wait, so memory stays bounded.
final class ParsePipeline: Sendable {
    /// What the two threads share: the batches parsed and not yet taken, why parsing stopped, and whether the
    /// writer gave up.
    private struct Handoff: Sendable {
        var queue: [ParsedBatch] = []
        var failure: (any Error)?
        var cancelled = false
    }

    private let handoff = Guarded(Handoff())
    private static let depth = 3

    private init() {}

    /// Starts parsing on a thread of its own, after skipping `skip` records. With `totalsClients`, the parsing
    /// thread totals the clients of the rows it converts (`ParsedBatch.clientTotals`), for a load in which every
    /// converted row goes in or none does, instead of the writer's thread; at most `clientLimit` clients are held
    /// before their totals go with a batch.
    static func start(reader: CSVReader, source: ByteSource, hash: StreamingHash?, converter: RowConverter, batchSize: Int,
                      skip: Int, totalsClients: Bool = false, clientLimit: Int = 250_000) -> ParsePipeline {
        let pipeline = ParsePipeline()
        // Unchecked: the reader, its source and the hash become the parsing thread's alone; the importer touches the
        // source again only to close it once the last batch is taken.
        nonisolated(unsafe) let parser = Parser(reader: reader, source: source, hash: hash, converter: converter,
                                                batchSize: batchSize, skip: skip, totalsClients: totalsClients,
                                                clientLimit: clientLimit)
        // The thread keeps the pipeline alive while it runs, and lets go when it ends; the pipeline does not keep
        // the thread, which would make a cycle that leaks both.
        let thread = Thread { parser.run(into: pipeline) }
        thread.name = "vigil-import-parse"
        thread.start()
        return pipeline
    }

    /// The next batch, waiting for it; rethrows a read error from the parsing thread.
    func next() throws -> ParsedBatch {
        // Only this thread takes batches, so what the wait found is still there.
        handoff.wait { !$0.queue.isEmpty || $0.failure != nil }
        return try handoff.update { state -> Result<ParsedBatch, any Error> in
            state.queue.isEmpty ? .failure(state.failure!) : .success(state.queue.removeFirst())
        }.get()
    }

    /// Stops the parsing thread (when the writer fails) and lets it finish.
    func cancel() {
        handoff.update { $0.cancelled = true }
    }

    /// Hands `batch` to the writer once fewer than `depth` wait; false when the writer gave up.
    fileprivate func put(_ batch: ParsedBatch) -> Bool {
        // Only the parsing thread adds batches, so the room the wait found is still there.
        handoff.wait { $0.queue.count < Self.depth || $0.cancelled }
        return handoff.update { state in
            if state.cancelled { return false }
            state.queue.append(batch)
            return true
        }
    }

    fileprivate func fail(_ error: any Error) {
        handoff.update { $0.failure = error }
    }
}

/// The parsing thread's side: reads records, converts them into batches and hands them over.
private struct Parser {
    let reader: CSVReader
    let source: ByteSource
    let hash: StreamingHash?
    let converter: RowConverter
    let batchSize: Int
    let skip: Int
    let totalsClients: Bool
    let clientLimit: Int

    func run(into pipeline: ParsePipeline) {
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
                    if let rejection = converter.convert(record, into: &batch.rows, counting: &batch.amountAdjustments) {
                        batch.rejections.append(rejection)
                    } else if totalsClients {
                        clients.add(batch.rows, batch.rows.count - 1)
                    }
                }
                batch.bytesRead = source.offset
                batch.isLast = finished
                batch.newCards = converter.cards?.takeNew() ?? []
                if finished { batch.contentHash = hash?.digest }
                if totalsClients && (finished || clients.count >= clientLimit) {
                    batch.clientTotals = clients
                    clients = ClientTotals()
                }
                guard pipeline.put(batch) else { return }
            }
        } catch {
            pipeline.fail(error)
        }
    }
}
