import Foundation
import GRDB
import VigilCore

/// One entry of the append-only triage log.
public struct TriageEvent: Sendable, Hashable {
    public var id: Int64
    /// The alert it concerns; 0 for an event that names none, stored as NULL: a case's own event (an assignment, a
    /// snooze, a due date) or a change to the lists (`v15-lists`, whose subject is in its action).
    public var alertID: Int64
    /// UTC epoch seconds.
    public var at: Int64
    public var analyst: String
    public var action: String
    public var fromStatus: String?
    public var toStatus: String?
    public var note: String?
    public var previousHash: String
    public var hash: String
    /// The case it concerns: a case's own event, or a decision made on a whole case (`Store.decideCase`).
    public var caseID: Int64? = nil
}

/// The result of checking the triage log's hash chain.
public enum AuditVerification: Sendable, Equatable {
    case intact(events: Int)
    /// The first event whose stored hash or link does not match what its content and predecessor give.
    case broken(eventID: Int64, reason: String)
    /// The file's pages that hold the trail are damaged (what `PRAGMA integrity_check` says), so no event can be
    /// vouched for.
    case damaged(problems: [String])
}

/// Alert statuses a triage decision can set.
public enum AlertStatus: String, Sendable, CaseIterable {
    case open
    case confirmedFraud = "confirmed_fraud"
    case falsePositive = "false_positive"
    case escalated
    case needsInfo = "needs_info"
}

extension AlertStatus {
    /// A stored status as a sentence says it: "confirmed fraud", "false positive".
    public static func words(_ status: String) -> String {
        status == AlertStatus.confirmedFraud.rawValue ? "confirmed fraud" : status.replacingOccurrences(of: "_", with: " ")
    }
}

public enum TriageError: Error, Sendable, Equatable, CustomStringConvertible {
    case noSuchAlert(Int64)
    /// A scan withdrew the alert (its transaction is no longer flagged); nothing was written. Its id still names
    /// that transaction, and the alert reopens under it if a scan flags the transaction again.
    case withdrawn(alertID: Int64)
    /// The alert changed (another analyst's decision or note, or a scan's rescore) since it was shown at
    /// `seenVersion`; nothing was written.
    case changedSinceShown(alertID: Int64, status: String, by: String?)
    /// The analyst has no decision left to undo.
    case nothingToUndo(analyst: String)
    /// The alert's status was decided by another analyst: changing it is overturning their decision, which needs
    /// `overturning: true` (a confirmation) and a note. Nothing was written.
    case decidedByAnother(alertID: Int64, analyst: String, status: String)
    /// Overturning another analyst's decision on the alert was asked without a note saying why. Nothing was written.
    case overturnNeedsNote(alertID: Int64)
    case noSuchCase(Int64)
    /// The case changed (an assignment, a snooze, a decision, a new alert) since it was shown; nothing was written.
    case caseChangedSinceShown(caseID: Int64)
    /// The case was assigned (or let go) by someone else since it was shown; nothing was written.
    case assignedSinceShown(caseID: Int64, assignee: String?)
    /// No alert of the case would change: all of them already have the status.
    case nothingToDecide(caseID: Int64, status: String)
    /// A snooze must end after now.
    case snoozeNotInFuture(caseID: Int64)

    public var description: String {
        switch self {
        case .noSuchAlert(let id): return "no alert #\(id)"
        case .withdrawn(let id):
            return "alert #\(id) was withdrawn: the latest scan no longer flags its transaction; nothing was changed "
                + "(it comes back under the same id if a scan flags it again)"
        case .changedSinceShown(let id, let status, let by):
            return "alert #\(id) changed since it was shown (now \(status.replacingOccurrences(of: "_", with: " "))"
                + (by.map { ", last touched by \($0)" } ?? "") + "); nothing was changed: look again and decide"
        case .nothingToUndo(let analyst): return "\(analyst) has no decision to undo"
        case .decidedByAnother(let id, let analyst, let status):
            return "alert #\(id) is \(AlertStatus.words(status)) by \(analyst)'s decision; overturning it needs a confirmation "
                + "and a note saying why; nothing was changed"
        case .overturnNeedsNote(let id):
            return "overturning another analyst's decision on alert #\(id) needs a note saying why; nothing was changed"
        case .noSuchCase(let id): return "no case #\(id)"
        case .caseChangedSinceShown(let id):
            return "case #\(id) changed since it was shown; nothing was changed: look again and decide"
        case .nothingToDecide(let id, let status):
            return "every alert of case #\(id) is already \(AlertStatus.words(status)); nothing was changed"
        case .assignedSinceShown(let id, let assignee):
            return "case #\(id) is " + (assignee.map { "\($0)'s now" } ?? "unassigned now") + ": it changed since it was shown; nothing was changed"
        case .snoozeNotInFuture(let id): return "case #\(id) can only be snoozed until a time after now"
        }
    }

}

extension Store {
    /// The hash that links the first event: 64 zeros.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Records a triage decision or note: the alert's status (when `toStatus` is given) and the event
    /// that says so commit together, and the event is chained to the one before it.
    @discardableResult
    public func recordTriage(alertID: Int64, analyst: String, action: String, toStatus: AlertStatus? = nil,
                             note: String? = nil, at: Int64 = Int64(Date().timeIntervalSince1970)) throws -> TriageEvent {
        try pool.write { db in
            guard let from = try String.fetchOne(db, sql: "SELECT status FROM alerts WHERE id = ?", arguments: [alertID]) else {
                throw TriageError.noSuchAlert(alertID)
            }
            return try Self.appendEvent(db, alertID: alertID, at: at, analyst: analyst, action: action, from: from,
                                        to: toStatus?.rawValue, note: note)
        }
    }

    /// Sets the alert's status (when `to` is given; its assignee becomes `analyst`), bumps its version, and
    /// appends the event that says so, chained to the last one. Call inside a write transaction.
    /// `caseID` names the case when the event is part of a decision on a whole case.
    static func appendEvent(_ db: Database, alertID: Int64, at: Int64, analyst: String, action: String, from: String?,
                            to: String?, note: String?, caseID: Int64? = nil) throws -> TriageEvent {
        if alertID == 0 {
            // An event that names no alert (a list change): no alert to update.
        } else if let to {
            // Cached: a case decision runs these statements once per alert, and compiling them cost more than running them.
            try db.cachedStatement(sql: "UPDATE alerts SET status = ?, assignee = ?, updated_at = ?, version = version + 1 WHERE id = ?")
                .execute(arguments: [to, analyst, at, alertID])
            // A status change is a change to the alert's case too.
            try db.cachedStatement(sql: """
                UPDATE cases SET version = version + 1, updated_at = ? WHERE id = (SELECT case_id FROM alerts WHERE id = ?)
                """).execute(arguments: [at, alertID])
        } else {
            try db.cachedStatement(sql: "UPDATE alerts SET updated_at = ?, version = version + 1 WHERE id = ?").execute(arguments: [at, alertID])
        }
        return try chain(db, TriageEvent(id: 0, alertID: alertID, at: at, analyst: analyst, action: action, fromStatus: from,
                                         toStatus: to, note: note, previousHash: "", hash: "", caseID: caseID))
    }

    /// Appends `event` to the trail, linked to the last event and hashed, and moves the trail's head on. Call inside
    /// the write transaction that makes the change the event records.
    static func chain(_ db: Database, _ unlinked: TriageEvent) throws -> TriageEvent {
        var event = unlinked
        // A note may name a card in full (pasted from a call log): a store that keeps tokens keeps it masked.
        if let note = event.note { event.note = try maskingCards(in: note, db) }
        event.previousHash = try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM triage_events ORDER BY id DESC LIMIT 1"))
            ?? Store.genesisHash
        event.hash = Self.hash(of: event)
        try db.cachedStatement(sql: """
            INSERT INTO triage_events (alert_id, case_id, at, analyst, action, from_status, to_status, note, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [event.alertID == 0 ? nil : event.alertID, event.caseID, event.at, event.analyst, event.action,
                                     event.fromStatus, event.toStatus, event.note, event.previousHash, event.hash])
        event.id = db.lastInsertedRowID
        try db.cachedStatement(sql: "UPDATE audit_head SET events = events + 1, last_id = ?, last_hash = ? WHERE id = 1")
            .execute(arguments: [event.id, event.hash])
        guard db.changesCount == 1 else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "the audit trail's head is missing")
        }
        return event
    }

    static func event(_ row: Row) -> TriageEvent {
        TriageEvent(id: row["id"], alertID: row["alert_id"] ?? 0, at: row["at"], analyst: row["analyst"], action: row["action"],
                    fromStatus: row["from_status"], toStatus: row["to_status"], note: row["note"],
                    previousHash: row["prev_hash"], hash: row["hash"], caseID: row["case_id"])
    }

    /// Walks the whole log in order and checks every link and every hash, that ids run 1, 2, 3, … (events are
    /// never deleted, so a gap or a shift means rows were removed or renumbered), and that the trail ends where its
    /// head (`audit_head`, written with every event) says, so events cut from its end are noticed too.
    public func verifyAuditChain() throws -> AuditVerification {
        try pool.read { db in
            // Damaged pages can read back as a shorter trail that is intact in itself, so the trail's own tables are
            // checked first: only their pages, which costs little beside reading every event.
            var problems: [String] = []
            do {
                for table in ["triage_events", "audit_head"] {
                    let found = try String.fetchAll(db, sql: "PRAGMA integrity_check(\(table))")
                    if found != ["ok"] { problems += found }
                }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
                problems.append(error.message ?? "the file is corrupt")
            }
            if !problems.isEmpty { return .damaged(problems: problems) }
            var expectedPrevious = Store.genesisHash
            var count: Int64 = 0
            var lastID: Int64 = 0
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM triage_events ORDER BY id")
            while let row = try cursor.next() {
                let event = Self.event(row)
                guard event.previousHash == expectedPrevious else {
                    return .broken(eventID: event.id, reason: "its link does not match the event before it (an event was removed or reordered)")
                }
                guard Self.hash(of: event) == event.hash else {
                    return .broken(eventID: event.id, reason: "its content does not match its hash (it was altered)")
                }
                guard event.id == lastID + 1 else {
                    return .broken(eventID: event.id, reason: "it follows event #\(lastID) (events were removed or renumbered)")
                }
                expectedPrevious = event.hash
                lastID = event.id
                count += 1
            }
            guard let head = try Row.fetchOne(db, sql: "SELECT events, last_id, last_hash FROM audit_head WHERE id = 1") else {
                return .broken(eventID: lastID, reason: "the trail's head record is missing (it was removed)")
            }
            let headEvents: Int64 = head["events"]
            let headID: Int64 = head["last_id"]
            let headHash: String = head["last_hash"]
            if headEvents != count || headID != lastID || headHash != expectedPrevious {
                if headEvents > count {
                    return .broken(eventID: lastID + 1, reason: "the trail ends at event #\(lastID) but its head records "
                                   + "\(headEvents) events up to #\(headID) (events were removed from its end)")
                }
                return .broken(eventID: headID + 1 > lastID ? lastID : headID + 1,
                               reason: "the trail does not end where its head records (\(headEvents) events up to #\(headID)): "
                               + "events were added, removed or altered outside Vigil")
            }
            return .intact(events: Int(count))
        }
    }

    /// SHA-256 over the previous hash and every field, each length-prefixed so no two events encode alike. The case
    /// is hashed only when there is one (events before cases had none, and hash as they always did); an event that
    /// names no alert hashes its alert as absent.
    static func hash(of event: TriageEvent) -> String {
        var text = ""
        var fields: [String?] = [event.previousHash, event.alertID == 0 ? nil : String(event.alertID), String(event.at),
                                 event.analyst, event.action, event.fromStatus, event.toStatus, event.note]
        if let caseID = event.caseID { fields.append("case \(caseID)") }
        for field in fields {
            if let field { text += "\(field.utf8.count):\(field);" } else { text += "-;" }
        }
        return Digest.sha256Hex(Data(text.utf8))
    }
}
