import VigilCore
import VigilTUI

/// The workbench's first screen: what the open store holds.
///
/// Pure: the same stats, theme and size always give the same buffer. Two
/// panels side by side when there is room (store counts on the left; alerts
/// and spend on the right), one column otherwise, with a "…" row when the
/// window is too short for everything. The title and status bars stay as
/// long as there are rows for them.
public struct StatsScreen: Sendable {
    public var stats: StoreStats
    public var theme: Theme

    public init(stats: StoreStats, theme: Theme = .default) {
        self.stats = stats
        self.theme = theme
    }

    public static let statusHint = "q quit  t theme"
    static let panelWidthLimit = 44
    static let twoColumnMinimumWidth = 64

    public func render(width: Int, height: Int) -> CellBuffer {
        var buffer = CellBuffer(width: width, height: height)
        render(into: &buffer)
        return buffer
    }

    public func render(size: TerminalSize) -> CellBuffer {
        render(width: size.width, height: size.height)
    }

    public func render(into buffer: inout CellBuffer) {
        buffer.fill(buffer.bounds, style: theme.text)
        guard buffer.height > 0, buffer.width > 0 else { return }

        let (titleRow, belowTitle) = buffer.bounds.splitTop(1)
        buffer.fill(titleRow, style: theme.title)
        buffer.put(" Vigil — " + Self.shortenedPath(stats.path, toWidth: max(0, titleRow.width - 10)),
                   at: 0, y: titleRow.y, style: theme.title, maxWidth: titleRow.width)
        guard belowTitle.height > 0 else { return }

        let (body, statusRow) = belowTitle.splitBottom(1)
        buffer.fill(statusRow, style: theme.statusBar)
        buffer.put(" " + Self.statusHint, in: statusRow, style: theme.statusBar)

        let content = body.inset(top: 1, left: 2, bottom: 0, right: 2)
        guard !content.isEmpty else { return }
        let panels = sections()
        if content.width >= Self.twoColumnMinimumWidth {
            let panelWidth = min(Self.panelWidthLimit, (content.width - 4) / 2)
            let columns = content.splitColumns([.fixed(panelWidth), .fixed(4), .fixed(panelWidth)])
            draw(panels.left, in: columns[0], into: &buffer)
            draw(panels.right, in: columns[2], into: &buffer)
        } else {
            draw(panels.left + [.blank] + panels.right, in: content, into: &buffer)
        }
    }

    // MARK: - Content

    enum Line: Equatable {
        case heading(String)
        case entry(label: String, value: String, emphasis: Emphasis)
        case blank
    }

    enum Emphasis: Equatable {
        case normal, alert, quiet
    }

    func sections() -> (left: [Line], right: [Line]) {
        var store: [Line] = [.heading("Store")]
        store.append(.entry(label: "Transactions", value: Formatting.grouped(stats.transactions), emphasis: .normal))
        store.append(.entry(label: "Clients", value: Formatting.grouped(stats.clients), emphasis: .normal))
        store.append(.entry(label: "Labelled fraud", value: Formatting.grouped(stats.labelledFraud),
                            emphasis: stats.labelledFraud > 0 ? .alert : .normal))
        store.append(.entry(label: "Imports", value: Formatting.grouped(stats.imports), emphasis: .normal))
        store.append(.entry(label: "Rejected rows", value: Formatting.grouped(stats.rejected),
                            emphasis: stats.rejected > 0 ? .alert : .normal))
        store.append(.blank)
        store.append(.heading("Date range (UTC)"))
        if let first = stats.firstInstant, let last = stats.lastInstant {
            store.append(.entry(label: "First", value: CivilTime.formatDate(first), emphasis: .normal))
            store.append(.entry(label: "Last", value: CivilTime.formatDate(last), emphasis: .normal))
        } else {
            store.append(.entry(label: "No transactions", value: "—", emphasis: .quiet))
        }

        var right: [Line] = [.heading("Alerts")]
        let statuses = stats.alertsByStatus.keys.sorted { a, b in
            // Open work first; the rest in a stable alphabetical order.
            if (a == "open") != (b == "open") { return a == "open" }
            return a < b
        }
        if statuses.isEmpty {
            right.append(.entry(label: "None yet", value: "—", emphasis: .quiet))
        }
        for status in statuses {
            let count = stats.alertsByStatus[status] ?? 0
            let label = status.replacingOccurrences(of: "_", with: " ")
            let emphasis: Emphasis = status == "open" && count > 0 ? .alert : .normal
            right.append(.entry(label: label.prefix(1).uppercased() + label.dropFirst(), value: Formatting.grouped(count),
                                emphasis: emphasis))
        }
        if !statuses.isEmpty {
            right.append(.entry(label: "Total", value: Formatting.grouped(stats.totalAlerts), emphasis: .normal))
        }
        right.append(.blank)
        right.append(.heading("Total spend"))
        let currencies = stats.totalMinorUnitsByCurrency.keys.sorted()
        if currencies.isEmpty {
            right.append(.entry(label: "No transactions", value: "—", emphasis: .quiet))
        }
        for currency in currencies {
            let money = Money(minorUnits: stats.totalMinorUnitsByCurrency[currency] ?? 0, currency: currency)
            right.append(.entry(label: currency, value: money.totalDescription, emphasis: .normal))
        }
        return (store, right)
    }

    private func draw(_ lines: [Line], in rect: Rect, into buffer: inout CellBuffer) {
        guard !rect.isEmpty else { return }
        let overflow = lines.count > rect.height
        let visible = overflow ? Array(lines.prefix(rect.height - 1)) : lines
        for (offset, line) in visible.enumerated() {
            let row = Rect(x: rect.x, y: rect.y + offset, width: rect.width, height: 1)
            switch line {
            case .blank:
                continue
            case .heading(let text):
                buffer.put(text, in: row, style: theme.header)
            case .entry(let label, let value, let emphasis):
                let valueStyle: Style
                switch emphasis {
                case .normal: valueStyle = theme.accent
                case .alert: valueStyle = theme.alert
                case .quiet: valueStyle = theme.dim
                }
                let indented = row.inset(left: min(2, row.width))
                let valueWidth = min(displayWidth(of: value), indented.width)
                let (labelArea, valueArea) = indented.splitRight(valueWidth)
                buffer.put(label, in: labelArea.inset(right: 1), style: theme.text)
                buffer.put(value, in: valueArea, style: valueStyle, alignment: .right)
            }
        }
        if overflow {
            buffer.put("…", in: Rect(x: rect.x, y: rect.maxY - 1, width: rect.width, height: 1), style: theme.dim)
        }
    }

    // MARK: - Formatting

    /// The path cut from the left, so the file name survives: `…/cases/2024/store.sqlite`.
    static func shortenedPath(_ path: String, toWidth width: Int) -> String {
        guard width > 0 else { return "" }
        let clean = Sanitizer.sanitize(path)
        if displayWidth(of: clean) <= width { return clean }
        guard width > 1 else { return "…" }
        var kept: [Character] = []
        var used = 0
        for character in clean.reversed() {
            let w = displayWidth(of: character)
            if used + w > width - 1 { break }
            kept.append(character)
            used += w
        }
        return "…" + String(kept.reversed())
    }
}
