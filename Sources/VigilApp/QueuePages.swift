import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// A screen drawn in the queue's frame (the title, status line and key hint): the list, an alert's detail, a
/// client, the overview. The help opened over it lists its keys.
protocol QueuePage: Screen {
    var model: QueueModel { get }
    var helpSections: [HelpSection] { get }
}

extension QueuePage {
    /// The workbench's keys on a page that gives every other key to the view it shows: the help, the palette,
    /// the next theme. Nil for a key the view should have.
    func workbenchKey(_ key: Key) -> ScreenOutcome? {
        switch key {
        case .character("?"): return .push(HelpScreen(model: model, sections: helpSections))
        case .character(":"): return .push(PaletteScreen(model: model, over: self))
        case .character("t"): model.cycleTheme(); return .handled
        default: return nil
        }
    }

    /// Draws the queue's frame with `hint`, then `body` in it.
    func renderFramed(into buffer: inout CellBuffer, hint: String, body: (inout CellBuffer, Rect, Theme) -> Void) {
        guard let frame = model.drawFrame(into: &buffer, hint: hint + " · : palette") else { return }
        body(&buffer, frame.body, model.theme)
    }
}

/// A view shown as a page in the queue's frame: the client view, the overview.
protocol FramedView: AnyObject {
    /// The key hint for what the view shows.
    var hint: String { get }
    var helpSections: [HelpSection] { get }
    /// Whether it is still counting in the background.
    var isWorking: Bool { get }
    func render(into buffer: inout CellBuffer, in body: Rect, theme: Theme)
    /// What a key (not one of the workbench's) does on the page.
    func outcome(of key: Key, size: TerminalSize, model: QueueModel) throws -> ScreenOutcome
}

/// A view in the queue's frame; `?`, `:` and `t` are the workbench's, every other key the view's.
final class FramedPage<View: FramedView>: QueuePage {
    let model: QueueModel
    let screen: View

    init(model: QueueModel, screen: View) {
        self.model = model
        self.screen = screen
    }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        try workbenchKey(key) ?? screen.outcome(of: key, size: size, model: model)
    }

    var helpSections: [HelpSection] { screen.helpSections }
    var isBusy: Bool { screen.isWorking }

    func render(into buffer: inout CellBuffer) {
        renderFramed(into: &buffer, hint: screen.hint) { screen.render(into: &$0, in: $1, theme: $2) }
    }
}

typealias ClientPage = FramedPage<ClientScreen>
typealias OverviewPage = FramedPage<OverviewScreen>

extension ClientScreen: FramedView {
    var helpSections: [HelpSection] { Self.bindings.helpSections + [QueueKeys.movement] }
    var isWorking: Bool { false }

    func outcome(of key: Key, size: TerminalSize, model: QueueModel) throws -> ScreenOutcome {
        // The queue's decision keys decide the alert in focus, as they do on its detail.
        if !isSearching, case .decide(let status)? = QueueKeys.bindings.action(for: key) {
            guard let id = alertInFocus, let seen = try model.store.alertSummaries(ids: [id]).first else {
                model.message = "no alert in focus to decide: open the client from an alert, or pick a transaction with one (3)"
                return .handled
            }
            try model.decide([SeenAlert(id: id, version: seen.version)], status: status, size: size)
            return .handled
        }
        switch handle(key, size: size) {
        case .handled: model.message = message
        case .back: return .pop
        case .openAlert(let id): return try model.openAlert(id, size: size) ?? .handled
        }
        return .handled
    }
}

/// The overview is redrawn as its figures are counted in the background.
extension OverviewScreen: FramedView {
    var helpSections: [HelpSection] {
        [HelpSection(title: "Overview", entries: [
            HelpEntry(key: "1  2  Tab", description: "summary / heatmaps / next pane"),
            HelpEntry(key: "w", description: "heatmaps of the queue's alerts, or of every transaction"),
            HelpEntry(key: "q", description: "back to the queue"),
        ])]
    }

    var isWorking: Bool { isCounting }

    func outcome(of key: Key, size: TerminalSize, model: QueueModel) -> ScreenOutcome {
        handle(key) == .back ? .pop : .handled
    }
}
