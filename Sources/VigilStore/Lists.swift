import Foundation
import GRDB
import VigilCore

/// What a list entry does (docs/lists.md).
public enum ListKind: String, Sendable, CaseIterable, Codable {
    /// One detector (or all) does not count for a card's transactions while the entry is in force.
    case suppress
    /// The card's, or the merchant's, transactions raise no alert.
    case allow
    /// The card's, or the merchant's, transactions always raise an alert.
    case deny
}

/// What a list entry names.
public enum ListTarget: String, Sendable, CaseIterable, Codable {
    /// A card (the client id).
    case card
    case merchant
}

/// A list entry as it is added: what it names, when it is in force, and why.
public struct NewListEntry: Sendable, Equatable {
    public var kind: ListKind
    public var target: ListTarget
    public var value: String
    /// A suppression's detector name, or `ListEntry.allDetectors`; nil for allow and deny.
    public var detector: String?
    /// In force for transactions from this instant (UTC epoch seconds) …
    public var from: Int64
    /// … up to, not including, this one; nil for no end (allow and deny only).
    public var until: Int64?
    public var note: String

    public init(kind: ListKind, target: ListTarget, value: String, detector: String? = nil, from: Int64, until: Int64?, note: String) {
        self.kind = kind
        self.target = target
        self.value = value
        self.detector = detector
        self.from = from
        self.until = until
        self.note = note
    }

    /// Why the entry cannot be stored, or nil when it can.
    public var problem: String? {
        if value.isEmpty { return "a \(target.rawValue) is needed" }
        if value.contains(where: \.isNewline) { return "a \(target.rawValue) is one line" }
        if note.trimmingCharacters(in: .whitespaces).isEmpty { return "a note saying why is needed" }
        switch kind {
        case .suppress:
            if target != .card { return "a suppression names a card, not a merchant" }
            if detector == nil { return "a suppression names a detector (or all)" }
            if until == nil { return "a suppression needs an end (--until)" }
        case .allow, .deny:
            if detector != nil { return "only a suppression names a detector" }
        }
        if let until, until <= from { return "it ends (\(CivilTime.format(until)) UTC) before it starts (\(CivilTime.format(from)) UTC)" }
        return nil
    }
}

/// A stored list entry.
public struct ListEntry: Sendable, Equatable {
    public var id: Int64
    public var entry: NewListEntry
    public var addedBy: String
    public var addedAt: Int64
    /// When it was removed, and by whom: it stopped applying at that instant.
    public var removedAt: Int64?
    public var removedBy: String?

    public var kind: ListKind { entry.kind }
    public var target: ListTarget { entry.target }
    public var value: String { entry.value }
    public var detector: String? { entry.detector }
    public var note: String { entry.note }

    /// A suppression's detector name that means every detector.
    public static let allDetectors = "all"

    /// The instant it stops applying: its end, or its removal if that came first.
    public var end: Int64 { min(entry.until ?? .max, removedAt ?? .max) }

    /// Whether it applies to a transaction at `instant`, or, given the present instant, whether it is in force now.
    /// A transaction is judged by its own instant, so that a scan run tomorrow scores it as one run today, live scoring
    /// as a scan, and no score depends on an entry that started after its transaction (the causal rule).
    public func applies(at instant: Int64) -> Bool { instant >= entry.from && instant < end }

    /// Whether it suppresses `detector` (a detector's stored name).
    public func suppresses(_ detector: String) -> Bool {
        kind == .suppress && (self.detector == Self.allDetectors || self.detector == detector)
    }

    /// Who added it and when, with the note: what every reason that quotes it says.
    public var attribution: String {
        "added by \(addedBy) on \(CivilTime.format(addedAt).prefix(10)): \(note)"
    }

    /// The card or merchant as shown: a card number masked, as everywhere.
    public var shownValue: String { target == .card ? CardNumber.masked(value) : value }

    /// Until when, in words.
    public var untilText: String { entry.until.map { "until \(CivilTime.format($0)) UTC" } ?? "with no end" }

    /// What it does, on one line, as the audit trail records it (the card in full: the trail is the store's own
    /// record; everything shown masks it).
    public var summary: String {
        let name = kind == .suppress ? "suppress \(detector ?? "")" : kind.rawValue
        return "\(name) \(target.rawValue) \(value) from \(CivilTime.format(entry.from)) UTC \(untilText)"
    }

    // The reasons list entries give an alert, worded here alone: a scan, live scoring and the store (marking an open
    // alert when a suppression is added) all quote these.

    /// The detector name of the reason a deny-listed transaction's alert carries.
    public static let denyReasonName = "deny_list"
    /// The detector name of the reason lines that say a suppression was in force.
    public static let suppressionReasonName = "suppressed"
    /// Reasons that are not a detector's.
    static let notDetectors: Set<String> = ["spree", denyReasonName, suppressionReasonName]

    /// A deny-listed transaction's reason: the evidence it adds to reach the alert threshold (0 when the detectors
    /// reached it themselves).
    public func denyReason(contribution: Double) -> AlertReason {
        AlertReason(detector: Self.denyReasonName, score: 1, contribution: contribution,
                    text: "deny list: \(target.rawValue) \(shownValue), \(attribution)")
    }

    /// An alert raised while this suppression was in force for its transaction: the other detectors reached the
    /// threshold without the suppressed one.
    public var inForceReason: AlertReason {
        AlertReason(detector: Self.suppressionReasonName, score: 0, contribution: 0,
                    text: "\(detectorWords) suppressed for this card \(untilText) (\(attribution)): left out of this score")
    }

    /// An open alert raised before this suppression began, which the suppressed detector counts in: the suppression
    /// would have hidden it, or some of its evidence.
    public var cameBeforeReason: AlertReason {
        AlertReason(detector: Self.suppressionReasonName, score: 0, contribution: 0,
                    text: "\(detectorWords) now suppressed for this card from \(CivilTime.format(entry.from)) UTC "
                        + "\(untilText) (\(attribution)); this alert came before and still counts it")
    }

    /// A suppression's detector as its reasons name it.
    var detectorWords: String { detector == Self.allDetectors ? "every detector" : detector ?? "" }

    /// Whether `reasons` count this suppression's detector.
    func isCounted(in reasons: [AlertReason]) -> Bool {
        reasons.contains { !Self.notDetectors.contains($0.detector) && suppresses($0.detector) }
    }

    /// The reason lines a card's suppressions add to an alert on its transaction at `instant`, `now` being the present:
    /// one for each suppression that applied to it, and one for each that began after it, has not ended by now (it is
    /// in force or will be) and whose detector its `reasons` count. In entry order.
    public static func suppressionNotes(_ entries: [ListEntry], instant: Int64, now: Int64, reasons: [AlertReason]) -> [AlertReason] {
        entries.compactMap { entry in
            guard entry.kind == .suppress else { return nil }
            if entry.applies(at: instant) { return entry.inForceReason }
            if instant < entry.entry.from && entry.end > now && entry.isCounted(in: reasons) { return entry.cameBeforeReason }
            return nil
        }
    }
}

/// Why a list change was refused.
public enum ListError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(String)
    case noSuchEntry(Int64)
    case alreadyRemoved(Int64, at: Int64, by: String)

    public var description: String {
        switch self {
        case .invalid(let problem): return problem
        case .noSuchEntry(let id): return "no list entry #\(id)"
        case .alreadyRemoved(let id, let at, let by):
            return "list entry #\(id) was removed by \(by) at \(CivilTime.format(at)) UTC; nothing was changed"
        }
    }
}

enum ListSchema {
    /// Lets `triage_events` hold an event that names neither an alert nor a case, keeping every event, id and hash, its
    /// indexes and its append-only triggers: SQLite changes a constraint only by rebuilding the table. The table's own
    /// CREATE statement is rebuilt from the stored one, so columns another migration added are kept: `alert_id` loses
    /// NOT NULL (as `v1-foundation` made it), and the check that an event names an alert or a case (as `v14-cases`
    /// makes it) goes. A trail that allows such events already is left alone.
    static func allowEventsWithoutAlert(_ db: Database) throws {
        guard let create = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'triage_events'")
        else { throw DatabaseError(resultCode: .SQLITE_ERROR, message: "the store has no triage_events table") }
        var rebuilt = create.replacingOccurrences(of: "alert_id INTEGER NOT NULL", with: "alert_id INTEGER")
            .replacingOccurrences(of: #",\s*CHECK \(alert_id IS NOT NULL OR case_id IS NOT NULL\)"#, with: "", options: .regularExpression)
        guard rebuilt != create, let name = rebuilt.range(of: "triage_events") else { return }
        rebuilt.replaceSubrange(name, with: "triage_events_rebuilt")
        let dependents = try String.fetchAll(db, sql: """
            SELECT sql FROM sqlite_master WHERE tbl_name = 'triage_events' AND type IN ('index', 'trigger') AND sql IS NOT NULL
            """)
        try db.execute(sql: rebuilt)
        try db.execute(sql: "INSERT INTO triage_events_rebuilt SELECT * FROM triage_events")
        try db.execute(sql: "DROP TABLE triage_events")
        try db.execute(sql: "ALTER TABLE triage_events_rebuilt RENAME TO triage_events")
        for statement in dependents { try db.execute(sql: statement) }
    }
}

extension Store {
    /// Adds a list entry with its audit event, in one transaction. An entry that is already listed (same kind, target,
    /// detector, end and note, not removed) is not added again: `added` is false and the stored one is returned. A
    /// suppression also marks the card's open alerts that came before it and count its detector
    /// (`ListEntry.cameBeforeReason`), moving their version on.
    @discardableResult
    public func addListEntry(_ new: NewListEntry, analyst: String, at now: Int64 = Int64(Date().timeIntervalSince1970),
                             importID: Int64? = nil, line: Int? = nil) throws -> (entry: ListEntry, added: Bool) {
        if let problem = new.problem { throw ListError.invalid(problem) }
        let tokenizer = new.target == .card ? try cardTokenizerForImport() : nil
        return try pool.write { db in
            try Self.addListEntry(db, new, analyst: analyst, at: now, importID: importID, line: line, cards: tokenizer)
        }
    }

    /// `cards`, when the store keeps card numbers as tokens: a card named by its full number is listed under its
    /// card's id (a card not seen yet is given one), and card numbers in the note are masked.
    static func addListEntry(_ db: Database, _ new: NewListEntry, analyst: String, at now: Int64, importID: Int64?,
                             line: Int?, cards: CardTokenizer?) throws -> (entry: ListEntry, added: Bool) {
        var new = new
        if let cards {
            if new.target == .card, let digits = CardNumber.digits(typed: new.value) {
                new.value = try Self.cardClientID(digits, cards, db)
            }
            new.note = try maskingCards(in: new.note, db)
        }
        if let existing = try Row.fetchOne(db, sql: """
            SELECT * FROM list_entries WHERE kind = ? AND target = ? AND value = ? AND detector IS ? AND until_instant IS ?
                AND note = ? AND removed_at IS NULL ORDER BY id LIMIT 1
            """, arguments: [new.kind.rawValue, new.target.rawValue, new.value, new.detector, new.until, new.note]) {
            return (Self.listEntry(existing), false)
        }
        try db.execute(sql: """
            INSERT INTO list_entries (kind, target, value, detector, from_instant, until_instant, note, added_by, added_at,
                                      import_id, line)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [new.kind.rawValue, new.target.rawValue, new.value, new.detector, new.from, new.until, new.note,
                             analyst, now, importID, line])
        let entry = ListEntry(id: db.lastInsertedRowID, entry: new, addedBy: analyst, addedAt: now)
        _ = try Self.appendEvent(db, alertID: 0, at: now, analyst: analyst, action: "list add #\(entry.id)", from: nil,
                        to: entry.summary, note: new.note)
        if entry.kind == .suppress { try markAlertsBefore(entry, db, now: now) }
        return (entry, true)
    }

    /// Adds `entry.cameBeforeReason` to each open alert of the card that came before the suppression and counts its
    /// detector, unless it says so already.
    private static func markAlertsBefore(_ entry: ListEntry, _ db: Database, now: Int64) throws {
        let decoder = JSONDecoder()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let note = entry.cameBeforeReason
        for row in try Row.fetchAll(db, sql: """
            SELECT id, reasons, instant FROM alerts WHERE status = 'open' AND client_id = ? AND instant < ?
            """, arguments: [entry.value, entry.entry.from]) {
            let text: String = row["reasons"]
            var reasons = (try? decoder.decode([AlertReason].self, from: Data(text.utf8))) ?? []
            guard ListEntry.suppressionNotes([entry], instant: row["instant"], now: now, reasons: reasons) == [note],
                  !reasons.contains(note) else { continue }
            reasons.append(note)
            try db.execute(sql: "UPDATE alerts SET reasons = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                           arguments: [String(decoding: try encoder.encode(reasons), as: UTF8.self), now, row["id"] as Int64])
        }
    }

    /// Removes entry `id`: it stops applying at `now`, and the audit trail says who removed it and why.
    @discardableResult
    public func removeListEntry(_ id: Int64, analyst: String, note: String,
                                at now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> ListEntry {
        try pool.write { db in
            var entry = try Self.changeableEntry(db, id)
            let before = entry.summary
            try db.execute(sql: "UPDATE list_entries SET removed_at = ?, removed_by = ? WHERE id = ?", arguments: [now, analyst, id])
            entry.removedAt = now
            entry.removedBy = analyst
            _ = try Self.appendEvent(db, alertID: 0, at: now, analyst: analyst, action: "list remove #\(id)", from: before,
                            to: nil, note: note)
            return entry
        }
    }

    /// Changes entry `id`'s end (nil: no end, for allow and deny) with an audit event saying from what, to what, and why.
    @discardableResult
    public func changeListExpiry(_ id: Int64, until: Int64?, analyst: String, note: String,
                                 at now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> ListEntry {
        try pool.write { db in
            var entry = try Self.changeableEntry(db, id)
            let before = entry.summary
            entry.entry.until = until
            if let problem = entry.entry.problem { throw ListError.invalid(problem) }
            try db.execute(sql: "UPDATE list_entries SET until_instant = ? WHERE id = ?", arguments: [until, id])
            _ = try Self.appendEvent(db, alertID: 0, at: now, analyst: analyst, action: "list change #\(id)", from: before,
                            to: entry.summary, note: note)
            return entry
        }
    }

    private static func changeableEntry(_ db: Database, _ id: Int64) throws -> ListEntry {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM list_entries WHERE id = ?", arguments: [id]) else {
            throw ListError.noSuchEntry(id)
        }
        let entry = listEntry(row)
        if let at = entry.removedAt { throw ListError.alreadyRemoved(id, at: at, by: entry.removedBy ?? "") }
        return entry
    }

    /// The list entries, in id order: every one ever added, or (given `inForceAt`) those that apply at that instant
    /// or will (not removed, not ended by then).
    public func listEntries(inForceAt now: Int64? = nil) throws -> [ListEntry] {
        try pool.read { db in
            let all = try Row.fetchAll(db, sql: "SELECT * FROM list_entries ORDER BY id").map(Self.listEntry)
            guard let now else { return all }
            return all.filter { $0.end > now }
        }
    }

    static func listEntry(_ row: Row) -> ListEntry {
        ListEntry(id: row["id"],
                  entry: NewListEntry(kind: ListKind(rawValue: row["kind"]) ?? .allow, target: ListTarget(rawValue: row["target"]) ?? .card,
                                      value: row["value"], detector: row["detector"], from: row["from_instant"],
                                      until: row["until_instant"], note: row["note"]),
                  addedBy: row["added_by"], addedAt: row["added_at"], removedAt: row["removed_at"], removedBy: row["removed_by"])
    }
}
