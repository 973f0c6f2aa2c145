import Foundation
import GRDB
import VigilCore

/// Where a case stands as an analyst sees it now.
public enum CaseStatus: String, Sendable, CaseIterable {
    /// Some alert is open and the case is not snoozed (or its snooze has passed).
    case open
    /// Some alert is open, but the case waits (for information) until its snooze ends.
    case snoozed
    /// No alert of the case is open.
    case decided

    /// The status of a case with `openAlerts` open alerts, snoozed until `snoozedUntil`, at `now`.
    public static func of(openAlerts: Int, snoozedUntil: Int64?, now: Int64) -> CaseStatus {
        openAlerts == 0 ? .decided : (snoozedUntil.map { $0 > now } ?? false) ? .snoozed : .open
    }
}

/// A text the case queue's search looks for in a case's card or client id and its assignee: contained in either,
/// ASCII letters in either case; a text of digits, spaces and dashes is looked for by its digits alone in the card or
/// client id, so a card number typed in groups (`4111 1111`) finds the card though the queue shows it masked.
public struct CaseSearch: Sendable, Equatable {
    /// As typed, less the spaces around it.
    public let text: String
    private let needle: [UInt8]
    private let card: [UInt8]

    public init(_ text: String) {
        self.text = text.trimmingCharacters(in: .whitespaces)
        needle = Self.folded(Array(self.text.utf8))
        let digits = self.text.utf8.filter { (0x30...0x39).contains($0) }
        let grouped = !digits.isEmpty && self.text.utf8.allSatisfy { (0x30...0x39).contains($0) || $0 == 0x20 || $0 == 0x2D }
        card = grouped ? digits : needle
    }

    public var isEmpty: Bool { needle.isEmpty }

    public func matches(_ key: CaseKey) -> Bool {
        Self.contains(key.clientID, card) || key.assignee.map { Self.contains($0, needle) } ?? false
    }

    private static func folded(_ bytes: [UInt8]) -> [UInt8] { bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 } }

    private static func contains(_ text: String, _ needle: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard bytes.count >= needle.count else { return false }
            for start in 0...(bytes.count - needle.count) {
                var index = 0
                while index < needle.count {
                    let byte = bytes[start + index]
                    if ((0x41...0x5A).contains(byte) ? byte | 0x20 : byte) != needle[index] { break }
                    index += 1
                }
                if index == needle.count { return true }
            }
            return false
        }
    }
}

/// What the case queue orders and filters a case by, for every case at once: a row of `cases` alone, its figures
/// kept there by triggers (`v16-case-figures`), so reading them all never reads an alert.
public struct CaseKey: Sendable, Equatable {
    public var id: Int64
    public var clientID: String
    public var topScore: Double
    public var openAlerts: Int
    public var assignee: String?
    public var snoozedUntil: Int64?

    public init(id: Int64, clientID: String, topScore: Double, openAlerts: Int, assignee: String?, snoozedUntil: Int64?) {
        self.id = id
        self.clientID = clientID
        self.topScore = topScore
        self.openAlerts = openAlerts
        self.assignee = assignee
        self.snoozedUntil = snoozedUntil
    }

    public func status(at now: Int64) -> CaseStatus { .of(openAlerts: openAlerts, snoozedUntil: snoozedUntil, now: now) }

    /// The queue's order: highest top score first, then the oldest case (as `CaseFilter` orders).
    public static func precedes(_ a: CaseKey, _ b: CaseKey) -> Bool {
        a.topScore != b.topScore ? a.topScore > b.topScore : a.id < b.id
    }
}

/// A case as the case queue lists it: a card's alerts close together in time, worked as one.
public struct CaseSummary: Sendable, Equatable {
    public var id: Int64
    public var clientID: String
    public var status: CaseStatus
    public var assignee: String?
    public var alertCount: Int
    public var openAlertCount: Int
    /// The highest score of its alerts.
    public var topScore: Double
    /// The amounts of its open alerts' transactions, in `currency`.
    public var amountAtRiskMinor: Int64
    public var currency: String
    /// UTC epoch seconds of its alerts' first and last transactions.
    public var firstInstant: Int64
    public var lastInstant: Int64
    /// Stored names of the detectors (`burst`, `impossible_travel`, …) with the largest total contribution across its
    /// alerts, largest first, at most three; the spree, which only says that the alerts came together, is left
    /// out. `leadingReasons` (VigilEngine) words them.
    public var leadingDetectors: [String]
    public var createdAt: Int64
    public var dueAt: Int64?
    /// When set and ahead, the case is snoozed until then; a passed snooze is kept but no longer counts.
    public var snoozedUntil: Int64?
    /// The status its alerts were last decided to, when the case is decided.
    public var decision: AlertStatus?
    /// Moves on with every change to the case or to its alerts' statuses; a case decision can be made against it.
    public var version: Int64
}

/// A case with its alerts, in time order.
public struct CaseDetail: Sendable, Equatable {
    public var summary: CaseSummary
    public var alerts: [AlertSummary]
}

/// Which cases a listing shows: highest top score first.
public struct CaseFilter: Sendable, Equatable {
    /// Statuses shown; nil shows every status.
    public var statuses: Set<CaseStatus>?
    /// Only the cases assigned to this analyst (their "mine" view).
    public var assignee: String?
    /// Only cases nobody is assigned to.
    public var unassigned: Bool
    public var clientID: String?
    public var limit: Int?

    public init(statuses: Set<CaseStatus>? = [.open], assignee: String? = nil, unassigned: Bool = false,
                clientID: String? = nil, limit: Int? = nil) {
        self.statuses = statuses
        self.assignee = assignee
        self.unassigned = unassigned
        self.clientID = clientID
        self.limit = limit
    }

    /// The WHERE clause over `Store.caseQuery`'s `c` and `p`, and its arguments.
    /// A client typed as a full card number is looked for by its card's id.
    func sql(now: Int64, _ db: Database, key: StoreKey?) throws -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments = StatementArguments()
        if let assignee { clauses.append("c.assignee = ?"); arguments += [assignee] }
        if unassigned { clauses.append("c.assignee IS NULL") }
        if let clientID {
            clauses.append("c.client_id = ?")
            arguments += [try Store.storedClientID(clientID, key: key, db)]
        }
        if let statuses {
            let tests = statuses.sorted { $0.rawValue < $1.rawValue }.map { status -> String in
                switch status {
                case .decided: return "p.open_alerts = 0"
                case .snoozed: return "(p.open_alerts > 0 AND c.snoozed_until > \(now))"
                case .open: return "(p.open_alerts > 0 AND (c.snoozed_until IS NULL OR c.snoozed_until <= \(now)))"
                }
            }
            clauses.append("(" + (tests.isEmpty ? "0" : tests.joined(separator: " OR ")) + ")")
        }
        return (clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    /// Highest top score first (then the oldest case), at most `limit`.
    var orderAndLimit: String {
        "ORDER BY p.top_score DESC, c.id" + (limit.map { " LIMIT \(max(0, $0))" } ?? "")
    }

    /// An analyst's own cases.
    public static func mine(_ analyst: String, statuses: Set<CaseStatus>? = [.open, .snoozed]) -> CaseFilter {
        CaseFilter(statuses: statuses, assignee: analyst)
    }
}

/// What `Store.refreshCases` did.
public struct CaseRefresh: Sendable, Equatable {
    /// New cases.
    public var opened = 0
    /// Alerts put into a case (new or existing).
    public var alertsPlaced = 0
    /// Existing cases that received alerts (their version moved on).
    public var grown = 0

    public init() {}
}

extension Store {
    /// Puts every alert that is in no case yet into one, all in one transaction: an alert joins its client's newest
    /// case when it is at most `gapSeconds` after that case's latest alert (or before it), unless that case is decided
    /// and the alert open (a decision is never reopened by a later alert: the alert starts a new case); otherwise
    /// it starts a new case. Running it again changes nothing. Scans and live scoring call it after opening alerts.
    @discardableResult
    public func refreshCases(gapSeconds: Int64, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> CaseRefresh {
        try pool.write { db in
            var refresh = CaseRefresh()
            // The client's case being filled: its id, its first and latest alert's instants, whether an alert of it
            // is open, and whether it existed before this refresh.
            struct Current { var id: Int64; var first: Int64?; var last: Int64?; var open: Bool; var existing: Bool }
            var current: Current?
            var grown = Set<Int64>(), placedIn = Set<Int64>()
            // Through SQLite's C API: the first refresh of a store places every alert it holds.
            let newest = try RawStatement(db, sql: """
                SELECT c.id, max(a.instant), coalesce(sum(a.status = 'open'), 0), count(a.id), min(a.instant)
                FROM cases c LEFT JOIN alerts a ON a.case_id = c.id
                WHERE c.id = (SELECT max(id) FROM cases WHERE client_id = ?) GROUP BY c.id
                """)
            // An alert from before the newest case's span (a back-dated alert: an older file imported late, an
            // exposure raised on an old visit) belongs with the client's case whose span it is within a gap of,
            // the latest such; else it starts a case of its own. Only such alerts ask.
            let fitting = try RawStatement(db, sql: """
                SELECT c.id, min(a.instant), max(a.instant), coalesce(sum(a.status = 'open'), 0)
                FROM cases c JOIN alerts a ON a.case_id = c.id
                WHERE c.client_id = ?1 GROUP BY c.id
                HAVING min(a.instant) - ?3 <= ?2 AND ?2 <= max(a.instant) + ?3
                ORDER BY max(a.instant) DESC LIMIT 1
                """)
            let create = try RawStatement(db, sql: "INSERT INTO cases (client_id, created_at, updated_at) VALUES (?1, ?2, ?2)")
            let place = try RawStatement(db, sql: "UPDATE alerts SET case_id = ?1 WHERE id = ?2")
            let lastCaseBefore = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM cases") ?? 0
            func openCase(for client: String) throws -> Int64 {
                create.reset()
                create.bindText(copying: client, at: 1)
                create.bind(now, at: 2)
                try create.execute()
                refresh.opened += 1
                return db.lastInsertedRowID
            }
            func placeAlert(_ alertID: Int64, in caseID: Int64) throws {
                place.reset()
                place.bind(caseID, at: 1)
                place.bind(alertID, at: 2)
                try place.execute()
                refresh.alertsPlaced += 1
                placedIn.insert(caseID)
            }
            // Read whole before any write: the writes change the column the read selects on.
            var pending: [(id: Int64, client: String, instant: Int64, open: Bool)] = []
            let read = try RawStatement(db, sql: """
                SELECT id, client_id, instant, status = 'open' FROM alerts WHERE case_id IS NULL ORDER BY client_id, instant, id
                """)
            while try read.step() { pending.append((read.int64(0), read.string(1), read.int64(2), read.int64(3) != 0)) }
            for (index, alert) in pending.enumerated() {
                if index == 0 || alert.client != pending[index - 1].client {
                    newest.reset()
                    newest.bindText(copying: alert.client, at: 1)
                    current = try newest.step()
                        ? Current(id: newest.int64(0), first: newest.int64(3) > 0 ? newest.int64(4) : nil,
                                  last: newest.int64(3) > 0 ? newest.int64(1) : nil, open: newest.int64(2) > 0, existing: true)
                        : nil
                }
                if let c = current, let first = c.first, alert.instant < first - gapSeconds {
                    fitting.reset()
                    fitting.bindText(copying: alert.client, at: 1)
                    fitting.bind(alert.instant, at: 2)
                    fitting.bind(gapSeconds, at: 3)
                    let home: Int64
                    if try fitting.step(), fitting.int64(3) > 0 || !alert.open {
                        home = fitting.int64(0)
                        if home <= lastCaseBefore { grown.insert(home) }
                    } else {
                        home = try openCase(for: alert.client)
                    }
                    try placeAlert(alert.id, in: home)
                    continue
                }
                let joins = current.map { c in
                    guard let last = c.last else { return false }
                    return alert.instant <= last + gapSeconds && (c.open || !alert.open)
                } ?? false
                if !joins {
                    current = Current(id: try openCase(for: alert.client), first: nil, last: nil, open: false, existing: false)
                }
                guard var filling = current else { continue }
                try placeAlert(alert.id, in: filling.id)
                filling.first = min(filling.first ?? alert.instant, alert.instant)
                filling.last = max(filling.last ?? alert.instant, alert.instant)
                filling.open = filling.open || alert.open
                if filling.existing { grown.insert(filling.id) }
                current = filling
            }
            for id in grown {
                try db.execute(sql: "UPDATE cases SET version = version + 1, updated_at = ? WHERE id = ?", arguments: [now, id])
            }
            refresh.grown = grown.count
            try Self.countPlaced(db, alerts: pending.map(\.id), cases: placedIn)
            return refresh
        }
    }

    /// The cases `filter` selects, highest top score first, as they stand at `now`.
    public func cases(_ filter: CaseFilter = CaseFilter(), now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> [CaseSummary] {
        try pool.read { db in
            let (whereClause, arguments) = try filter.sql(now: now, db, key: key)
            let rows = try Row.fetchAll(db, sql: "\(Self.caseQuery()) \(whereClause) \(filter.orderAndLimit)", arguments: arguments)
            return try Self.caseSummaries(db, rows, now: now)
        }
    }

    /// The ids of the cases `filter` selects, in its order: a queue keeps this list and loads only the cases on screen
    /// with `caseSummaries(ids:)` (a summary's leading detectors read every reason of its alerts).
    public func caseIDs(_ filter: CaseFilter = CaseFilter(), now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> [Int64] {
        try pool.read { db in
            let (whereClause, arguments) = try filter.sql(now: now, db, key: key)
            return try Int64.fetchAll(db, sql: "\(Self.caseQuery()) \(whereClause) \(filter.orderAndLimit)", arguments: arguments)
        }
    }

    /// The cases with these ids, in the order given (ids of no case, or of a case with no alert left, are left out).
    public func caseSummaries(ids: [Int64], now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> [CaseSummary] {
        guard !ids.isEmpty else { return [] }
        return try pool.read { db in
            var byID: [Int64: CaseSummary] = [:]
            try IDChunks.forEach(ids) { chunk, marks in
                let rows = try Row.fetchAll(db, sql: Self.caseQuery(alerts: "case_id IN (\(marks))"),
                                            arguments: StatementArguments(chunk))
                for summary in try Self.caseSummaries(db, rows, now: now) { byID[summary.id] = summary }
            }
            return ids.compactMap { byID[$0] }
        }
    }

    /// The queue keys of every case with an alert (`ids` nil), or of the cases with these ids that have one, in id
    /// order. One pass over `cases`: 73,642 cases read in tens of milliseconds (bench/RESULTS.md).
    public func caseKeys(ids: [Int64]? = nil) throws -> [CaseKey] {
        try pool.read { db in
            var keys: [CaseKey] = []
            func read(_ clause: String, _ arguments: [Int64]) throws {
                let statement = try RawStatement(db, sql: """
                    SELECT id, client_id, top_score, open_alerts, assignee, snoozed_until FROM cases WHERE alert_count > 0 \(clause)
                    ORDER BY id
                    """, arguments: StatementArguments(arguments))
                while try statement.step() {
                    keys.append(CaseKey(id: statement.int64(0), clientID: statement.string(1), topScore: statement.double(2),
                                        openAlerts: Int(statement.int64(3)), assignee: statement.isNull(4) ? nil : statement.string(4),
                                        snoozedUntil: statement.isNull(5) ? nil : statement.int64(5)))
                }
            }
            guard let ids else { try read("", []); return keys }
            try IDChunks.forEach(ids) { chunk, marks in try read("AND id IN (\(marks))", chunk) }
            return keys.sorted { $0.id < $1.id }
        }
    }

    /// The cases `search` finds, as the case queue's search (`/`) does: by its card, client or assignee
    /// (`CaseSearch.matches`, over `keys` when the caller holds every case's key, else over those read here), by the
    /// merchant of one of its alerts (containing the text, ASCII letters in either case), or because one of its
    /// alerts gave a reason from `detectors` (the caller words them). Reads indexes and `cases`, never an alert row.
    public func caseIDs(matching search: CaseSearch, detectors: [String] = [], keys: [CaseKey]? = nil) throws -> Set<Int64> {
        guard !search.isEmpty else { return [] }
        var found = Set<Int64>()
        // A card number typed in full finds its card's cases by its token, as well as by the digits shown.
        let card = try clientID(typed: search.text)
        let typedCard = card != search.text ? card : nil
        for key in try keys ?? caseKeys() where search.matches(key) || key.clientID == typedCard { found.insert(key.id) }
        let escaped = search.text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
        return try pool.read { db in
            func collect(_ sql: String, _ arguments: StatementArguments) throws {
                let statement = try RawStatement(db, sql: sql, arguments: arguments)
                while try statement.step() { found.insert(statement.int64(0)) }
            }
            try collect("""
                SELECT DISTINCT case_id FROM alerts INDEXED BY alerts_by_merchant WHERE merchant LIKE ?1 ESCAPE '\\'
                    AND case_id IS NOT NULL
                """, ["%" + escaped + "%"])
            if !detectors.isEmpty {
                try collect("SELECT case_id FROM case_detectors WHERE detector IN (\(detectors.map { _ in "?" }.joined(separator: ", ")))",
                            StatementArguments(detectors))
            }
            return found
        }
    }

    /// The cases of these alerts (alerts in no case left out).
    public func caseIDs(ofAlerts alertIDs: [Int64]) throws -> Set<Int64> {
        guard !alertIDs.isEmpty else { return [] }
        return try pool.read { db in
            var found = Set<Int64>()
            try IDChunks.forEach(alertIDs) { chunk, marks in
                let statement = try RawStatement(db, sql: """
                    SELECT DISTINCT case_id FROM alerts WHERE case_id IS NOT NULL AND id IN (\(marks))
                    """, arguments: StatementArguments(chunk))
                while try statement.step() { found.insert(statement.int64(0)) }
            }
            return found
        }
    }

    /// One case with its alerts in time order; nil when there is no such case (or it has no alert left).
    public func caseDetail(id: Int64, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> CaseDetail? {
        try pool.read { db in
            guard let summary = try Self.caseSummary(db, id: id, now: now) else { return nil }
            let decoder = JSONDecoder()
            let alerts = try Row.fetchAll(db, sql: "\(Self.summaryColumns) WHERE a.case_id = ? ORDER BY a.instant, a.id",
                                          arguments: [id]).map { Self.summary($0, decoder) }
            return CaseDetail(summary: summary, alerts: alerts)
        }
    }

    /// The case an alert belongs to, if any.
    public func `case`(ofAlert alertID: Int64, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> CaseSummary? {
        try pool.read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT case_id FROM alerts WHERE id = ?", arguments: [alertID]) else {
                return nil
            }
            return try Self.caseSummary(db, id: id, now: now)
        }
    }

    /// Takes the open, unassigned case with the highest top score that is not snoozed, and assigns it to `analyst`,
    /// in one write transaction: two analysts (or processes) asking at once never get the same case. Nil when
    /// there is none.
    public func claimNextCase(analyst: String, now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> CaseSummary? {
        try pool.write { db in
            // Walks the index of unassigned cases with an open alert, highest top score first, past the snoozed ones.
            guard let id = try Int64.fetchOne(db, sql: """
                SELECT id FROM cases INDEXED BY cases_claimable
                WHERE assignee IS NULL AND open_alerts > 0 AND (snoozed_until IS NULL OR snoozed_until <= ?)
                ORDER BY top_score DESC, id LIMIT 1
                """, arguments: [now]) else { return nil }
            try Self.changeCase(db, id: id, set: "assignee = ?", [analyst], event: "case claim", from: nil, to: analyst,
                                analyst: analyst, note: nil, at: now)
            return try Self.caseSummary(db, id: id, now: now)
        }
    }

    /// Assigns the case to `assignee` (nil unassigns it), with its audit event by `analyst`. `shown`, when given, is
    /// the case as the analyst saw it: if its assignee has changed since (another analyst took the case a moment
    /// ago), nothing is written and `TriageError.assignedSinceShown` says who has it, so a case is never taken from
    /// someone who was just given it.
    @discardableResult
    public func assignCase(id: Int64, to assignee: String?, by analyst: String, shown: CaseSummary? = nil,
                           at: Int64 = Int64(Date().timeIntervalSince1970)) throws -> TriageEvent {
        try pool.write { db in
            let from = try Self.caseRow(db, id)["assignee"] as String?
            if let shown, shown.assignee != from { throw TriageError.assignedSinceShown(caseID: id, assignee: from) }
            return try Self.changeCase(db, id: id, set: "assignee = ?", [assignee], event: assignee == nil ? "case unassign" : "case assign",
                                       from: from, to: assignee, analyst: analyst, note: nil, at: at)
        }
    }

    /// Snoozes the case until `until` (UTC epoch seconds, after `at`): it leaves the open queue and comes back by
    /// itself then. Nil wakes it now.
    @discardableResult
    public func snoozeCase(id: Int64, until: Int64?, by analyst: String, note: String? = nil,
                           at: Int64 = Int64(Date().timeIntervalSince1970)) throws -> TriageEvent {
        try pool.write { db in
            let from = try Self.caseRow(db, id)["snoozed_until"] as Int64?
            if let until, until <= at { throw TriageError.snoozeNotInFuture(caseID: id) }
            return try Self.changeCase(db, id: id, set: "snoozed_until = ?", [until], event: until == nil ? "case wake" : "case snooze",
                                       from: from.map(CivilTime.format), to: until.map(CivilTime.format), analyst: analyst,
                                       note: note, at: at)
        }
    }

    /// Sets the date the case is due by (nil clears it).
    @discardableResult
    public func setCaseDue(id: Int64, at due: Int64?, by analyst: String,
                           at: Int64 = Int64(Date().timeIntervalSince1970)) throws -> TriageEvent {
        try pool.write { db in
            let from = try Self.caseRow(db, id)["due_at"] as Int64?
            return try Self.changeCase(db, id: id, set: "due_at = ?", [due], event: "case due", from: from.map(CivilTime.format),
                                       to: due.map(CivilTime.format), analyst: analyst, note: nil, at: at)
        }
    }

    /// Decides the whole case in one transaction, through the same events as `decide` (undo takes it back whole):
    /// every open alert of the case gets `status`; a case with no open alert left (or `status` open, to reopen it)
    /// has every alert not already at `status` changed, which overturns the decisions other analysts made only with
    /// `overturning` and a note. `version`, when given, is the case's version as shown: a case changed since is
    /// refused. The events name the case.
    @discardableResult
    public func decideCase(id: Int64, status: AlertStatus, analyst: String, note: String? = nil, overturning: Bool = false,
                           version: Int64? = nil, at: Int64 = Int64(Date().timeIntervalSince1970)) throws -> [TriageEvent] {
        try pool.write { db in
            let row = try Self.caseRow(db, id)
            if let version, version != row["version"] { throw TriageError.caseChangedSinceShown(caseID: id) }
            let alerts = try Row.fetchAll(db, sql: "SELECT id, version, status FROM alerts WHERE case_id = ? ORDER BY instant, id",
                                          arguments: [id])
                .map { (seen: SeenAlert(id: $0["id"], version: $0["version"]), status: $0["status"] as String) }
            let changing = alerts.filter { $0.status != status.rawValue }
            let open = changing.filter { $0.status == AlertStatus.open.rawValue }
            let chosen = open.isEmpty ? changing : open
            guard !chosen.isEmpty else { throw TriageError.nothingToDecide(caseID: id, status: status.rawValue) }
            return try Self.decide(db, chosen.map(\.seen), status: status, analyst: analyst, note: note,
                                   overturning: overturning, at: at, caseID: id)
        }
    }

    /// Every event that names the case (its own and its case decisions), oldest first.
    public func caseEvents(id: Int64) throws -> [TriageEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM triage_events WHERE case_id = ? ORDER BY id", arguments: [id]).map(Self.event)
        }
    }

    // MARK: - Inside

    /// Each case (`c`) with its alerts' figures (`p`), for cases with at least one alert; `alerts` narrows the alerts
    /// read (`case_id = ?` for one case). The figures are read from the index on alerts by case, which holds every
    /// column they need, so a listing never reads the alert rows themselves (their reasons make them large).
    static func caseQuery(alerts: String = "case_id IS NOT NULL") -> String {
        """
        WITH p AS (
            SELECT case_id, count(*) AS alerts, sum(status = 'open') AS open_alerts, max(score) AS top_score,
                   sum(CASE WHEN status = 'open' THEN amount_minor ELSE 0 END) AS at_risk,
                   min(instant) AS first_instant, max(instant) AS last_instant, min(transaction_id) AS first_transaction
            FROM alerts INDEXED BY alerts_by_case WHERE \(alerts) GROUP BY case_id)
        SELECT c.id, c.client_id, c.assignee, c.snoozed_until, c.due_at, c.created_at, c.version, p.*
        FROM p JOIN cases c ON c.id = p.case_id
        """
    }

    static func caseSummary(_ db: Database, id: Int64, now: Int64) throws -> CaseSummary? {
        try caseSummaries(db, Row.fetchAll(db, sql: caseQuery(alerts: "case_id = ?"), arguments: [id]), now: now).first
    }

    /// Summaries of rows of `caseQuery`, with each case's currency, leading detectors and decision.
    static func caseSummaries(_ db: Database, _ rows: [Row], now: Int64) throws -> [CaseSummary] {
        let currency = try db.makeStatement(sql: "SELECT currency FROM transactions WHERE id = ?")
        let decision = try db.makeStatement(sql: """
            SELECT e.to_status FROM triage_events e JOIN alerts a ON a.id = e.alert_id
            WHERE a.case_id = ? AND e.to_status IS NOT NULL ORDER BY e.id DESC LIMIT 1
            """)
        var summaries: [CaseSummary] = []
        for row in rows {
            let open: Int = row["open_alerts"]
            let snoozedUntil: Int64? = row["snoozed_until"]
            let status = CaseStatus.of(openAlerts: open, snoozedUntil: snoozedUntil, now: now)
            let id: Int64 = row["id"]
            summaries.append(CaseSummary(
                id: id, clientID: row["client_id"], status: status, assignee: row["assignee"], alertCount: row["alerts"],
                openAlertCount: open, topScore: row["top_score"], amountAtRiskMinor: row["at_risk"],
                currency: try String.fetchOne(currency, arguments: [row["first_transaction"] as Int64]) ?? "",
                firstInstant: row["first_instant"], lastInstant: row["last_instant"], leadingDetectors: [],
                createdAt: row["created_at"], dueAt: row["due_at"], snoozedUntil: snoozedUntil,
                decision: status == .decided ? try String.fetchOne(decision, arguments: [id]).flatMap(AlertStatus.init(rawValue:)) : nil,
                version: row["version"]))
        }
        let leading = try leadingDetectors(db, cases: summaries.map(\.id))
        for index in summaries.indices { summaries[index].leadingDetectors = leading[summaries[index].id] ?? [] }
        return summaries
    }

    /// For each case, the detectors with the largest total contribution across its alerts, at most three, the spree
    /// left out (ties by name, so the order is total).
    static func leadingDetectors(_ db: Database, cases: [Int64]) throws -> [Int64: [String]] {
        var totals: [Int64: [String: Double]] = [:]
        try IDChunks.forEach(cases) { chunk, marks in
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.case_id, json_extract(r.value, '$.detector') AS detector,
                       sum(json_extract(r.value, '$.contribution')) AS total
                FROM alerts a, json_each(a.reasons) r
                WHERE a.case_id IN (\(marks))
                GROUP BY a.case_id, detector
                """, arguments: StatementArguments(chunk))
            for row in rows {
                guard let detector = row["detector"] as String?, detector != "spree" else { continue }
                totals[row["case_id"], default: [:]][detector] = row["total"] ?? 0
            }
        }
        return totals.mapValues { byDetector in
            byDetector.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3).map(\.key)
        }
    }

    /// Brings the figures and reasons of the cases these alerts were just placed in up to date (`v16-case-figures`:
    /// the triggers leave a first placement to this, done once per case rather than once per alert).
    static func countPlaced(_ db: Database, alerts: [Int64], cases: Set<Int64>) throws {
        let reasons = try RawStatement(db, sql: """
            INSERT OR IGNORE INTO case_detectors (detector, case_id)
                SELECT json_extract(r.value, '$.detector'), a.case_id FROM alerts a, json_each(a.reasons) r
                WHERE a.id = ?1 AND a.case_id IS NOT NULL AND json_extract(r.value, '$.detector') IS NOT 'spree'
            """)
        for id in alerts {
            reasons.reset()
            reasons.bind(id, at: 1)
            try reasons.execute()
        }
        let figures = try RawStatement(db, sql: """
            UPDATE cases SET (alert_count, open_alerts, top_score) = (
                SELECT count(*), coalesce(sum(status = 'open'), 0), coalesce(max(score), 0)
                FROM alerts INDEXED BY alerts_by_case WHERE case_id = ?1)
            WHERE id = ?1
            """)
        for id in cases.sorted() {
            figures.reset()
            figures.bind(id, at: 1)
            try figures.execute()
        }
    }

    /// The case's row, or `TriageError.noSuchCase`.
    static func caseRow(_ db: Database, _ id: Int64) throws -> Row {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM cases WHERE id = ?", arguments: [id]) else {
            throw TriageError.noSuchCase(id)
        }
        return row
    }

    /// Sets a column of the case (`set` is `column = ?`), moves its version on, and appends the event that says so,
    /// `from` and `to` holding the value before and after (an assignee, or a time as `CivilTime` writes it). Inside a
    /// write transaction.
    @discardableResult
    static func changeCase(_ db: Database, id: Int64, set: String, _ values: [(any DatabaseValueConvertible)?], event action: String,
                           from: String?, to: String?, analyst: String, note: String?, at: Int64) throws -> TriageEvent {
        try db.execute(sql: "UPDATE cases SET \(set), version = version + 1, updated_at = ? WHERE id = ?",
                       arguments: StatementArguments(values + [at, id]))
        guard db.changesCount == 1 else { throw TriageError.noSuchCase(id) }
        return try chain(db, TriageEvent(id: 0, alertID: 0, at: at, analyst: analyst, action: action, fromStatus: from,
                                         toStatus: to, note: note, previousHash: "", hash: "", caseID: id))
    }
}
