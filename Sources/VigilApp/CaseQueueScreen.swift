import Foundation
import VigilCore
import VigilDetect
import VigilEngine
import VigilStore
import VigilTUI

/// The case queue's state, kept by the model (`QueueModel.cases`) so that switching to the alert queue and back
/// keeps the view and the cursor.
final class CaseList {
    /// Which cases the queue lists; `v` steps through `allCases`.
    enum View: Hashable {
        case open, mine, snoozed, decided, all
        /// The cases of a merchant's exposed cards, whatever their status (`x` on the common-point screen).
        case exposed(merchant: String, cases: Set<Int64>)

        static let allCases: [View] = [.open, .mine, .snoozed, .decided, .all]

        var name: String {
            switch self {
            case .open: "open cases"
            case .mine: "my cases"
            case .snoozed: "snoozed cases"
            case .decided: "decided cases"
            case .all: "every case"
            case .exposed(let merchant, _): "exposed at \(merchant)"
            }
        }
    }

    var view: View = .open
    /// Every case, as last read; `shown` is the view's, highest alert first.
    var all: [CaseSummary] = []
    var shown: [CaseSummary] = []
    var table = TableState(sort: TableSort(column: 0, ascending: false))
    /// The model's generation the cases were read at: when the alerts changed since, they are read again.
    var readAt: Int?
    /// The time ages and due dates are measured from (tests fix it).
    var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }

    var cursorCase: CaseSummary? { shown.indices.contains(table.cursor) ? shown[table.cursor] : nil }

    /// A snoozed case whose date has passed is back in the queue, whatever the store last wrote.
    func effectiveStatus(_ summary: CaseSummary) -> CaseStatus {
        if summary.status == .snoozed, let until = summary.snoozedUntil, until <= clock() { return .open }
        return summary.status
    }

    func includes(_ summary: CaseSummary, analyst: String) -> Bool {
        let status = effectiveStatus(summary)
        switch view {
        case .open: return status == .open
        case .mine: return summary.assignee == analyst && status != .decided
        case .snoozed: return status == .snoozed
        case .decided: return status == .decided
        case .all: return true
        case .exposed(_, let cases): return cases.contains(summary.id)
        }
    }

    /// Cases by effective status, for the status line.
    var counts: [CaseStatus: Int] {
        var counts: [CaseStatus: Int] = [:]
        for summary in all { counts[effectiveStatus(summary), default: 0] += 1 }
        return counts
    }
}

/// What a key on the case queue or in a case asks for.
enum CaseAction: Hashable, Sendable {
    case open, next, take, release, view, decide(AlertStatus), snooze, due, undo, alerts, reload
    case client, help, palette, theme, quit
}

/// The case queue's keys; the case view shares the decision and assignment keys.
enum CaseKeys {
    static let bindings: KeyBindingTable<CaseAction> = {
        do {
            return try KeyBindingTable([
                KeyBinding(.enter, action: .open, description: "open the case: its alerts and the client's timeline", section: "Cases"),
                KeyBinding(.character("n"), action: .next, description: "take the next unassigned case and open it", section: "Cases"),
                KeyBinding(.character("m"), action: .take, description: "assign the case to me", section: "Cases"),
                KeyBinding(.character("M"), action: .release, description: "unassign the case", section: "Cases"),
                KeyBinding(.character("v"), action: .view, description: "show open, mine, snoozed, decided or every case", section: "Cases"),
                KeyBinding(.tab, action: .alerts, description: "the alert queue (Tab there comes back)", section: "Cases"),
                KeyBinding(.character("r"), action: .reload, description: "reload from the store", section: "Cases"),
                KeyBinding(.character("c"), action: .client, description: "the case's client: timeline, heatmaps, transactions", section: "Cases"),
                KeyBinding(.character("d"), action: .due, description: "due date: YYYY-MM-DD, +3d or +12h; empty clears it", section: "Cases"),
                KeyBinding(.character("f"), action: .decide(.confirmedFraud), description: "confirmed fraud: every open alert of the case", section: "Decide"),
                KeyBinding(.character("p"), action: .decide(.falsePositive), description: "false positive: every open alert of the case", section: "Decide"),
                KeyBinding(.character("e"), action: .decide(.escalated), description: "escalate: every open alert of the case", section: "Decide"),
                KeyBinding(.character("i"), action: .snooze, description: "needs information: snooze until a date, with a note", section: "Decide"),
                KeyBinding(.character("u"), action: .undo, description: "undo my last decision", section: "Decide"),
                KeyBinding(.character("t"), action: .theme, description: "next colour theme", section: "Screen"),
                KeyBinding(.character(":"), action: .palette, description: "command palette", section: "Screen"),
                KeyBinding(.character("?"), action: .help, description: "these keys", section: "Screen"),
                KeyBinding(.character("q"), action: .quit, description: "quit (in a case: back)", section: "Screen"),
            ])
        } catch {
            preconditionFailure("the case queue's key bindings conflict: \(error)")
        }
    }()

    static let movement = HelpSection(title: "Move", entries: [
        HelpEntry(key: "j/↓  k/↑", description: "next / previous case"),
        HelpEntry(key: "PgDn PgUp", description: "a page down / up"),
        HelpEntry(key: "g  G", description: "first / last case"),
    ])

    static var helpSections: [HelpSection] { [movement] + bindings.helpSections }
}

/// How the case queue lays out its columns and words its cells.
enum CaseColumns {
    /// Below this width the queue drops the assignee and the due date and shortens the reasons.
    static let wideLayout = 120
    /// Below this width the card keeps only its last digits (the case view shows it whole) and the age its four
    /// cells, so that the leading reasons have the room the other columns leave.
    static let roomyLayout = 140

    static func columns(width: Int) -> [TableColumn] {
        let wide = width >= wideLayout, roomy = width >= roomyLayout
        return [
            TableColumn("Score", width: .fixed(7), alignment: .right),
            TableColumn("Card", width: .fixed(roomy ? 16 : 9)),
            TableColumn("Alerts", width: .fixed(6), alignment: .right),
            TableColumn("At risk", width: .fixed(11), alignment: .right),
            TableColumn(wide ? "First–last (UTC)" : "First", width: .fixed(wide ? 17 : 11)),
            TableColumn(wide ? "Leading reasons" : "Reasons", width: .fill),
            TableColumn("Status", width: .fixed(10)),
        ] + (wide ? [TableColumn("Assignee", width: .fixed(8)), TableColumn("Age", width: .fixed(roomy ? 5 : 4), alignment: .right),
                     TableColumn("Due", width: .fixed(8), alignment: .right)]
                  : [TableColumn("Age", width: .fixed(4), alignment: .right)])
    }

    static func cells(_ c: CaseSummary, status: CaseStatus, width: Int, now: Int64) -> [String] {
        let wide = width >= wideLayout
        let alerts = c.openAlertCount == c.alertCount || status == .decided ? "\(c.alertCount)" : "\(c.openAlertCount)/\(c.alertCount)"
        let card = CardNumber.masked(c.clientID)
        // Below the roomy layout, a masked card keeps its last digits, which tell cards apart.
        let cards = width >= roomyLayout || card.count <= 9 ? card : "*" + String(card.suffix(8))
        let cells = [String(format: "%.3f", c.topScore), cards, alerts, amount(c),
                     wide ? span(c) : String(CivilTime.format(c.firstInstant).dropFirst(5).prefix(11)),
                     c.leadingReasons.joined(separator: ", "), statusName(c, status: status)]
        guard wide else { return cells + [age(now - c.createdAt)] }
        return cells + [c.assignee ?? "—", age(now - c.createdAt), due(c, status: status, now: now)]
    }

    /// What the detectors found first: the spree boost only says that the case's alerts came together, which the
    /// case already shows, so it gives way to the next reason.
    static func topReason(_ alert: AlertSummary) -> String {
        (alert.reasons.first { $0.detector != "spree" } ?? alert.reasons.first)?.text ?? ""
    }

    static func amount(_ c: CaseSummary) -> String { Money(minorUnits: c.amountAtRiskMinor, currency: c.currency).description }

    /// "02-19 14:39–15:02" within a day, "02-19 14:39–02-21" across days, "02-19 14:39" for one alert.
    static func span(_ c: CaseSummary) -> String {
        let first = CivilTime.format(c.firstInstant), last = CivilTime.format(c.lastInstant)
        let start = String(first.dropFirst(5).prefix(11))
        if c.firstInstant == c.lastInstant { return start }
        if first.prefix(10) == last.prefix(10) { return start + "–" + String(last.dropFirst(11).prefix(5)) }
        return start + "–" + String(last.dropFirst(5).prefix(5))
    }

    /// A decided case says how; an open one whether a snooze passed.
    static func statusName(_ c: CaseSummary, status: CaseStatus) -> String {
        if status == .decided, let decision = c.decision { return QueueColumns.shortStatusName(decision.rawValue) }
        return status.rawValue
    }

    /// "45m", "5h", "3d".
    static func age(_ seconds: Int64) -> String {
        let s = max(0, seconds)
        if s < 3_600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3_600)h" }
        return "\(s / 86_400)d"
    }

    /// "in 5h", "2d late", "—" for a decided case or one without a due date.
    static func due(_ c: CaseSummary, status: CaseStatus, now: Int64) -> String {
        guard status != .decided, let at = c.dueAt else { return "—" }
        return at >= now ? "in " + age(at - now) : age(now - at) + " late"
    }
}

extension QueueModel {
    /// Reads the cases again when the alerts changed since they were read (a decision, another analyst, a scan),
    /// keeping the cursor on the same case.
    func readCases() throws {
        guard cases.readAt != generation else { return }
        let current = cases.cursorCase?.id
        cases.all = try store.cases(CaseFilter(statuses: nil), now: cases.clock())
        cases.readAt = generation
        filterCases()
        if let current, let row = cases.shown.firstIndex(where: { $0.id == current }) {
            cases.table.moveCursor(to: row, rowCount: cases.shown.count, pageSize: 1)
        }
    }

    /// The view's cases, highest alert first.
    func filterCases() {
        let analyst = self.analyst, list = cases
        cases.shown = cases.all.filter { list.includes($0, analyst: analyst) }
            .sorted { ($0.topScore, $1.id) > ($1.topScore, $0.id) }
    }

    /// Draws the queue's frame over a case screen: the title names `scope`; the status line says the message, else
    /// `position`, and the cases by status, which give way to a message that needs the room.
    func drawCaseFrame(into buffer: inout CellBuffer, hint: String, scope: String, position: String) -> QueueFrame? {
        guard let frame = drawFrame(into: &buffer, hint: hint) else { return nil }
        let file = URL(fileURLWithPath: store.path).lastPathComponent
        StatusBar(left: " Vigil — \(file) — \(scope)", right: (liveIndicator.map { $0 + "  " } ?? "") + "analyst \(analyst) ",
                  style: theme.title).render(into: &buffer, in: frame.title)
        let counts = cases.counts
        let total = counts.values.reduce(0, +)
        let tally = CaseStatus.allCases.map { "\($0.rawValue) \(Formatting.grouped(counts[$0] ?? 0))" }.joined(separator: " · ")
            + " · " + (total == 1 ? "1 case" : "\(Formatting.grouped(total)) cases")
        let left = " " + (message ?? position)
        let right = displayWidth(of: left) + displayWidth(of: tally) + 3 > buffer.width && message != nil ? "" : tally + " "
        StatusBar(left: left, right: right, style: theme.statusBar).render(into: &buffer, in: frame.status)
        return frame
    }
}

/// The case queue: a row per case (a card's run of alerts), highest alert first. The workbench opens on it; Tab
/// switches to the alert queue and back.
final class CaseQueueScreen: QueuePage {
    let model: QueueModel

    init(model: QueueModel) { self.model = model }

    var cases: CaseList { model.cases }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        // A key acts on the cases as they are now, drawn or not yet.
        try model.readCases()
        guard let action = CaseKeys.bindings.action(for: key) else {
            // Escape never quits from the top.
            if key == .escape { return .ignored }
            _ = cases.table.handle(key, rowCount: cases.shown.count, pageSize: QueueModel.pageSize(size))
            return .handled
        }
        return try model.perform(action, on: cases.cursorCase, size: size, from: self)
    }

    func prepare(size: TerminalSize) throws { try model.readCases() }

    var helpSections: [HelpSection] { CaseKeys.helpSections }

    static let hint = "? keys · q quit · Enter open · n next case · f fraud · p false pos. · e escalate · i snooze · m mine · Tab alerts"
    static let narrowHint = "? keys · Enter open · n next · f p e decide · i snooze · Tab alerts · m mine · q quit"

    func render(into buffer: inout CellBuffer) {
        let list = cases
        let position = list.shown.isEmpty ? "0/0" : "\(Formatting.grouped(list.table.cursor + 1))/\(Formatting.grouped(list.shown.count))"
        let hint = buffer.width >= CaseColumns.wideLayout ? Self.hint : Self.narrowHint
        guard let frame = model.drawCaseFrame(into: &buffer, hint: hint, scope: list.view.name, position: position) else { return }
        let theme = model.theme
        let width = buffer.width
        let table = Table(columns: CaseColumns.columns(width: width),
                          styles: Table.Styles(header: theme.header, row: theme.text, cursor: theme.selection, marker: theme.mark, empty: theme.dim),
                          showsMarkers: true, emptyMessage: "No cases in this view (v changes the view, Tab shows the alerts)")
        let now = list.clock()
        let shown = list.shown
        table.render(TableRows(count: shown.count) { row in
            CaseColumns.cells(shown[row], status: list.effectiveStatus(shown[row]), width: width, now: now)
        }, into: &buffer, in: frame.body, state: &list.table)
    }
}
