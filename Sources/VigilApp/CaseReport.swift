import Foundation
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// Triaged cases written out for sharing: CSV for spreadsheets, JSON for tools, Markdown for people.
public enum CaseReport {
    public enum Format: String, CaseIterable, Sendable {
        case csv, json, md
    }

    public static func render(_ cases: [TriagedCase], format: Format, clients: [String: ClientActivity] = [:]) throws -> String {
        switch format {
        case .csv: return csv(cases)
        case .json: return try json(cases)
        case .md: return markdown(cases, clients: clients)
        }
    }

    static let csvHeader = ["alert_id", "transaction_id", "time_utc", "client_id", "amount", "currency", "merchant", "category",
                            "score", "decision", "analyst", "decided_at_utc", "notes", "reasons"]

    /// One line per case, CRLF line ends. Ids, the amount and the score are numbers; every other cell is text from
    /// data and goes through `CSVCell.text`, so a merchant named `=HYPERLINK(...)` is not a live formula and an
    /// analyst's note cannot carry an escape sequence.
    public static func csv(_ cases: [TriagedCase]) -> String {
        var lines = [CSVCell.line(csvHeader)]
        for c in cases {
            let a = c.alert
            let notes = c.notes.map { "\($0.analyst): \($0.text)" }.joined(separator: " | ")
            lines.append(CSVCell.line([
                CSVCell.number(String(a.id)), CSVCell.number(String(a.transactionID)), CSVCell.text(CivilTime.format(a.instant)),
                CSVCell.text(a.clientID), CSVCell.number(TransactionCSV.decimal(a.amountMinor)), CSVCell.text(a.currency),
                CSVCell.text(a.merchant), CSVCell.text(a.category), CSVCell.number(String(format: "%.3f", a.score)),
                CSVCell.text(a.status), CSVCell.text(c.analyst ?? ""), CSVCell.text(c.decidedAt.map(CivilTime.format) ?? ""),
                CSVCell.text(notes), CSVCell.text(a.reasons.map(\.text).joined(separator: " | ")),
            ]))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    public static func json(_ cases: [TriagedCase]) throws -> String {
        let objects: [[String: Any]] = cases.map { c in
            let a = c.alert
            return [
                "alert_id": a.id, "transaction_id": a.transactionID, "time_utc": CivilTime.format(a.instant), "client_id": a.clientID,
                "amount_minor": a.amountMinor, "currency": a.currency, "merchant": a.merchant, "category": a.category,
                "score": a.score, "decision": a.status, "analyst": c.analyst ?? NSNull(),
                "decided_at_utc": c.decidedAt.map(CivilTime.format) ?? NSNull(),
                "notes": c.notes.map { ["analyst": $0.analyst, "at_utc": CivilTime.format($0.at), "text": $0.text] },
                "reasons": a.reasons.map { ["detector": $0.detector, "contribution": $0.contribution, "text": $0.text] as [String: Any] },
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
        // Control characters, C1 controls and bidi overrides stay in the data as \uXXXX escapes, never raw.
        return Sanitizer.escapedJSON(String(decoding: data, as: UTF8.self)) + "\n"
    }

    /// A readable case summary: per case the transaction, decision, reasons, notes, and the client's hour × weekday
    /// heatmap (from `heatmaps`, by client id) drawn as text with the case's hour marked in the legend.
    public static func markdown(_ cases: [TriagedCase], clients: [String: ClientActivity]) -> String {
        var out = "# Vigil case report\n\n\(cases.count) triaged case\(cases.count == 1 ? "" : "s").\n"
        for c in cases {
            let a = c.alert
            let money = Money(minorUnits: a.amountMinor, currency: a.currency).description
            out += "\n## Alert #\(a.id): \(markdownCell(a.status.replacingOccurrences(of: "_", with: " ")))\n\n"
            out += "| | |\n|---|---|\n"
            for (label, value) in [("Transaction", "#\(a.transactionID), \(CivilTime.format(a.instant)) UTC"), ("Client", a.clientID),
                                   ("Amount", money), ("Merchant", "\(a.merchant) (\(a.category))"),
                                   ("Score", String(format: "%.3f", a.score)),
                                   ("Decided", [c.analyst, c.decidedAt.map { CivilTime.format($0) + " UTC" }].compactMap { $0 }.joined(separator: ", "))] {
                out += "| \(label) | \(markdownCell(value)) |\n"
            }
            out += "\n**Why it was flagged**\n\n"
            out += a.reasons.isEmpty ? "- (no reasons recorded)\n"
                : a.reasons.map { "- \(markdownCell($0.text)) (\(markdownCell($0.detector)), +\(String(format: "%.2f", $0.contribution)))\n" }.joined()
            if !c.notes.isEmpty {
                out += "\n**Notes**\n\n" + c.notes.map { "- \(markdownCell($0.analyst)), \(CivilTime.format($0.at)) UTC: \(markdownCell($0.text))\n" }.joined()
            }
            if let activity = clients[a.clientID], activity.count > 0 {
                let view = ClientView(activity: activity, profile: nil, focusTransaction: a.transactionID)
                let time = CivilTime.components(a.instant)
                var buffer = CellBuffer(width: 52, height: WeekHeatmap.height)
                WeekHeatmap(values: view.hourOfWeek(spend: false), highlight: (weekday: time.weekday, hour: time.hour))
                    .render(into: &buffer, in: buffer.bounds)
                out += "\n**The client's transactions by weekday and hour (UTC)**; this one (■): "
                    + "\(WeekHeatmap.weekdayName(time.weekday)) \(time.hour):00\n\n```\n" + trimmed(buffer.rows) + "\n```\n"
                out += placesMarkdown(view)
            }
        }
        // Whatever reached the document from data without a cell of its own (a status, a currency) is drawn safe too.
        return Sanitizer.sanitize(out, keepingLineBreaks: true)
    }

    /// Where the client transacts: the location map (home H, this case X) and the top places with their distance
    /// from home.
    static func placesMarkdown(_ view: ClientView) -> String {
        let points = view.mapPoints()
        guard !points.isEmpty else { return "" }
        var out = "\n**Where the client transacts** (H home, X this transaction)\n\n```\n"
        var buffer = CellBuffer(width: 64, height: 16)
        let home = view.activity.home.map { (latitude: $0.latitude, longitude: $0.longitude) }
        let here = view.focus.flatMap { view.activity.locations[$0] }.map { (latitude: $0.latitude, longitude: $0.longitude) }
        LocationMap(points: points, home: home, alert: here).render(into: &buffer, in: buffer.bounds)
        out += trimmed(buffer.rows) + "\n```\n\n| Place | Transactions | km from home |\n|---|---:|---:|\n"
        for place in view.places().prefix(5) {
            out += "| \(markdownCell(place.name)) | \(Formatting.grouped(place.transactions)) | "
                + (place.distanceKm.map { Formatting.grouped(Int($0.rounded())) } ?? "—") + " |\n"
        }
        return out
    }

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
