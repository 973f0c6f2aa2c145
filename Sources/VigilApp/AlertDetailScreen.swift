import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// One alert in full: the transaction, every reason, the client's transactions around it, and the decisions and
/// notes so far. The queue's keys work here too (a decision applies to this alert; `]` and `[` step through the
/// queue, or through the case's alerts when opened from a case); `q` goes back to the list or the case.
final class AlertDetailScreen: QueuePage {
    let model: QueueModel
    private(set) var alertID: Int64
    /// The alert as last read; nil when it is gone (withdrawn by a scan).
    private(set) var detail: AlertDetail?
    private(set) var scroll = ScrollState()
    /// The model's generation the detail was read at: when the alerts changed since, it is read again.
    private var readAt: Int
    /// The case it was opened from: `]` and `[` step through that case's alerts, not the queue.
    weak var fromCase: CaseScreen?

    /// The detail of alert `id`, nil when the store has no such alert.
    init?(model: QueueModel, alertID id: Int64) throws {
        guard let found = try model.store.alertDetail(alertID: id) else { return nil }
        self.model = model
        alertID = id
        detail = found
        readAt = model.generation
    }

    /// The detail of alert `id` as it was left for a note: read again before it is shown.
    init(model: QueueModel, returningTo id: Int64) {
        self.model = model
        alertID = id
        readAt = model.generation - 1
        // Back from a note on an alert of the case it was opened from: `]` and `[` go on stepping through that case.
        fromCase = model.caseOfDetail.flatMap { page in page.alerts.contains { $0.id == id } ? page : nil }
    }

    /// The alert as the analyst saw it, for a decision.
    var seen: SeenAlert? { detail.map { SeenAlert(id: $0.alert.id, version: $0.alert.version) } }

    /// Shows alert `id` instead, from the top; true when it was found (else "the alert is gone").
    @discardableResult
    func show(_ id: Int64) throws -> Bool {
        detail = try model.store.alertDetail(alertID: id)
        readAt = model.generation
        guard detail != nil else { return false }
        alertID = id
        scroll = ScrollState()
        return true
    }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        if key == .escape || key == .character("q") || key == .backspace { return .pop }
        if let action = QueueKeys.bindings.action(for: key) {
            if let fromCase, action == .nextAlert || action == .previousAlert {
                return try step(through: fromCase, forward: action == .nextAlert, size: size)
            }
            return try model.perform(action, size: size, from: self)
        }
        // The limit counts the rows the lines wrap to in the body, as drawn, so that the last of them can be reached.
        let body = Self.body(model.frame(size))
        _ = scroll.handle(key, rowCount: textView().rowCount(width: body.width), pageSize: body.height)
        return .handled
    }

    /// Shows the case's next (or previous) alert after this one, moving the case's cursor with it.
    private func step(through page: CaseScreen, forward: Bool, size: TerminalSize) throws -> ScreenOutcome {
        try page.prepare(size: size)
        let alerts = page.alerts
        let index = alerts.firstIndex { $0.id == alertID } ?? page.table.cursor
        let next = index + (forward ? 1 : -1)
        guard alerts.indices.contains(next) else {
            model.message = forward ? "the case's last alert" : "the case's first alert"
            return .handled
        }
        page.table.moveCursor(to: next, rowCount: alerts.count, pageSize: 1)
        try show(alerts[next].id)
        return .handled
    }

    /// Where the text is drawn in `frame`.
    static func body(_ frame: QueueFrame?) -> Rect { (frame?.body ?? Rect(width: 0, height: 0)).inset(left: 1, right: 1) }

    private func textView() -> TextView { TextView(lines: lines(), style: model.theme.text) }

    func prepare(size: TerminalSize) throws {
        guard readAt != model.generation else { return }
        detail = try model.store.alertDetail(alertID: alertID)
        readAt = model.generation
    }

    var helpSections: [HelpSection] { QueueKeys.helpSections }

    // Most needed first: a narrow terminal cuts the end.
    static let hint: KeyHint = ["q back", "? keys", "] next", "[ previous", .decides("f fraud"), .decides("p false positive"),
                                .decides("e escalate"), .decides("i needs info"), .decides("a note"), .decides("u undo"),
                                .looking("c client")]

    func render(into buffer: inout CellBuffer) {
        guard let frame = model.drawFrame(into: &buffer, hint: model.hintLine(Self.hint)) else { return }
        textView().render(into: &buffer, in: Self.body(frame), state: &scroll)
    }

    /// The detail as lines: every reason, the transaction, the client's history around it, the events.
    func lines() -> [TextLine] {
        guard let detail else { return ["The alert is gone (withdrawn by a scan)."] }
        let theme = model.theme
        let t = detail.transaction
        let a = detail.alert
        let name = QueueColumns.statusName
        var lines: [TextLine] = []
        lines.append(TextLine("Alert #\(a.id) · score \(String(format: "%.3f", a.score)) · \(name(a.status))"
                              + (a.assignee.map { " · \($0)" } ?? ""), style: theme.header))
        lines.append("")
        // Why it was raised comes first: on a short terminal the reasons show before the fields.
        lines.append(TextLine("Why (by contribution)", style: theme.header))
        for reason in a.reasons {
            lines.append(TextLine(String(format: "  +%.2f ", reason.contribution) + "\(reason.detector): \(reason.text)"))
        }
        if a.reasons.isEmpty { lines.append("  (no reasons recorded)") }
        lines.append("")
        func field(_ label: String, _ value: String?) {
            lines.append(TextLine(pad(label, toWidth: 16) + (value ?? "—")))
        }
        field("Time (UTC)", CivilTime.format(t.instant))
        field("As written", t.originalTime)
        field("Client", t.clientID)
        field("Amount", t.amount.description)
        field("Merchant", t.merchant)
        field("Category", Formatting.categoryWord(t.category))
        field("Channel", t.channel.map { name($0.rawValue) })
        field("Place", [t.city, t.state, t.country].compactMap { $0 }.joined(separator: ", "))
        field("Merchant at", t.merchantLocation.map { String(format: "%.4f, %.4f", $0.latitude, $0.longitude) })
        field("Client home", t.home.map { String(format: "%.4f, %.4f", $0.latitude, $0.longitude) })
        field("Source row", t.sourceKey)
        lines.append("")
        lines.append(TextLine("The client's transactions around it (▶ this one, ! another alert)", style: theme.header))
        func history(_ row: ClientHistoryRow, this: Bool) {
            let mark = this ? "▶" : (row.alertStatus != nil ? "!" : " ")
            let text = " \(mark) \(CivilTime.format(row.instant).prefix(16))  \(pad(row.amount.description, toWidth: 11, alignment: .right))  "
                + Formatting.merchant(row.merchant, category: row.category) + (row.alertStatus.map { " — \(name($0))" } ?? "")
            lines.append(TextLine(text, style: this ? theme.accent : (row.alertStatus != nil ? theme.alert : nil)))
        }
        for row in detail.before { history(row, this: false) }
        history(ClientHistoryRow(transactionID: t.id ?? 0, instant: t.instant, amount: t.amount, merchant: t.merchant,
                                 category: t.category, alertStatus: a.status), this: true)
        for row in detail.after { history(row, this: false) }
        if !detail.events.isEmpty {
            lines.append("")
            lines.append(TextLine("Decisions and notes", style: theme.header))
            for event in detail.events {
                var text = "  \(CivilTime.format(event.at))  \(event.madeBy)  \(event.action)"
                if let to = event.toStatus { text += " → \(name(to))" }
                if let note = event.note { text += ": " + note.replacingOccurrences(of: "\n", with: " ⏎ ") }
                lines.append(TextLine(text))
            }
        }
        return lines
    }
}
