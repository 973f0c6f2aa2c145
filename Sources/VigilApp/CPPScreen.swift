import Foundation
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// Common point of purchase: the merchants the confirmed-fraud cards shared in the days before their first fraud,
/// ranked (`CommonPointOfPurchase`); Enter on one lists its fraud cards and the cards exposed there, Enter on a card
/// opens its client view. Worked out on a background thread, as the overview's figures are: it reads every
/// transaction.
public final class CPPScreen {
    /// What a key asks of whoever shows this screen.
    public enum Outcome: Equatable {
        case handled
        case back
        /// Open this card's client view.
        case openClient(String)
        /// Open the exposed cards of this merchant as a case list (`QueueModel.openExposedAsCases`).
        case exposedAsCases(CommonPointOfPurchase.Merchant)
    }

    /// One row of a merchant's cards.
    struct CardRow: Equatable {
        var card: String
        var exposed: Bool
        var visited: Int64
        /// A fraud card's first fraud; an exposed card's visits there.
        var firstFraud: Int64?
        var visits: Int
    }

    private let work: BackgroundWork<CommonPointOfPurchase.Report>
    /// The merchant whose cards are listed, by rank (0 first); nil on the ranking.
    public private(set) var opened: Int?
    var merchantList = TableState()
    var cardList = TableState()
    public private(set) var message: String?

    public init(store: Store, options: CommonPointOfPurchase.Options = CommonPointOfPurchase.Options()) {
        work = BackgroundWork(name: "vigil-cpp") { _ in try CommonPointOfPurchase.analyse(store, options: options) }
    }

    deinit { work.cancel() }

    /// The ranking, once worked out.
    public var report: CommonPointOfPurchase.Report? { work.value }
    /// Blocks until it is (tests, benchmarks).
    public func waitForReport() { work.wait() }
    public var isWorking: Bool { report == nil && work.state.failure == nil }

    /// The opened merchant's cards: the fraud cards, then the exposed, each by visit.
    var cardRows: [CardRow] {
        guard let opened, let merchant = report?.merchants[opened] else { return [] }
        return merchant.fraudCards.map { CardRow(card: $0.card, exposed: false, visited: $0.visited, firstFraud: $0.firstFraud, visits: 1) }
            + merchant.exposedCards.map { CardRow(card: $0.card, exposed: true, visited: $0.visited, firstFraud: nil, visits: $0.visits) }
    }

    /// Rows of a list a frame of `size` shows (the frame's four rows, the heading's three, the table's header).
    static func pageSize(_ size: TerminalSize) -> Int { max(1, size.height - 8) }

    public func handle(_ key: Key, size: TerminalSize) -> Outcome {
        message = nil
        let merchants = report?.merchants ?? []
        switch key {
        case .character("q"), .escape, .backspace:
            guard opened != nil else { return .back }
            opened = nil
        case .enter:
            if let opened {
                let rows = cardRows
                guard opened >= 0, rows.indices.contains(cardList.cursor) else { break }
                return .openClient(rows[cardList.cursor].card)
            }
            guard merchants.indices.contains(merchantList.cursor) else { break }
            opened = merchantList.cursor
            cardList = TableState()
        case .character("x"):
            guard let merchant = opened.map({ merchants[$0] }) ?? (merchants.indices.contains(merchantList.cursor) ? merchants[merchantList.cursor] : nil)
            else { break }
            guard !merchant.exposedCards.isEmpty else {
                message = "no exposed cards at \(merchant.merchant)"
                break
            }
            return .exposedAsCases(merchant)
        default:
            if opened != nil {
                _ = cardList.handle(key, rowCount: cardRows.count, pageSize: Self.pageSize(size))
            } else {
                _ = merchantList.handle(key, rowCount: merchants.count, pageSize: Self.pageSize(size))
            }
        }
        return .handled
    }

    public var hint: String {
        opened == nil ? "Enter the merchant's cards · x exposed cards as cases · q back · ? keys"
            : "Enter the card's client · x exposed cards as cases · q the merchants · ? keys"
    }

    // MARK: - Drawing

    public func render(into buffer: inout CellBuffer, in body: Rect, theme: Theme) {
        let area = body.inset(top: 1, left: 1, right: 1)
        guard let report else {
            let text = work.state.failure.map { "could not work out the common points: \($0)" }
                ?? "Working out the merchants the fraud cards shared…"
            _ = buffer.put(text, in: Rect(x: area.x, y: area.y, width: area.width, height: 1),
                           style: work.state.failure == nil ? theme.dim : theme.alert)
            return
        }
        let days = Int(report.options.days.rounded())
        let styles = Table.Styles(header: theme.header, row: theme.text, cursor: theme.selection, marker: theme.mark, empty: theme.dim)
        if let opened {
            let m = report.merchants[opened]
            // The reason whole where it fits in three lines: it is why the merchant ranks where it does.
            let reason = wrap(CommonPointOfPurchase.reason(m, days: report.options.days), toWidth: area.width).prefix(3)
            let (heading, rest) = area.splitTop(1 + reason.count + 1)
            _ = buffer.put("\(m.merchant) · #\(opened + 1) · score " + String(format: "%.1f", m.score)
                           + " · \(m.fraudCards.count) fraud, \(m.exposedCards.count) exposed",
                           in: Rect(x: heading.x, y: heading.y, width: heading.width, height: 1), style: theme.header)
            for (i, line) in reason.enumerated() {
                _ = buffer.put(line, in: Rect(x: heading.x, y: heading.y + 1 + i, width: heading.width, height: 1), style: theme.dim)
            }
            let rows = cardRows
            let table = Table(columns: [TableColumn("Card", width: .fixed(19)), TableColumn("", width: .fixed(7)),
                                        TableColumn("Visited", width: .fixed(10)), TableColumn("First fraud", width: .fill)],
                              styles: styles, emptyMessage: "no cards")
            table.render(TableRows(count: rows.count) { row in
                let r = rows[row]
                return [CardNumber.masked(r.card), r.exposed ? "exposed" : "fraud", CivilTime.formatDate(r.visited),
                        r.firstFraud.map(CivilTime.formatDate) ?? (r.visits > 1 ? "\(r.visits) visits" : "")]
            }, into: &buffer, in: rest, state: &cardList)
        } else {
            let (heading, rest) = area.splitTop(3)
            _ = buffer.put("Common point of purchase: \(days) days before first fraud",
                           in: Rect(x: heading.x, y: heading.y, width: heading.width, height: 1), style: theme.header)
            _ = buffer.put("\(Formatting.grouped(report.fraudCards)) of \(Formatting.grouped(report.cards)) cards confirmed fraud · "
                           + "\(Formatting.grouped(report.merchants.count)) merchants · chance "
                           + CommonPointOfPurchase.percent(report.chance),
                           in: Rect(x: heading.x, y: heading.y + 1, width: heading.width, height: 1), style: theme.dim)
            let merchants = report.merchants
            let wide = rest.width >= 90
            var columns = [TableColumn("#", width: .fixed(3), alignment: .right), TableColumn("Merchant", width: .fill),
                           TableColumn("Score", width: .fixed(6), alignment: .right), TableColumn("Fraud", width: .fixed(5), alignment: .right),
                           TableColumn("Exposed", width: .fixed(7), alignment: .right)]
            if wide { columns += [TableColumn("Lift", width: .fixed(5), alignment: .right), TableColumn("Window", width: .fixed(23))] }
            let table = Table(columns: columns, styles: styles,
                              emptyMessage: report.fraudCards == 0 ? "no card is confirmed fraud yet" : "no merchant shared by fraud cards")
            table.render(TableRows(count: merchants.count) { row in
                let m = merchants[row]
                var cells = ["\(row + 1)", m.merchant, String(format: "%.1f", m.score), "\(m.fraudCards.count)", "\(m.exposedCards.count)"]
                if wide { cells += [String(format: "%.1f×", m.lift), CommonPointOfPurchase.window(m)] }
                return cells
            }, into: &buffer, in: rest, state: &merchantList)
        }
    }
}

extension QueueModel {
    /// The common-point-of-purchase screen over the queue: `q` there goes back to the list.
    func commonPoints() -> ScreenOutcome {
        .sequence([.popToRoot, .push(CPPPage(model: self, screen: CPPScreen(store: store)))])
    }

    /// `x` on the common-point screen: `merchant`'s exposed cards as a list of cases, each card's case holding the
    /// alert on its visit there. Visits with no alert yet get one (`CommonPointOfPurchase.exposureAlerts`), after the
    /// analyst confirms how many; when every visit has one already, nothing is asked or written.
    func openExposedAsCases(_ merchant: CommonPointOfPurchase.Merchant) throws -> ScreenOutcome {
        let raising = try store.transactionsWithoutAlert(merchant.exposedCards.map(\.transactionID)).count
        guard raising == 0 else { return .push(ExposureConfirmScreen(model: self, merchant: merchant, raising: raising)) }
        return .push(try exposedCases(merchant))
    }

    /// Raises the alerts `merchant`'s exposed cards lack (each with its audit event), puts them in cases, and lists
    /// their cases.
    func exposedCases(_ merchant: CommonPointOfPurchase.Merchant) throws -> ExposedCasesScreen {
        let opened = try store.raiseExposureAlerts(CommonPointOfPurchase.exposureAlerts(merchant), analyst: analyst,
                                                   note: CommonPointOfPurchase.raisedNote(merchant),
                                                   gapSeconds: scanOptions.config.caseGapSeconds, at: cases.clock())
        alertsChanged()
        message = CommonPointOfPurchase.openedCases(merchant, opened) + " · q back to the merchant"
        return ExposedCasesScreen(model: self, merchant: merchant.merchant, caseIDs: opened.caseIDs)
    }
}

/// "open cases for 37 exposed cards at M? y/n", asked over the common-point screen before alerts are raised.
final class ExposureConfirmScreen: Screen {
    let model: QueueModel
    let merchant: CommonPointOfPurchase.Merchant
    /// Visits that have no alert yet: the alerts `y` raises.
    let raising: Int

    init(model: QueueModel, merchant: CommonPointOfPurchase.Merchant, raising: Int) {
        self.model = model
        self.merchant = merchant
        self.raising = raising
    }

    var isOverlay: Bool { true }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        guard key == .character("y") || key == .character("Y") else {
            model.message = "no case opened: nothing was written"
            return .pop
        }
        return .replace(try model.exposedCases(merchant))
    }

    func render(into buffer: inout CellBuffer) {
        guard let frame = model.frame(buffer.size) else { return }
        StatusBar(left: " " + CommonPointOfPurchase.openCasesQuestion(merchant, raising: raising), style: model.theme.accent)
            .render(into: &buffer, in: frame.hint)
    }
}

/// The case queue showing the cases of a merchant's exposed cards ("exposed at M"), whatever their status: the case
/// queue's keys work as ever, `q` goes back to the common-point screen (the queue's view as it was).
final class ExposedCasesScreen: QueuePage {
    let model: QueueModel
    let merchant: String
    private let queue: CaseQueueScreen
    /// The case queue's view and cursor before, put back on leaving.
    private let previous: CaseList.View
    private let previousCursor: Int

    init(model: QueueModel, merchant: String, caseIDs: [Int64]) {
        self.model = model
        self.merchant = merchant
        queue = CaseQueueScreen(model: model)
        previous = model.cases.view
        previousCursor = model.cases.table.cursor
        model.cases.view = .exposed(merchant: merchant, cases: Set(caseIDs))
        model.cases.refilter(analyst: model.analyst)
        model.cases.table.moveCursor(to: 0, rowCount: model.cases.count, pageSize: 1)
    }

    var helpSections: [HelpSection] { queue.helpSections }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        switch key {
        case .character("q"), .escape, .backspace:
            leave()
            return .pop
        case .character("v"):
            model.message = "these are the cases exposed at \(merchant); q goes back, v changes the view on the case queue"
            return .handled
        case .tab:
            leave()
            return try queue.handle(key, size: size)
        default:
            return try queue.handle(key, size: size)
        }
    }

    private func leave() {
        model.cases.view = previous
        model.cases.refilter(analyst: model.analyst)
        model.cases.table.moveCursor(to: previousCursor, rowCount: model.cases.count, pageSize: 1)
    }

    func prepare(size: TerminalSize) throws { try queue.prepare(size: size) }

    static let hint: KeyHint = ["q back to the merchant", "? keys", "Enter open", .decides("f fraud"), .decides("p false pos."),
                                .decides("e escalate"), .decides("i snooze"), .decides("m mine"), .decides("d due")]
    static let narrowHint: KeyHint = ["q back", "? keys", "Enter open", .decides("f p e decide"), .decides("i snooze"), .decides("m mine"),
                                      .decides("d due")]

    /// The case queue as drawn, its hint saying where `q` goes.
    func render(into buffer: inout CellBuffer) {
        queue.render(into: &buffer)
        guard let frame = model.frame(buffer.size) else { return }
        let hint = model.hintLine(buffer.width >= CaseColumns.wideLayout ? Self.hint : Self.narrowHint)
        StatusBar(left: " " + hint, style: model.theme.dim).render(into: &buffer, in: frame.hint)
    }
}

typealias CPPPage = FramedPage<CPPScreen>

/// Redrawn as the ranking is worked out in the background.
extension CPPScreen: FramedView {
    var helpSections: [HelpSection] {
        [HelpSection(title: "Common point of purchase", entries: [
            HelpEntry(key: "Enter", description: "a merchant's fraud and exposed cards; on a card, its client view"),
            HelpEntry(key: "x", description: "the merchant's exposed cards as a case list (asks before raising alerts)"),
            HelpEntry(key: "q", description: "back to the merchants, or to the queue"),
        ]), HelpSection(title: "Move", entries: [
            HelpEntry(key: "j/↓  k/↑", description: "next / previous row"),
            HelpEntry(key: "PgDn PgUp", description: "a page down / up"),
            HelpEntry(key: "g  G", description: "first / last row"),
        ])]
    }

    func outcome(of key: Key, size: TerminalSize, model: QueueModel) throws -> ScreenOutcome {
        switch handle(key, size: size) {
        case .handled: if let message { model.message = message }
        case .back: return .pop
        case .openClient(let card): return try model.clientPage(card).map { .push($0) } ?? .handled
        case .exposedAsCases(let merchant): return try model.openExposedAsCases(merchant)
        }
        return .handled
    }
}
