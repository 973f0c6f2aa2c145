import Foundation
import VigilCore
import VigilDetect
import VigilEngine
import VigilStore
import VigilTUI

/// The case queue's state, kept by the model (`QueueModel.cases`) so that switching to the alert queue and back
/// keeps the view and the cursor.
///
/// Like the alert queue, it holds only what ordering needs for every case (`CaseKey`: a row of `cases`, no alert
/// read) and the summaries of the rows on screen and the pages around them, so that it opens, moves, decides and
/// undoes at the same speed over 100 or 100,000 cases.
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
    /// Every case's key in the queue's order (highest alert first), and each case's place in it.
    private(set) var ordered: [CaseKey] = []
    private var place: [Int64: Int] = [:]
    /// The view's rows: places in `ordered`, ascending.
    private(set) var rows: [Int] = []
    /// Summaries of the rows on screen and around them, by case id.
    var loaded: [Int64: CaseSummary] = [:]
    /// Cases by effective status, for the status line.
    private(set) var counts: [CaseStatus: Int] = [:]
    var table = TableState(sort: TableSort(column: 0, ascending: false))
    /// The model's generation the cases were read at: when the alerts changed since, they are read again.
    var readAt: Int?
    /// The time ages and due dates are measured from (tests fix it).
    var clock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    var lastSearch = ""

    var count: Int { rows.count }
    func id(atRow row: Int) -> Int64 { ordered[rows[row]].id }
    func key(atRow row: Int) -> CaseKey { ordered[rows[row]] }
    var cursorID: Int64? { rows.indices.contains(table.cursor) ? id(atRow: table.cursor) : nil }

    /// The view's row of case `id`, if it lists it.
    func row(of id: Int64) -> Int? {
        guard let at = place[id] else { return nil }
        let row = lowerBound(at)
        return row < rows.count && rows[row] == at ? row : nil
    }

    private func lowerBound(_ at: Int) -> Int {
        var low = 0, high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if rows[middle] < at { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// A snoozed case whose date has passed is back in the queue, whatever the store last wrote.
    func effectiveStatus(_ summary: CaseSummary) -> CaseStatus {
        if summary.status == .snoozed, let until = summary.snoozedUntil, until <= clock() { return .open }
        return summary.status
    }

    func includes(_ key: CaseKey, analyst: String, now: Int64) -> Bool {
        let status = key.status(at: now)
        switch view {
        case .open: return status == .open
        case .mine: return key.assignee == analyst && status != .decided
        case .snoozed: return status == .snoozed
        case .decided: return status == .decided
        case .all: return true
        case .exposed(_, let cases): return cases.contains(key.id)
        }
    }

    /// Takes every case's key as read, ordering them once.
    func replaceKeys(_ keys: [CaseKey], analyst: String) {
        ordered = keys.sorted(by: CaseKey.precedes)
        place = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($1.id, $0) })
        loaded.removeAll(keepingCapacity: true)
        refilter(analyst: analyst)
    }

    /// The view's rows and the counts, from the keys in memory.
    func refilter(analyst: String) {
        let now = clock()
        var open = 0, snoozed = 0, decided = 0
        var rows: [Int] = []
        rows.reserveCapacity(ordered.count)
        for at in ordered.indices {
            let key = ordered[at]
            switch key.status(at: now) {
            case .open: open += 1
            case .snoozed: snoozed += 1
            case .decided: decided += 1
            }
            if includes(key, analyst: analyst, now: now) { rows.append(at) }
        }
        self.rows = rows
        counts = [.open: open, .snoozed: snoozed, .decided: decided]
    }

    /// Puts case `id`'s fresh key (nil: it has no alert left) in its place, moving its row into or out of the view;
    /// false when its place in the order moved, and the keys must be ordered again.
    func update(_ id: Int64, key fresh: CaseKey?, analyst: String) -> Bool {
        guard let at = place[id], let fresh, fresh.topScore == ordered[at].topScore else { return false }
        let now = clock()
        counts[ordered[at].status(at: now), default: 0] -= 1
        counts[fresh.status(at: now), default: 0] += 1
        ordered[at] = fresh
        let row = lowerBound(at)
        let listed = row < rows.count && rows[row] == at
        switch (listed, includes(fresh, analyst: analyst, now: now)) {
        case (true, false): rows.remove(at: row)
        case (false, true): rows.insert(at, at: row)
        default: break
        }
        return true
    }
}

/// What a key on the case queue or in a case asks for.
enum CaseAction: Hashable, Sendable {
    case open, next, take, release, view, decide(AlertStatus), snooze, due, undo, alerts, reload, search, searchNext, searchPrevious
    case client, help, palette, theme, quit

    /// Whether it records an event (refused up front where nothing may be decided: `QueueModel.cannotDecide`).
    var decides: Bool {
        switch self {
        case .next, .take, .release, .decide, .snooze, .due, .undo: return true
        default: return false
        }
    }
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
                KeyBinding(.character("/"), action: .search, description: "search: card digits, client, assignee, merchant, reason", section: "Cases"),
                KeyBinding(.character("]"), action: .searchNext, description: "next case the search finds", section: "Cases"),
                KeyBinding(.character("["), action: .searchPrevious, description: "previous case the search finds", section: "Cases"),
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

    static func cardWidth(_ width: Int) -> Int { width >= roomyLayout ? 16 : 9 }

    static func columns(width: Int) -> [TableColumn] {
        let wide = width >= wideLayout, roomy = width >= roomyLayout
        return [
            TableColumn("Score", width: .fixed(7), alignment: .right),
            TableColumn("Card", width: .fixed(cardWidth(width))),
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
        // A card too long for its column loses stars first, then its first digits: the last ones tell cards apart.
        let card = CardNumber.fitting(CardNumber.masked(c.clientID), width: cardWidth(width))
        let cells = [String(format: "%.3f", c.topScore), card, alerts, amount(c),
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
    /// Reads every case's key again when the alerts changed since they were read (another analyst, a scan),
    /// keeping the cursor on the same case.
    func readCases() throws {
        guard cases.readAt != generation else { return }
        let current = cases.cursorID
        cases.replaceKeys(try store.caseKeys(), analyst: analyst)
        cases.readAt = generation
        keepCaseCursor(on: current)
    }

    /// After this analyst's own change to cases `ids`: only their keys and summaries are read again and put in their
    /// place, so that the key is answered at once; the rest follows when the workbench polls, as the store's change
    /// token has moved. `fresh` says whether the cases were up to date before the change (else they are read whole).
    func casesChanged(_ ids: Set<Int64>, fresh: Bool) throws {
        alertsChanged()
        guard fresh else { return }
        let current = cases.cursorID
        let keys = Dictionary(uniqueKeysWithValues: try store.caseKeys(ids: Array(ids)).map { ($0.id, $0) })
        for id in ids.sorted() where !cases.update(id, key: keys[id], analyst: analyst) {
            // Its order moved (or it is new, or gone): read every key again.
            return try readCases()
        }
        for summary in try store.caseSummaries(ids: ids.filter { cases.loaded[$0] != nil }.sorted(), now: cases.clock()) {
            cases.loaded[summary.id] = summary
        }
        cases.readAt = generation
        keepCaseCursor(on: current)
    }

    /// After this analyst's own change to case `id` (a decision, a claim, an assignment, a snooze).
    func caseChanged(_ id: Int64) throws { try casesChanged([id], fresh: cases.readAt == generation) }

    /// Undoes this analyst's last decision; the cases of its alerts alone are read again.
    func undoCases(size: TerminalSize) throws {
        let fresh = cases.readAt == generation
        let undone = try undo(size: size)
        let named = Set(undone.compactMap(\.caseID))
        try casesChanged(named.union(try store.caseIDs(ofAlerts: undone.map(\.alertID).filter { $0 != 0 })), fresh: fresh)
    }

    /// Shows `view`'s cases from the first.
    func showCases(_ view: CaseList.View) {
        cases.view = view
        cases.refilter(analyst: analyst)
        cases.table.moveCursor(to: 0, rowCount: cases.count, pageSize: 1)
        message = "showing \(view.name)"
    }

    /// Keeps the cursor on case `id` while the view lists it; when it left, the cursor stays on its row, which now
    /// shows the next case.
    private func keepCaseCursor(on id: Int64?) {
        if let id, let row = cases.row(of: id) {
            cases.table.moveCursor(to: row, rowCount: cases.count, pageSize: 1)
        } else {
            cases.table.clamp(rowCount: cases.count, pageSize: 1)
        }
    }

    /// The case under the cursor, read when its row is not loaded yet.
    func cursorCase() throws -> CaseSummary? {
        guard let id = cases.cursorID else { return nil }
        if let summary = cases.loaded[id] { return summary }
        let summary = try store.caseSummaries(ids: [id], now: cases.clock()).first
        cases.loaded[id] = summary
        return summary
    }

    /// Loads the summaries of `rows` that are not loaded yet.
    func loadCases(_ rows: Range<Int>) throws {
        let missing = rows.map(cases.id(atRow:)).filter { cases.loaded[$0] == nil }
        guard !missing.isEmpty else { return }
        for summary in try store.caseSummaries(ids: missing, now: cases.clock()) { cases.loaded[summary.id] = summary }
    }

    /// Loads the rows the table in a frame of `size` shows, scrolled as the table will draw it.
    func loadCasePage(size: TerminalSize) throws {
        try readCases()
        guard let frame = QueueFrame(size) else { return }
        let pageSize = Table.pageSize(for: frame.body)
        cases.table.clamp(rowCount: cases.count, pageSize: pageSize)
        try loadCases(cases.table.offset..<min(cases.count, cases.table.offset + pageSize))
    }

    /// Loads the pages above and below the one on screen, while the analyst reads, keeping memory to a few pages.
    func prefetchCases(size: TerminalSize) throws {
        guard cases.readAt == generation, !cases.rows.isEmpty else { return }
        let page = Self.pageSize(size)
        let rows = max(0, cases.table.offset - page)..<min(cases.count, cases.table.offset + 2 * page)
        try loadCases(rows)
        if cases.loaded.count > 20 * page {
            let keep = Set(rows.map(cases.id(atRow:)))
            cases.loaded = cases.loaded.filter { keep.contains($0.key) }
        }
    }

    /// Draws the queue's frame over a case screen: the title names `scope`; the status line says the message, else
    /// `position`, and the cases by status, which give way to a message that needs the room.
    func drawCaseFrame(into buffer: inout CellBuffer, hint: String, scope: String, position: String) -> QueueFrame? {
        guard let frame = drawFrame(into: &buffer, hint: hint) else { return nil }
        let file = URL(fileURLWithPath: store.path).lastPathComponent
        StatusBar(left: " Vigil — \(file) — \(scope)", right: titleRight,
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
            _ = cases.table.handle(key, rowCount: cases.count, pageSize: QueueModel.pageSize(size))
            return .handled
        }
        return try model.perform(action, on: model.cursorCase(), size: size, from: self)
    }

    func prepare(size: TerminalSize) throws { try model.loadCasePage(size: size) }

    func prefetch(size: TerminalSize) throws { try model.prefetchCases(size: size) }

    var helpSections: [HelpSection] { CaseKeys.helpSections }

    static let hint: KeyHint = ["? keys", "q quit", "Enter open", .decides("n next case"), .decides("f fraud"), .decides("p false pos."),
                                .decides("e escalate"), .decides("i snooze"), .decides("m mine"), "Tab alerts",
                                .looking("v view"), .looking("/ search"), .looking("c client")]
    static let narrowHint: KeyHint = ["? keys", "Enter open", .decides("n next"), .decides("f p e decide"), .decides("i snooze"),
                                      "Tab alerts", .decides("m mine"), .looking("v view"), .looking("/ search"), "q quit"]

    func render(into buffer: inout CellBuffer) {
        let list = cases
        let position = list.count == 0 ? "0/0" : "\(Formatting.grouped(list.table.cursor + 1))/\(Formatting.grouped(list.count))"
        let hint = model.hintLine(buffer.width >= CaseColumns.wideLayout ? Self.hint : Self.narrowHint)
        guard let frame = model.drawCaseFrame(into: &buffer, hint: hint, scope: list.view.name, position: position) else { return }
        let theme = model.theme
        let width = buffer.width
        let table = Table(columns: CaseColumns.columns(width: width),
                          styles: Table.Styles(header: theme.header, row: theme.text, cursor: theme.selection, marker: theme.mark, empty: theme.dim),
                          showsMarkers: true, emptyMessage: "No cases in this view (v changes the view, Tab shows the alerts)")
        let now = list.clock()
        table.render(TableRows(count: list.count) { row in
            // `prepare` loaded the rows on screen; a row it could not (its case went meanwhile) shows its score alone.
            guard let summary = list.loaded[list.id(atRow: row)] else { return [String(format: "%.3f", list.key(atRow: row).topScore)] }
            return CaseColumns.cells(summary, status: list.effectiveStatus(summary), width: width, now: now)
        }, into: &buffer, in: frame.body, state: &list.table)
    }
}

extension QueueModel {
    /// Moves the cursor to the next (or previous) case of the view that the last search finds, from the cursor on,
    /// coming round past the end; says where, or that none does.
    func findCase(forward: Bool) throws {
        let text = cases.lastSearch
        guard !text.isEmpty else { message = "no search yet: / to search"; return }
        let needle = text.lowercased()
        // A reason's words as the queue shows them (a detector's title), or a stored detector name typed with spaces.
        let named = Detector.allCases.filter { $0.title.lowercased().contains(needle) || $0.rawValue.contains(needle) }.map(\.rawValue)
        let found = try store.caseIDs(matching: CaseSearch(text), detectors: Array(Set(named + [needle.replacingOccurrences(of: " ", with: "_")])).sorted(),
                                      keys: cases.ordered)
        let count = cases.count
        let start = cases.table.cursor
        for step in 1...max(1, count) where count > 0 {
            let row = ((start + (forward ? step : -step)) % count + count) % count
            guard found.contains(cases.id(atRow: row)) else { continue }
            cases.table.moveCursor(to: row, rowCount: count, pageSize: 1)
            message = "/\(text): case \(Formatting.grouped(row + 1)) of \(Formatting.grouped(count))"
                + (found.count > 1 ? " (] next, [ previous)" : "")
            return
        }
        message = "/\(text): no case in this view"
    }
}

/// The case queue's search, typed on the key-hint line: a card's digits, a client id, an assignee, a merchant or a
/// reason's words; Enter finds the first case after the cursor.
final class CaseSearchScreen: Screen {
    let model: QueueModel
    private(set) var input = TextInputState()

    init(model: QueueModel) { self.model = model }

    var isOverlay: Bool { true }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        switch input.prompt(key) {
        case .edited:
            return .handled
        case .cancelled:
            return .pop
        case .submitted(let text):
            let text = text.trimmingCharacters(in: .whitespaces)
            if !text.isEmpty { model.cases.lastSearch = text }
            try model.findCase(forward: true)
            return .pop
        }
    }

    func render(into buffer: inout CellBuffer) {
        guard let frame = QueueFrame(buffer.size) else { return }
        model.drawPrompt("/", placeholder: "card digits, client, assignee, merchant or reason; Enter finds, Esc cancels",
                         input: &input, in: frame.hint, into: &buffer)
    }
}
