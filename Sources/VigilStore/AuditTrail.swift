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
    /// The operating-system user and host that made it (`OSIdentity`); nil for events made before they were recorded
    /// (`v19-who-decided`).
    public var osUser: String? = nil
    public var host: String? = nil
    /// HMAC-SHA-256 of `hash` under the store's audit key: what an edit that recomputes every hash cannot forge.
    public var seal: String? = nil

    /// Who made it, as every screen and command shows it: the analyst name, then the operating-system user and host
    /// ("ana (ana@ws-3)"), or "(os user unknown)" for an event from before they were recorded.
    public var madeBy: String {
        guard let osUser else { return "\(analyst) (os user unknown)" }
        return "\(analyst) (\(osUser)@\(host ?? "unknown"))"
    }
}

/// The operating-system user and host a process runs as: what each event records beside the analyst name, and what
/// a listed analyst's name is checked against.
public struct OSIdentity: Sendable, Equatable {
    public var user: String
    public var host: String

    public init(user: String, host: String) {
        self.user = user
        self.host = host
    }

    /// This process's: the effective user's login name (`getpwuid(geteuid())`, never `$USER`, which anyone can set)
    /// and `gethostname`.
    public static let current: OSIdentity = {
        let uid = geteuid()
        var user = "uid \(uid)"
        if let entry = getpwuid(uid), let name = entry.pointee.pw_name, let text = String(validatingCString: name), !text.isEmpty {
            user = text
        }
        var buffer = [CChar](repeating: 0, count: 256)
        let host = gethostname(&buffer, buffer.count - 1) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown"
        return OSIdentity(user: user, host: host.isEmpty ? "unknown" : host)
    }()
}

/// What every event is made with: who made it, as the operating system knows them, and the key that seals it.
struct EventSigner: Sendable {
    let key: StoreKey
    let identity: OSIdentity
}

/// The head of the trail as `vigil audit anchor` prints it, to keep elsewhere: its event count, last event id and
/// that event's unkeyed hash, written `COUNT:ID:HASH`. A trail that still extends it has that event with that hash.
public struct AuditAnchor: Sendable, Equatable, CustomStringConvertible {
    public var events: Int64
    public var lastID: Int64
    public var hash: String

    public init(events: Int64, lastID: Int64, hash: String) {
        self.events = events
        self.lastID = lastID
        self.hash = hash
    }

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let events = Int64(parts[0]), let lastID = Int64(parts[1]), events >= 0, lastID >= 0,
              parts[2].count == 64, parts[2].allSatisfy(\.isHexDigit) else { return nil }
        self.init(events: events, lastID: lastID, hash: parts[2].lowercased())
    }

    public var description: String { "\(events):\(lastID):\(hash)" }
}

/// The result of checking the triage log's hash chain.
public enum AuditVerification: Sendable, Equatable {
    /// Every hash, link and seal checked.
    case intact(events: Int)
    /// Every hash and link checked, but not the seals: the store's key file is missing or is not this store's
    /// (`reason` says which). An edit that recomputed the hashes would pass, so this is not "intact".
    case sealsUnchecked(events: Int, reason: String)
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
    /// The store lists its analysts and `analyst` may not record events as run by operating-system user `osUser`:
    /// `reason` says why (not listed, listed for another user, a reviewer). Nothing was written.
    case analystRefused(analyst: String, osUser: String, reason: String)

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
        case .analystRefused(let analyst, let osUser, let reason):
            return "operating-system user \(osUser) may not act as analyst \(analyst): \(reason); nothing was changed"
        }
    }

}

extension Store {
    /// The hash that links the first event: 64 zeros.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The name under which the store itself records what it did to the trail (a reseal, a key rotation).
    public static let systemAnalyst = "vigil"
    static let resealAction = "reseal"
    static let keyRotateAction = "key rotate"
    /// Events only the store records, never an analyst: the analysts list does not apply to them.
    static let systemActions: Set<String> = [resealAction, keyRotateAction]

    /// The triggers that keep `triage_events` append-only (dropped and made again only by `resealAll`).
    static let appendOnlyTriggers = """
        CREATE TRIGGER triage_events_no_update BEFORE UPDATE ON triage_events
            BEGIN SELECT RAISE(ABORT, 'triage events are append-only'); END;
        CREATE TRIGGER triage_events_no_delete BEFORE DELETE ON triage_events
            BEGIN SELECT RAISE(ABORT, 'triage events are append-only'); END;
        """

    /// What this store's events are made with. Refused for a store opened read-only, and one whose key file is
    /// missing (`StoreKeyError.missing`): nothing may be recorded that cannot be sealed.
    func signer() throws -> EventSigner {
        if isReadOnly {
            throw StoreError.readOnly(path: path, reason: openedReadOnly ? "it was opened with --read-only" : Self.readOnlyReason(path: path))
        }
        return EventSigner(key: try requireKey(for: "sealing the audit trail"), identity: identity)
    }

    /// Records a triage decision or note: the alert's status (when `toStatus` is given) and the event
    /// that says so commit together, and the event is chained to the one before it.
    @discardableResult
    public func recordTriage(alertID: Int64, analyst: String, action: String, toStatus: AlertStatus? = nil,
                             note: String? = nil, at: Int64 = Int64(Date().timeIntervalSince1970)) throws -> TriageEvent {
        let signer = try signer()
        return try pool.write { db in
            guard let from = try String.fetchOne(db, sql: "SELECT status FROM alerts WHERE id = ?", arguments: [alertID]) else {
                throw TriageError.noSuchAlert(alertID)
            }
            return try Self.appendEvent(db, signer, alertID: alertID, at: at, analyst: analyst, action: action, from: from,
                                        to: toStatus?.rawValue, note: note)
        }
    }

    /// Sets the alert's status (when `to` is given; its assignee becomes `analyst`), bumps its version, and
    /// appends the event that says so, chained to the last one. Call inside a write transaction.
    /// `caseID` names the case when the event is part of a decision on a whole case.
    static func appendEvent(_ db: Database, _ signer: EventSigner, alertID: Int64, at: Int64, analyst: String, action: String,
                            from: String?, to: String?, note: String?, caseID: Int64? = nil) throws -> TriageEvent {
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
        return try chain(db, signer, TriageEvent(id: 0, alertID: alertID, at: at, analyst: analyst, action: action, fromStatus: from,
                                                 toStatus: to, note: note, previousHash: "", hash: "", caseID: caseID))
    }

    /// Appends `event` to the trail, linked to the last event, hashed and sealed, and moves the trail's (sealed) head
    /// on. Call inside the write transaction that makes the change the event records. Every event goes through here,
    /// so this is where the analysts list is enforced (`checkAnalyst`): a refusal throws inside that transaction,
    /// and nothing of the change is written.
    static func chain(_ db: Database, _ signer: EventSigner, _ unlinked: TriageEvent) throws -> TriageEvent {
        var event = unlinked
        if !systemActions.contains(event.action) { try checkAnalyst(db, event.analyst, signer.identity) }
        event.osUser = signer.identity.user
        event.host = signer.identity.host
        // A note may name a card in full (pasted from a call log): a store that keeps tokens keeps it masked.
        if let note = event.note { event.note = try maskingCards(in: note, db) }
        event.previousHash = try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM triage_events ORDER BY id DESC LIMIT 1"))
            ?? Store.genesisHash
        event.hash = Self.hash(of: event)
        event.seal = Self.seal(event.hash, signer.key)
        try db.cachedStatement(sql: """
            INSERT INTO triage_events (alert_id, case_id, at, analyst, action, from_status, to_status, note, prev_hash, hash,
                                       os_user, host, seal)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [event.alertID == 0 ? nil : event.alertID, event.caseID, event.at, event.analyst, event.action,
                                     event.fromStatus, event.toStatus, event.note, event.previousHash, event.hash,
                                     event.osUser, event.host, event.seal])
        event.id = db.lastInsertedRowID
        guard let events = try Int64.fetchOne(db.cachedStatement(sql: "SELECT events FROM audit_head WHERE id = 1")) else {
            throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "the audit trail's head is missing")
        }
        try db.cachedStatement(sql: "UPDATE audit_head SET events = ?, last_id = ?, last_hash = ?, seal = ? WHERE id = 1")
            .execute(arguments: [events + 1, event.id, event.hash,
                                 Self.headSeal(events: events + 1, lastID: event.id, lastHash: event.hash, signer.key)])
        return event
    }

    /// Once the store lists its analysts (`vigil analysts`), refuses an event under a name that is not listed, is
    /// listed for another operating-system user, or is a reviewer's (who may look but not decide).
    static func checkAnalyst(_ db: Database, _ analyst: String, _ identity: OSIdentity) throws {
        guard try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM analysts)")) == true else { return }
        func refuse(_ reason: String) -> TriageError { .analystRefused(analyst: analyst, osUser: identity.user, reason: reason) }
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT os_user, role FROM analysts WHERE name = ?"),
                                         arguments: [analyst]) else {
            throw refuse("\(analyst) is not in the store's analysts list (`vigil analysts list`)")
        }
        let listed: String = row["os_user"]
        guard listed == identity.user else { throw refuse("\(analyst) is listed for operating-system user \(listed)") }
        guard row["role"] as String != AnalystRole.reviewer.rawValue else {
            throw refuse("\(analyst) is a reviewer, who may look but not decide")
        }
    }

    static func event(_ row: Row) -> TriageEvent {
        TriageEvent(id: row["id"], alertID: row["alert_id"] ?? 0, at: row["at"], analyst: row["analyst"], action: row["action"],
                    fromStatus: row["from_status"], toStatus: row["to_status"], note: row["note"],
                    previousHash: row["prev_hash"], hash: row["hash"], caseID: row["case_id"],
                    osUser: row["os_user"], host: row["host"], seal: row["seal"])
    }

    /// Walks the whole log in order and checks every link, hash and seal, that ids run 1, 2, 3, … (events are never
    /// deleted, so a gap or a shift means rows were removed or renumbered), and that the trail ends where its sealed
    /// head (`audit_head`, written with every event) says, so events cut from its end are noticed too. Without the
    /// store's key the seals cannot be checked, and the answer says so (`sealsUnchecked`). `anchor`, when given, is a
    /// head taken earlier (`auditAnchor()`): its event must still be there with the same hash.
    public func verifyAuditChain(anchor: AuditAnchor? = nil) throws -> AuditVerification {
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
            let withoutKey = (keyProblem ?? StoreKeyError.missing(file: keyFile, store: path, needed: "checking the trail's seals")).description
            return try Self.verifyTrail(db, key: key, withoutKey: withoutKey, anchor: anchor)
        }
    }

    /// The checks of `verifyAuditChain`, inside any transaction; seals under `key` (none checked when it is nil).
    static func verifyTrail(_ db: Database, key: StoreKey?, withoutKey: String = "", anchor: AuditAnchor? = nil) throws -> AuditVerification {
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
            if let key, event.seal != Self.seal(event.hash, key) {
                return .broken(eventID: event.id, reason: event.seal == nil
                    ? "it is not sealed (it was added or rewritten without the store's key)"
                    : "its seal does not match its hash under the store's key (it was altered, or forged without the key)")
            }
            if let anchor, event.id == anchor.lastID, event.hash != anchor.hash {
                return .broken(eventID: event.id, reason: "it is not the event the anchor \(anchor) records: the trail was "
                               + "rewritten since the anchor was taken")
            }
            expectedPrevious = event.hash
            lastID = event.id
            count += 1
        }
        guard let head = try Row.fetchOne(db, sql: "SELECT events, last_id, last_hash, seal FROM audit_head WHERE id = 1") else {
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
        if let key, head["seal"] as String? != Self.headSeal(events: headEvents, lastID: headID, lastHash: headHash, key) {
            return .broken(eventID: lastID, reason: "the trail's head is not sealed under the store's key (the head was "
                           + "rewritten: events were removed from its end, or the trail was emptied)")
        }
        if let anchor, anchor.lastID > lastID || anchor.events > count {
            return .broken(eventID: lastID, reason: "the trail ends at event #\(lastID), before the anchor \(anchor) "
                           + "(events were removed since the anchor was taken)")
        }
        return key == nil ? .sealsUnchecked(events: Int(count), reason: withoutKey) : .intact(events: Int(count))
    }

    /// The trail's head, to keep elsewhere (`vigil audit anchor`).
    public func auditAnchor() throws -> AuditAnchor {
        try pool.read { db in
            guard let head = try Row.fetchOne(db, sql: "SELECT events, last_id, last_hash FROM audit_head WHERE id = 1") else {
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "the audit trail's head is missing")
            }
            return AuditAnchor(events: head["events"], lastID: head["last_id"], hash: head["last_hash"])
        }
    }

    /// Where alerts disagree with their events: an alert's status and analyst (`assignee`) must be what its last
    /// status-setting event says (an undo is such an event, so undo is accounted for; no such event: open, no
    /// analyst), and every alert an event names must still be stored (a scan never withdraws an alert with events).
    /// One pass over the events, one over the alerts. Sorted by alert id; `total` counts them all, `problems` holds
    /// at most `limit`.
    public func alertsAgainstTrail(limit: Int = 20) throws -> (problems: [String], total: Int) {
        try pool.read { db in
            var standing: [Int64: (status: String, analyst: String, event: Int64)] = [:]
            var named: [Int64: Int64] = [:]
            let events = try Row.fetchCursor(db, sql: """
                SELECT id, alert_id, analyst, to_status FROM triage_events WHERE alert_id IS NOT NULL ORDER BY id
                """)
            while let row = try events.next() {
                let id: Int64 = row[0], alert: Int64 = row[1]
                if named[alert] == nil { named[alert] = id }
                if let to: String = row[3] { standing[alert] = (to, row[2], id) }
            }
            var found: [(Int64, String)] = []
            let alerts = try Row.fetchCursor(db, sql: "SELECT id, status, assignee FROM alerts")
            while let row = try alerts.next() {
                let id: Int64 = row[0], status: String = row[1], assignee: String? = row[2]
                named.removeValue(forKey: id)
                let said = standing[id]
                let source = said.map { "its event #\($0.event) by \($0.analyst) says \(AlertStatus.words($0.status))" }
                    ?? "no event of its sets a status, so it is open with no analyst"
                if status != (said?.status ?? AlertStatus.open.rawValue) {
                    found.append((id, "alert #\(id) is \(AlertStatus.words(status)), but \(source) (its status was changed outside Vigil)"))
                } else if assignee != said?.analyst {
                    found.append((id, "alert #\(id) names \(assignee ?? "no one") as its analyst, but \(source) "
                                  + "(its analyst was changed outside Vigil)"))
                }
            }
            for (alert, event) in named {
                found.append((alert, "alert #\(alert), which event #\(event) names, is no longer stored (it was deleted outside Vigil)"))
            }
            found.sort { $0.0 < $1.0 }
            return (found.prefix(limit).map(\.1), found.count)
        }
    }

    /// HMAC-SHA-256 of an event's hash under the audit key.
    static func seal(_ hash: String, _ key: StoreKey) -> String {
        Digest.hmacHex(key: key.auditKey, Data(hash.utf8))
    }

    /// The head's seal: its count, last id and last hash under the audit key, so that a head rewritten to match a
    /// trail cut short (or emptied) is detected.
    static func headSeal(events: Int64, lastID: Int64, lastHash: String, _ key: StoreKey) -> String {
        Digest.hmacHex(key: key.auditKey, Data("vigil audit head \(events) \(lastID) \(lastHash)".utf8))
    }

    /// Recomputes every event's link, hash and seal from the first event under `key`, and the head's, inside the
    /// caller's transaction (the append-only triggers are dropped and made again around it). Used once the trail is
    /// known to be intact (`v19-who-decided`, a key rotation) or after a migration rewrote event content on purpose.
    static func resealAll(_ db: Database, key: StoreKey) throws {
        try db.execute(sql: "DROP TRIGGER IF EXISTS triage_events_no_update; DROP TRIGGER IF EXISTS triage_events_no_delete")
        let update = try db.makeStatement(sql: "UPDATE triage_events SET prev_hash = ?, hash = ?, seal = ? WHERE id = ?")
        var previous = Store.genesisHash
        var count: Int64 = 0
        var lastID: Int64 = 0
        for row in try Row.fetchAll(db, sql: "SELECT * FROM triage_events ORDER BY id") {
            var event = Self.event(row)
            event.previousHash = previous
            event.hash = Self.hash(of: event)
            try update.execute(arguments: [event.previousHash, event.hash, Self.seal(event.hash, key), event.id])
            previous = event.hash
            lastID = event.id
            count += 1
        }
        try db.execute(sql: "UPDATE audit_head SET events = ?, last_id = ?, last_hash = ?, seal = ? WHERE id = 1",
                       arguments: [count, lastID, previous, Self.headSeal(events: count, lastID: lastID, lastHash: previous, key)])
        try db.execute(sql: appendOnlyTriggers)
    }

    /// Seals the events before `eventID` as they are stored: what `v19-who-decided` does to a trail already broken
    /// at `eventID`, which stays broken there (and unsealed from there on), so that verifying still names that event.
    static func sealStored(_ db: Database, key: StoreKey, before eventID: Int64) throws {
        try db.execute(sql: "DROP TRIGGER IF EXISTS triage_events_no_update; DROP TRIGGER IF EXISTS triage_events_no_delete")
        let update = try db.makeStatement(sql: "UPDATE triage_events SET seal = ? WHERE id = ?")
        for row in try Row.fetchAll(db, sql: "SELECT id, hash FROM triage_events WHERE id < ? ORDER BY id", arguments: [eventID]) {
            try update.execute(arguments: [Self.seal(row["hash"], key), row["id"] as Int64])
        }
        try db.execute(sql: appendOnlyTriggers)
    }

    /// For a migration after `v19-who-decided` that rewrites event content (as `v18-card-tokens` masked card numbers):
    /// inside the caller's transaction, recomputes every hash and seal from the first event (`resealAll`), then appends
    /// an event by `vigil` recording `reason` and the head's hash before, so the trail says it was rewritten and from
    /// what. Works inside a GRDB migration.
    static func resealTrail(_ db: Database, key: StoreKey, reason: String) throws {
        let before = try String.fetchOne(db, sql: "SELECT last_hash FROM audit_head WHERE id = 1") ?? Store.genesisHash
        try resealAll(db, key: key)
        _ = try chain(db, EventSigner(key: key, identity: .current), TriageEvent(
            id: 0, alertID: 0, at: Int64(Date().timeIntervalSince1970), analyst: systemAnalyst, action: resealAction,
            fromStatus: "head " + before, toStatus: nil, note: reason, previousHash: "", hash: ""))
    }

    /// SHA-256 over the previous hash and every field, each length-prefixed so no two events encode alike. The case
    /// is hashed only when there is one (events before cases had none, and hash as they always did); an event that
    /// names no alert hashes its alert as absent; the operating-system user and host only when recorded (events
    /// before `v19-who-decided` hash as they always did).
    static func hash(of event: TriageEvent) -> String {
        var text = ""
        var fields: [String?] = [event.previousHash, event.alertID == 0 ? nil : String(event.alertID), String(event.at),
                                 event.analyst, event.action, event.fromStatus, event.toStatus, event.note]
        if let caseID = event.caseID { fields.append("case \(caseID)") }
        if event.osUser != nil || event.host != nil { fields += ["made by", event.osUser, event.host] }
        for field in fields {
            if let field { text += "\(field.utf8.count):\(field);" } else { text += "-;" }
        }
        return Digest.sha256Hex(Data(text.utf8))
    }
}
