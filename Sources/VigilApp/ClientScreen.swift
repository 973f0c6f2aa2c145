import Foundation
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// One client, in three panes: the profile and spending timeline, the hour × weekday and location heatmaps, and the
/// transaction list. Opened from an alert (which it marks everywhere) or by client id from the command palette.
public final class ClientScreen {
    public enum Pane: Int, CaseIterable, Sendable {
        case timeline, heatmaps, transactions

        var title: String {
            switch self {
            case .timeline: "Timeline"
            case .heatmaps: "Heatmaps"
            case .transactions: "Transactions"
            }
        }
    }

    /// What a key asks of whoever shows this screen.
    public enum Outcome: Equatable {
        case handled
        case back
        /// Open this alert's detail.
        case openAlert(Int64)
    }

    public let view: ClientView
    public private(set) var pane: Pane = .timeline
    /// The timeline's span (one of `ClientView.ranges`) and its last day.
    public private(set) var span = 90
    public private(set) var endDay: Int
    /// The hour × weekday grid counts transactions, or sums spend.
    public private(set) var heatmapShowsSpend = false
    public private(set) var message: String?
    var list = TableState()
    private var search: TextInputState?
    private var lastSearch = ""
    private var summaryScroll = ScrollState()

    public init(view: ClientView) {
        self.view = view
        endDay = view.initialEndDay(span: 90)
        if let focus = view.focus { list.moveCursor(to: listRow(ofActivityRow: focus), rowCount: view.activity.count, pageSize: 1) }
    }

    /// Whether a search is being typed (every key goes to it).
    var isSearching: Bool { search != nil }

    /// The alert a decision here applies to: on the transactions pane the cursor's row's alert, if it has one,
    /// else the alert the client was opened from.
    var alertInFocus: Int64? {
        if pane == .transactions, view.activity.count > 0, let id = view.activity.alertIDs[activityRow(ofListRow: list.cursor)] {
            return id
        }
        return view.focus.flatMap { view.activity.alertIDs[$0] }
    }

    /// The list shows newest first: list row r is the activity's row `count - 1 - r`, and back.
    func activityRow(ofListRow row: Int) -> Int { view.activity.count - 1 - row }
    func listRow(ofActivityRow row: Int) -> Int { view.activity.count - 1 - row }

    public static let bindings: KeyBindingTable<ClientAction> = {
        do {
            return try KeyBindingTable([
                KeyBinding(.character("1"), action: .pane(.timeline), description: "profile and spending timeline", section: "Client"),
                KeyBinding(.character("2"), action: .pane(.heatmaps), description: "hour × weekday and location heatmaps", section: "Client"),
                KeyBinding(.character("3"), action: .pane(.transactions), description: "the client's transactions", section: "Client"),
                KeyBinding(.tab, action: .nextPane, description: "next pane", section: "Client"),
                KeyBinding([.character("h"), .left], action: .panBack, description: "timeline: earlier", section: "Timeline"),
                KeyBinding([.character("l"), .right], action: .panForward, description: "timeline: later", section: "Timeline"),
                KeyBinding(.character("z"), action: .zoomOut, description: "timeline: longer span (30, 90, 365 days)", section: "Timeline"),
                KeyBinding(.character("Z"), action: .zoomIn, description: "timeline: shorter span", section: "Timeline"),
                KeyBinding(.character("0"), action: .recentre, description: "timeline: back to the alert", section: "Timeline"),
                KeyBinding(.character("m"), action: .toggleMeasure, description: "heatmap: count or spend", section: "Heatmaps"),
                KeyBinding(.character("/"), action: .search, description: "transactions: find merchant, category, place", section: "Transactions"),
                KeyBinding(.character("n"), action: .searchNext, description: "next match", section: "Transactions"),
                KeyBinding(.character("N"), action: .searchPrevious, description: "previous match", section: "Transactions"),
                KeyBinding(.enter, action: .openAlert, description: "transactions: open the row's alert", section: "Transactions"),
                KeyBinding([.character("q"), .escape, .backspace], action: .back, description: "back to the queue", section: "Screen"),
            ])
        } catch {
            preconditionFailure("the client view's key bindings conflict: \(error)")
        }
    }()

    public enum ClientAction: Hashable, Sendable {
        case pane(Pane), nextPane, panBack, panForward, zoomOut, zoomIn, recentre, toggleMeasure
        case search, searchNext, searchPrevious, openAlert, back
    }

    // MARK: - Keys

    public func handle(_ key: Key, size: TerminalSize) -> Outcome {
        message = nil
        if var input = search {
            switch input.prompt(key) {
            case .submitted(let text):
                search = nil
                lastSearch = text
                find(forward: true, from: list.cursor - 1)
            case .cancelled:
                search = nil
            case .edited:
                search = input
            }
            return .handled
        }
        guard let action = Self.bindings.action(for: key) else {
            switch pane {
            case .transactions:
                _ = list.handle(key, rowCount: view.activity.count, pageSize: Self.listPageSize(size))
            case .timeline:
                _ = summaryScroll.handle(key, rowCount: view.summaryLines().count, pageSize: 3)
            case .heatmaps:
                break
            }
            return .handled
        }
        switch action {
        case .back: return .back
        case .pane(let p): pane = p
        case .nextPane: pane = Pane(rawValue: (pane.rawValue + 1) % Pane.allCases.count)!
        case .panBack, .panForward:
            let step = max(1, span / 3) * (action == .panBack ? -1 : 1)
            endDay = min(max(endDay + step, view.firstDay), view.lastDay + span - 1)
            pane = .timeline
        case .zoomOut, .zoomIn:
            let index = ClientView.ranges.firstIndex(of: span) ?? 1
            let next = min(max(index + (action == .zoomOut ? 1 : -1), 0), ClientView.ranges.count - 1)
            // Zoom about the alert's day while it is on screen, else about the middle of what is shown.
            let shown = (endDay - span + 1)...endDay
            let pivot = shown.contains(view.anchorDay) ? view.anchorDay : endDay - span / 2
            span = ClientView.ranges[next]
            endDay = view.endDay(centredOn: pivot, span: span)
            pane = .timeline
            message = "timeline: \(span) days"
        case .recentre:
            endDay = view.initialEndDay(span: span)
            pane = .timeline
        case .toggleMeasure:
            heatmapShowsSpend.toggle()
            pane = .heatmaps
        case .search:
            pane = .transactions
            search = TextInputState(text: lastSearch)
        case .searchNext: find(forward: true, from: list.cursor)
        case .searchPrevious: find(forward: false, from: list.cursor)
        case .openAlert:
            guard pane == .transactions, view.activity.count > 0 else { break }
            if let id = view.activity.alertIDs[activityRow(ofListRow: list.cursor)] { return .openAlert(id) }
            message = "no alert on this transaction"
        }
        return .handled
    }

    /// Moves the timeline to show `day` (a UTC day number) in the middle.
    public func show(day: Int) {
        endDay = min(max(day + span / 2, view.firstDay), view.lastDay + span - 1)
        pane = .timeline
    }

    private func find(forward: Bool, from position: Int) {
        guard !lastSearch.isEmpty else { message = "no search yet: / to search"; return }
        let matches = view.rows(matching: lastSearch).map(listRow(ofActivityRow:)).sorted()
        let hit = forward ? matches.first { $0 > position } ?? matches.first : matches.last { $0 < position } ?? matches.last
        guard let hit else { message = "/\(lastSearch): not found"; return }
        list.moveCursor(to: hit, rowCount: view.activity.count, pageSize: 1)
        pane = .transactions
        message = "/\(lastSearch): \(matches.count) match\(matches.count == 1 ? "" : "es")"
    }

    // MARK: - Drawing

    static func listPageSize(_ size: TerminalSize) -> Int { max(1, size.height - 6) }

    /// Draws the client into `body` (the screen between the title and the status lines).
    public func render(into buffer: inout CellBuffer, in body: Rect, theme: Theme) {
        let (tabs, rest) = body.splitTop(1)
        var x = tabs.x + 1
        for p in Pane.allCases {
            let label = " \(p.rawValue + 1) \(p.title) "
            x += buffer.put(label, at: x, y: tabs.y, style: p == pane ? theme.selection : theme.dim) + 1
        }
        let a = view.activity
        // The client and their count, or just the client when both do not fit (card numbers are long).
        for client in [" client \(a.clientID) · \(Formatting.grouped(a.count)) transactions", " client \(a.clientID)"]
        where x + displayWidth(of: client) < tabs.maxX {
            _ = buffer.put(client, in: Rect(x: x, y: tabs.y, width: tabs.maxX - x, height: 1), style: theme.dim, alignment: .right)
            break
        }
        let area = rest.inset(top: 1, left: 1, right: 1)
        switch pane {
        case .timeline: renderTimeline(into: &buffer, in: area, theme: theme)
        case .heatmaps: renderHeatmaps(into: &buffer, in: area, theme: theme)
        case .transactions: renderTransactions(into: &buffer, in: area, theme: theme)
        }
    }

    private func renderTimeline(into buffer: inout CellBuffer, in area: Rect, theme: Theme) {
        let summary = view.summaryLines()
        let summaryRows = min(summary.count, max(2, area.height - 12))
        let (top, chartArea) = area.splitTop(summaryRows + 1)
        var scroll = summaryScroll
        TextView(lines: summary.map { TextLine($0) }, style: theme.text, wraps: false)
            .render(into: &buffer, in: top.splitTop(summaryRows).top, state: &scroll)
        summaryScroll = scroll
        let (heading, chart) = chartArea.splitTop(1)
        let (values, first, marks) = view.timeline(span: span, endDay: endDay)
        let title = "Daily spend (\(view.currency)), \(CivilTime.formatDate(Int64(first) * 86_400)) – "
            + "\(CivilTime.formatDate(Int64(endDay) * 86_400)), \(span) days · h/l pan · z/Z zoom · 0 the alert"
        _ = buffer.put(title, in: heading, style: theme.header)
        TimelineChart(values: values, firstDay: first, marks: marks, unit: view.currency,
                      styles: TimelineChart.Styles(theme: theme)).render(into: &buffer, in: chart)
    }

    private func renderHeatmaps(into buffer: inout CellBuffer, in area: Rect, theme: Theme) {
        // The hour × weekday grid on the left (two columns an hour when there is room for the map beside it), the
        // map on the right, the top places under the grid.
        let gridWidth = area.width >= 52 + 2 + 40 ? 52 : 28
        let (left, right) = area.splitLeft(min(area.width, gridWidth + 2))
        let measure = heatmapShowsSpend ? "spend" : "transactions"
        _ = buffer.put("Hour × weekday (UTC) · \(heatmapShowsSpend ? "spend" : "count")", in: Rect(x: left.x, y: left.y, width: left.width, height: 1),
                       style: theme.header)
        let gridArea = left.inset(top: 1)
        WeekHeatmap(values: view.hourOfWeek(spend: heatmapShowsSpend), highlight: view.focusCell, unit: measure,
                    styles: WeekHeatmap.Styles(theme: theme)).render(into: &buffer, in: gridArea)
        let placesArea = gridArea.inset(top: WeekHeatmap.height + 1)
        renderPlaces(into: &buffer, in: placesArea, theme: theme)
        guard right.width >= 20 else { return }
        let mapArea = right.inset(left: 1)
        _ = buffer.put("Where the card is used", in: Rect(x: mapArea.x, y: mapArea.y, width: mapArea.width, height: 1), style: theme.header)
        let home = view.activity.home.map { (latitude: $0.latitude, longitude: $0.longitude) }
        let alert = view.focus.flatMap { view.activity.locations[$0] }.map { (latitude: $0.latitude, longitude: $0.longitude) }
        LocationMap(points: view.mapPoints(), home: home, alert: alert, styles: LocationMap.Styles(theme: theme))
            .render(into: &buffer, in: mapArea.inset(top: 1))
    }

    private func renderPlaces(into buffer: inout CellBuffer, in area: Rect, theme: Theme) {
        guard area.height >= 2 else { return }
        let places = view.places()
        let table = Table(columns: [TableColumn("Top places", width: .fill), TableColumn("Txns", width: .fixed(6), alignment: .right),
                                    TableColumn("km", width: .fixed(6), alignment: .right)],
                          styles: Table.Styles(header: theme.header, row: theme.text, cursor: theme.text, marker: theme.mark, empty: theme.dim),
                          emptyMessage: "no places")
        var state = TableState()
        table.render(TableRows(count: places.count) { row in
            let p = places[row]
            return [p.name, Formatting.grouped(p.transactions), p.distanceKm.map { Formatting.grouped(Int($0.rounded())) } ?? "—"]
        }, into: &buffer, in: area, state: &state)
    }

    /// Below this width the list drops the category and the year.
    static let wideList = 110

    static func listColumns(width: Int) -> [TableColumn] {
        let wide = width >= wideList
        return [TableColumn("", width: .fixed(1)), TableColumn("Time (UTC)", width: .fixed(wide ? 16 : 11)),
                TableColumn("Amount", width: .fixed(11), alignment: .right), TableColumn("Merchant", width: .fill)]
            + (wide ? [TableColumn("Category", width: .fixed(14))] : [])
            + [TableColumn("Place", width: .fill), TableColumn("Alert", width: .fixed(wide ? 14 : 10))]
    }

    private func renderTransactions(into buffer: inout CellBuffer, in area: Rect, theme: Theme) {
        let a = view.activity
        let focus = view.focus
        let wide = area.width >= Self.wideList
        let table = Table(columns: Self.listColumns(width: area.width),
                          styles: Table.Styles(header: theme.header, row: theme.text, cursor: theme.selection, marker: theme.mark, empty: theme.dim),
                          emptyMessage: "no transactions")
        let source = TableRows(count: a.count) { [self] listRow in
            let row = activityRow(ofListRow: listRow)
            let flag = row == focus ? "▶" : (a.alertStatuses[row] != nil ? "!" : " ")
            let time = CivilTime.format(a.instants[row])
            let amount = Money(minorUnits: a.amounts[row], currency: a.currencies[row]).description
            if wide {
                let alert = a.alertStatuses[row].map { QueueColumns.statusName($0) } ?? ""
                return [flag, String(time.prefix(16)), amount, a.merchants[row], a.categories[row], a.places[row], alert]
            }
            let alert = a.alertStatuses[row].map { QueueColumns.shortStatusName($0) } ?? ""
            return [flag, String(time.dropFirst(5).prefix(11)), amount, a.merchants[row], a.places[row], alert]
        }
        let (tableArea, promptRow) = search == nil ? (area, nil) : area.splitBottom(1)
        table.render(source, into: &buffer, in: tableArea, state: &list)
        if var input = search, let promptRow {
            TextInput(styles: TextInput.Styles(text: theme.text, cursor: theme.selection, placeholder: theme.dim),
                      placeholder: "merchant, category or place; Enter finds, Esc cancels")
                .renderPrompt("/", labelStyle: theme.accent, into: &buffer, in: promptRow, state: &input)
            search = input
        }
    }

    /// The key hint for the pane shown.
    public var hint: String {
        switch pane {
        case .timeline: "q back · 1 2 3 panes · h/l pan · z/Z zoom · 0 the alert · ? keys"
        case .heatmaps: "q back · 1 2 3 panes · m count or spend · ? keys"
        case .transactions: "q back · 1 2 3 panes · Enter the row's alert · / find · n/N next/previous · ? keys"
        }
    }
}
