import Foundation
import GRDB

/// An alert as an analyst saw it: a decision is made against this version and refused if the alert has moved on.
public struct SeenAlert: Sendable, Hashable {
    public var id: Int64
    public var version: Int64

    public init(id: Int64, version: Int64) {
        self.id = id
        self.version = version
    }
}

/// A cheap value that changes whenever anything commits to the store from any connection, in this process or
/// another: a workbench polls it to see other analysts' decisions and new scans.
public struct StoreChangeToken: Sendable, Hashable {
    let dataVersion: Int64
    let lastEvent: Int64
}

extension Store {
    /// Gives every alert in `alerts` the status `status`, each with its audit event (carrying `note`), all in one
    /// transaction. If any of them changed since it was seen (its version moved on), nothing is written and
    /// `TriageError.changedSinceShown` names it. Changing a status another analyst decided is overturning their
    /// decision: refused with `TriageError.decidedByAnother` unless `overturning` (the analyst confirmed it), and
    /// then only with a note (`TriageError.overturnNeedsNote`).
    @discardableResult
    public func decide(_ alerts: [SeenAlert], status: AlertStatus, analyst: String, note: String? = nil,
                       overturning: Bool = false,
                       at: Int64 = Int64(Date().timeIntervalSince1970)) throws -> [TriageEvent] {
        let signer = try signer()
        return try pool.write { db in
            try Self.decide(db, signer, alerts, status: status, analyst: analyst, note: note, overturning: overturning, at: at)
        }
    }

    /// A decision on `alerts`, inside a write transaction: what `decide` and `decideCase` both do. `caseID` names the
    /// case when the decision is made on a whole case.
    static func decide(_ db: Database, _ signer: EventSigner, _ alerts: [SeenAlert], status: AlertStatus, analyst: String, note: String?,
                       overturning: Bool, at: Int64, caseID: Int64? = nil) throws -> [TriageEvent] {
        var events: [TriageEvent] = []
        for seen in alerts {
            let from = try Self.checkUnchanged(db, seen)
            try Self.checkOverturn(db, alertID: seen.id, from: from, to: status, analyst: analyst, note: note,
                                   overturning: overturning)
            // The first event of a decision is `decide`; the others made with it say so, `decide with #N`, so
            // that undo takes the decision back whole and the trail shows what went together.
            let action = events.first.map { "\(Self.decidedWith)\($0.id)" } ?? "decide"
            events.append(try Self.appendEvent(db, signer, alertID: seen.id, at: at, analyst: analyst, action: action,
                                               from: from, to: status.rawValue, note: note, caseID: caseID))
        }
        return events
    }

    /// Refuses to change, without a confirmation and a note, a status that another analyst set: an open alert,
    /// one set by `analyst`, or a decision that keeps the status overturns nothing.
    private static func checkOverturn(_ db: Database, alertID: Int64, from: String, to: AlertStatus, analyst: String,
                                      note: String?, overturning: Bool) throws {
        guard from != AlertStatus.open.rawValue, from != to.rawValue else { return }
        let by = try String.fetchOne(db, sql: """
            SELECT analyst FROM triage_events WHERE alert_id = ? AND to_status IS NOT NULL ORDER BY id DESC LIMIT 1
            """, arguments: [alertID])
        guard let by, by != analyst else { return }
        guard overturning else { throw TriageError.decidedByAnother(alertID: alertID, analyst: by, status: from) }
        guard let note, !note.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw TriageError.overturnNeedsNote(alertID: alertID)
        }
    }

    /// Adds a note to an alert without changing its status: an audit event of its own.
    @discardableResult
    public func addNote(_ text: String, to seen: SeenAlert, analyst: String,
                        at: Int64 = Int64(Date().timeIntervalSince1970)) throws -> TriageEvent {
        let signer = try signer()
        return try pool.write { db in
            let status = try Self.checkUnchanged(db, seen)
            return try Self.appendEvent(db, signer, alertID: seen.id, at: at, analyst: analyst, action: "note", from: status,
                                        to: nil, note: text)
        }
    }

    /// Undoes the analyst's last decision (every alert decided together in it) by appending compensating events,
    /// action `undo #N` for event N, that put each alert back to the status it had: history is never rewritten.
    /// Refused with `changedSinceShown` if any of those alerts has an event after the decision other than the analyst's
    /// own notes.
    @discardableResult
    public func undoLastDecision(analyst: String, at: Int64 = Int64(Date().timeIntervalSince1970)) throws -> [TriageEvent] {
        let signer = try signer()
        return try pool.write { db in
            // The analyst's events newest first, read only back to their last decision still standing: an undo
            // always comes after what it undoes, so walking back, every undo is seen before its event, and the
            // decision's own events all lie between its first event and now. An analyst's trail grows for
            // years; reading it whole made every undo slower than the last.
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM triage_events WHERE analyst = ? ORDER BY id DESC",
                                             arguments: [analyst])
            var undone: Set<Int64> = []
            var decision: Int64?
            var walked: [TriageEvent] = []
            while let row = try cursor.next() {
                let event = Self.event(row)
                walked.append(event)
                if let target = Self.undoneEventID(event) { undone.insert(target) }
                if decision == nil, !undone.contains(event.id), let id = Self.decisionID(of: event) { decision = id }
                if let decision, event.id <= decision { break }
            }
            guard let decision else { throw TriageError.nothingToUndo(analyst: analyst) }
            // The whole decision: its first event and those made with it.
            let group = walked.filter { Self.decisionID(of: $0) == decision && !undone.contains($0.id) }
            var events: [TriageEvent] = []
            for decision in group.reversed() {
                // The latest event that stands in the way: the analyst's own notes since leave their decision
                // undoable; anyone else's event (a note included) does not.
                let latest = try Row.fetchOne(db, sql: """
                    SELECT e.id, e.analyst, a.status FROM alerts a
                    LEFT JOIN triage_events e ON e.alert_id = a.id AND (e.to_status IS NOT NULL OR e.analyst <> ?)
                    WHERE a.id = ? ORDER BY e.id DESC LIMIT 1
                    """, arguments: [analyst, decision.alertID])
                guard let latest else { throw TriageError.noSuchAlert(decision.alertID) }
                guard latest["id"] as Int64? == decision.id else {
                    throw TriageError.changedSinceShown(alertID: decision.alertID, status: latest["status"], by: latest["analyst"])
                }
                events.append(try Self.appendEvent(db, signer, alertID: decision.alertID, at: at, analyst: analyst,
                                                   action: "undo #\(decision.id)", from: decision.toStatus,
                                                   to: decision.fromStatus ?? AlertStatus.open.rawValue, note: nil))
            }
            return events
        }
    }

    static let decidedWith = "decide with #"

    /// The decision an event belongs to (its first event's id), nil for anything but a decision.
    static func decisionID(of event: TriageEvent) -> Int64? {
        if event.action == "decide" { return event.id }
        guard event.action.hasPrefix(decidedWith) else { return nil }
        return Int64(event.action.dropFirst(decidedWith.count))
    }

    /// The event an `undo #N` event undoes.
    static func undoneEventID(_ event: TriageEvent) -> Int64? {
        guard event.action.hasPrefix("undo #") else { return nil }
        return Int64(event.action.dropFirst("undo #".count))
    }

    /// One alert's events, oldest first.
    public func triageEvents(ofAlert alertID: Int64) throws -> [TriageEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM triage_events WHERE alert_id = ? ORDER BY id", arguments: [alertID]).map(Self.event)
        }
    }

    /// The latest events of the whole trail, oldest first.
    public func latestTriageEvents(limit: Int = 50) throws -> [TriageEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM (SELECT * FROM triage_events ORDER BY id DESC LIMIT ?) ORDER BY id",
                             arguments: [limit]).map(Self.event)
        }
    }

    /// Why there is no alert `id` to act on: a scan withdrew it (its id is kept for its transaction), or there
    /// never was one. Commands and screens say this instead of a bare "no alert".
    public func missingAlert(_ id: Int64) throws -> TriageError {
        try pool.read { db in try Self.missingAlert(db, id) }
    }

    static func missingAlert(_ db: Database, _ id: Int64) throws -> TriageError {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM alert_ids WHERE id = ?)", arguments: [id]) == true
            ? .withdrawn(alertID: id) : .noSuchAlert(id)
    }

    /// The alert's status, if it is still at the version seen.
    private static func checkUnchanged(_ db: Database, _ seen: SeenAlert) throws -> String {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT a.status, a.version, (SELECT analyst FROM triage_events WHERE alert_id = a.id ORDER BY id DESC LIMIT 1) AS analyst
            FROM alerts a WHERE a.id = ?
            """, arguments: [seen.id]) else {
            throw try missingAlert(db, seen.id)
        }
        guard row["version"] as Int64 == seen.version else {
            throw TriageError.changedSinceShown(alertID: seen.id, status: row["status"], by: row["analyst"])
        }
        return row["status"]
    }

    /// A value that changes whenever anything commits to the store, from any connection or process.
    ///
    /// SQLite's `data_version` changes, on one connection, when another connection commits; this store's own
    /// writes go through its writer connection, so the token reads it on a connection of its own (opened on first
    /// use), and adds the last audit event for good measure.
    public func changeToken() throws -> StoreChangeToken {
        try watcher.read { db in
            StoreChangeToken(dataVersion: try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0,
                             lastEvent: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM triage_events") ?? 0)
        }
    }
}
