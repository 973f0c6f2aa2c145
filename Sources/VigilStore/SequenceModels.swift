import Foundation
import GRDB

/// A trained sequence model as the store keeps it: what VigilDetect needs to rebuild and reuse it.
public struct StoredSequenceModel: Sendable, Equatable {
    public var id: Int64
    public var detector: String
    public var createdAt: Int64
    public var transactionsTrained: Int
    /// JSON of the encoder (vocabulary), the training settings and the training report.
    public var encoder: String
    public var training: String
    public var report: String
    /// The model's versioned binary.
    public var parameters: Data

    public init(id: Int64 = 0, detector: String, createdAt: Int64, transactionsTrained: Int, encoder: String,
                training: String, report: String, parameters: Data) {
        self.id = id
        self.detector = detector
        self.createdAt = createdAt
        self.transactionsTrained = transactionsTrained
        self.encoder = encoder
        self.training = training
        self.report = report
        self.parameters = parameters
    }
}

extension Store {
    /// Saves a trained model; returns its id. Older models of the detector stay (for the audit of past runs) but the
    /// newest is the one reused.
    @discardableResult
    public func saveSequenceModel(_ model: StoredSequenceModel) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO sequence_models (detector, created_at, transactions_trained, encoder, training, report, parameters)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [model.detector, model.createdAt, model.transactionsTrained, model.encoder, model.training,
                                 model.report, model.parameters])
            return db.lastInsertedRowID
        }
    }

    /// The newest model of `detector`, nil before any was trained.
    public func latestSequenceModel(detector: String) throws -> StoredSequenceModel? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT * FROM sequence_models WHERE detector = ? ORDER BY id DESC LIMIT 1
                """, arguments: [detector]) else { return nil }
            return StoredSequenceModel(id: row["id"], detector: row["detector"], createdAt: row["created_at"],
                                       transactionsTrained: row["transactions_trained"], encoder: row["encoder"],
                                       training: row["training"], report: row["report"], parameters: row["parameters"])
        }
    }
}
