import Foundation
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// Cases written out for sharing: CSV for spreadsheets (one line per alert), JSON for tools (cases with their alerts
/// and events nested), Markdown for people (one section per case). Card numbers are masked everywhere, and text
/// from data cannot carry a formula or an escape sequence.
public enum CaseReport {
    public enum Format: String, CaseIterable, Sendable {
        case csv, json, md
    }

    public static func render(_ cases: [ReportedCase], format: Format, clients: [String: ClientActivity] = [:]) throws -> String {
        switch format {
        case .csv: return csv(cases)
        case .json: return try json(cases)
        case .md: return markdown(cases, clients: clients)
        }
    }

    static let csvHeader = ["case_id", "case_status", "alert_id", "transaction_id", "time_utc", "client_id", "amount", "currency",
                            "merchant", "category", "score", "decision", "analyst", "decided_at_utc", "notes", "reasons"]

    /// One line per alert, ordered by case and, within a case, by time; CRLF line ends. Ids, the amount and the score
    /// are numbers; every other cell is text from data and goes through `CSVCell.text`, so a merchant named
    /// `=HYPERLINK(...)` is not a live formula and an analyst's note cannot carry an escape sequence.
    public static func csv(_ cases: [ReportedCase]) -> String {
        var lines = [CSVCell.line(csvHeader)]
        for c in cases {
            for a in c.alerts {
                let decision = c.lastStatusChange(ofAlert: a.id)
                lines.append(CSVCell.line([
                    CSVCell.number(String(c.summary.id)), CSVCell.text(c.summary.status.rawValue),
                    CSVCell.number(String(a.id)), CSVCell.number(String(a.transactionID)), CSVCell.text(CivilTime.format(a.instant)),
                    CSVCell.text(CardNumber.masked(a.clientID)), CSVCell.number(TransactionCSV.decimal(a.amountMinor)),
                    CSVCell.text(a.currency), CSVCell.text(a.merchant), CSVCell.text(a.category),
                    CSVCell.number(String(format: "%.3f", a.score)), CSVCell.text(a.status), CSVCell.text(decision?.analyst ?? ""),
                    CSVCell.text(decision.map { CivilTime.format($0.at) } ?? ""),
                    CSVCell.text(notes(c, alert: a.id).map { "\($0.analyst): \(maskedWords($0.note ?? ""))" }.joined(separator: " | ")),
                    CSVCell.text(a.reasons.map(\.text).joined(separator: " | ")),
                ]))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// An array of cases, each with its fields (named as `vigil cases --json` names them, but `alert_count`; `decision`
    /// is the latest, `decisions` counts each that stands), its alerts nested (with their decisions, notes and
    /// reasons) and its `events`, as the audit trail holds them.
    public static func json(_ cases: [ReportedCase]) throws -> String {
        let objects: [[String: Any]] = cases.map { c in
            let s = c.summary
            return [
                "id": s.id, "client": CardNumber.masked(s.clientID), "status": s.status.rawValue,
                "decision": s.decision?.rawValue as Any? ?? NSNull(), "decisions": decisionCounts(c).reduce(into: [String: Int]()) { $0[$1.status] = $1.count },
                "decided_by": deciders(c),
                "assignee": s.assignee as Any? ?? NSNull(), "alert_count": s.alertCount, "open_alerts": s.openAlertCount,
                "top_score": s.topScore, "amount_at_risk_minor": s.amountAtRiskMinor, "currency": s.currency,
                "first_time": CivilTime.format(s.firstInstant), "last_time": CivilTime.format(s.lastInstant),
                "leading_reasons": s.leadingReasons, "created_at": CivilTime.format(s.createdAt),
                "due_at": s.dueAt.map(CivilTime.format) as Any? ?? NSNull(),
                "snoozed_until": s.snoozedUntil.map(CivilTime.format) as Any? ?? NSNull(),
                "alerts": c.alerts.map { a -> [String: Any] in
                    let decision = c.lastStatusChange(ofAlert: a.id)
                    return [
                        "alert_id": a.id, "transaction_id": a.transactionID, "time_utc": CivilTime.format(a.instant),
                        "client_id": CardNumber.masked(a.clientID), "amount_minor": a.amountMinor, "currency": a.currency,
                        "merchant": a.merchant, "category": a.category, "score": a.score, "decision": a.status,
                        "analyst": decision?.analyst as Any? ?? NSNull(),
                        "decided_at_utc": decision.map { CivilTime.format($0.at) } as Any? ?? NSNull(),
                        "notes": notes(c, alert: a.id).map {
                            ["analyst": $0.analyst, "at_utc": CivilTime.format($0.at), "text": maskedWords($0.note ?? "")]
                        },
                        "reasons": a.reasons.map { ["detector": $0.detector, "contribution": $0.contribution, "text": $0.text] as [String: Any] },
                    ]
                },
                "events": c.events.map { e -> [String: Any] in
                    [
                        "id": e.id, "at_utc": CivilTime.format(e.at), "analyst": e.analyst, "action": e.action,
                        "alert_id": e.alertID == 0 ? NSNull() : e.alertID as Any, "from": e.fromStatus.map(maskedWords) as Any? ?? NSNull(),
                        "to": e.toStatus.map(maskedWords) as Any? ?? NSNull(), "note": e.note.map(maskedWords) as Any? ?? NSNull(),
                    ]
                },
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
        // Control characters, C1 controls and bidi overrides stay in the data as \uXXXX escapes, never raw.
        return Sanitizer.escapedJSON(String(decoding: data, as: UTF8.self)) + "\n"
    }

    /// A readable report: per case its fields, its alerts in a table, its history from the audit trail, and the
    /// client's hour × weekday and location maps (from `clients`, by client id) with the case's alerts marked.
    public static func markdown(_ cases: [ReportedCase], clients: [String: ClientActivity]) -> String {
        let alertCount = cases.reduce(0) { $0 + $1.alerts.count }
        var out = "# Vigil case report\n\n\(count(cases.count, "case")), \(count(alertCount, "alert")).\n"
        for c in cases {
            let s = c.summary
            out += "\n## Case #\(s.id): card \(markdownCell(CardNumber.masked(s.clientID))), \(markdownCell(statusWords(c)))\n\n"
            out += "| | |\n|---|---|\n"
            var fields: [(String, String)] = [
                ("Card", CardNumber.masked(s.clientID)), ("Status", statusWords(c)),
            ]
            let deciders = deciders(c)
            if !deciders.isEmpty { fields.append(("Decided by", deciders.joined(separator: ", "))) }
            fields.append(("Assigned to", s.assignee ?? "nobody"))
            let span = CivilTime.format(s.firstInstant) + (s.lastInstant == s.firstInstant ? "" : " – " + CivilTime.format(s.lastInstant))
            fields.append(("Alerts", "\(s.alertCount) (\(s.openAlertCount == 0 ? "none" : String(s.openAlertCount)) open), \(span) UTC"))
            if let total = total(c.alerts) { fields.append(("Amount", total)) }
            fields.append(("Amount at risk", Money(minorUnits: s.amountAtRiskMinor, currency: s.currency).description))
            fields.append(("Top score", String(format: "%.3f", s.topScore)))
            if !s.leadingReasons.isEmpty { fields.append(("Leading reasons", s.leadingReasons.joined(separator: ", "))) }
            fields.append(("Opened", CivilTime.format(s.createdAt) + " UTC"))
            if let due = s.dueAt { fields.append(("Due", CivilTime.formatDate(due))) }
            if s.status == .snoozed, let until = s.snoozedUntil { fields.append(("Snoozed until", CivilTime.format(until) + " UTC")) }
            for (label, value) in fields { out += "| \(label) | \(markdownCell(value)) |\n" }

            out += "\n### Alerts\n\n| Alert | Time (UTC) | Amount | Merchant | Score | Decision | Leading reasons |\n"
                + "|---:|---|---:|---|---:|---|---|\n"
            for a in c.alerts {
                let decided = c.lastStatusChange(ofAlert: a.id).map { a.status == AlertStatus.open.rawValue ? "" : " (\($0.analyst))" } ?? ""
                let cells = ["#\(a.id)", CivilTime.format(a.instant), Money(minorUnits: a.amountMinor, currency: a.currency).description,
                             Formatting.merchant(a.merchant, category: a.category), String(format: "%.3f", a.score), AlertStatus.words(a.status) + decided,
                             leadingReasons(a)]
                out += "| " + cells.map(markdownCell).joined(separator: " | ") + " |\n"
            }

            let history = history(c)
            if !history.isEmpty {
                out += "\n### History\n\n" + history.map { "- \(markdownCell($0))\n" }.joined()
            }
            if let activity = clients[s.clientID], activity.count > 0 {
                let view = ClientView(activity: activity, profile: nil)
                out += heatmapMarkdown(c, view: view) + placesMarkdown(c, view: view)
            }
        }
        // Whatever reached the document from data without a cell of its own (a status, a currency) is drawn safe too.
        return Sanitizer.sanitize(out, keepingLineBreaks: true)
    }

    // MARK: - The case in words

    /// "decided: confirmed fraud", "decided: confirmed fraud (2), false positive (1)", "open", "snoozed until 2024-03-01".
    static func statusWords(_ c: ReportedCase) -> String {
        switch c.summary.status {
        case .open: return "open"
        case .snoozed: return "snoozed until " + CivilTime.formatDate(c.summary.snoozedUntil ?? 0)
        case .decided:
            let counts = decisionCounts(c)
            if counts.count == 1 { return "decided: " + AlertStatus.words(counts[0].status) }
            return "decided: " + counts.map { "\(AlertStatus.words($0.status)) (\($0.count))" }.joined(separator: ", ")
        }
    }

    /// How many of its alerts stand at each decision (open ones left out), the most first: a case decided as a
    /// whole and then partly overturned holds more than one.
    static func decisionCounts(_ c: ReportedCase) -> [(status: String, count: Int)] {
        var counts: [String: Int] = [:]
        for a in c.alerts where a.status != AlertStatus.open.rawValue { counts[a.status, default: 0] += 1 }
        return counts.map { (status: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.status < $1.status }
    }

    /// Who made the decisions that stand on its alerts, in the order they first decided.
    static func deciders(_ c: ReportedCase) -> [String] {
        var names: [String] = []
        for a in c.alerts where a.status != AlertStatus.open.rawValue {
            if let by = c.lastStatusChange(ofAlert: a.id)?.analyst, !names.contains(by) { names.append(by) }
        }
        return names
    }

    /// The alert's notes (and decisions made with a note), oldest first.
    static func notes(_ c: ReportedCase, alert id: Int64) -> [TriageEvent] {
        c.events.filter { $0.alertID == id && $0.note != nil }
    }

    /// The sum of the alerts' amounts, when they share one currency.
    static func total(_ alerts: [AlertSummary]) -> String? {
        guard let currency = alerts.first?.currency, alerts.allSatisfy({ $0.currency == currency }) else { return nil }
        return Money(minorUnits: alerts.reduce(0) { Money.saturatingSum($0, $1.amountMinor) }, currency: currency).description
    }

    /// What the detectors found, at most two reasons, the spree's boost only when nothing else is there.
    static func leadingReasons(_ a: AlertSummary) -> String {
        let found = a.reasons.filter { $0.detector != AlertReason.spreeDetector }
        return (found.isEmpty ? Array(a.reasons.prefix(1)) : Array(found.prefix(2))).map(\.text).joined(separator: "; ")
    }

    /// The case's history as sentences, oldest first: claims, assignments, snoozes, due dates, decisions (one line for
    /// the alerts decided together, saying whose decision it overturned), undos and notes.
    static func history(_ c: ReportedCase) -> [String] {
        var lines: [String] = []
        // Who set each alert's status last, to tell an overturn from a first decision.
        var decider: [Int64: String] = [:]
        var index = 0
        let events = c.events
        while index < events.count {
            let e = events[index]
            let when = CivilTime.format(e.at) + " UTC, "
            if let decision = e.decisionID {
                var group = [e]
                while index + 1 < events.count, events[index + 1].decisionID == decision { index += 1; group.append(events[index]) }
                // The alerts by what changed, in the order decided: "alerts #1, #2: open → confirmed fraud".
                var parts: [(key: String, alerts: [Int64])] = []
                for event in group {
                    let from = event.fromStatus ?? AlertStatus.open.rawValue
                    var key = AlertStatus.words(from) + " → " + AlertStatus.words(event.toStatus ?? "")
                    if from != AlertStatus.open.rawValue, let before = decider[event.alertID], before != event.analyst {
                        key += " (overturning \(before)'s decision)"
                    }
                    if let at = parts.firstIndex(where: { $0.key == key }) { parts[at].alerts.append(event.alertID) } else { parts.append((key, [event.alertID])) }
                    decider[event.alertID] = event.analyst
                }
                let what = parts.map { alertNames($0.alerts) + ": " + $0.key }.joined(separator: "; ")
                lines.append(when + "\(e.analyst) decided " + (e.caseID != nil ? "the case, " : "") + what + noteSuffix(e.note))
            } else if e.action.hasPrefix("undo #") {
                decider[e.alertID] = e.analyst
                lines.append(when + "\(e.analyst) undid a decision on alert #\(e.alertID): "
                             + AlertStatus.words(e.fromStatus ?? "") + " → " + AlertStatus.words(e.toStatus ?? AlertStatus.open.rawValue))
            } else {
                lines.append(when + caseEventWords(e))
            }
            index += 1
        }
        return lines
    }

    /// A case's own event, a note, or an event of a kind this report does not know (said as the trail stores it).
    static func caseEventWords(_ e: TriageEvent) -> String {
        let who = e.analyst
        switch e.action {
        case "note": return "\(who) noted on alert #\(e.alertID): \(maskedWords(e.note ?? ""))"
        case "case claim": return "\(who) took the case"
        case "case assign": return "\(who) assigned the case to \(e.toStatus ?? "?")" + (e.fromStatus.map { " (was \($0))" } ?? "")
        case "case unassign": return "\(who) unassigned the case" + (e.fromStatus.map { " (was \($0))" } ?? "")
        case "case snooze": return "\(who) snoozed the case until \(e.toStatus ?? "?") UTC" + noteSuffix(e.note)
        case "case wake": return "\(who) woke the case" + noteSuffix(e.note)
        case "case due": return "\(who) " + (e.toStatus.map { "set the case due \(String($0.prefix(10)))" } ?? "cleared the case's due date")
        default:
            let subject = e.alertID == 0 ? "" : " alert #\(e.alertID)"
            let change = e.fromStatus != nil || e.toStatus != nil
                ? ": " + maskedWords(e.fromStatus ?? "none") + " → " + maskedWords(e.toStatus ?? "none") : ""
            return "\(who) \(e.action)\(subject)\(change)" + noteSuffix(e.note)
        }
    }

    /// "alert #3", "alerts #1, #2".
    static func alertNames(_ ids: [Int64]) -> String {
        (ids.count == 1 ? "alert " : "alerts ") + ids.map { "#\($0)" }.joined(separator: ", ")
    }

    static func noteSuffix(_ note: String?) -> String { note.map { "; note: " + maskedWords($0) } ?? "" }

    /// Free text (a note) with every word that is a card number masked, as the audit log shows list entries.
    static func maskedWords(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false).map { CardNumber.masked(String($0)) }.joined(separator: " ")
    }

    // MARK: - The client's maps

    /// The client's transactions by weekday and hour, every hour that holds an alert of the case marked ■.
    static func heatmapMarkdown(_ c: ReportedCase, view: ClientView) -> String {
        let values = view.hourOfWeek(spend: false)
        var cells: [(weekday: Int, hour: Int)] = []
        for a in c.alerts {
            let time = CivilTime.components(a.instant)
            if !cells.contains(where: { $0 == (time.weekday, time.hour) }) { cells.append((time.weekday, time.hour)) }
        }
        // The widget marks one cell: drawn once per marked cell, the marks laid over the first drawing.
        var rows: [[Character]] = []
        for cell in cells {
            var buffer = CellBuffer(width: 52, height: WeekHeatmap.height)
            WeekHeatmap(values: values, highlight: cell).render(into: &buffer, in: buffer.bounds)
            let drawn = buffer.rows.map(Array.init)
            if rows.isEmpty { rows = drawn; continue }
            for (y, row) in drawn.enumerated() where y < rows.count {
                for (x, character) in row.enumerated() where character == "■" && x < rows[y].count { rows[y][x] = character }
            }
        }
        let named = cells.prefix(6).map { "\(WeekHeatmap.weekdayName($0.weekday)) \($0.hour):00" }.joined(separator: ", ")
            + (cells.count > 6 ? ", …" : "")
        return "\n### The client's transactions by weekday and hour (UTC)\n\nThe case's alerts (■): \(named)\n\n```\n"
            + trimmed(rows.map { String($0) }) + "\n```\n"
    }

    /// Where the client transacts: the location map (home H, the case's alerts' places X) and the top places with
    /// their distance from home.
    static func placesMarkdown(_ c: ReportedCase, view: ClientView) -> String {
        let points = view.mapPoints()
        guard !points.isEmpty else { return "" }
        let home = view.activity.home.map { (latitude: $0.latitude, longitude: $0.longitude) }
        let places = c.alerts.compactMap { a in view.activity.row(ofTransaction: a.transactionID).flatMap { view.activity.locations[$0] } }
            .filter(\.isValid)
        // The widget marks one place: drawn with the first, the others laid over it in the cells its projection gives
        // them (the map is fitted to every point the client has, these among them).
        let map = LocationMap(points: points, home: home, alert: places.first.map { (latitude: $0.latitude, longitude: $0.longitude) })
        var buffer = CellBuffer(width: 64, height: 16)
        map.render(into: &buffer, in: buffer.bounds)
        var rows = buffer.rows.map(Array.init)
        if places.count > 1, let top = rows.first, let left = top.firstIndex(of: "┌"), let right = top.firstIndex(of: "┐"),
           let bottom = rows.firstIndex(where: { $0.contains("└") }) {
            let projection = map.projection(columns: right - left - 1, rows: bottom - 1)
            for place in places.dropFirst() {
                guard let cell = projection.cell(latitude: place.latitude, longitude: place.longitude),
                      rows.indices.contains(1 + cell.row), rows[1 + cell.row].indices.contains(left + 1 + cell.column) else { continue }
                rows[1 + cell.row][left + 1 + cell.column] = "X"
            }
        }
        let key = [home == nil ? nil : "H home", places.isEmpty ? "no place known for the case's alerts" : "X the case's alerts"]
        var out = "\n### Where the client transacts\n\n" + key.compactMap { $0 }.joined(separator: ", ") + ".\n\n```\n"
        out += trimmed(rows.map { String($0) }.map { $0.replacingOccurrences(of: "X this alert", with: "X the alerts") })
        out += "\n```\n\n| Place | Transactions | km from home |\n|---|---:|---:|\n"
        for place in view.places().prefix(5) {
            out += "| \(markdownCell(place.name)) | \(Formatting.grouped(place.transactions)) | "
                + (place.distanceKm.map { Formatting.grouped(Int($0.rounded())) } ?? "—") + " |\n"
        }
        return out
    }

    // MARK: - Text

    /// "1 case", "3 alerts".
    static func count(_ n: Int, _ noun: String) -> String { "\(Formatting.grouped(n)) \(noun)\(n == 1 ? "" : "s")" }

    /// Rows without their trailing blanks, one per line.
    static func trimmed(_ rows: [String]) -> String {
        rows.map { String($0.reversed().drop(while: { $0 == " " }).reversed()) }.joined(separator: "\n")
    }

    /// Text safe inside a Markdown table cell or list item: one line, pipes escaped, control characters shown.
    static func markdownCell(_ text: String) -> String {
        Sanitizer.sanitize(text.replacingOccurrences(of: "\r\n", with: " ⏎ ").replacingOccurrences(of: "\n", with: " ⏎ "))
            .replacingOccurrences(of: "|", with: "\\|")
    }
}
