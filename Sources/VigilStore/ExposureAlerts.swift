import Foundation
import GRDB
import VigilCore

/// What raising alerts on exposed cards' visits did (`Store.raiseExposureAlerts`).
public struct ExposureCases: Sendable, Equatable {
    /// The cases that hold the alerts on those visits, each once, in the order the visits were given.
    public var caseIDs: [Int64] = []
    /// Alerts raised now, and visits that already had an alert (raised by a scan, or by an earlier request).
    public var raised = 0
    public var existing = 0

    public init() {}
}

extension Store {
    /// The audit action of an alert an analyst raised on request (`raiseExposureAlerts`). A scan never withdraws such
    /// an alert nor rewrites its score and reasons (`refreshAlerts`); live scoring leaves every existing alert alone.
    public static let raisedAction = "raise"

    /// Of `transactionIDs`, those with no alert yet: what `raiseExposureAlerts` would raise.
    public func transactionsWithoutAlert(_ transactionIDs: [Int64]) throws -> [Int64] {
        try pool.read { db in
            let statement = try db.makeStatement(sql: "SELECT EXISTS (SELECT 1 FROM alerts WHERE transaction_id = ?)")
            return try transactionIDs.filter { try Bool.fetchOne(statement, arguments: [$0]) != true }
        }
    }

    /// Raises an alert on each candidate's transaction that has none (the common point of purchase's exposed cards,
    /// each on its visit to the merchant), each with an audit event by `analyst` carrying `note`, all in one
    /// transaction; then puts them in cases (`refreshCases`). A transaction that already has an alert keeps it as
    /// it is, so asking twice raises nothing new. Returns the cases of every candidate's alert.
    @discardableResult
    public func raiseExposureAlerts(_ candidates: [AlertCandidate], analyst: String, note: String?, gapSeconds: Int64,
                                    at now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> ExposureCases {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let signer = try signer()
        var result = try pool.write { db in
            var result = ExposureCases()
            let exists = try db.makeStatement(sql: "SELECT EXISTS (SELECT 1 FROM alerts WHERE transaction_id = ?)")
            let insert = try db.makeStatement(sql: "INSERT INTO alerts \(Self.openAlertSQL)")
            for candidate in candidates {
                guard try Bool.fetchOne(exists, arguments: [candidate.transactionID]) != true else { result.existing += 1; continue }
                let reasons = String(decoding: try encoder.encode(candidate.reasons), as: UTF8.self)
                try insert.execute(arguments: [candidate.transactionID, candidate.score, reasons, now])
                guard db.changesCount == 1 else {
                    throw DatabaseError(resultCode: .SQLITE_CONSTRAINT_FOREIGNKEY,
                                        message: "no transaction #\(candidate.transactionID) to raise an alert on")
                }
                _ = try Self.appendEvent(db, signer, alertID: db.lastInsertedRowID, at: now, analyst: analyst, action: Self.raisedAction,
                                     from: nil, to: nil, note: note)
                result.raised += 1
            }
            return result
        }
        try refreshCases(gapSeconds: gapSeconds, now: now)
        result.caseIDs = try casesOfTransactions(candidates.map(\.transactionID))
        return result
    }

    /// The cases of the alerts on `transactionIDs`, each once, in that order (transactions with no alert, or one in
    /// no case, are left out).
    public func casesOfTransactions(_ transactionIDs: [Int64]) throws -> [Int64] {
        try pool.read { db in
            let statement = try db.makeStatement(sql: "SELECT case_id FROM alerts WHERE transaction_id = ?")
            var seen = Set<Int64>()
            return try transactionIDs.compactMap { id in
                guard let caseID = try Int64.fetchOne(statement, arguments: [id]), seen.insert(caseID).inserted else { return nil }
                return caseID
            }
        }
    }
}
