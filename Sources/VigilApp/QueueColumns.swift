import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// How the queue names statuses and views and lays out its columns, at each width.
enum QueueColumns {
    /// The statuses `v` cycles through: open work first, then everything, then each decision.
    static let views: [Set<AlertStatus>?] = [[.open], nil, [.confirmedFraud], [.falsePositive], [.escalated], [.needsInfo]]
    /// The sortable columns, in table order.
    static let sortKeys: [AlertQuery.SortKey] = [.score, .time, .client, .amount, .merchant, .category, .reason, .status]
    /// The statuses counted on the status line, in order.
    static let statuses = ["open", "confirmed_fraud", "false_positive", "escalated", "needs_info"]
    /// Below this width the queue drops the category and shortens the time and status columns.
    static let wideLayout = 120

    static func nextSortKey(after key: AlertQuery.SortKey) -> AlertQuery.SortKey {
        sortKeys[((sortKeys.firstIndex(of: key) ?? 0) + 1) % sortKeys.count]
    }

    /// Numbers start highest first; text starts in order.
    static func startsDescending(_ key: AlertQuery.SortKey) -> Bool { key == .score || key == .amount || key == .time }

    static func statusName(_ status: String) -> String { status.replacingOccurrences(of: "_", with: " ") }

    static func shortStatusName(_ status: String) -> String {
        switch status {
        case "confirmed_fraud": "fraud"
        case "false_positive": "false pos."
        case "needs_info": "needs info"
        default: statusName(status)
        }
    }

    static func viewName(_ statuses: Set<AlertStatus>?) -> String {
        guard let statuses else { return "every alert" }
        return statuses.map { statusName($0.rawValue) }.sorted().joined(separator: ", ") + " alerts"
    }

    static func clientWidth(_ width: Int) -> Int { width >= wideLayout ? 19 : 16 }

    static func columns(width: Int) -> [TableColumn] {
        let wide = width >= wideLayout
        return [
            TableColumn("Score", width: .fixed(7), alignment: .right),
            TableColumn(wide ? "Time (UTC)" : "Time", width: .fixed(wide ? 16 : 11)),
            TableColumn("Client", width: .fixed(clientWidth(width))),
            TableColumn("Amount", width: .fixed(wide ? 11 : 10), alignment: .right),
            TableColumn("Merchant", width: .fill),
        ] + (wide ? [TableColumn("Category", width: .fixed(13))] : []) + [
            TableColumn("Top reason", width: .fill),
            TableColumn("Status", width: .fixed(wide ? 14 : 10)),
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
        let reason = AlertReason.top(of: alert.reasons)?.text ?? ""
        let time = CivilTime.format(alert.instant)
        let client = CardNumber.fitting(alert.clientID, width: clientWidth(width))
        if width >= wideLayout {
            return [String(format: "%.3f", alert.score), String(time.prefix(16)), client, amount, alert.merchant,
                    alert.category, reason, new ? "● new" : statusName(alert.status)]
        }
        return [String(format: "%.3f", alert.score), String(time.dropFirst(5).prefix(11)), client, amount,
                alert.merchant, reason, new ? "● new" : shortStatusName(alert.status)]
    }
}
