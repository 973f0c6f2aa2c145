import Foundation
import GRDB
import VigilCore

/// A case as a report shares it: its summary, its alerts in time order, and what the audit trail says about it.
public struct ReportedCase: Sendable, Equatable {
    public var summary: CaseSummary
    public var alerts: [AlertSummary]
    /// The case's own events (claims, assignments, snoozes, due dates), its case decisions, and every event of its
    /// alerts (decisions, overturns, undos, notes), oldest first.
    public var events: [TriageEvent]

    public init(summary: CaseSummary, alerts: [AlertSummary], events: [TriageEvent]) {
        self.summary = summary
        self.alerts = alerts
        self.events = events
    }

    /// The latest event that set the alert's status (a decision, an overturn or an undo), if any.
    public func lastStatusChange(ofAlert id: Int64) -> TriageEvent? {
        events.last { $0.alertID == id && $0.toStatus != nil }
    }

    /// When the latest status change of any of its alerts was made.
    public var lastDecidedAt: Int64? {
        events.filter { $0.alertID != 0 && $0.toStatus != nil }.map(\.at).max()
    }
}

/// Which cases a report holds.
public struct ReportSelection: Sendable, Equatable {
    /// These cases, whatever their state; empty leaves the choice to `statuses`.
    public var caseIDs: [Int64]
    /// Only cases of these statuses; nil (with no `caseIDs`) means every case with at least one decided alert.
    public var statuses: Set<CaseStatus>?
    /// Only cases with a status change of one of their alerts at or after this instant (UTC epoch seconds).
    public var since: Int64?

    public init(caseIDs: [Int64] = [], statuses: Set<CaseStatus>? = nil, since: Int64? = nil) {
        self.caseIDs = caseIDs
        self.statuses = statuses
        self.since = since
    }
}

extension TriageEvent {
    /// The decision the event belongs to (the id of its first event), nil for anything but a decision: the events of
    /// one decision are recorded together and read as one.
    public var decisionID: Int64? { Store.decisionID(of: self) }
}

extension Store {
    /// The cases `selection` picks, by case id, each with its alerts and its history, read in one transaction as
    /// they stand at `now`. A case id that names no case is `TriageError.noSuchCase`. Alerts still in no case (a
    /// store scanned before cases existed) are left out: `refreshCases` places them first.
    public func reportCases(_ selection: ReportSelection = ReportSelection(),
                            now: Int64 = Int64(Date().timeIntervalSince1970)) throws -> [ReportedCase] {
        try pool.read { db in
            let ids: [Int64]
            if !selection.caseIDs.isEmpty {
                ids = Array(Set(selection.caseIDs)).sorted()
            } else if let statuses = selection.statuses {
                let (whereClause, arguments) = try CaseFilter(statuses: statuses).sql(now: now, db, key: key)
                ids = try Int64.fetchAll(db, sql: "\(Self.caseQuery()) \(whereClause)", arguments: arguments).sorted()
            } else {
                ids = try Int64.fetchAll(db, sql: """
                    SELECT DISTINCT case_id FROM alerts WHERE case_id IS NOT NULL AND status != 'open' ORDER BY case_id
                    """)
            }
            // Named cases that are no case at all are refused before anything is read.
            if !selection.caseIDs.isEmpty {
                let known = Set(try Int64.fetchAll(db, sql: "SELECT id FROM cases WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ", ")))",
                                                   arguments: StatementArguments(ids)))
                if let unknown = ids.first(where: { !known.contains($0) }) { throw TriageError.noSuchCase(unknown) }
            }
            let decoder = JSONDecoder()
            var reported: [ReportedCase] = []
            // 500 cases at a time, each part in one query for all of them (a report of every case reads a few
            // queries per 500 cases, not a few per case).
            try IDChunks.forEach(ids) { chunk, marks in
                // A case with no alert left (all withdrawn) has no summary and is left out.
                let summaries = try Self.caseSummaries(db, Row.fetchAll(db, sql: Self.caseQuery(alerts: "case_id IN (\(marks))"),
                                                                        arguments: StatementArguments(chunk)), now: now)
                var alerts: [Int64: [AlertSummary]] = [:]
                for row in try Row.fetchAll(db, sql: """
                    SELECT s.*, (SELECT case_id FROM alerts WHERE id = s.id) AS report_case
                    FROM (\(Self.summaryColumns) WHERE a.case_id IN (\(marks))) s ORDER BY s.instant, s.id
                    """, arguments: StatementArguments(chunk)) {
                    alerts[row["report_case"], default: []].append(Self.summary(row, decoder))
                }
                var events: [Int64: [TriageEvent]] = [:]
                for row in try Row.fetchAll(db, sql: """
                    SELECT e.*, e.case_id AS report_case FROM triage_events e WHERE e.case_id IN (\(marks))
                    UNION SELECT e.*, a.case_id FROM alerts a JOIN triage_events e ON e.alert_id = a.id WHERE a.case_id IN (\(marks))
                    ORDER BY id
                    """, arguments: StatementArguments(chunk + chunk)) {
                    events[row["report_case"], default: []].append(Self.event(row))
                }
                for summary in summaries.sorted(by: { $0.id < $1.id }) {
                    if let statuses = selection.statuses, !statuses.contains(summary.status) { continue }
                    let entry = ReportedCase(summary: summary, alerts: alerts[summary.id] ?? [], events: events[summary.id] ?? [])
                    if let since = selection.since, (entry.lastDecidedAt ?? Int64.min) < since { continue }
                    reported.append(entry)
                }
            }
            return reported
        }
    }
}

extension Store {
    /// Decided alerts that are in no case: only in a store scanned before cases existed and not opened writable since
    /// (`refreshCases` places decided alerts as it places open ones).
    public func decidedAlertsInNoCase() throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM alerts WHERE case_id IS NULL AND status != 'open'") ?? 0
        }
    }
}
