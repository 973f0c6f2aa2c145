import Foundation
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// The alert queue's state, shared by the screens of the workbench: the ordered ids of the alerts its query
/// selects, the rows loaded for the screen, the cursor and marks, the counts by status, and the status line's
/// message.
///
/// Only the rows on screen are loaded (plus the pages around them), so the queue opens and scrolls at the same
/// speed over 100 or 100,000 alerts. Decisions go straight to the store (`QueueTriage.swift`); `refreshIfChanged()`,
/// called while the analyst is idle, reloads when anything else committed.
public final class QueueModel {
    public let store: Store
    public let analyst: String
    /// Why nothing may be decided here, when nothing may: the store is open read-only, or the analyst is a reviewer
    /// (or not listed for this user). Decision keys answer with it on the status line and never write.
    public let cannotDecide: String?
    public internal(set) var query = AlertQuery()
    public internal(set) var ids: [Int64] = []
    public internal(set) var counts: [String: Int] = [:]
    /// The last thing done or refused, shown on the status line until the next key.
    public internal(set) var message: String?
    public var theme: Theme
    public var themes: [Theme]
    /// The filter in force.
    public internal(set) var filter = AlertFilter()
    var table = TableState(allowsMultipleSelection: true, sort: TableSort(column: 0, ascending: false))
    var loaded: [Int64: AlertSummary] = [:]
    /// The view's alerts with their sort keys, ordered in memory.
    var view = AlertView(AlertSortColumns(), sort: .score, descending: true)
    var lastSearch = ""
    private var token: StoreChangeToken?
    /// Counts the times the alerts may have changed under an open detail, which then reads its alert again.
    private(set) var generation = 0
    /// Alerts above this id arrived while the queue was open (live scoring, a scan): they show as new until the
    /// analyst opens them.
    public internal(set) var newSince: Int64 = 0
    var seenNew: Set<Int64> = []
    /// The processes scoring arriving transactions now, as their heartbeats say (`pollLive`).
    public internal(set) var liveScorers: [LiveScorerStatus] = []
    /// The scan running in the background, if any, and the options new scans use.
    public internal(set) var backgroundScan: BackgroundScan?
    public var scanOptions = ScanOptions()
    /// The case queue's view and cursor, kept while the alert queue is shown.
    let cases = CaseList()
    /// The case whose alert's detail was opened last (`AlertDetailScreen.fromCase`), kept while the case is open.
    weak var caseOfDetail: CaseScreen?

    /// Whether the alert queue's view has been read: a workbench opened on the case queue reads it when the alert
    /// queue is first shown, so that the cases' first frame does not wait for every alert's sort keys.
    private(set) var alertsRead = false

    /// `readsAlerts` false: the alert queue's view is read when first shown (`loadPage`).
    public init(store: Store, analyst: String, theme: Theme = .default, themes: [Theme] = [], readsAlerts: Bool = true) throws {
        self.store = store
        self.analyst = analyst
        cannotDecide = try store.cannotDecide(as: analyst)
        self.theme = theme
        self.themes = themes.isEmpty ? [theme] : themes
        newSince = try store.newestAlertID()
        if readsAlerts { try reload() } else { counts = try store.alertCounts(); token = try store.changeToken() }
        liveScorers = try store.liveScorers()
    }

    /// The alert under the cursor, if any.
    var cursorID: Int64? { ids.indices.contains(table.cursor) ? ids[table.cursor] : nil }

    /// Something committed that an open detail may show: it reads its alert again before the next frame.
    func alertsChanged() { generation += 1 }

    // MARK: - Loading

    /// Reads the query's ids and the counts again, keeping the cursor on the same alert when it is still listed.
    public func reload() throws {
        alertsRead = true
        let current = cursorID
        let marked = Set(table.selection.compactMap { ids.indices.contains($0) ? ids[$0] : nil })
        view = AlertView(try store.alertSortColumns(matching: query), sort: query.sort, descending: query.descending)
        ids = view.ids
        counts = try store.alertCounts()
        loaded.removeAll(keepingCapacity: true)
        remark(marked)
        if let current, let row = ids.firstIndex(of: current) { table.moveCursor(to: row, rowCount: ids.count, pageSize: 1) }
        alertsChanged()
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
        guard alertsRead else { counts = try store.alertCounts(); token = try store.changeToken(); alertsChanged(); return true }
        try reload()
        return true
    }

    /// Loads the rows a table in `body` shows, scrolled as the table will draw it.
    func loadPage(in body: Rect, width: Int) throws {
        if !alertsRead { try reload() }
        let pageSize = Table.pageSize(for: body)
        table.clamp(rowCount: ids.count, pageSize: pageSize)
        table.sort = QueueColumns.column(of: query.sort, width: width).map { TableSort(column: $0, ascending: !query.descending) }
        try summaries(for: table.offset..<min(ids.count, table.offset + pageSize))
    }

    /// Loads the pages just above and below the one on screen, so that the next page move draws from memory.
    /// The run loop calls it after each frame, while the analyst reads; it does nothing when they are loaded.
    public func prefetch(size: TerminalSize) throws {
        guard !ids.isEmpty else { return }
        // The orders `s` and `S` would ask for next.
        let next = QueueColumns.nextSortKey(after: query.sort)
        view.prepare(next, descending: QueueColumns.startsDescending(next))
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

    // MARK: - Moving and ordering

    static func pageSize(_ size: TerminalSize) -> Int { max(1, size.height - 4) }

    func moveCursor(to row: Int, size: TerminalSize) {
        table.moveCursor(to: row, rowCount: ids.count, pageSize: Self.pageSize(size))
    }

    /// Puts the cursor on alert `id` when the view lists it.
    func moveCursor(toAlert id: Int64?, size: TerminalSize) {
        if let id, let row = ids.firstIndex(of: id) { moveCursor(to: row, size: size) }
    }

    /// Orders the view by `key` from memory (the view holds every alert's sort keys), keeping the cursor's alert
    /// under the cursor, or (`toTop`) starting from the first row.
    func sort(by key: AlertQuery.SortKey, descending: Bool, toTop: Bool, size: TerminalSize) {
        query.sort = key
        query.descending = descending
        let current = cursorID
        view.sort(by: key, descending: descending)
        ids = view.ids
        table.selection = []
        if toTop { moveCursor(to: 0, size: size) } else { moveCursor(toAlert: current, size: size) }
    }

    /// Shows the alerts of `statuses` (nil for all) from the first row.
    func show(_ statuses: Set<AlertStatus>?, size: TerminalSize) throws {
        query.statuses = statuses
        table.selection = []
        try reload()
        moveCursor(to: 0, size: size)
        message = "showing \(QueueColumns.viewName(query.statuses))"
    }

    func apply(filter parsed: AlertFilter, size: TerminalSize) throws {
        filter = parsed
        parsed.apply(to: &query)
        table.selection = []
        try reload()
        moveCursor(to: 0, size: size)
        message = parsed.isEmpty ? "filter cleared" : "filter: \(parsed.text)"
    }

    func find(forward: Bool, from position: Int) throws {
        guard !lastSearch.isEmpty else { message = "no search yet: / to search"; return }
        if let row = try store.searchAlerts(lastSearch, in: ids, after: position, forward: forward) {
            table.moveCursor(to: row, rowCount: ids.count, pageSize: 1)
            message = "/\(lastSearch): row \(Formatting.grouped(row + 1))"
        } else {
            message = "/\(lastSearch): not found"
        }
    }

    /// The next theme of the cycle.
    func cycleTheme() {
        if let index = themes.firstIndex(where: { $0.name == theme.name }) {
            theme = themes[(index + 1) % themes.count]
        } else if let first = themes.first {
            theme = first
        }
        message = "theme: \(theme.name)"
    }

    /// What the queue shows, as the title and the overview name it: "open alerts — client=C1".
    var scopeName: String { QueueColumns.viewName(query.statuses) + (filter.isEmpty ? "" : " — \(filter.text)") }

    // MARK: - New alerts

    /// Alerts in the view that arrived while the queue was open and are not read yet.
    var newCount: Int { ids.reduce(0) { $0 + ($1 > newSince && !seenNew.contains($1) ? 1 : 0) } }

    /// Whether `alert` arrived while the queue was open and is still open and unread.
    func isNew(_ alert: AlertSummary) -> Bool {
        alert.id > newSince && alert.status == AlertStatus.open.rawValue && !seenNew.contains(alert.id)
    }
}
