import Foundation
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// One case: what it is (card, status, assignee, amount at risk, span, due date), its alerts together, and the
/// client's daily spend with every alert of the case marked `▲`. Enter opens an alert's detail; a decision applies
/// to the marked alerts, else to every open alert of the case in one transaction.
final class CaseScreen: QueuePage {
    let model: QueueModel
    let caseID: Int64
    /// The case as last read; nil when it is gone.
    private(set) var detail: CaseDetail?
    /// The client's activity, for the timeline; nil when the store has none.
    private(set) var client: ClientView?
    var table = TableState(allowsMultipleSelection: true)
    /// The model's generation the case was read at: when the alerts changed since, it is read again.
    private var readAt: Int

    /// Case `id`, nil when the store has no such case.
    init?(model: QueueModel, caseID id: Int64) throws {
        guard let found = try model.store.caseDetail(id: id, now: model.cases.clock()) else { return nil }
        self.model = model
        caseID = id
        detail = found
        readAt = model.generation
        client = try Self.clientView(found, store: model.store)
    }

    private static func clientView(_ detail: CaseDetail, store: Store) throws -> ClientView? {
        guard let activity = try store.clientActivity(clientID: detail.summary.clientID) else { return nil }
        return ClientView(activity: activity, profile: nil, focusTransaction: nil)
    }

    var alerts: [AlertSummary] { detail?.alerts ?? [] }

    /// The alerts a decision applies to: the marked ones, as shown.
    var marked: [SeenAlert] {
        table.selection.sorted().compactMap { alerts.indices.contains($0) ? SeenAlert(id: alerts[$0].id, version: alerts[$0].version) : nil }
    }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        try prepare(size: size)
        if key == .escape || key == .backspace { return .pop }
        if key == .enter {
            guard alerts.indices.contains(table.cursor),
                  let opened = try AlertDetailScreen(model: model, alertID: alerts[table.cursor].id) else { return .handled }
            // `]` and `[` there step through this case's alerts.
            opened.fromCase = self
            model.caseOfDetail = self
            return .push(opened)
        }
        if case .decide(let status) = CaseKeys.bindings.action(for: key), !marked.isEmpty {
            if let prompt = try model.decide(marked, status: status, size: size) { return .push(prompt) }
            table.selection = []
            return .handled
        }
        if let action = CaseKeys.bindings.action(for: key) {
            return try model.perform(action, on: detail?.summary, size: size, from: self)
        }
        _ = table.handle(key, rowCount: alerts.count, pageSize: max(1, Self.tableRows(size.height) - 1))
        return .handled
    }

    func prepare(size: TerminalSize) throws {
        guard readAt != model.generation else { return }
        detail = try model.store.caseDetail(id: caseID, now: model.cases.clock())
        readAt = model.generation
    }

    var helpSections: [HelpSection] {
        [HelpSection(title: "Case", entries: [
            HelpEntry(key: "j/↓  k/↑", description: "next / previous alert of the case"),
            HelpEntry(key: "Enter", description: "the alert's detail (decide it alone there; ] and [ step through the case)"),
            HelpEntry(key: "Space", description: "mark an alert: f p e then decide the marked ones only"),
            HelpEntry(key: "q  Esc", description: "back to the case queue"),
        ])] + CaseKeys.bindings.helpSections
    }

    static let hint: KeyHint = ["q back", "? keys", "Enter alert", .decides("f fraud"), .decides("p false pos."), .decides("e escalate"),
                                .decides("i snooze"), .decides("Space mark"), .decides("m mine"), "c client"]
    static let narrowHint: KeyHint = ["q back", "? keys", "Enter alert", .decides("f p e decide"), .decides("Space mark"),
                                      .decides("i snooze"), .decides("m mine"), "c client"]

    /// Rows of the body the alerts' table takes at terminal height `height`: all of them up to about half.
    static func tableRows(_ height: Int, alerts: Int = .max) -> Int {
        min(alerts == .max ? .max : alerts + 1, max(3, (height - 5) / 2 - 1))
    }

    func render(into buffer: inout CellBuffer) {
        let scope = "case #\(caseID)"
        let position = alerts.isEmpty ? "0/0" : "alert \(table.cursor + 1)/\(alerts.count)"
            + (table.selection.isEmpty ? "" : "  \(table.selection.count) marked")
        let hint = model.hintLine(buffer.width >= CaseColumns.wideLayout ? Self.hint : Self.narrowHint)
        guard let frame = model.drawCaseFrame(into: &buffer, hint: hint, scope: scope, position: position) else { return }
        let theme = model.theme
        let body = frame.body.inset(left: 1, right: 1)
        guard let detail else {
            buffer.put("Case #\(caseID) is gone.", in: body, style: theme.dim)
            return
        }
        let summary = detail.summary
        let status = model.cases.effectiveStatus(summary)
        let (header, rest) = body.splitTop(2)
        let now = model.cases.clock()
        var title = "Case #\(summary.id) · card \(CardNumber.masked(summary.clientID)) · "
            + CaseColumns.statusName(summary, status: status)
        if status == .snoozed, let until = summary.snoozedUntil { title += " until \(CivilTime.formatDate(until))" }
        title += " · " + (summary.assignee.map { "assigned to \($0)" } ?? "unassigned")
        if summary.dueAt != nil, status != .decided { title += " · due " + CaseColumns.due(summary, status: status, now: now) }
        buffer.put(title, in: header.row(0), style: theme.header)
        let alertsText = summary.openAlertCount == summary.alertCount ? "\(summary.alertCount) alerts"
            : "\(summary.alertCount) alerts, \(summary.openAlertCount) open"
        buffer.put("\(alertsText) · \(CaseColumns.amount(summary)) at risk · \(CaseColumns.span(summary)) · "
                   + summary.leadingReasons.joined(separator: ", "), in: header.row(1), style: theme.text)
        let (tableArea, chartArea) = rest.inset(top: 1).splitTop(Self.tableRows(frame.body.height + 5, alerts: detail.alerts.count))
        renderAlerts(detail.alerts, into: &buffer, in: tableArea, theme: theme)
        renderTimeline(detail, into: &buffer, in: chartArea.inset(top: 1), theme: theme)
    }

    private func renderAlerts(_ alerts: [AlertSummary], into buffer: inout CellBuffer, in area: Rect, theme: Theme) {
        let wide = area.width >= QueueColumns.wideLayout - 2
        let table = Table(columns: [
            TableColumn("Score", width: .fixed(7), alignment: .right),
            TableColumn("Time (UTC)", width: .fixed(wide ? 16 : 11)),
            TableColumn("Amount", width: .fixed(11), alignment: .right),
            TableColumn("Merchant", width: .fill),
            TableColumn("Top reason", width: .fill),
            TableColumn("Status", width: .fixed(wide ? 14 : 10)),
        ], styles: Table.Styles(header: theme.header, row: theme.text, cursor: theme.selection, marker: theme.mark, empty: theme.dim),
           showsMarkers: true, emptyMessage: "no alerts")
        table.render(TableRows(count: alerts.count) { row in
            let a = alerts[row]
            let time = CivilTime.format(a.instant)
            return [String(format: "%.3f", a.score), wide ? String(time.prefix(16)) : String(time.dropFirst(5).prefix(11)),
                    Money(minorUnits: a.amountMinor, currency: a.currency).description, a.merchant, CaseColumns.topReason(a),
                    wide ? QueueColumns.statusName(a.status) : QueueColumns.shortStatusName(a.status)]
        }, into: &buffer, in: area, state: &self.table)
    }

    /// The client's daily spend over the case's span (at least a month), every alert of the case marked `▲`, the
    /// client's other alerts as the client view marks them.
    private func renderTimeline(_ detail: CaseDetail, into buffer: inout CellBuffer, in area: Rect, theme: Theme) {
        guard let client, area.height >= 2 else { return }
        let firstDay = Int(CivilTime.dayNumber(detail.summary.firstInstant))
        let lastDay = Int(CivilTime.dayNumber(detail.summary.lastInstant))
        let span = ClientView.ranges.first { $0 >= lastDay - firstDay + 7 } ?? (lastDay - firstDay + 7)
        let endDay = client.endDay(centredOn: (firstDay + lastDay) / 2, span: span)
        let (values, start, clientMarks) = client.timeline(span: span, endDay: endDay)
        var marks = clientMarks
        for alert in detail.alerts {
            let index = Int(CivilTime.dayNumber(alert.instant)) - start
            if values.indices.contains(index) { marks[index] = .current }
        }
        let (heading, chart) = area.splitTop(1)
        buffer.put("Daily spend (\(client.currency)), \(CivilTime.formatDate(Int64(start) * 86_400)) – "
                   + "\(CivilTime.formatDate(Int64(endDay) * 86_400))", in: heading, style: theme.header)
        var timeline = TimelineChart(values: values, firstDay: start, marks: marks, unit: client.currency,
                                     styles: TimelineChart.Styles(theme: theme))
        timeline.currentName = "the case's alerts"
        timeline.render(into: &buffer, in: chart)
    }
}
