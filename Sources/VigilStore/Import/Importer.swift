import Crypto
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
    /// Offset from UTC of timestamps that carry no zone, in seconds.
    public var defaultOffsetSeconds: Int
    /// Rows per transaction: the unit that commits atomically.
    public var batchSize: Int
    /// How many rejected rows the summary keeps for display (all are stored).
    public var rejectionsShown: Int
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
                batchSize: Int = 20_000, rejectionsShown: Int = 20) {
        self.overrides = overrides
        self.defaultCurrency = defaultCurrency
        self.defaultOffsetSeconds = defaultOffsetSeconds
        self.batchSize = batchSize
        self.rejectionsShown = rejectionsShown
    }
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
    /// The first rejected rows, for display; every one is in the store's `rejected_rows`.
    public var rejections: [Rejection]
}

/// Thrown by the `interruptAfterBatches` test hook.
struct SimulatedInterruption: Error {}

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
        guard try reader.looksLikeText() else { throw .notCSV(file: path, reason: "it holds binary data") }
        try reader.sniffDelimiter()
        var header = CSVRecord()
        guard try reader.next(into: &header) else { throw .empty(file: path) }
        headerLine = header.line
        if let problem = header.problem { throw .notCSV(file: path, reason: "header: \(problem)") }
        var names: [String] = []
        for i in 0..<header.fieldCount {
            guard let name = header.string(i) else { throw .notCSV(file: path, reason: "header is not valid UTF-8") }
            names.append(name.trimmed)
        }
        if names.count < 2 {
            throw .notCSV(file: path, reason: "the header has a single column ('\(names.first ?? "")'); expected a delimited header row")
        }
        mapping = try ColumnMapping.resolve(header: names, file: path, overrides: options.overrides)
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
            computed = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
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
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        } catch {
            throw .cannotRead(file: path, reason: "\(error.localizedDescription)")
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
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
    /// Imports a prepared file. Rows commit in batches (`ImportOptions.batchSize`): each batch, its rejected
    /// rows and the import's counters commit together, so a killed import leaves a consistent store, and
    /// importing the same file again resumes after the last committed batch. A file whose content was
    /// already imported completely adds nothing.
    public func importFile(_ prepared: PreparedImport, progress: ((ImportProgress) -> Void)? = nil) throws -> ImportSummary {
        let started = Date()
        let mapping = prepared.mapping
        let options = prepared.options

        let converter = RowConverter(
            mapping: mapping, delimiter: prepared.reader.delimiter,
            timestamps: TimestampParser(defaultOffsetSeconds: options.defaultOffsetSeconds),
            amounts: AmountParser(defaultCurrency: options.defaultCurrency), currencyIsDeclared: options.currencyIsDeclared)
        let firstImport = try pool.read { db in try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM imports)") ?? false }
        // The first file into a store being built loads without identity checks: every row it converts goes in, or
        // the whole load fails. Its parsing thread then totals the clients, which the writer's thread (the import's
        // bound) would otherwise do row by row. (A first import has nothing to resume, so it never skips rows.)
        let parserTotalsClients = firstImport && isBuilding && !options.checksIdentityAsItLoads
        func startParsing(skip: Int) -> ParsePipeline {
            let pipeline = ParsePipeline(reader: prepared.reader, source: prepared.source, hash: prepared.streamingHash,
                                         converter: converter, batchSize: options.batchSize, skip: skip,
                                         totalsClients: parserTotalsClients,
                                         clientLimit: options.heldClientsLimit)
            pipeline.start()
            return pipeline
        }
        // Into a store with no imports yet there is nothing to resume or skip: parsing starts at once, and
        // the file's hash is computed meanwhile on this thread. (Measured and dropped: a third thread for the
        // hash, 1.33 s against 1.26 s on cards-2023 on two cores; the parsing thread hashing the file after its
        // last batch, within noise.)
        // A plain file loading into a store being built (all or nothing: nothing to resume) is hashed by the
        // parsing thread as it reads, and its import is recorded with the hash in its last batch's
        // transaction: the file is read once, and no core waits for the hash (a 1.1 GB export spent 7 s
        // hashing before its first row went in while its parsing thread waited; bench/RESULTS.md).
        let streamsHash = firstImport && isBuilding && prepared.hashesAsItReads
        if !streamsHash { prepared.stopHashing() }
        var pipeline: ParsePipeline? = firstImport ? startParsing(skip: 0) : nil
        defer { pipeline?.cancel() }
        let contentHash = streamsHash ? "" : try prepared.contentHash()

        let previous = firstImport ? nil : try pool.read { db in
            try Row.fetchOne(db, sql: """
                SELECT id, status, rows_read, rows_imported, rows_rejected, rows_duplicate
                FROM imports WHERE content_hash = ? ORDER BY status = 'complete' DESC, id DESC LIMIT 1
                """, arguments: [contentHash])
        }
        if let previous, previous["status"] as String == "complete" {
            return ImportSummary(
                file: prepared.path, importID: previous["id"], layout: mapping.layout, mapping: mapping.summary,
                rowsRead: 0, imported: 0, rejected: 0, duplicate: 0, alreadyImportedAs: previous["id"],
                resumedAfterRows: nil, seconds: Date().timeIntervalSince(started), rejections: [])
        }

        var counts = (read: 0, imported: 0, rejected: 0, duplicate: 0)
        let importID: Int64
        var skip = 0
        if let previous {
            importID = previous["id"]
            skip = previous["rows_read"]
            counts = (previous["rows_read"], previous["rows_imported"], previous["rows_rejected"], previous["rows_duplicate"])
        } else {
            importID = try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO imports (source, file_name, content_hash, file_size, layout, mapping, status, started_at)
                    VALUES (?, ?, ?, ?, ?, ?, 'running', ?)
                    """, arguments: [
                        prepared.bytes == nil ? URL(fileURLWithPath: prepared.path).standardizedFileURL.path : prepared.path,
                        prepared.bytes == nil ? URL(fileURLWithPath: prepared.path).lastPathComponent : prepared.path,
                        contentHash, prepared.fileSize,
                        mapping.layout, mapping.summary, Int64(started.timeIntervalSince1970),
                    ])
                return db.lastInsertedRowID
            }
        }
        let parsing = pipeline ?? startParsing(skip: skip)
        pipeline = parsing

        var writer = TransactionWriter(importID: importID)
        var shown: [Rejection] = []
        var lastReport = Date()

        var batches = 0
        var finished = false
        try withBulkWriting(identityIsUnique: isBuilding && !options.checksIdentityAsItLoads) { load in
            writer = TransactionWriter(importID: importID, checksIdentity: !load.uncheckedIdentity,
                                       holdsClients: isBuilding && load.intoEmptyStore,
                                       heldClientsLimit: options.heldClientsLimit,
                                       countsClients: !(parserTotalsClients && load.uncheckedIdentity))
            while !finished {
                if let limit = options.interruptAfterBatches, batches >= limit { throw SimulatedInterruption() }
                batches += 1
                let batch = try parsing.next()
                finished = batch.isLast
                try pool.write { db in
                    try writer.beginBatch(db)
                    func reject(_ rejection: Rejection) throws {
                        counts.rejected += 1
                        if shown.count < options.rejectionsShown { shown.append(rejection) }
                        try db.execute(sql: """
                            INSERT INTO rejected_rows (import_id, line, column_name, value, reason, raw)
                            VALUES (?, ?, ?, ?, ?, ?)
                            """, arguments: [importID, rejection.line, rejection.column, rejection.value, rejection.reason, rejection.raw])
                    }
                    counts.read += batch.rowCount
                    for rejection in batch.rejections { try reject(rejection) }
                    for (index, outcome) in try writer.insert(batch.rows, db).enumerated() {
                        switch outcome {
                        case .inserted: counts.imported += 1
                        case .duplicate: counts.duplicate += 1
                        case .identityCollision(let existing):
                            let transaction = batch.rows.transaction(at: index)
                            try reject(Rejection(
                                line: batch.rows.lines[index], column: mapping.idColumns.first.map { mapping.header[$0] },
                                value: transaction.sourceKey,
                                reason: StoreError.identityCollision(key: transaction.sourceKey, existingKey: existing).description
                                    + "; map a different id column",
                                raw: TransactionCSV.row(transaction)))
                        }
                    }
                    if !writer.countsClients, var totals = batch.clientTotals { try totals.write(db) }
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
                }
                if let progress, Date().timeIntervalSince(lastReport) >= 0.2 {
                    lastReport = Date()
                    progress(ImportProgress(rowsRead: counts.read, bytesRead: batch.bytesRead, totalBytes: prepared.fileSize,
                                            elapsedSeconds: lastReport.timeIntervalSince(started)))
                }
            }
        }
        progress?(ImportProgress(rowsRead: counts.read, bytesRead: prepared.fileSize, totalBytes: prepared.fileSize,
                                 elapsedSeconds: Date().timeIntervalSince(started)))
        prepared.source.close()
        return ImportSummary(
            file: prepared.path, importID: importID, layout: mapping.layout, mapping: mapping.summary,
            rowsRead: counts.read, imported: counts.imported, rejected: counts.rejected, duplicate: counts.duplicate,
            alreadyImportedAs: nil, resumedAfterRows: skip > 0 ? skip : nil,
            seconds: Date().timeIntervalSince(started), rejections: shown)
    }

    /// Runs bulk writes with `synchronous = NORMAL` (safe in WAL against corruption; only the last batches can be
    /// lost to a power cut, and a re-run resumes them), restoring full durability afterwards for triage writes.
    /// With `identityIsUnique` (generated data, or the first file into a new store being built) and an empty
    /// store, the identity index is dropped too and `body` is told so (`uncheckedIdentity`): it may insert without
    /// duplicate checks. Building the unique index at the end then checks every row at once, and throws
    /// `StoreError.repeatedKeysInNewStore` if an id repeats.
    func withBulkWriting<T>(identityIsUnique: Bool = false, _ body: (BulkLoad) throws -> T) throws -> T {
        // A bounded page cache (32 MiB) for the load; larger caches measured no faster (bench/RESULTS.md),
        // and memory stays flat in the file's size.
        let emptyStore = try pool.writeWithoutTransaction { db in
            if !isBuilding { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
            try db.execute(sql: "PRAGMA cache_size = -32768")
            let empty = try Int.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM transactions)") == 1
            if empty {
                for index in Schema.rebuildableIndexes { try db.execute(sql: "DROP INDEX IF EXISTS \(index.name)") }
                if identityIsUnique { try db.execute(sql: "DROP INDEX IF EXISTS \(Schema.identityIndex.name)") }
                // Checking each row's client and import as it goes in costs more than one pass at the end
                // (measured: 1.6 s against 0.4 s per million rows), and the writer adds each batch's clients
                // in the batch's own transaction, so the end check is a guard against a bug, not a filter.
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
            amounts: AmountParser(defaultCurrency: options.defaultCurrency), currencyIsDeclared: options.currencyIsDeclared)
        stopHashing()
        var record = CSVRecord()
        var read = 0, valid = 0, rejected = 0
        var shown: [Rejection] = []
        var rows = PackedRows()
        while try reader.next(into: &record) {
            read += 1
            if read & 1023 == 0 { rows.removeAll() }
            if let rejection = converter.convert(record, into: &rows) {
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
        return ImportSummary(file: path, importID: 0, layout: mapping.layout, mapping: mapping.summary, rowsRead: read,
                             imported: valid, rejected: rejected, duplicate: 0, alreadyImportedAs: nil, resumedAfterRows: nil,
                             seconds: Date().timeIntervalSince(started), rejections: shown)
    }
}

/// SHA-256 of the bytes a `ByteSource` hands back, as they are read.
final class StreamingHash: ByteSourceObserver {
    private var hasher = SHA256()
    /// The hash in hex, once the source has handed back its last byte.
    private(set) var digest: String?

    func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    func finish() { digest = hasher.finalize().map { String(format: "%02x", $0) }.joined() }
}
