import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// Decisions, notes and undo: each goes straight to the store, one transaction with its audit event, made against
/// the alert versions on screen; one that another analyst changed meanwhile is refused with a message.
extension QueueModel {
    /// The alerts a decision from the list applies to: the marked rows, else the one under the cursor.
    func target() throws -> [SeenAlert] {
        let rows = table.selection.isEmpty ? (ids.isEmpty ? [] : [table.cursor]) : table.selection.sorted()
        let chosen = rows.map { ids[$0] }
        var current: [Int64: Int64] = [:]
        for alert in try store.alertSummaries(ids: chosen) { current[alert.id] = alert.version }
        // A decision is made against what the analyst saw: the version loaded for the screen when there is one. An
        // alert withdrawn since stays in, so that the decision is refused saying why rather than made on the rest.
        return chosen.map { SeenAlert(id: $0, version: loaded[$0]?.version ?? current[$0] ?? 0) }
    }

    /// Sets `alerts` to `status`, saying what was done or why it was refused. Returns the prompt asking for the
    /// note that overturns another analyst's decision, when the store refuses to without one.
    @discardableResult
    func decide(_ alerts: [SeenAlert], status: AlertStatus, size: TerminalSize, note: String? = nil,
                overturning: Bool = false) throws -> (any Screen)? {
        guard !alerts.isEmpty else { message = "no alert to decide"; return nil }
        do {
            let events = try store.decide(alerts, status: status, analyst: analyst, note: note, overturning: overturning)
            message = Self.naming(alerts) + " → " + QueueColumns.statusName(status.rawValue) + " (u undoes)"
            table.selection = []
            try applied(events, size: size)
        } catch let error as TriageError {
            if let refusal = Self.overturnRefusal(error) {
                return CasePromptScreen(model: self, kind: .overturn(refusal, .alerts(alerts, status)), leavesCase: false)
            }
            // Nothing was written: the view is stale (someone else changed an alert), so read it again.
            message = error.description
            try reload()
        }
        return nil
    }

    /// Takes back this analyst's last decision; the events that undid it (none when refused).
    @discardableResult
    func undo(size: TerminalSize) throws -> [TriageEvent] {
        do {
            let undone = try store.undoLastDecision(analyst: analyst)
            message = "undone: " + undone.map { "alert #\($0.alertID) back to \(QueueColumns.statusName($0.toStatus ?? "open"))" }
                .joined(separator: ", ")
            // Alerts the decision took out of this view come back in their place; if one was never in it, the
            // view is read again.
            let returning = account(for: undone).shown
            let current = cursorID
            if !alertsRead {
                alertsChanged()
            } else if view.restore(returning) {
                ids = view.ids
                moveCursor(toAlert: current, size: size)
                alertsChanged()
            } else {
                try reload()
            }
            return undone
        } catch let error as TriageError {
            message = error.description
            return []
        }
    }

    /// Saves `text` as a note on `alerts`; an empty note saves nothing.
    func addNote(_ text: String, to alerts: [SeenAlert]) throws {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { message = "empty note: nothing saved"; return }
        do {
            for alert in alerts { try store.addNote(text, to: alert, analyst: analyst) }
            message = "note saved on \(Self.naming(alerts))"
        } catch let error as TriageError {
            message = error.description
        }
        try reload()
    }

    /// "alert #3", or "2 alerts".
    static func naming(_ alerts: [SeenAlert]) -> String {
        alerts.count == 1 ? "alert #\(alerts[0].id)" : "\(alerts.count) alerts"
    }

    /// Brings the view up to date after this analyst's own decisions without reading the whole view again: decided
    /// alerts leave a view that does not show their new status, the counts move, and their rows are read afresh.
    /// Anything else that changed meanwhile is picked up by the next idle `refreshIfChanged()`.
    private func applied(_ events: [TriageEvent], size: TerminalSize) throws {
        let leaving = account(for: events).hidden
        if !leaving.isEmpty {
            let before = ids.firstIndex { $0 == cursorID } ?? table.cursor
            let kept = cursorID.flatMap { id in leaving.contains(id) ? nil : id }
            view.remove(leaving)
            ids = view.ids
            // The cursor stays at the same place in the list: on the alert after the decided one.
            moveCursor(to: kept.flatMap { ids.firstIndex(of: $0) } ?? min(before, max(0, ids.count - 1)), size: size)
        }
        alertsChanged()
    }

    /// Moves the counts by this analyst's own status-changing `events` and forgets their loaded rows; splits their
    /// alerts by whether this view shows the status each now has.
    private func account(for events: [TriageEvent]) -> (shown: Set<Int64>, hidden: Set<Int64>) {
        var shown: Set<Int64> = [], hidden: Set<Int64> = []
        for event in events {
            if let from = event.fromStatus { counts[from, default: 0] -= 1 }
            if let to = event.toStatus { counts[to, default: 0] += 1 }
            loaded[event.alertID] = nil
            let status = event.toStatus.flatMap(AlertStatus.init(rawValue:))
            if query.statuses.map({ statuses in status.map(statuses.contains) ?? false }) ?? true {
                shown.insert(event.alertID)
            } else {
                hidden.insert(event.alertID)
            }
        }
        return (shown, hidden)
    }
}
