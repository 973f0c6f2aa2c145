import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// What a key on the alert queue asks for.
public enum QueueAction: Hashable, Sendable {
    case quit, back, help, theme, mark, open, search, searchNext, searchPrevious, filter
    case sortNext, sortReverse, view
    case decide(AlertStatus)
    case note, undo, reload
    case nextAlert, previousAlert
    case client, overview, commonPoints, palette, scan, cancelScan, cases

    /// Whether it records an event (refused up front where nothing may be decided: `QueueModel.cannotDecide`).
    var decides: Bool {
        switch self {
        case .decide, .note, .undo: return true
        default: return false
        }
    }
}

/// The queue's keys, the same on the list and on an alert's detail.
enum QueueKeys {
    static let bindings: KeyBindingTable<QueueAction> = {
        do {
            return try KeyBindingTable([
                KeyBinding(.enter, action: .open, description: "open the alert's detail", section: "Queue"),
                KeyBinding(.character(" "), action: .mark, description: "mark or unmark for a decision together", section: "Queue"),
                KeyBinding(.character("/"), action: .search, description: "search merchant, client and reasons", section: "Queue"),
                KeyBinding(.character("n"), action: .searchNext, description: "next match", section: "Queue"),
                KeyBinding(.character("N"), action: .searchPrevious, description: "previous match", section: "Queue"),
                KeyBinding(.character("s"), action: .sortNext, description: "sort by the next column", section: "Queue"),
                KeyBinding(.character("S"), action: .sortReverse, description: "reverse the sort", section: "Queue"),
                KeyBinding(.character("v"), action: .view, description: "show open, all, or one decision", section: "Queue"),
                KeyBinding(.character("F"), action: .filter,
                           description: "filter: client=ID detector=NAME amount=MIN..MAX date=FROM..UNTIL", section: "Queue"),
                KeyBinding(.character("r"), action: .reload, description: "reload from the store", section: "Queue"),
                KeyBinding(.character("c"), action: .client, description: "the alert's client: timeline, heatmaps, transactions", section: "Queue"),
                KeyBinding(.character("O"), action: .overview, description: "overview: per day, by detector, precision, heatmaps", section: "Queue"),
                KeyBinding(.character("M"), action: .commonPoints,
                           description: "merchants the fraud cards shared, cards exposed there", section: "Queue"),
                KeyBinding(.character(":"), action: .palette, description: "command palette: client, #alert, date, command", section: "Queue"),
                KeyBinding(.character("R"), action: .scan, description: "run detectors in the background", section: "Queue"),
                KeyBinding(.character("X"), action: .cancelScan, description: "cancel the running scan", section: "Queue"),
                KeyBinding(.tab, action: .cases, description: "the case queue (Tab there comes back)", section: "Queue"),
                KeyBinding(.character("f"), action: .decide(.confirmedFraud), description: "confirmed fraud", section: "Decide"),
                KeyBinding(.character("p"), action: .decide(.falsePositive), description: "false positive", section: "Decide"),
                KeyBinding(.character("e"), action: .decide(.escalated), description: "escalate", section: "Decide"),
                KeyBinding(.character("i"), action: .decide(.needsInfo), description: "needs information", section: "Decide"),
                KeyBinding(.character("o"), action: .decide(.open), description: "reopen", section: "Decide"),
                KeyBinding(.character("a"), action: .note, description: "add a note", section: "Decide"),
                KeyBinding(.character("u"), action: .undo, description: "undo my last decision", section: "Decide"),
                KeyBinding(.character("]"), action: .nextAlert, description: "the next alert's detail", section: "Detail"),
                KeyBinding(.character("["), action: .previousAlert, description: "the previous alert's detail", section: "Detail"),
                KeyBinding(.character("t"), action: .theme, description: "next colour theme", section: "Screen"),
                KeyBinding(.character("?"), action: .help, description: "these keys", section: "Screen"),
                KeyBinding(.character("q"), action: .quit, description: "back; on the list, quit", section: "Screen"),
                KeyBinding(.escape, action: .back, description: "back (never quits)", section: "Screen"),
            ])
        } catch {
            preconditionFailure("the queue's key bindings conflict: \(error)")
        }
    }()

    /// The table's own keys, for the help overlay.
    static let movement = HelpSection(title: "Move", entries: [
        HelpEntry(key: "j/↓  k/↑", description: "next / previous alert"),
        HelpEntry(key: "PgDn PgUp", description: "a page down / up"),
        HelpEntry(key: "g  G", description: "first / last alert"),
    ])

    static var helpSections: [HelpSection] { [movement] + bindings.helpSections }
}

extension QueueModel {
    /// Carries out a queue key pressed on the list or, when `detail` is given, on that alert's detail.
    func perform(_ action: QueueAction, size: TerminalSize, from screen: any Screen) throws -> ScreenOutcome {
        let detail = screen as? AlertDetailScreen
        // A prompt opened from the detail stands over the list, as the queue's own prompts do.
        func open(_ prompt: any Screen) -> ScreenOutcome { detail == nil ? .push(prompt) : .replace(prompt) }
        if action.decides, let cannotDecide {
            message = cannotDecide
            return .handled
        }
        switch action {
        case .quit:
            return detail == nil ? .quit : .pop
        case .back:
            // Esc backs out and never leaves the workbench: on the list there is nothing to back out of.
            guard detail == nil else { return .pop }
            message = "q quits the workbench"
        case .help:
            return .push(HelpScreen(model: self, sections: QueueKeys.helpSections))
        case .theme:
            cycleTheme()
        case .mark:
            guard !ids.isEmpty else { break }
            table.toggleSelection(ofRow: table.cursor)
            moveCursor(to: table.cursor + 1, size: size)
        case .nextAlert, .previousAlert:
            guard !ids.isEmpty else { break }
            // Once the alert shown is decided out of the view, the cursor already stands on the one after it: `]`
            // opens that one rather than skipping it, and `[` the one before the decided alert.
            let shownInView = detail.map { ids.indices.contains(table.cursor) && ids[table.cursor] == $0.alertID } ?? true
            let step = action == .nextAlert ? (shownInView ? 1 : 0) : -1
            moveCursor(to: table.cursor + step, size: size)
            if let detail, let id = cursorID { try detail.show(id) }
        case .open:
            guard let id = cursorID else { break }
            if let detail {
                if try detail.show(id) { seenNew.insert(id) }
            } else if let opened = try AlertDetailScreen(model: self, alertID: id) {
                seenNew.insert(id)
                return .push(opened)
            }
        case .search:
            return open(PromptScreen(model: self, kind: .search))
        case .filter:
            return open(PromptScreen(model: self, kind: .filter))
        case .searchNext, .searchPrevious:
            try find(forward: action == .searchNext, from: table.cursor)
        case .sortNext:
            let next = QueueColumns.nextSortKey(after: query.sort)
            sort(by: next, descending: QueueColumns.startsDescending(next), toTop: false, size: size)
        case .sortReverse:
            sort(by: query.sort, descending: !query.descending, toTop: false, size: size)
        case .view:
            let index = QueueColumns.views.firstIndex(of: query.statuses) ?? 0
            try show(QueueColumns.views[(index + 1) % QueueColumns.views.count], size: size)
        case .reload:
            try reload()
            message = "reloaded"
        case .decide(let status):
            // The note that overturns another analyst's decision is asked over the screen it was made on.
            if let prompt = try decide(try detail?.seen.map { [$0] } ?? target(), status: status, size: size) { return .push(prompt) }
        case .note:
            let alerts = try detail?.seen.map { [$0] } ?? target()
            guard !alerts.isEmpty else { message = "no alert to note"; break }
            return open(PromptScreen(model: self, kind: .note(alerts: alerts, returnTo: detail?.alertID)))
        case .client:
            guard let alertID = detail?.detail?.alert.id ?? cursorID,
                  let clientID = try store.clientID(ofAlert: alertID) else { message = "no alert to open the client of"; break }
            let transaction = try store.alertDetail(alertID: alertID, around: 0)?.transaction.id
            if let page = try clientPage(clientID, focus: transaction) { return .push(page) }
        case .overview:
            return overview()
        case .commonPoints:
            return commonPoints()
        case .palette:
            return .push(PaletteScreen(model: self, over: screen))
        case .scan:
            message = "Enter runs every detector; name some to run only those (Tab completes)"
            return .push(PaletteScreen(model: self, over: screen, text: "scan "))
        case .cancelScan:
            cancelScan()
        case .undo:
            try undo(size: size)
        case .cases:
            return .root(CaseQueueScreen(model: self))
        }
        return .handled
    }

    /// The client view of `clientID`, marking `focus` (a transaction of theirs) when given; nil, saying so, when
    /// the store has no such client.
    func clientPage(_ clientID: String, focus: Int64? = nil) throws -> ClientPage? {
        guard let activity = try store.clientActivity(clientID: clientID) else { message = "no client '\(clientID)'"; return nil }
        let view = ClientView(activity: activity, profile: try? store.profile(ofClient: clientID), focusTransaction: focus)
        return ClientPage(model: self, screen: ClientScreen(view: view))
    }

    /// Alert `id`'s detail over the queue, whatever was open; nil, saying so, when there is no such alert.
    func openAlert(_ id: Int64, size: TerminalSize) throws -> ScreenOutcome? {
        guard let opened = try AlertDetailScreen(model: self, alertID: id) else { message = "no alert #\(id)"; return nil }
        moveCursor(toAlert: id, size: size)
        return .sequence([.popToRoot, .push(opened)])
    }

    /// The overview of what the queue shows, straight over the queue: `q` there goes back to the list.
    func overview() -> ScreenOutcome {
        .sequence([.popToRoot, .push(OverviewPage(model: self, screen: OverviewScreen(store: store, query: query, scopeName: scopeName, storeCounts: counts)))])
    }
}
