import Foundation
import GRDB
import VigilCore

/// Options for importing CSV files.
public struct ImportOptions: Sendable {
    /// `--map FIELD=COLUMN` overrides.
    public var overrides: [ImportField: String]
    /// Currency when neither a currency column nor a symbol says.
    public var defaultCurrency: String
    /// Whether the user named `defaultCurrency` (`--currency`): then it is the file's currency, and an amount written
    /// in another (`€12.00` in a dollar import) is rejected unless the row's currency column says so.
    public var currencyIsDeclared = false
    /// Round sub-cent amounts (`12.345`) half-even to the cent instead of rejecting them (`--round-amounts`).
    public var roundsSubCentAmounts = false
    /// Offset from UTC of timestamps that carry no zone, in seconds.
    public var defaultOffsetSeconds: Int
    /// Rows per transaction: the unit that commits atomically.
    public var batchSize: Int
    /// How many rejected rows the summary keeps for display.
    public var rejectionsShown: Int
    /// How many rejected rows an import keeps in the store (`rejected_rows`, `vigil rejected`); the rest are
    /// counted in its ledger but not kept, so a file of garbage cannot grow the store without bound.
    public var rejectionsKept: Int
    /// About how long one batch's transaction may hold the store's write lock before it commits, so another writer
    /// (an analyst's decision) never waits long behind an import.
    public var commitSeconds: Double = 0.15
    /// Test hook: stop as if killed once this many batches have committed.
    var interruptAfterBatches: Int?
    /// Most clients whose totals a load into a new store holds in memory before writing them (a test sets it low).
    var heldClientsLimit = 250_000
    /// Check each row's identity against the store as it loads, even into a new store being built
    /// (`Store.build`). When false, the first file into a new store loads without the identity index and the
    /// unique index built at its end checks every row at once; if that finds a repeated id, the import throws
    /// `StoreError.repeatedKeysInNewStore`, the build is discarded, and the caller runs it again with this set,
    /// so repeated rows are counted as duplicates one by one.
    public var checksIdentityAsItLoads = false

    public init(overrides: [ImportField: String] = [:], defaultCurrency: String = "USD", defaultOffsetSeconds: Int = 0,
                batchSize: Int = 20_000, rejectionsShown: Int = 20, rejectionsKept: Int = ImportOptions.defaultRejectionsKept) {
        self.overrides = overrides
        self.defaultCurrency = defaultCurrency
        self.defaultOffsetSeconds = defaultOffsetSeconds
        self.batchSize = batchSize
        self.rejectionsShown = rejectionsShown
        self.rejectionsKept = rejectionsKept
    }

    public static let defaultRejectionsKept = 10_000

    var amountParser: AmountParser { AmountParser(defaultCurrency: defaultCurrency, roundsSubCent: roundsSubCentAmounts) }
}

/// Where an import has got to, reported a few times a second.
public struct ImportProgress: Sendable {
    public var rowsRead: Int
    public var bytesRead: Int64
    public var totalBytes: Int64
    public var elapsedSeconds: Double

    public var rowsPerSecond: Double { elapsedSeconds > 0 ? Double(rowsRead) / elapsedSeconds : 0 }
    public var fraction: Double { totalBytes > 0 ? min(1, Double(bytesRead) / Double(totalBytes)) : 0 }
    public var secondsLeft: Double? {
        guard fraction > 0.01 else { return nil }
        return elapsedSeconds * (1 - fraction) / fraction
    }
}

/// How an import ended. `rowsRead == imported + rejected + duplicate` always holds.
public struct ImportSummary: Sendable {
    public var file: String
    public var importID: Int64
    public var layout: String
    public var mapping: String
    public var rowsRead: Int
    public var imported: Int
    public var rejected: Int
    public var duplicate: Int
    /// Set when the same content had already been imported completely: nothing was added.
    public var alreadyImportedAs: Int64?
    /// Set when an interrupted import of the same content was resumed after this many rows.
    public var resumedAfterRows: Int?
    public var seconds: Double
    /// The first rejected rows, for display; the first `ImportOptions.rejectionsKept` are in the store's `rejected_rows`.
    public var rejections: [Rejection]
    /// Rejected rows counted (in `rejected`) but not kept in `rejected_rows`, past `ImportOptions.rejectionsKept`.
    public var rejectedNotKept = 0
    /// Another process imported the same content at the same time and added part of it; the counts are the whole
    /// import's.
    public var sharedWithAnotherProcess = false
    /// Amounts read from floating-point renderings or rounded, among the rows this run converted (after a resume,
    /// the rows read since it).
    public var amountAdjustments = AmountAdjustments()
    /// Card numbers this run read in the client column and stored as tokens, when it read any.
    public var cardNumbers: CardNumbersRead?
}

/// What an import did with the card numbers it read: which column held them, how many values, how many cards.
public struct CardNumbersRead: Sendable, Equatable {
    public var column: String
    public var values: Int
    /// The cards the store knows after the import (those it held and those the import added).
    public var cards: Int
}

/// Thrown by the `interruptAfterBatches` test hook.
struct SimulatedInterruption: Error {}

/// Thrown inside a batch's transaction (rolling it back) when the import's ledger entry no longer says what this
/// process last committed: another process is importing the same content.
struct LedgerMoved: Error {}

/// An import's ledger entry (`imports`): its counters, and how many of its rejected rows are kept.
struct ImportLedger {
    var id: Int64
    var isComplete = false
    var read = 0
    var imported = 0
    var rejected = 0
    var duplicate = 0
    /// Rejected rows stored in `rejected_rows` (at most `ImportOptions.rejectionsKept`).
    var kept = 0

    init(id: Int64) { self.id = id }

    private init(_ row: Row, kept: Int) {
        id = row["id"]
        isComplete = row["status"] as String == "complete"
        read = row["rows_read"]
        imported = row["rows_imported"]
        rejected = row["rows_rejected"]
        duplicate = row["rows_duplicate"]
        self.kept = kept
    }

    private static let columns = "id, status, rows_read, rows_imported, rows_rejected, rows_duplicate"

    private static func kept(_ db: Database, _ id: Int64) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM rejected_rows WHERE import_id = ?", arguments: [id]) ?? 0
    }

    /// The entry of the content with this hash: its complete import if there is one, else its newest.
    static func fetch(_ db: Database, contentHash: String) throws -> ImportLedger? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT \(columns) FROM imports WHERE content_hash = ? ORDER BY status = 'complete' DESC, id DESC LIMIT 1
            """, arguments: [contentHash]) else { return nil }
        return ImportLedger(row, kept: try kept(db, row["id"]))
    }

    static func fetch(_ db: Database, id: Int64) throws -> ImportLedger? {
        guard let row = try Row.fetchOne(db, sql: "SELECT \(columns) FROM imports WHERE id = ?", arguments: [id])
        else { return nil }
        return ImportLedger(row, kept: try kept(db, id))
    }
}

/// How far the writer has got through a parsed batch: its next row and next rejection.
struct BatchPosition {
    var row = 0
    var rejection = 0

    func isEnd(of batch: ParsedBatch) -> Bool { row == batch.rows.count && rejection == batch.rejections.count }
}

/// A file opened and checked (readable, CSV, header mapped) before the store is touched, so a bad
/// file leaves the store exactly as it was.
public final class PreparedImport {
    public let path: String
    public let mapping: ColumnMapping
    /// SHA-256 of the file's bytes: an import's identity, so the same file is never imported twice.
    /// Computed on first use (`contentHash()`), which an import into a store with no imports yet
    /// overlaps with parsing.
    private var hash: String?
    /// The file's hash as it is read, for a plain file read from its start; dropped (`stopHashing`) when the
    /// hash is computed another way.
    private(set) var streamingHash: StreamingHash?
    public let fileSize: Int64
    let options: ImportOptions
    let source: ByteSource
    let reader: CSVReader
    let headerLine: Int

    /// Bytes held in memory rather than a file (what `vigil ingest` receives): `name` stands for the path in
    /// messages and in the store's record of the import.
    let bytes: [UInt8]?

    public convenience init(path: String, options: ImportOptions = ImportOptions()) throws(ImportError) {
        try self.init(source: try ByteSource(path: path), bytes: nil, options: options)
    }

    /// An import of `bytes` (a whole CSV, header first) named `name`.
    public convenience init(bytes: [UInt8], name: String, options: ImportOptions = ImportOptions()) throws(ImportError) {
        try self.init(source: ByteSource(bytes: bytes, name: name), bytes: bytes, options: options)
    }

    private init(source: ByteSource, bytes: [UInt8]?, options: ImportOptions) throws(ImportError) {
        let path = source.path
        self.path = path
        self.options = options
        self.source = source
        self.bytes = bytes
        fileSize = source.fileSize
        if fileSize == 0 { throw .empty(file: path) }
        if source.isPlainFile {
            streamingHash = StreamingHash()
            source.observer = streamingHash
        }
        reader = CSVReader(source: source)
        let header = try reader.readHeader(file: path)
        headerLine = header.line
        mapping = try ColumnMapping.resolve(header: header.names, file: path, overrides: options.overrides)
    }

    /// The same file or bytes prepared again, to read from the start.
    func reopened() throws(ImportError) -> PreparedImport {
        let source = if let bytes { ByteSource(bytes: bytes, name: path) } else { try ByteSource(path: path) }
        let again = try PreparedImport(source: source, bytes: bytes, options: options)
        again.stopHashing()
        return again
    }

    /// Whether the file's hash will be known once the file has been read to its end (`contentHash()` then
    /// costs nothing).
    var hashesAsItReads: Bool { streamingHash != nil }

    /// Stops hashing the file as it is read. Call before reading on another thread.
    func stopHashing() {
        source.observer = nil
        streamingHash = nil
    }

    public func contentHash() throws(ImportError) -> String {
        if let hash { return hash }
        let computed: String
        if let digest = streamingHash?.digest {
            computed = digest
        } else if let bytes {
            computed = Digest.sha256Hex(bytes)
        } else {
            computed = try Self.sha256(path: path)
        }
        hash = computed
        return computed
    }

    private static func sha256(path: String) throws(ImportError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .cannotRead(file: path, reason: String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        var hasher = Digest.Streaming()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(chunk) }
        } catch {
            throw .cannotRead(file: path, reason: "\(error.localizedDescription)")
        }
        return hasher.finishHex()
    }
}

/// What `withBulkWriting` tells the load it runs.
struct BulkLoad {
    /// The identity index is dropped: rows go in without duplicate checks, and the index built at the end checks them.
    var uncheckedIdentity: Bool
    /// The store held no transactions: references are checked once, at the end, rather than row by row.
    var intoEmptyStore: Bool
}

extension Store {
    /// Imports a prepared file. Rows commit in batches of at most `ImportOptions.batchSize` rows and about
    /// `ImportOptions.commitSeconds` of work: each batch, its rejected rows and the import's counters commit
    /// together, so a killed import leaves a consistent store, importing the same file again resumes after the last
    /// committed batch, and other writers (a triage decision) wait for the store at most one batch. A file whose
    /// content was already imported completely adds nothing.
    ///
    /// Two processes importing the same content at once share its one ledger entry: each batch commits only if the
    /// entry still says what this import last wrote, so only one of them adds rows at a time. The other waits; when
    /// the entry is finished it reports that, and when the entry stops moving (its importer was killed) it resumes
    /// from where the entry says.
    public func importFile(_ prepared: PreparedImport, progress: ((ImportProgress) -> Void)? = nil) throws -> ImportSummary {
        let started = Date()
        let mapping = prepared.mapping
        let options = prepared.options

        var converter = RowConverter(
            mapping: mapping, delimiter: prepared.reader.delimiter,
            timestamps: TimestampParser(defaultOffsetSeconds: options.defaultOffsetSeconds),
            amounts: options.amountParser, currencyIsDeclared: options.currencyIsDeclared)
        let tokenizer = try cardTokenizerForImport()
        converter.masksCardNumbers = tokenizer != nil
        // The cards of the latest parse (a restart makes a new registry from what the store then holds).
        var registry: CardRegistry?
        let firstImport = try pool.read { db in try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM imports)") ?? false }
        // The first file into a store being built loads without identity checks: every row it converts goes in, or
        // the whole load fails. Its parsing thread then totals the clients, which the writer's thread (the import's
        // bound) would otherwise do row by row. (A first import has nothing to resume, so it never skips rows.)
        let parserTotalsClients = firstImport && isBuilding && !options.checksIdentityAsItLoads
        func startParsing(_ file: PreparedImport, skip: Int) throws -> ParsePipeline {
            var converter = converter
            if let tokenizer {
                registry = try pool.read { db in try CardRegistry(tokenizer: tokenizer, db: db) }
                converter.cards = registry
            }
            return ParsePipeline.start(reader: file.reader, source: file.source, hash: file.streamingHash, converter: converter,
                                batchSize: options.batchSize, skip: skip, totalsClients: parserTotalsClients,
                                clientLimit: options.heldClientsLimit)
        }
        // Into a store with no imports yet there is nothing to resume or skip: parsing starts at once, and
        // the file's hash is computed meanwhile on this thread.
        // A plain file loading into a store being built (all or nothing: nothing to resume) is hashed by the
        // parsing thread as it reads, and its import is recorded with the hash in its last batch's
        // transaction: the file is read once, and no core waits for the hash.
        let streamsHash = firstImport && isBuilding && prepared.hashesAsItReads
        if !streamsHash { prepared.stopHashing() }
        var pipeline: ParsePipeline? = firstImport ? try startParsing(prepared, skip: 0) : nil
        defer { pipeline?.cancel() }
        let contentHash = streamsHash ? "" : try prepared.contentHash()

        // The lookup and the new entry in one write transaction, so that two processes importing the same content
        // at once find one entry between them.
        let ledger = try pool.write { db -> ImportLedger in
            if !streamsHash, let previous = try ImportLedger.fetch(db, contentHash: contentHash) { return previous }
            try db.execute(sql: """
                INSERT INTO imports (source, file_name, content_hash, file_size, layout, mapping, status, started_at)
                VALUES (?, ?, ?, ?, ?, ?, 'running', ?)
                """, arguments: [
                    prepared.bytes == nil ? URL(fileURLWithPath: prepared.path).standardizedFileURL.path : prepared.path,
                    prepared.bytes == nil ? URL(fileURLWithPath: prepared.path).lastPathComponent : prepared.path,
                    contentHash, prepared.fileSize,
                    mapping.layout, mapping.summary, Int64(started.timeIntervalSince1970),
                ])
            return ImportLedger(id: db.lastInsertedRowID)
        }
        let importID = ledger.id
        if ledger.isComplete {
            return ImportSummary(
                file: prepared.path, importID: importID, layout: mapping.layout, mapping: mapping.summary,
                rowsRead: 0, imported: 0, rejected: 0, duplicate: 0, alreadyImportedAs: importID,
                resumedAfterRows: nil, seconds: Date().timeIntervalSince(started), rejections: [])
        }

        var counts = ledger
        let skip = ledger.read
        // A fresh reader for each restart: the prepared one has been read from (its header, and rows when parsing
        // started before the ledger was known).
        var parsing: ParsePipeline
        if let started = pipeline, skip == 0 {
            parsing = started
        } else {
            pipeline?.cancel()
            parsing = try startParsing(pipeline == nil ? prepared : try prepared.reopened(), skip: skip)
            pipeline = parsing
        }

        var writer = TransactionWriter(importID: importID)
        var shown: [Rejection] = []
        var lastReport = Date()
        var batches = 0
        var sharedWith: Bool = false
        var adjustments = AmountAdjustments()

        try withBulkWriting(identityIsUnique: isBuilding && !options.checksIdentityAsItLoads) { load in
            writer = TransactionWriter(importID: importID, checksIdentity: !load.uncheckedIdentity,
                                       holdsClients: isBuilding && load.intoEmptyStore,
                                       heldClientsLimit: options.heldClientsLimit,
                                       countsClients: !(parserTotalsClients && load.uncheckedIdentity),
                                       createsClientsFirst: !load.intoEmptyStore)
            var finished = false
            while !finished {
                if let limit = options.interruptAfterBatches, batches >= limit { throw SimulatedInterruption() }
                batches += 1
                let batch = try parsing.next()
                adjustments.add(batch.amountAdjustments)
                var done = BatchPosition()
                // At least one commit per batch: an empty last batch still marks the import complete.
                var committedAny = false
                while !committedAny || !done.isEnd(of: batch) {
                    committedAny = true
                    let committed: (ImportLedger, BatchPosition, [Rejection])
                    do {
                        committed = try pool.write { db in
                            try commitPart(of: batch, from: done, counts: counts, writer: &writer, mapping: mapping,
                                           options: options, streamsHash: streamsHash, prepared: prepared, db)
                        }
                    } catch is LedgerMoved {
                        // Another process is importing the same content and committed since this one last did.
                        parsing.cancel()
                        sharedWith = true
                        guard let resumed = try waitWhileAnotherImports(importID) else { finished = true; break }
                        counts = resumed
                        parsing = try startParsing(try prepared.reopened(), skip: resumed.read)
                        pipeline = parsing
                        break
                    }
                    counts = committed.0
                    done = committed.1
                    // A moment without the write lock, in which another process's waiting write (a decision, polling
                    // for the lock every millisecond: `Store.waitForLock`) gets its turn.
                    if !isBuilding { usleep(2_000) }
                    for rejection in committed.2 where shown.count < options.rejectionsShown { shown.append(rejection) }
                    if done.isEnd(of: batch) && batch.isLast { finished = true }
                }
                if let progress, Date().timeIntervalSince(lastReport) >= 0.2 {
                    lastReport = Date()
                    progress(ImportProgress(rowsRead: counts.read, bytesRead: batch.bytesRead, totalBytes: prepared.fileSize,
                                            elapsedSeconds: lastReport.timeIntervalSince(started)))
                }
            }
        }
        if sharedWith {
            // The entry as it stands: this process and the other one each added part of it.
            counts = try pool.read { db in try ImportLedger.fetch(db, id: importID) } ?? counts
        }
        progress?(ImportProgress(rowsRead: counts.read, bytesRead: prepared.fileSize, totalBytes: prepared.fileSize,
                                 elapsedSeconds: Date().timeIntervalSince(started)))
        prepared.source.close()
        var summary = ImportSummary(
            file: prepared.path, importID: importID, layout: mapping.layout, mapping: mapping.summary,
            rowsRead: counts.read, imported: counts.imported, rejected: counts.rejected, duplicate: counts.duplicate,
            alreadyImportedAs: nil, resumedAfterRows: skip > 0 ? skip : nil,
            seconds: Date().timeIntervalSince(started), rejections: shown)
        summary.rejectedNotKept = counts.rejected - counts.kept
        summary.sharedWithAnotherProcess = sharedWith
        summary.amountAdjustments = adjustments
        if let registry, registry.values > 0 {
            summary.cardNumbers = CardNumbersRead(column: mapping.column(.client).map { mapping.header[$0] } ?? "client",
                                                  values: registry.values, cards: registry.cards)
        }
        return summary
    }

    /// Commits the next part of `batch`, from `position`: its rows until about `commitSeconds` of work is done
    /// (at least one statement's worth), the rejected rows that come before the next row left, and the ledger's
    /// counters. Returns the new counters, the position reached and the rejections committed.
    private func commitPart(of batch: ParsedBatch, from position: BatchPosition, counts: ImportLedger,
                            writer: inout TransactionWriter, mapping: ColumnMapping, options: ImportOptions,
                            streamsHash: Bool, prepared: PreparedImport,
                            _ db: Database) throws -> (ImportLedger, BatchPosition, [Rejection]) {
        let importID = writer.importID
        // The ledger must say what this import last committed, else another process has been adding to it.
        if !isBuilding {
            let stored = try Row.fetchOne(db, sql: "SELECT rows_read, status FROM imports WHERE id = ?", arguments: [importID])
            guard let stored, stored["rows_read"] as Int == counts.read, stored["status"] as String == "running"
            else { throw LedgerMoved() }
        }
        // A store being built is private to this process: nothing waits for its lock.
        let deadline = isBuilding ? Date.distantFuture : Date().addingTimeInterval(options.commitSeconds)
        var counts = counts
        var committed: [Rejection] = []
        try writer.beginBatch(db)
        if position.row == 0 && position.rejection == 0 { try CardRegistry.store(batch.newCards, db) }
        func reject(_ rejection: Rejection) throws {
            counts.rejected += 1
            if committed.count < options.rejectionsShown { committed.append(rejection) }
            guard counts.kept < options.rejectionsKept else { return }
            counts.kept += 1
            try db.execute(sql: """
                INSERT INTO rejected_rows (import_id, line, column_name, value, reason, raw)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [importID, rejection.line, rejection.column, rejection.value, rejection.reason, rejection.raw])
        }
        let rows = batch.rows
        var next = position
        while next.row < rows.count {
            let part = next.row..<min(next.row + 4 * TransactionWriter.rowsPerStatement, rows.count)
            // The rejected rows read before this part's first row, then the part's rows, in file order.
            while next.rejection < batch.rejections.count && batch.rejections[next.rejection].line < rows.lines[part.lowerBound] {
                try reject(batch.rejections[next.rejection])
                next.rejection += 1
                counts.read += 1
            }
            for (offset, outcome) in try writer.insert(rows, part, db).enumerated() {
                switch outcome {
                case .inserted: counts.imported += 1
                case .duplicate: counts.duplicate += 1
                case .identityCollision(let existing):
                    let index = part.lowerBound + offset
                    let transaction = rows.transaction(at: index)
                    try reject(Rejection(
                        line: rows.lines[index], column: mapping.idColumns.first.map { mapping.header[$0] },
                        value: transaction.sourceKey,
                        reason: StoreError.identityCollision(key: transaction.sourceKey, existingKey: existing).description
                            + "; map a different id column",
                        raw: TransactionCSV.row(transaction)))
                }
            }
            counts.read += part.count
            next.row = part.upperBound
            if Date() >= deadline { break }
        }
        if next.row == rows.count {
            while next.rejection < batch.rejections.count {
                try reject(batch.rejections[next.rejection])
                next.rejection += 1
                counts.read += 1
            }
        }
        let finished = batch.isLast && next.isEnd(of: batch)
        if !writer.countsClients, next.isEnd(of: batch), var totals = batch.clientTotals { try totals.write(db) }
        try writer.finishBatch(db, last: finished)
        if streamsHash && finished {
            let digest = try batch.contentHash ?? prepared.contentHash()
            try db.execute(sql: "UPDATE imports SET content_hash = ? WHERE id = ?", arguments: [digest, importID])
        }
        try db.execute(sql: """
            UPDATE imports SET rows_read = ?, rows_imported = ?, rows_rejected = ?,
                rows_duplicate = ?, status = ?, finished_at = ? WHERE id = ?
            """, arguments: [
                counts.read, counts.imported,
                counts.rejected, counts.duplicate, finished ? "complete" : "running",
                finished ? Int64(Date().timeIntervalSince1970) : nil, importID,
            ])
        return (counts, next, committed)
    }

    /// Waits while another process adds to import `importID`: nil once it is complete, or its counters when they
    /// have not moved for `Store.busyTimeout` (the other process was killed or stopped), to resume from.
    private func waitWhileAnotherImports(_ importID: Int64) throws -> ImportLedger? {
        var seen = try pool.read { db in try ImportLedger.fetch(db, id: importID) }
        var lastMove = Date()
        while true {
            guard let current = seen, !current.isComplete else { return nil }
            if Date().timeIntervalSince(lastMove) >= max(1, Store.busyTimeout) { return current }
            Thread.sleep(forTimeInterval: 0.1)
            let now = try pool.read { db in try ImportLedger.fetch(db, id: importID) }
            if now?.read != current.read || now?.isComplete != current.isComplete { lastMove = Date() }
            seen = now
        }
    }

    /// Runs bulk writes with `synchronous = NORMAL` (safe in WAL against corruption; only the last batches can be
    /// lost to a power cut, and a re-run resumes them), restoring full durability afterwards for triage writes.
    /// With `identityIsUnique` (generated data, or the first file into a new store being built) and an empty
    /// store, the identity index is dropped too and `body` is told so (`uncheckedIdentity`): it may insert without
    /// duplicate checks. Building the unique index at the end then checks every row at once, and throws
    /// `StoreError.repeatedKeysInNewStore` if an id repeats.
    func withBulkWriting<T>(identityIsUnique: Bool = false, _ body: (BulkLoad) throws -> T) throws -> T {
        // A bounded page cache (32 MiB) for the load: larger caches are no faster, and memory stays flat in the
        // file's size.
        let emptyStore = try pool.writeWithoutTransaction { db in
            if !isBuilding { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            try db.execute(sql: "PRAGMA cache_size = -32768")
            let empty = try Int.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM transactions)") == 1
            if empty {
                for index in Schema.rebuildableIndexes { try db.execute(sql: "DROP INDEX IF EXISTS \(index.name)") }
                if identityIsUnique { try db.execute(sql: "DROP INDEX IF EXISTS \(Schema.identityIndex.name)") }
                // Checking each row's client and import as it goes in costs more than one pass at the end, and the
                // writer adds each batch's clients in the batch's own transaction, so the end check is a guard
                // against a bug, not a filter.
                try db.execute(sql: "PRAGMA foreign_keys = OFF")
            }
            return empty
        }
        func restore() throws {
            try pool.writeWithoutTransaction { db in
                defer {
                    try? db.execute(sql: "PRAGMA cache_size = -2000; PRAGMA foreign_keys = ON")
                    if !isBuilding { try? db.execute(sql: "PRAGMA synchronous = FULL") }
                }
                guard emptyStore else { return }
                try db.execute(sql: "PRAGMA foreign_keys = ON")
                do {
                    try Schema.buildIndexesForBulkLoad(db)
                } catch let error as DatabaseError where uncheckedIdentity && error.resultCode == .SQLITE_CONSTRAINT {
                    throw StoreError.repeatedKeysInNewStore
                }
                let orphans = try Schema.orphanedTransactions(db)
                if orphans > 0 { throw StoreError.brokenReferences(table: "transactions", rows: orphans) }
            }
        }
        let uncheckedIdentity = emptyStore && identityIsUnique
        let result: T
        do {
            result = try body(BulkLoad(uncheckedIdentity: uncheckedIdentity, intoEmptyStore: emptyStore))
        } catch {
            do {
                try restore()
            } catch StoreError.repeatedKeysInNewStore {
                // The unchecked rows cannot stay: the caller must discard them, whatever stopped the load.
                throw StoreError.repeatedKeysInNewStore
            } catch {}
            throw error
        }
        try restore()
        return result
    }

    /// The imports (all, or `importID`) that rejected more rows than they kept (`ImportOptions.rejectionsKept`):
    /// how many each counted and how many it kept, by import.
    public func rejectedRowsNotKept(importID: Int64? = nil) throws -> [(importID: Int64, counted: Int, kept: Int)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT i.id, i.rows_rejected AS counted,
                       (SELECT COUNT(*) FROM rejected_rows AS r WHERE r.import_id = i.id) AS kept
                FROM imports AS i WHERE (?1 IS NULL OR i.id = ?1) AND i.rows_rejected > 0 AND counted > kept ORDER BY i.id
                """, arguments: [importID]).map { ($0["id"], $0["counted"], $0["kept"]) }
        }
    }

    /// Rejected rows of an import, in line order.
    public func rejectedRows(importID: Int64? = nil, limit: Int = 1000) throws -> [(importID: Int64, rejection: Rejection)] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT import_id, line, column_name, value, reason, raw FROM rejected_rows
                WHERE (?1 IS NULL OR import_id = ?1) ORDER BY import_id, line LIMIT ?2
                """, arguments: [importID, limit])
            return rows.map { row in
                (row["import_id"], Rejection(line: row["line"], column: row["column_name"], value: row["value"],
                                             reason: row["reason"], raw: row["raw"]))
            }
        }
    }
}

extension PreparedImport {
    /// Reads and checks every row without touching a store (`vigil import --dry-run`): what would be
    /// imported and what rejected, and why. Duplicates can only be known against a store, so none are counted.
    public func validateAll(progress: ((ImportProgress) -> Void)? = nil) throws -> ImportSummary {
        let started = Date()
        let converter = RowConverter(
            mapping: mapping, delimiter: reader.delimiter,
            timestamps: TimestampParser(defaultOffsetSeconds: options.defaultOffsetSeconds),
            amounts: options.amountParser, currencyIsDeclared: options.currencyIsDeclared)
        stopHashing()
        var record = CSVRecord()
        var read = 0, valid = 0, rejected = 0
        var shown: [Rejection] = []
        var rows = PackedRows()
        var adjustments = AmountAdjustments()
        while try reader.next(into: &record) {
            read += 1
            if read & 1023 == 0 { rows.removeAll() }
            if let rejection = converter.convert(record, into: &rows, counting: &adjustments) {
                rejected += 1
                if shown.count < options.rejectionsShown { shown.append(rejection) }
            } else {
                valid += 1
            }
            if let progress, read & 16383 == 0 {
                progress(ImportProgress(rowsRead: read, bytesRead: source.offset, totalBytes: fileSize,
                                        elapsedSeconds: Date().timeIntervalSince(started)))
            }
        }
        source.close()
        var summary = ImportSummary(
            file: path, importID: 0, layout: mapping.layout, mapping: mapping.summary, rowsRead: read,
            imported: valid, rejected: rejected, duplicate: 0, alreadyImportedAs: nil, resumedAfterRows: nil,
            seconds: Date().timeIntervalSince(started), rejections: shown)
        summary.amountAdjustments = adjustments
        return summary
    }
}

/// SHA-256 of the bytes a `ByteSource` hands back, as they are read.
final class StreamingHash: ByteSourceObserver {
    private var hasher = Digest.Streaming()
    /// The hash in hex, once the source has handed back its last byte.
    private(set) var digest: String?

    func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bytes) }

    func finish() { digest = hasher.finishHex() }
}
