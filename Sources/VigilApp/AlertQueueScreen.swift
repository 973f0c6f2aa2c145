import Foundation
import VigilCore
import VigilDetect
import VigilEngine
import VigilStore
import VigilTUI

/// What a key on the alert queue asks for.
public enum QueueAction: Hashable, Sendable {
    case quit, help, theme, mark, open, search, searchNext, searchPrevious, filter
    case sortNext, sortReverse, view
    case decide(AlertStatus)
    case note, undo, reload
    case nextAlert, previousAlert
    case client, overview, palette, scan, cancelScan
}

/// The alert queue and the alert detail: the workbench's main screen.
///
/// The queue holds the ordered ids of the alerts its query selects and loads only the rows on screen (plus a
/// detail when one is open), so it opens and scrolls at the same speed over 100 or 100,000 alerts. Decisions go
/// straight to the store, one transaction each with its audit event, made against the alert versions on screen:
/// one that another analyst changed meanwhile is refused with a message. `refreshIfChanged()`, called while the
/// analyst is idle, reloads when anything else committed.
public final class AlertQueueScreen {
    public enum Mode: Equatable {
        case list
        case detail(alertID: Int64, scroll: ScrollState)
        case search(TextInputState)
        /// The filter being typed (`AlertFilter`).
        case filter(TextInputState)
        /// A note being written; `returnTo` is the detail it was started from, if any.
        case note(TextInputState, alerts: [SeenAlert], returnTo: Int64?)
        case help(ScrollState)
        /// The client view (`clientScreen`), opened from an alert or the palette.
        case client
        /// The overview (`overviewScreen`).
        case overview
        /// The command palette: the text typed, and the completion chosen with Tab (an index into the completions).
        case palette(TextInputState, completion: Int?)
    }

    public let store: Store
    public let analyst: String
    public private(set) var query: AlertQuery
    public private(set) var ids: [Int64] = []
    public private(set) var counts: [String: Int] = [:]
    public private(set) var mode: Mode = .list
    /// The last thing done or refused, shown on the status line until the next key.
    public private(set) var message: String?
    public var theme: Theme
    public var themes: [Theme]
    var table = TableState(allowsMultipleSelection: true, sort: TableSort(column: 0, ascending: false))
    private var loaded: [Int64: AlertSummary] = [:]
    /// The view's alerts with their sort keys, ordered in memory.
    private var view = AlertView(AlertSortColumns(), sort: .score, descending: true)
    private var detail: AlertDetail?
    private var lastSearch = ""
    /// The filter in force.
    public private(set) var filter = AlertFilter()
    private var token: StoreChangeToken?
    /// The client view and the overview while open.
    public private(set) var clientScreen: ClientScreen?
    public private(set) var overviewScreen: OverviewScreen?
    /// Where `q` goes back to from the client view: the detail it was opened from, else the list.
    private var clientReturn: Mode = .list
    /// Where the help overlay and the palette go back to.
    private var helpReturn: Mode = .list
    /// Alerts above this id arrived while the queue was open (live scoring, a scan): they show as new until the
    /// analyst opens them.
    public private(set) var newSince: Int64 = 0
    private var seenNew: Set<Int64> = []
    /// The processes scoring arriving transactions now, as their heartbeats say (`pollLive`).
    public private(set) var liveScorers: [LiveScorerStatus] = []

    /// The statuses `v` cycles through: open work first, then everything, then each decision.
    static let views: [Set<AlertStatus>?] = [[.open], nil, [.confirmedFraud], [.falsePositive], [.escalated], [.needsInfo]]
    /// The sortable columns, in table order.
    static let sortKeys: [AlertQuery.SortKey] = [.score, .time, .client, .amount, .merchant, .category, .reason, .status]

    static func nextSortKey(after key: AlertQuery.SortKey) -> AlertQuery.SortKey {
        sortKeys[((sortKeys.firstIndex(of: key) ?? 0) + 1) % sortKeys.count]
    }

    /// Numbers start highest first; text starts in order.
    static func startsDescending(_ key: AlertQuery.SortKey) -> Bool { key == .score || key == .amount || key == .time }
    public static let bindings: KeyBindingTable<QueueAction> = {
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
                KeyBinding(.character(":"), action: .palette, description: "command palette: client, #alert, date, command", section: "Queue"),
                KeyBinding(.character("R"), action: .scan, description: "run detectors in the background", section: "Queue"),
                KeyBinding(.character("X"), action: .cancelScan, description: "cancel the running scan", section: "Queue"),
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
                KeyBinding([.character("q"), .escape], action: .quit, description: "back, or quit", section: "Screen"),
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

    public init(store: Store, analyst: String, theme: Theme = .default, themes: [Theme] = []) throws {
        self.store = store
        self.analyst = analyst
        self.theme = theme
        self.themes = themes.isEmpty ? [theme] : themes
        query = AlertQuery()
        newSince = try store.newestAlertID()
        try reload()
        liveScorers = try store.liveScorers()
    }

    // MARK: - Data

    /// Reads the query's ids and the counts again, keeping the cursor on the same alert when it is still listed.
    public func reload() throws {
        let current = ids.indices.contains(table.cursor) ? ids[table.cursor] : nil
        let marked = Set(table.selection.compactMap { ids.indices.contains($0) ? ids[$0] : nil })
        view = AlertView(try store.alertSortColumns(matching: query), sort: query.sort, descending: query.descending)
        ids = view.ids
        counts = try store.alertCounts()
        loaded.removeAll(keepingCapacity: true)
        remark(marked)
        if let current, let row = ids.firstIndex(of: current) { table.moveCursor(to: row, rowCount: ids.count, pageSize: 1) }
        if case .detail(let id, _) = mode { detail = try store.alertDetail(alertID: id) }
        token = try store.changeToken()
    }

    /// Marks name alerts, not rows: after a reload (another analyst's decision, a scan) the rows move, and a mark left
    /// on a row position would send the next decision to whichever alert moved there. Marked alerts that left the
    /// view are unmarked, saying so, so that a decision never covers fewer alerts than the analyst thinks unnoticed.
    private func remark(_ marked: Set<Int64>) {
        guard !marked.isEmpty else { table.selection = []; return }
        var rows = Set<Int>()
        for (row, id) in ids.enumerated() where marked.contains(id) { rows.insert(row) }
        table.selection = rows
        let gone = marked.count - rows.count
        guard gone > 0 else { return }
        let note = gone == 1 ? "1 marked alert left this view (decided elsewhere or withdrawn) and is no longer marked"
            : "\(gone) marked alerts left this view (decided elsewhere or withdrawn) and are no longer marked"
        // Added to what the key already said (a refused decision's reason), not put in its place.
        message = message.map { $0 + "; " + note } ?? note
    }

    /// Reloads if anything committed to the store since the last load (another analyst, a scan); true if it did.
    @discardableResult
    public func refreshIfChanged() throws -> Bool {
        guard try store.changeToken() != token else { return false }
        try reload()
        return true
    }

    /// Loads the pages just above and below the one on screen, so that the next page move draws from memory.
    /// The run loop calls it after each frame, while the analyst reads; it does nothing when they are loaded.
    public func prefetch(size: TerminalSize) throws {
        guard case .list = mode, !ids.isEmpty else { return }
        // The orders `s` and `S` would ask for next.
        let next = Self.nextSortKey(after: query.sort)
        view.prepare(next, descending: Self.startsDescending(next))
        view.prepare(query.sort, descending: !query.descending)
        view.prepareIndex()
        let page = Self.pageSize(size)
        let start = max(0, table.offset - page)
        try summaries(for: start..<min(ids.count, table.offset + 2 * page))
        // Keep memory to a few pages however far the analyst scrolls.
        if loaded.count > 20 * page {
            let keep = Set(ids[start..<min(ids.count, table.offset + 2 * page)])
            loaded = loaded.filter { keep.contains($0.key) }
        }
    }

    private func summaries(for rows: Range<Int>) throws {
        let missing = rows.map { ids[$0] }.filter { loaded[$0] == nil }
        guard !missing.isEmpty else { return }
        for summary in try store.alertSummaries(ids: missing) { loaded[summary.id] = summary }
    }

    /// The alerts a decision applies to: the marked rows, else the one under the cursor.
    private func target() throws -> [SeenAlert] {
        if case .detail = mode, let detail {
            return [SeenAlert(id: detail.alert.id, version: detail.alert.version)]
        }
        let rows = table.selection.isEmpty ? (ids.isEmpty ? [] : [table.cursor]) : table.selection.sorted()
        let chosen = rows.map { ids[$0] }
        var current: [Int64: Int64] = [:]
        for alert in try store.alertSummaries(ids: chosen) { current[alert.id] = alert.version }
        // A decision is made against what the analyst saw: the version loaded for the screen when there is one. An
        // alert withdrawn since stays in, so that the decision is refused saying why rather than made on the rest.
        return chosen.map { SeenAlert(id: $0, version: loaded[$0]?.version ?? current[$0] ?? 0) }
    }

    // MARK: - Keys

    public enum Outcome: Equatable { case handled, quit }

    /// Handles one key at screen size `size`.
    public func handle(_ key: Key, size: TerminalSize) throws -> Outcome {
        message = nil
        if key.isInterrupt { return .quit }
        switch mode {
        case .search(var input):
            switch key {
            case .enter:
                mode = .list
                lastSearch = input.text
                try find(forward: true, from: table.cursor - 1)
            case .escape:
                mode = .list
            default:
                _ = input.handle(key)
                mode = .search(input)
            }
            return .handled
        case .filter(var input):
            switch key {
            case .enter:
                let parsed: AlertFilter
                do {
                    parsed = try AlertFilter.parse(input.text)
                } catch {
                    message = "filter: \(error.description)"
                    return .handled
                }
                try apply(filter: parsed, size: size)
            case .escape:
                mode = .list
            default:
                _ = input.handle(key)
                mode = .filter(input)
            }
            return .handled
        case .note(var input, let alerts, let returnTo):
            func back() { mode = returnTo.map { .detail(alertID: $0, scroll: ScrollState()) } ?? .list }
            switch key {
            case .ctrl("s"), .ctrl("d"):
                back()
                let text = input.text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !text.isEmpty else { message = "empty note: nothing saved"; return .handled }
                do {
                    for alert in alerts { try store.addNote(text, to: alert, analyst: analyst) }
                    message = "note saved on \(alerts.count == 1 ? "alert #\(alerts[0].id)" : "\(alerts.count) alerts")"
                } catch let error as TriageError {
                    message = error.description
                }
                try reload()
            case .escape:
                back()
                message = "note discarded"
            default:
                _ = input.handle(key)
                mode = .note(input, alerts: alerts, returnTo: returnTo)
            }
            return .handled
        case .palette(var input, let completion):
            switch key {
            case .enter:
                mode = helpReturn
                helpReturn = .list
                let choices = completion == nil ? [] : paletteCompletions(input.text)
                let text = completion.flatMap { choices.indices.contains($0) ? choices[$0] : nil } ?? input.text
                return try runPalette(text, size: size)
            case .escape:
                mode = helpReturn
                helpReturn = .list
            case .tab, .backTab:
                let choices = paletteCompletions(input.text)
                guard !choices.isEmpty else { message = "no completions"; mode = .palette(input, completion: nil); break }
                let step = key == .tab ? 1 : choices.count - 1
                mode = .palette(input, completion: ((completion ?? (key == .tab ? -1 : 0)) + step) % choices.count)
            default:
                // Typing after choosing a completion carries on from it.
                if let completion, case .character = key {
                    let choices = paletteCompletions(input.text)
                    if choices.indices.contains(completion) { input = TextInputState(text: choices[completion]) }
                }
                _ = input.handle(key)
                mode = .palette(input, completion: nil)
            }
            return .handled
        case .client:
            guard let clientScreen else { mode = .list; return .handled }
            if key == .character("?") { helpReturn = .client; mode = .help(ScrollState()); return .handled }
            if key == .character(":") { helpReturn = .client; mode = .palette(TextInputState(), completion: nil); return .handled }
            if key == .character("t") { return try perform(.theme, size: size) }
            switch clientScreen.handle(key, size: size) {
            case .handled:
                message = clientScreen.message
            case .back:
                mode = clientReturn
                self.clientScreen = nil
            case .openAlert(let id):
                try openAlert(id, size: size)
            }
            return .handled
        case .overview:
            guard let overviewScreen else { mode = .list; return .handled }
            if key == .character("?") { helpReturn = .overview; mode = .help(ScrollState()); return .handled }
            if key == .character(":") { helpReturn = .overview; mode = .palette(TextInputState(), completion: nil); return .handled }
            if key == .character("t") { return try perform(.theme, size: size) }
            if overviewScreen.handle(key) == .back { mode = .list; self.overviewScreen = nil }
            return .handled
        case .help(var scroll):
            if key == .character("?") || key == .escape || key == .character("q") { mode = helpReturn; helpReturn = .list; return .handled }
            let overlay = helpOverlay()
            _ = scroll.handle(key, rowCount: overlay.rowCount, pageSize: overlay.pageSize(in: Rect(width: size.width, height: size.height)))
            mode = .help(scroll)
            return .handled
        case .detail(let id, var scroll):
            if key == .escape || key == .character("q") || key == .backspace {
                mode = .list
                detail = nil
                return .handled
            }
            if let action = Self.bindings.action(for: key) {
                return try perform(action, size: size)
            }
            let lines = detailLines(width: size.width).count
            _ = scroll.handle(key, rowCount: lines, pageSize: max(1, size.height - 2))
            mode = .detail(alertID: id, scroll: scroll)
            return .handled
        case .list:
            if let action = Self.bindings.action(for: key) { return try perform(action, size: size) }
            _ = table.handle(key, rowCount: ids.count, pageSize: Self.pageSize(size))
            return .handled
        }
    }

    private func perform(_ action: QueueAction, size: TerminalSize) throws -> Outcome {
        switch action {
        case .quit:
            if case .detail = mode { mode = .list; detail = nil; return .handled }
            return .quit
        case .help:
            helpReturn = mode
            mode = .help(ScrollState())
        case .theme:
            if let index = themes.firstIndex(where: { $0.name == theme.name }) {
                theme = themes[(index + 1) % themes.count]
            } else if let first = themes.first {
                theme = first
            }
            message = "theme: \(theme.name)"
        case .mark:
            guard !ids.isEmpty else { break }
            table.toggleSelection(ofRow: table.cursor)
            table.moveCursor(to: table.cursor + 1, rowCount: ids.count, pageSize: Self.pageSize(size))
        case .nextAlert, .previousAlert:
            guard !ids.isEmpty else { break }
            table.moveCursor(to: table.cursor + (action == .nextAlert ? 1 : -1), rowCount: ids.count, pageSize: Self.pageSize(size))
            if case .detail = mode {
                detail = try store.alertDetail(alertID: ids[table.cursor])
                if let detail { mode = .detail(alertID: detail.alert.id, scroll: ScrollState()) }
            }
        case .open:
            guard ids.indices.contains(table.cursor) else { break }
            detail = try store.alertDetail(alertID: ids[table.cursor])
            if let detail {
                mode = .detail(alertID: detail.alert.id, scroll: ScrollState())
                seenNew.insert(detail.alert.id)
            }
        case .search:
            mode = .search(TextInputState(text: lastSearch))
        case .filter:
            mode = .filter(TextInputState(text: filter.text))
        case .searchNext:
            try find(forward: true, from: table.cursor)
        case .searchPrevious:
            try find(forward: false, from: table.cursor)
        case .sortNext, .sortReverse:
            if action == .sortNext {
                query.sort = Self.nextSortKey(after: query.sort)
                query.descending = Self.startsDescending(query.sort)
            } else {
                query.descending.toggle()
            }
            // Ordered in memory: the view already holds every alert's sort keys.
            let current = ids.indices.contains(table.cursor) ? ids[table.cursor] : nil
            view.sort(by: query.sort, descending: query.descending)
            ids = view.ids
            table.selection = []
            if let current, let row = ids.firstIndex(of: current) { table.moveCursor(to: row, rowCount: ids.count, pageSize: Self.pageSize(size)) }
        case .view:
            let index = Self.views.firstIndex(of: query.statuses) ?? 0
            query.statuses = Self.views[(index + 1) % Self.views.count]
            table.selection = []
            try reload()
            table.moveCursor(to: 0, rowCount: ids.count, pageSize: Self.pageSize(size))
            message = "showing \(Self.viewName(query.statuses))"
        case .reload:
            try reload()
            message = "reloaded"
        case .decide(let status):
            let alerts = try target()
            guard !alerts.isEmpty else { message = "no alert to decide"; break }
            do {
                let events = try store.decide(alerts, status: status, analyst: analyst)
                message = (alerts.count == 1 ? "alert #\(alerts[0].id)" : "\(alerts.count) alerts") + " → " + Self.statusName(status.rawValue)
                    + " (u undoes)"
                table.selection = []
                try applied(events, size: size)
            } catch let error as TriageError {
                // Nothing was written: the view is stale (someone else changed an alert), so read it again.
                message = error.description
                try reload()
            }
        case .note:
            let alerts = try target()
            guard !alerts.isEmpty else { message = "no alert to note"; break }
            var returnTo: Int64?
            if case .detail(let id, _) = mode { returnTo = id }
            mode = .note(TextInputState(multiline: true, maxLength: 4_000), alerts: alerts, returnTo: returnTo)
        case .client:
            guard let alertID = detail?.alert.id ?? (ids.indices.contains(table.cursor) ? ids[table.cursor] : nil),
                  let clientID = try store.clientID(ofAlert: alertID) else { message = "no alert to open the client of"; break }
            let transaction = try store.alertDetail(alertID: alertID, around: 0)?.transaction.id
            try openClient(clientID, focus: transaction)
        case .overview:
            overviewScreen = OverviewScreen(store: store, query: query,
                                                scopeName: Self.viewName(query.statuses) + (filter.isEmpty ? "" : " — \(filter.text)"))
            mode = .overview
        case .palette:
            helpReturn = mode
            mode = .palette(TextInputState(), completion: nil)
        case .scan:
            helpReturn = mode
            mode = .palette(TextInputState(text: "scan "), completion: nil)
            message = "Enter runs every detector; name some to run only those (Tab completes)"
        case .cancelScan:
            cancelScan()
        case .undo:
            do {
                let undone = try store.undoLastDecision(analyst: analyst)
                message = "undone: " + undone.map { "alert #\($0.alertID) back to \(Self.statusName($0.toStatus ?? "open"))" }
                    .joined(separator: ", ")
                // Alerts the decision took out of this view come back in their place; if one was never in it, the
                // view is read again.
                let returning = account(for: undone).shown
                let current = ids.indices.contains(table.cursor) ? ids[table.cursor] : nil
                if view.restore(returning) {
                    ids = view.ids
                    if let current, let row = ids.firstIndex(of: current) { table.moveCursor(to: row, rowCount: ids.count, pageSize: Self.pageSize(size)) }
                    if case .detail(let id, _) = mode { detail = try store.alertDetail(alertID: id) }
                } else {
                    try reload()
                }
            } catch let error as TriageError {
                message = error.description
            }
        }
        return .handled
    }

    /// Brings the view up to date after this analyst's own decisions without reading the whole view again: decided
    /// alerts leave a view that does not show their new status, the counts move, and their rows are read afresh.
    /// (Reading 100,000 ids and the counts again after every decision cost ~50 ms a key; anything else that
    /// changed meanwhile is picked up by the next idle `refreshIfChanged()`.)
    private func applied(_ events: [TriageEvent], size: TerminalSize) throws {
        let leaving = account(for: events).hidden
        if !leaving.isEmpty {
            let cursorID = ids.indices.contains(table.cursor) ? ids[table.cursor] : nil
            let before = ids.firstIndex { $0 == cursorID } ?? table.cursor
            view.remove(leaving)
            ids = view.ids
            // The cursor stays at the same place in the list: on the alert after the decided one.
            let kept = cursorID.flatMap { id in leaving.contains(id) ? nil : ids.firstIndex(of: id) }
            table.moveCursor(to: kept ?? min(before, max(0, ids.count - 1)), rowCount: ids.count, pageSize: Self.pageSize(size))
        }
        if case .detail(let id, _) = mode { detail = try store.alertDetail(alertID: id) }
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

    /// Opens the client view of `clientID`, marking `focus` (a transaction of theirs) when given.
    public func openClient(_ clientID: String, focus: Int64? = nil) throws {
        guard let activity = try store.clientActivity(clientID: clientID) else { message = "no client '\(clientID)'"; return }
        let view = ClientView(activity: activity, profile: try? store.profile(ofClient: clientID), focusTransaction: focus)
        if case .client = mode {} else { clientReturn = mode }
        clientScreen = ClientScreen(view: view)
        mode = .client
    }

    /// Opens alert `id`'s detail, whatever the view shows.
    func openAlert(_ id: Int64, size: TerminalSize) throws {
        guard let found = try store.alertDetail(alertID: id) else { message = "no alert #\(id)"; return }
        detail = found
        clientScreen = nil
        overviewScreen = nil
        if let row = ids.firstIndex(of: id) { table.moveCursor(to: row, rowCount: ids.count, pageSize: Self.pageSize(size)) }
        mode = .detail(alertID: id, scroll: ScrollState())
    }

    func paletteCompletions(_ text: String) -> [String] {
        let store = self.store
        return (try? CommandPalette.completions(for: text) { prefix in try store.clientIDs(startingWith: prefix, limit: 8) }) ?? []
    }

    /// Carries out what was typed in the palette.
    private func runPalette(_ text: String, size: TerminalSize) throws -> Outcome {
        let store = self.store
        let command: PaletteCommand
        do {
            command = try CommandPalette.parse(text) { word in try !store.clientIDs(startingWith: word, limit: 1).filter { $0 == word }.isEmpty }
        } catch let error as CommandPalette.ParseError {
            message = ":" + error.message
            return .handled
        }
        switch command {
        case .client(let id): try openClient(id)
        case .alert(let id): try openAlert(id, size: size)
        case .date(let start):
            if case .client = mode, let clientScreen {
                clientScreen.show(day: Int(start / 86_400))
                message = "timeline at \(CivilTime.formatDate(start))"
                return .handled
            }
            var day = filter
            day.from = start
            day.until = start + 86_400
            try apply(filter: day, size: size)
        case .scan(let detectors): startScan(detectors)
        case .cancelScan: cancelScan()
        case .overview: return try perform(.overview, size: size)
        case .filter(let text):
            do { try apply(filter: try AlertFilter.parse(text), size: size) } catch let error as AlertFilter.ParseError {
                message = "filter: \(error.description)"
            }
        case .view(let name):
            query.statuses = CommandPalette.views[name] ?? [.open]
            mode = .list
            table.selection = []
            try reload()
            table.moveCursor(to: 0, rowCount: ids.count, pageSize: Self.pageSize(size))
            message = "showing \(Self.viewName(query.statuses))"
        case .sort(let key):
            mode = .list
            query.sort = key
            query.descending = Self.startsDescending(key)
            view.sort(by: key, descending: query.descending)
            ids = view.ids
            table.selection = []
            table.moveCursor(to: 0, rowCount: ids.count, pageSize: Self.pageSize(size))
            message = "sorted by \(key.rawValue)"
        case .theme(let name):
            if let name {
                guard let found = themes.first(where: { $0.name == name }) else {
                    message = "no theme '\(name)' (" + themes.map(\.name).joined(separator: ", ") + ")"
                    return .handled
                }
                theme = found
                message = "theme: \(theme.name)"
            } else {
                return try perform(.theme, size: size)
            }
        case .help: helpReturn = mode; mode = .help(ScrollState())
        case .quit: return .quit
        }
        return .handled
    }

    private func apply(filter parsed: AlertFilter, size: TerminalSize) throws {
        filter = parsed
        parsed.apply(to: &query)
        mode = .list
        clientScreen = nil
        overviewScreen = nil
        table.selection = []
        try reload()
        table.moveCursor(to: 0, rowCount: ids.count, pageSize: Self.pageSize(size))
        message = parsed.isEmpty ? "filter cleared" : "filter: \(parsed.text)"
    }

    private func find(forward: Bool, from position: Int) throws {
        guard !lastSearch.isEmpty else { message = "no search yet: / to search"; return }
        if let row = try store.searchAlerts(lastSearch, in: ids, after: position, forward: forward) {
            table.moveCursor(to: row, rowCount: ids.count, pageSize: 1)
            message = "/\(lastSearch): row \(Formatting.grouped(row + 1))"
        } else {
            message = "/\(lastSearch): not found"
        }
    }

    // MARK: - Drawing

    static func pageSize(_ size: TerminalSize) -> Int { max(1, size.height - 4) }
    /// Below this the screen says so instead of drawing.
    public static let minimumSize = TerminalSize(width: 60, height: 10)

    static func statusName(_ status: String) -> String { status.replacingOccurrences(of: "_", with: " ") }

    static func viewName(_ statuses: Set<AlertStatus>?) -> String {
        guard let statuses else { return "every alert" }
        return statuses.map { statusName($0.rawValue) }.sorted().joined(separator: ", ") + " alerts"
    }

    /// Below this width the queue drops the category and shortens the time and status columns.
    static let wideLayout = 120

    static func columns(width: Int) -> [TableColumn] {
        if width >= wideLayout {
            return [
                TableColumn("Score", width: .fixed(7), alignment: .right),
                TableColumn("Time (UTC)", width: .fixed(16)),
                TableColumn("Client", width: .fixed(19)),
                TableColumn("Amount", width: .fixed(11), alignment: .right),
                TableColumn("Merchant", width: .fill),
                TableColumn("Category", width: .fixed(13)),
                TableColumn("Top reason", width: .fill),
                TableColumn("Status", width: .fixed(14)),
            ]
        }
        return [
            TableColumn("Score", width: .fixed(7), alignment: .right),
            TableColumn("Time", width: .fixed(11)),
            TableColumn("Client", width: .fixed(16)),
            TableColumn("Amount", width: .fixed(10), alignment: .right),
            TableColumn("Merchant", width: .fill),
            TableColumn("Top reason", width: .fill),
            TableColumn("Status", width: .fixed(10)),
        ]
    }

    /// The table column a sort key sorts at this width, nil when that column is not shown.
    static func column(of key: AlertQuery.SortKey, width: Int) -> Int? {
        let wide = width >= wideLayout
        switch key {
        case .score: return 0
        case .time: return 1
        case .client: return 2
        case .amount: return 3
        case .merchant: return 4
        case .category: return wide ? 5 : nil
        case .reason: return wide ? 6 : 5
        case .status: return wide ? 7 : 6
        }
    }

    /// A row's cells; an open alert that arrived while the queue was open reads "● new" in the status column.
    static func cells(_ alert: AlertSummary, width: Int, new: Bool = false) -> [String] {
        let amount = Money(minorUnits: alert.amountMinor, currency: alert.currency).description
        let reason = alert.reasons.first?.text ?? ""
        let time = CivilTime.format(alert.instant)
        if width >= wideLayout {
            return [String(format: "%.3f", alert.score), String(time.prefix(16)), alert.clientID, amount, alert.merchant,
                    alert.category, reason, new ? "● new" : statusName(alert.status)]
        }
        return [String(format: "%.3f", alert.score), String(time.dropFirst(5).prefix(11)), alert.clientID, amount,
                alert.merchant, reason, new ? "● new" : shortStatusName(alert.status)]
    }

    /// Alerts in the view that arrived while the queue was open and are not read yet.
    var newCount: Int { ids.reduce(0) { $0 + ($1 > newSince && !seenNew.contains($1) ? 1 : 0) } }

    /// Whether `alert` arrived while the queue was open and is still open and unread.
    func isNew(_ alert: AlertSummary) -> Bool {
        alert.id > newSince && alert.status == AlertStatus.open.rawValue && !seenNew.contains(alert.id)
    }

    /// "● live 1,250/s" while a process scores arriving transactions (the sum of their rates), nil otherwise.
    public var liveIndicator: String? {
        guard !liveScorers.isEmpty else { return nil }
        let rate = liveScorers.reduce(0) { $0 + $1.rate }
        return "● live \(Formatting.grouped(Int(rate.rounded())))/s"
    }

    /// Called while idle: reads which processes are scoring live. True when the indicator changed.
    public func pollLive() throws -> Bool {
        let before = liveIndicator
        liveScorers = try store.liveScorers()
        return liveIndicator != before
    }

    static func shortStatusName(_ status: String) -> String {
        switch status {
        case "confirmed_fraud": "fraud"
        case "false_positive": "false pos."
        case "needs_info": "needs info"
        default: statusName(status)
        }
    }

    /// Draws the screen at `size`, loading the rows it shows.
    public func render(size: TerminalSize) throws -> CellBuffer {
        var buffer = CellBuffer(size: size)
        buffer.fill(buffer.bounds, style: theme.text)
        guard size.width >= Self.minimumSize.width, size.height >= Self.minimumSize.height else {
            buffer.put("terminal too small: \(size.width)×\(size.height), Vigil needs "
                       + "\(Self.minimumSize.width)×\(Self.minimumSize.height)", in: buffer.bounds, style: theme.alert)
            return buffer
        }
        let (titleRow, rest) = buffer.bounds.splitTop(1)
        let (body, bottom) = rest.splitBottom(2)
        let (statusRow, hintRow) = bottom.splitTop(1)
        buffer.fill(titleRow, style: theme.title)
        let file = URL(fileURLWithPath: store.path).lastPathComponent
        StatusBar(left: " Vigil — \(file) — \(Self.viewName(query.statuses))" + (filter.isEmpty ? "" : " — \(filter.text)"),
                  right: (liveIndicator.map { $0 + "  " } ?? "") + "analyst \(analyst) ",
                  style: theme.title).render(into: &buffer, in: titleRow)

        // What is under an overlay (help, the palette) is what it was opened from.
        var underneath = mode
        if case .help = mode { underneath = helpReturn }
        if case .palette = mode { underneath = helpReturn }
        switch underneath {
        case .detail(let id, var scroll):
            let view = TextView(lines: detailLines(width: body.width), style: theme.text)
            view.render(into: &buffer, in: body.inset(left: 1, right: 1), state: &scroll)
            if case .detail = mode { mode = .detail(alertID: id, scroll: scroll) }
        case .client where clientScreen != nil:
            clientScreen!.render(into: &buffer, in: body, theme: theme)
        case .overview where overviewScreen != nil:
            overviewScreen!.render(into: &buffer, in: body, theme: theme)
        default:
            let pageSize = Table.pageSize(for: body)
            table.clamp(rowCount: ids.count, pageSize: pageSize)
            try summaries(for: table.offset..<min(ids.count, table.offset + pageSize))
            self.table.sort = Self.column(of: query.sort, width: size.width).map { TableSort(column: $0, ascending: !query.descending) }
            let table = Table(columns: Self.columns(width: size.width),
                              styles: Table.Styles(header: theme.header, row: theme.text, cursor: theme.selection,
                                                   marker: theme.mark, empty: theme.dim),
                              showsMarkers: true, emptyMessage: "No alerts in this view (v changes the view)")
            let loaded = self.loaded
            let ids = self.ids
            let width = size.width
            let isNew = { (alert: AlertSummary) in self.isNew(alert) }
            let source = TableRows(count: ids.count) { row in
                loaded[ids[row]].map { Self.cells($0, width: width, new: isNew($0)) } ?? []
            }
            table.render(source, into: &buffer, in: body, state: &self.table)
        }

        let position = ids.isEmpty ? "0/0" : "\(Formatting.grouped(table.cursor + 1))/\(Formatting.grouped(ids.count))"
        let statuses = ["open", "confirmed_fraud", "false_positive", "escalated", "needs_info"]
        func counted(_ shown: [String]) -> String {
            shown.map { (size.width >= Self.wideLayout ? Self.statusName($0) : Self.shortStatusName($0))
                + " \(Formatting.grouped(counts[$0] ?? 0))" }.joined(separator: " · ")
        }
        var tally = counted(statuses)
        let marked = (table.selection.isEmpty ? "" : "  \(table.selection.count) marked")
            + (newCount > 0 ? "  \(Formatting.grouped(newCount)) new" : "")
        // In the compact layout the counts give way to a message (what a key did, or why it was refused) when both
        // do not fit; wider, the message is cut instead and the counts stay.
        let left = " " + (message ?? position + marked)
        // Without a message, counts of zero go first when the line is short of room, so the position and the marked
        // and new counts (live alerts arriving) stay readable at 80 columns.
        if message == nil && displayWidth(of: left) + displayWidth(of: tally) + 3 > size.width {
            tally = counted(statuses.filter { $0 == "open" || (counts[$0] ?? 0) > 0 })
        }
        let crowded = displayWidth(of: left) + displayWidth(of: tally) + 3 > size.width
        let right = message != nil && size.width < Self.wideLayout && crowded ? "" : tally + " "
        StatusBar(left: left, right: right, style: theme.statusBar).render(into: &buffer, in: statusRow)
        // A running scan draws its progress bar over the position (a message still wins).
        if message == nil, let backgroundScan, case .running(let progress) = backgroundScan.state {
            let detail = (progress.map { "\($0.stage) · \($0.stageNumber)/\($0.stageCount)" + ($0.secondsLeft.map { " · \(Self.duration($0)) left" } ?? "") }
                          ?? "starting") + " · X cancels"
            // The whole line: the counts come back when the scan ends.
            buffer.fill(statusRow, style: theme.statusBar)
            ProgressBar(fraction: progress?.fraction, label: " scan", detail: detail, styles: ProgressBar.Styles(theme: theme))
                .render(into: &buffer, in: statusRow)
        }
        StatusBar(left: " " + hint, style: theme.dim).render(into: &buffer, in: hintRow)

        switch mode {
        case .help(var scroll):
            helpOverlay().render(into: &buffer, over: buffer.bounds, state: &scroll)
            mode = .help(scroll)
        case .search(var input):
            prompt("/", placeholder: "merchant, client or reason; Enter finds, Esc cancels", input: &input, in: hintRow, into: &buffer)
            mode = .search(input)
        case .palette(var input, let completion):
            let choices = paletteCompletions(input.text)
            if !choices.isEmpty {
                // The completions stand above the prompt, the chosen one highlighted.
                let shown = Array(choices.prefix(max(0, min(8, size.height - 4))))
                let width = min(size.width - 2, max(30, shown.map { displayWidth(of: $0) }.max() ?? 0) + 2)
                for (index, choice) in shown.enumerated() {
                    let row = Rect(x: 1, y: hintRow.y - shown.count + index, width: width, height: 1)
                    buffer.fill(row, style: index == completion ? theme.selection : theme.statusBar)
                    buffer.put(" " + choice, in: row, style: index == completion ? theme.selection : theme.statusBar)
                }
            }
            prompt(":", placeholder: "client id, #alert, YYYY-MM-DD, or a command (Tab completes, Esc cancels)", input: &input,
                   in: hintRow, into: &buffer)
            mode = .palette(input, completion: completion)
        case .filter(var input):
            prompt("F", placeholder: "client=ID detector=NAME amount=MIN..MAX date=FROM..UNTIL; empty clears", input: &input,
                   in: hintRow, into: &buffer)
            mode = .filter(input)
        case .note(var input, let alerts, let returnTo):
            let box = buffer.bounds.centered(width: min(70, size.width - 4), height: min(10, size.height - 4))
            let inside = buffer.drawBox(box, style: theme.border,
                                        title: " Note on " + (alerts.count == 1 ? "alert #\(alerts[0].id)" : "\(alerts.count) alerts") + " ",
                                        titleStyle: theme.header)
            let (field, help) = inside.splitBottom(1)
            _ = TextInput(styles: TextInput.Styles(text: theme.text, cursor: theme.selection, placeholder: theme.dim),
                          placeholder: "what you found or did").render(into: &buffer, in: field, state: &input)
            buffer.put("Ctrl-S saves · Esc discards", in: help, style: theme.dim)
            mode = .note(input, alerts: alerts, returnTo: returnTo)
        default:
            break
        }
        return buffer
    }

    /// A one-line prompt in place of the key hint: its key, then the text being typed.
    private func prompt(_ key: String, placeholder: String, input: inout TextInputState, in row: Rect, into buffer: inout CellBuffer) {
        buffer.fill(row, style: theme.text)
        buffer.put(" " + key, in: row, style: theme.accent)
        _ = TextInput(styles: TextInput.Styles(text: theme.text, cursor: theme.selection, placeholder: theme.dim),
                      placeholder: placeholder).render(into: &buffer, in: row.inset(left: 3), state: &input)
    }

    private func helpOverlay() -> HelpOverlay {
        var sections = [Self.movement] + Self.bindings.helpSections
        if case .client = helpReturn { sections = ClientScreen.bindings.helpSections + [Self.movement] }
        if case .overview = helpReturn {
            sections = [HelpSection(title: "Overview", entries: [
                HelpEntry(key: "1  2  Tab", description: "summary / heatmaps / next pane"),
                HelpEntry(key: "w", description: "heatmaps of the queue's alerts, or of every transaction"),
                HelpEntry(key: "q", description: "back to the queue"),
            ])]
        }
        return HelpOverlay(title: "Keys", sections: sections,
                    styles: HelpOverlay.Styles(frame: theme.border, title: theme.header, section: theme.header,
                                               key: theme.accent, description: theme.text))
    }

    private var hint: String {
        var underneath = mode
        if case .help = mode { underneath = helpReturn }
        switch underneath {
        case .client: return (clientScreen?.hint ?? "q back") + " · : palette"
        case .overview: return (overviewScreen?.hint ?? "q back") + " · : palette"
        // Most needed first: a narrow terminal cuts the end.
        case .detail: return "q back · ? keys · ] next · [ previous · f fraud · p false positive · e escalate · i needs info · a note · u undo"
        default: return "? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info · a note · u undo · Space mark · / find"
        }
    }

    /// The open alert's detail as lines: the transaction, every reason, the client's history around it, the events.
    func detailLines(width: Int) -> [TextLine] {
        guard let detail else { return ["The alert is gone (withdrawn by a scan)."] }
        let t = detail.transaction
        let a = detail.alert
        var lines: [TextLine] = []
        lines.append(TextLine("Alert #\(a.id) · score \(String(format: "%.3f", a.score)) · \(Self.statusName(a.status))"
                              + (a.assignee.map { " · \($0)" } ?? ""), style: theme.header))
        lines.append("")
        func field(_ label: String, _ value: String?) {
            lines.append(TextLine(pad(label, toWidth: 16) + (value ?? "—")))
        }
        field("Time (UTC)", CivilTime.format(t.instant))
        field("As written", t.originalTime)
        field("Client", t.clientID)
        field("Amount", t.amount.description)
        field("Merchant", t.merchant)
        field("Category", t.category)
        field("Channel", t.channel.map { Self.statusName($0.rawValue) })
        field("Place", [t.city, t.state, t.country].compactMap { $0 }.joined(separator: ", "))
        field("Merchant at", t.merchantLocation.map { String(format: "%.4f, %.4f", $0.latitude, $0.longitude) })
        field("Client home", t.home.map { String(format: "%.4f, %.4f", $0.latitude, $0.longitude) })
        field("Source row", t.sourceKey)
        lines.append("")
        lines.append(TextLine("Why (by contribution)", style: theme.header))
        for reason in a.reasons {
            lines.append(TextLine(String(format: "  +%.2f ", reason.contribution) + "\(reason.detector): \(reason.text)"))
        }
        if a.reasons.isEmpty { lines.append("  (no reasons recorded)") }
        lines.append("")
        lines.append(TextLine("The client's transactions around it (▶ this one, ! another alert)", style: theme.header))
        func history(_ row: ClientHistoryRow, this: Bool) {
            let mark = this ? "▶" : (row.alertStatus != nil ? "!" : " ")
            let text = " \(mark) \(CivilTime.format(row.instant).prefix(16))  \(pad(row.amount.description, toWidth: 11, alignment: .right))  "
                + "\(row.merchant) (\(row.category))" + (row.alertStatus.map { " — \(Self.statusName($0))" } ?? "")
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
                var text = "  \(CivilTime.format(event.at))  \(event.analyst)  \(event.action)"
                if let to = event.toStatus { text += " → \(Self.statusName(to))" }
                if let note = event.note { text += ": " + note.replacingOccurrences(of: "\n", with: " ⏎ ") }
                lines.append(TextLine(text))
            }
        }
        return lines
    }

    // MARK: - Background scans

    /// The scan running in the background, if any, and the options new scans use.
    public private(set) var backgroundScan: BackgroundScan?
    public var scanOptions = ScanOptions()

    /// Starts a background scan of `detectors` (the configured ones when empty), unless one is running.
    public func startScan(_ detectors: [Detector]) {
        if let backgroundScan, case .running = backgroundScan.state {
            message = "a scan is already running (X cancels it)"
            return
        }
        var options = scanOptions
        if !detectors.isEmpty { options.detectors = Set(detectors) }
        // Its own connection, so the screen's reads never queue behind the scan's.
        let scan = BackgroundScan(storePath: store.path, options: options)
        scan.start()
        backgroundScan = scan
        // The status line shows its progress from the next frame on.
        message = nil
    }

    /// "45 s", "3 min 10 s".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded(.up))
        return s < 60 ? "\(s) s" : "\(s / 60) min \(s % 60) s"
    }

    public func cancelScan() {
        guard let backgroundScan, case .running = backgroundScan.state else { message = "no scan is running"; return }
        backgroundScan.cancel()
        message = "cancelling the scan…"
    }

    /// Called while idle: when a background scan has ended, reloads the queue and says how it went. True when the
    /// screen changed.
    public func pollBackgroundScan() throws -> Bool {
        guard let scan = backgroundScan else { return false }
        switch scan.state {
        case .running:
            return true
        case .finished(let report):
            backgroundScan = nil
            try reload()
            let refresh = report.alerts
            message = "scan done in \(String(format: "%.1f", report.totalSeconds)) s: "
                + (refresh.map { "\(Formatting.grouped($0.opened)) new alerts, \(Formatting.grouped($0.updated)) updated, "
                    + "\(Formatting.grouped($0.withdrawn)) withdrawn, \(Formatting.grouped($0.keptTriaged)) triaged kept as they were" }
                   ?? "\(Formatting.grouped(report.alertsSelected)) selected")
        case .failed(let error):
            backgroundScan = nil
            message = "scan failed: \(error)"
        case .cancelled:
            backgroundScan = nil
            try reload()
            message = "scan cancelled: the queue is as it was"
        }
        return true
    }

    // MARK: - Running

    /// Runs the queue until the analyst quits, polling the store for others' changes twice a second while idle.
    public func run(backend: some TerminalBackend) throws {
        try backend.start()
        defer { backend.stop() }
        backend.draw(try render(size: backend.size))
        // A background scan is waited for (cancelled) on the way out, so the store is never left mid-write by us.
        defer {
            if let backgroundScan {
                backgroundScan.cancel()
                backgroundScan.wait()
            }
        }
        while true {
            try prefetch(size: backend.size)
            // Poll faster while something runs in the background, so its progress moves smoothly.
            let busy = backgroundScan != nil || overviewScreen?.isCounting == true
            guard let key = backend.nextKey(timeoutMilliseconds: busy ? 200 : 500) else {
                if backend.inputHasEnded { return }
                var changed = try pollBackgroundScan()
                if backgroundScan == nil { changed = try refreshIfChanged() || changed }
                changed = try pollLive() || changed
                if busy || changed { backend.draw(try render(size: backend.size)) }
                continue
            }
            if key == .resize { backend.draw(try render(size: backend.size)); continue }
            if try handle(key, size: backend.size) == .quit { return }
            backend.draw(try render(size: backend.size))
        }
    }
}
