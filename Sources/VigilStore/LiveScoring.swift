import Foundation
import GRDB
import VigilCore

/// The detectors a scan fitted, as the store keeps them (`fitted_models`, `fitted_parts`).
public struct StoredFittedModels: Sendable, Equatable {
    public var id: Int64
    public var createdAt: Int64
    /// The settings the fit depends on, as the app writes them; a scan with other settings fits afresh.
    public var fingerprint: String
    /// The highest transaction id the fitting scan saw.
    public var throughTransaction: Int64
    /// JSON of the population prior, and the currency reasons are written in.
    public var prior: String
    public var currency: String
    /// Named parts: the models' binaries, score scales and the like.
    public var parts: [String: Data]

    public init(id: Int64 = 0, createdAt: Int64, fingerprint: String, throughTransaction: Int64, prior: String,
                currency: String, parts: [String: Data]) {
        self.id = id
        self.createdAt = createdAt
        self.fingerprint = fingerprint
        self.throughTransaction = throughTransaction
        self.prior = prior
        self.currency = currency
        self.parts = parts
    }
}

/// What live scoring gave one transaction.
public struct LiveScore: Sendable, Equatable {
    public var transactionID: Int64
    public var fittedID: Int64
    public var score: Double
    /// JSON: each detector's score on the ensemble's scale (0 to 1), by detector name.
    public var detectors: String
    public var scoredAt: Double

    public init(transactionID: Int64, fittedID: Int64, score: Double, detectors: String, scoredAt: Double) {
        self.transactionID = transactionID
        self.fittedID = fittedID
        self.score = score
        self.detectors = detectors
        self.scoredAt = scoredAt
    }
}

/// A process scoring arriving transactions, as its heartbeat row says.
public struct LiveScorerStatus: Sendable, Equatable {
    public var pid: Int64
    public var startedAt: Double
    public var heartbeatAt: Double
    public var scored: Int
    /// Transactions scored per second, lately.
    public var rate: Double
}

/// Transactions appended after a point, in id order, as live scoring reads them.
public struct ArrivedTransactions: Sendable {
    /// The rows, in id order; `columns.clientStarts` is not used (one client id per row in `clientIDs`).
    public var columns: TransactionColumns
    public var clientIDs: [String]

    public var count: Int { columns.count }
}

extension Store {
    /// Keeps `models` as the newest fitted detectors and returns their id; older ones are removed except the one
    /// before (a scan that fails half way can then still be compared against it).
    @discardableResult
    public func saveFittedModels(_ models: StoredFittedModels) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO fitted_models (created_at, fingerprint, through_transaction, prior, currency)
                VALUES (?, ?, ?, ?, ?)
                """, arguments: [models.createdAt, models.fingerprint, models.throughTransaction, models.prior, models.currency])
            let id = db.lastInsertedRowID
            let insert = try db.makeStatement(sql: "INSERT INTO fitted_parts (fitted_id, name, data) VALUES (?, ?, ?)")
            for (name, data) in models.parts.sorted(by: { $0.key < $1.key }) {
                try insert.execute(arguments: [id, name, data])
            }
            let keep = try Int64.fetchAll(db, sql: "SELECT id FROM fitted_models ORDER BY id DESC LIMIT 2")
            if let oldest = keep.last {
                try db.execute(sql: "DELETE FROM fitted_parts WHERE fitted_id < ?", arguments: [oldest])
                try db.execute(sql: "DELETE FROM fitted_models WHERE id < ?", arguments: [oldest])
            }
            return id
        }
    }

    /// The newest fitted detectors, nil before any scan fitted them.
    public func latestFittedModels() throws -> StoredFittedModels? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM fitted_models ORDER BY id DESC LIMIT 1") else { return nil }
            let id: Int64 = row["id"]
            var parts: [String: Data] = [:]
            for part in try Row.fetchAll(db, sql: "SELECT name, data FROM fitted_parts WHERE fitted_id = ?", arguments: [id]) {
                parts[part["name"]] = part["data"]
            }
            return StoredFittedModels(id: id, createdAt: row["created_at"], fingerprint: row["fingerprint"],
                                      throughTransaction: row["through_transaction"], prior: row["prior"],
                                      currency: row["currency"], parts: parts)
        }
    }

    /// The id of the newest fitted detectors, nil before any; cheap enough to poll.
    public func latestFittedModelsID() throws -> Int64? {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM fitted_models") }
    }

    /// The highest transaction id already scored (by a scan or live), 0 before any.
    public func liveScoredThrough() throws -> Int64 {
        try pool.read { db in try Self.scoredThrough(db) }
    }

    static func scoredThrough(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT scored_through FROM live_cursor WHERE id = 1") ?? 0
    }

    /// Records that every transaction up to `id` is scored (never moves the mark back).
    public func markScored(through id: Int64) throws {
        try pool.write { db in try Self.markScored(db, through: id) }
    }

    static func markScored(_ db: Database, through id: Int64) throws {
        try db.execute(sql: """
            INSERT INTO live_cursor (id, scored_through) VALUES (1, ?)
            ON CONFLICT(id) DO UPDATE SET scored_through = max(scored_through, excluded.scored_through)
            """, arguments: [id])
    }

    /// The highest transaction id in the store, 0 when empty.
    public func newestTransactionID() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM transactions") ?? 0 }
    }

    /// Up to `limit` transactions with ids above `id`, in id order.
    public func transactions(after id: Int64, limit: Int) throws -> ArrivedTransactions {
        try pool.read { db in
            let sql = """
                SELECT id, client_id, instant, amount_minor, category, home_lat, home_lon, merch_lat, merch_lon, label, channel,
                       merchant
                FROM transactions WHERE id > ? ORDER BY id LIMIT ?
                """
            let statement = try RawStatement(db, sql: sql, arguments: [id, limit])
            var columns = TransactionColumns()
            var clientIDs: [String] = []
            var categories = FewNames()
            var merchants = InternedNames()
            while try statement.step() {
                let category = categories.index(of: statement, column: 4)
                let channel = statement.isNull(10) ? nil : Channel(rawValue: statement.string(10))
                columns.append(id: statement.int64(0), instant: statement.int64(2), amountMinor: statement.int64(3),
                               category: category, home: (statement.doubleOrNaN(5), statement.doubleOrNaN(6)),
                               merchant: (statement.doubleOrNaN(7), statement.doubleOrNaN(8)),
                               label: statement.isNull(9) ? -1 : Int8(clamping: statement.int64(9)),
                               channel: channel, merchantIndex: merchants.index(of: statement, column: 11))
                clientIDs.append(statement.string(1))
            }
            columns.categoryNames = categories.names
            columns.merchantNames = merchants.names
            return ArrivedTransactions(columns: columns, clientIDs: clientIDs)
        }
    }

    /// Writes live scores and the alerts they raise, and moves the scored mark to `through`, in one transaction:
    /// either all of it is committed or none. A transaction already scored live keeps its first score; an alert
    /// is opened only where the transaction has none (an existing alert is left as it is, version and all), under
    /// the id the transaction was given before if it had one. Returns the ids of the alerts opened.
    @discardableResult
    public func commitLiveScores(_ scores: [LiveScore], alerts: [AlertCandidate], through: Int64,
                                 at now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> [Int64] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try pool.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO live_scores (transaction_id, fitted_id, score, detectors, scored_at)
                VALUES (?, ?, ?, ?, ?)
                """)
            for score in scores {
                try insert.execute(arguments: [score.transactionID, score.fittedID, score.score, score.detectors, score.scoredAt])
            }
            let open = try db.makeStatement(sql: "INSERT OR IGNORE INTO alerts \(Self.openAlertSQL)")
            var opened: [Int64] = []
            for alert in alerts {
                let reasons = String(decoding: try encoder.encode(alert.reasons), as: UTF8.self)
                try open.execute(arguments: [alert.transactionID, alert.score, reasons, now])
                if db.changesCount == 1 { opened.append(db.lastInsertedRowID) }
            }
            try Self.markScored(db, through: through)
            return opened
        }
    }

    /// The live score of each of `transactionIDs` that has one.
    public func liveScores(of transactionIDs: [Int64]) throws -> [Int64: LiveScore] {
        try pool.read { db in
            var found: [Int64: LiveScore] = [:]
            let statement = try db.makeStatement(sql: "SELECT * FROM live_scores WHERE transaction_id = ?")
            for id in transactionIDs {
                guard let row = try Row.fetchOne(statement, arguments: [id]) else { continue }
                found[id] = LiveScore(transactionID: row["transaction_id"], fittedID: row["fitted_id"], score: row["score"],
                                      detectors: row["detectors"], scoredAt: row["scored_at"])
            }
            return found
        }
    }

    /// Alerts opened on `day` (UTC day number of the transaction) so far: live scoring's share of the daily budget.
    public func alertCount(onDay day: Int64) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE instant >= ? AND instant < ?",
                             arguments: [day * 86_400, (day + 1) * 86_400]) ?? 0
        }
    }

    /// Records that process `pid` is scoring, with how many it has scored and its recent rate.
    public func liveHeartbeat(pid: Int64, startedAt: Double, scored: Int, rate: Double,
                              at now: Double = Date().timeIntervalSince1970) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO live_scorers (pid, started_at, heartbeat_at, scored, rate) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(pid) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, scored = excluded.scored,
                    rate = excluded.rate, started_at = excluded.started_at
                """, arguments: [pid, startedAt, now, scored, rate])
        }
    }

    /// Removes process `pid`'s heartbeat (it stopped scoring).
    public func liveSignOff(pid: Int64) throws {
        try pool.write { db in try db.execute(sql: "DELETE FROM live_scorers WHERE pid = ?", arguments: [pid]) }
    }

    /// The processes whose heartbeat is under `freshness` seconds old.
    public func liveScorers(freshness: Double = 3, at now: Double = Date().timeIntervalSince1970) throws -> [LiveScorerStatus] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM live_scorers WHERE heartbeat_at >= ? ORDER BY pid",
                             arguments: [now - freshness]).map {
                LiveScorerStatus(pid: $0["pid"], startedAt: $0["started_at"], heartbeatAt: $0["heartbeat_at"],
                                 scored: $0["scored"], rate: $0["rate"])
            }
        }
    }

    /// The newest alert id, 0 when there is none: the workbench polls it to notice alerts raised elsewhere.
    public func newestAlertID() throws -> Int64 {
        try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM alerts") ?? 0 }
    }
}
