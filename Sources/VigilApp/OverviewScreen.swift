import Foundation
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// The overview: transactions and alerts per day, the alerts by detector and by leading reason, triage progress,
/// and each detector's precision so far as measured by the analysts' own decisions. A second pane draws the
/// hour × weekday and location heatmaps of the alerts in the queue's view, or of every stored transaction.
///
/// Both sets of figures are counted on background threads and drawn as they become ready, so the screen opens at
/// once: the alerts' reasons are JSON and their places need the transactions, and the whole store's figures read
/// every row.
/// The queue's own counts by status are drawn while the alerts are being counted.
public final class OverviewScreen {
    public enum Pane: Int, CaseIterable, Sendable { case summary, heatmaps }

    public enum Scope: Sendable, Equatable {
        /// The alerts the queue's view and filter select.
        case alerts
        /// Every stored transaction.
        case store
    }

    public let store: Store
    /// What the alert figures are of, as the queue names its view ("open alerts — client=C1").
    public let scopeName: String
    public private(set) var pane: Pane = .summary
    public private(set) var scope: Scope = .alerts
    private let alertWork: BackgroundWork<AlertOverview>
    private let activityWork: BackgroundWork<ActivityOverview>

    /// The whole store's alerts by status, for the triage progress: a view shows few decided alerts (the open
    /// view none), so progress is the store's.
    public let storeCounts: [String: Int]

    /// `storeCounts` as the queue counts them (`Store.alertCounts()`).
    public init(store: Store, query: AlertQuery, scopeName: String, storeCounts: [String: Int]) {
        self.store = store
        self.scopeName = scopeName
        self.storeCounts = storeCounts
        alertWork = BackgroundWork(name: "vigil-overview-alerts") { _ in try store.alertOverview(matching: query) }
        activityWork = BackgroundWork(name: "vigil-overview-store") { isCancelled in
            try store.activityOverview(isCancelled: isCancelled)
        }
    }

    deinit {
        alertWork.cancel()
        activityWork.cancel()
    }

    /// The alerts' figures, once counted.
    public var alerts: AlertOverview? { alertWork.value }
    /// The whole store's figures, once counted.
    public var storeActivity: ActivityOverview? { activityWork.value }
    /// Whether anything is still being counted (the workbench then redraws as it polls).
    public var isCounting: Bool { alerts == nil || storeActivity == nil }

    /// Blocks until both sets of figures are counted (tests, benchmarks).
    public func waitForAlerts() { alertWork.wait() }
    public func waitForStoreActivity() { activityWork.wait() }

    /// What went wrong counting, if anything did.
    var failure: String? {
        for state in [alertWork.state.failure, activityWork.state.failure] { if let state { return state } }
        return nil
    }

    public enum Outcome: Equatable { case handled, back }

    public func handle(_ key: Key) -> Outcome {
        switch key {
        case .character("q"), .escape, .backspace: return .back
        case .character("1"): pane = .summary
        case .character("2"): pane = .heatmaps
        case .tab: pane = Pane(rawValue: (pane.rawValue + 1) % Pane.allCases.count)!
        case .character("w"):
            scope = scope == .alerts ? .store : .alerts
            pane = .heatmaps
        default: break
        }
        return .handled
    }

    public var hint: String {
        "q back · 1 summary · 2 heatmaps · w alerts or whole store · ? keys"
    }

    // MARK: - Drawing

    public func render(into buffer: inout CellBuffer, in body: Rect, theme: Theme) {
        let (tabs, rest) = body.splitTop(1)
        var x = tabs.x + 1
        for (p, title) in [(Pane.summary, "Summary"), (.heatmaps, "Heatmaps")] {
            x += buffer.put(" \(p.rawValue + 1) \(title) ", at: x, y: tabs.y, style: p == pane ? theme.selection : theme.dim) + 1
        }
        let area = rest.inset(top: 1, left: 1, right: 1)
        switch pane {
        case .summary: renderSummary(into: &buffer, in: area, theme: theme)
        case .heatmaps: renderHeatmaps(into: &buffer, in: area, theme: theme)
        }
    }

    /// Values per day from `first` to `last` (inclusive), zero where a day has none.
    static func series(_ perDay: [Int64: Int], from first: Int64, to last: Int64) -> [Double] {
        guard last >= first else { return [] }
        return (first...last).map { Double(perDay[$0] ?? 0) }
    }

    private func renderSummary(into buffer: inout CellBuffer, in area: Rect, theme: Theme) {
        var y = area.y
        func line(_ text: String, _ style: Style) {
            guard y < area.maxY else { return }
            _ = buffer.put(text, in: Rect(x: area.x, y: y, width: area.width, height: 1), style: style)
            y += 1
        }
        let label = 16
        let storeDays = storeActivity?.perDay
        if let failure { line("could not count: \(failure)", theme.alert) }
        let days = Array((storeDays ?? [:]).keys) + Array((alerts?.perDay ?? [:]).keys)
        let first = days.min() ?? 0, last = days.max() ?? -1
        // The sparklines take what the notes after them leave.
        let sparkWidth = max(0, min(area.width - label - 26, 90))
        func sparkRow(_ title: String, _ perDay: [Int64: Int]?, note: String) {
            guard y < area.maxY else { return }
            _ = buffer.put(title, in: Rect(x: area.x, y: y, width: label, height: 1), style: theme.header)
            let spark = Rect(x: area.x + label, y: y, width: sparkWidth, height: 1)
            if let perDay {
                Sparkline(values: Self.series(perDay, from: first, to: last), style: theme.accent).render(into: &buffer, in: spark)
            } else {
                _ = buffer.put("counting…", in: spark, style: theme.dim)
            }
            let noteRect = Rect(x: spark.maxX + 1, y: y, width: max(0, area.maxX - spark.maxX - 1), height: 1)
            _ = buffer.put(note, in: noteRect, style: theme.dim)
            y += 1
        }
        let range = last >= first ? "\(CivilTime.formatDate(first * 86_400)) – \(CivilTime.formatDate(last * 86_400))" : "no days"
        line("Per day, \(range)", theme.dim)
        sparkRow("Transactions", storeDays,
                 note: storeActivity.map { "\(Formatting.grouped($0.transactions)) · max \(Formatting.grouped($0.perDay.values.max() ?? 0))" } ?? "")
        sparkRow("Alerts", alerts?.perDay,
                 note: alerts.map { "\(Formatting.grouped($0.total)) · max \(Formatting.grouped($0.perDay.values.max() ?? 0))" } ?? "")
        y += 1
        guard let alerts else {
            line("Counting the alerts…", theme.dim)
            return
        }

        // Triage progress: how much of the whole store the analysts have decided, then how much of this view.
        let total = storeCounts.values.reduce(0, +)
        let decided = total - (storeCounts["open"] ?? 0)
        let viewDecided = alerts.total - (alerts.statuses["open"] ?? 0)
        if y < area.maxY {
            ProgressBar(fraction: total == 0 ? 0 : Double(decided) / Double(total), label: pad("Triage", toWidth: label - 1),
                        detail: "\(Formatting.grouped(decided)) of \(Formatting.grouped(total)) decided in the store",
                        styles: ProgressBar.Styles(theme: theme))
                .render(into: &buffer, in: Rect(x: area.x, y: y, width: min(area.width, label + 60), height: 1))
            y += 1
        }
        line(String(repeating: " ", count: label) + "this view: \(Formatting.grouped(viewDecided)) of "
             + "\(Formatting.grouped(alerts.total)) decided", theme.text)
        let tally = ["open", "confirmed_fraud", "false_positive", "escalated", "needs_info"]
            .map { "\(QueueColumns.statusName($0)) \(Formatting.grouped(alerts.statuses[$0] ?? 0))" }.joined(separator: " · ")
        line(String(repeating: " ", count: label) + tally, theme.text)
        let overall = alerts.overall
        line(String(repeating: " ", count: label) + "ensemble precision so far: " + Self.precisionText(overall), theme.text)
        y += 1
        guard y < area.maxY else { return }

        // Detectors, with the precision their alerts have earned; the leading reasons beside them when wide.
        let rest = Rect(x: area.x, y: y, width: area.width, height: area.maxY - y)
        let wide = rest.width >= 110
        let (left, right) = wide ? rest.splitLeft(rest.width * 6 / 10) : (rest, Rect.zero)
        _ = buffer.put("Alerts by detector · precision from decisions", in: Rect(x: left.x, y: left.y, width: left.width, height: 1),
                       style: theme.header)
        HorizontalBars(items: alerts.byDetector.map { (label: $0.detector, value: Double($0.alerts), note: Self.precisionText($0)) },
                       styles: HorizontalBars.Styles(theme: theme))
            .render(into: &buffer, in: left.inset(top: 1))
        if wide {
            let inner = right.inset(left: 2)
            _ = buffer.put("Alerts by leading reason", in: Rect(x: inner.x, y: inner.y, width: inner.width, height: 1), style: theme.header)
            HorizontalBars(items: alerts.byLeadingReason.map { (label: $0.detector, value: Double($0.alerts), note: nil) },
                           styles: HorizontalBars.Styles(theme: theme))
                .render(into: &buffer, in: inner.inset(top: 1))
        }
    }

    /// "0.82 (41 of 50 verdicts)", or "no verdicts yet".
    static func precisionText(_ tally: DetectorTally) -> String {
        guard let precision = tally.precision else { return "no verdicts yet" }
        let verdicts = tally.confirmed + tally.falsePositive
        return String(format: "%.2f", precision) + " (\(Formatting.grouped(tally.confirmed)) of \(Formatting.grouped(verdicts)) verdicts)"
    }

    private func renderHeatmaps(into buffer: inout CellBuffer, in area: Rect, theme: Theme) {
        let grid: [[Double]]
        let places: [(location: GeoPoint, count: Int)]
        let name: String
        switch scope {
        case .alerts:
            guard let alerts else {
                _ = buffer.put("Counting the alerts…", in: area, style: theme.dim)
                return
            }
            grid = alerts.hourOfWeek
            places = alerts.places
            name = scopeName
        case .store:
            guard let activity = storeActivity else {
                _ = buffer.put("Counting every stored transaction… (w shows the alerts meanwhile)", in: area, style: theme.dim)
                return
            }
            grid = activity.hourOfWeek
            places = activity.places
            name = "every transaction (\(Formatting.grouped(activity.transactions)))"
        }
        let (heading, rest) = area.splitTop(1)
        _ = buffer.put("Heatmaps of \(name) · w switches", in: heading, style: theme.header)
        let gridWidth = rest.width >= 52 + 2 + 40 ? 52 : 28
        let (left, right) = rest.splitLeft(min(rest.width, gridWidth + 2))
        _ = buffer.put("Hour × weekday (UTC)", in: Rect(x: left.x, y: left.y + 1, width: left.width, height: 1), style: theme.header)
        WeekHeatmap(values: grid, unit: scope == .alerts ? "alerts" : "transactions", styles: WeekHeatmap.Styles(theme: theme))
            .render(into: &buffer, in: left.inset(top: 2))
        guard right.width >= 20 else { return }
        let mapArea = right.inset(top: 1, left: 1)
        _ = buffer.put("Where", in: Rect(x: mapArea.x, y: mapArea.y, width: mapArea.width, height: 1), style: theme.header)
        LocationMap(points: places.map { (latitude: $0.location.latitude, longitude: $0.location.longitude, weight: Double($0.count)) },
                    home: nil, alert: nil, styles: LocationMap.Styles(theme: theme))
            .render(into: &buffer, in: mapArea.inset(top: 1))
    }
}
