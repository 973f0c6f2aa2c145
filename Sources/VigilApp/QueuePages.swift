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

/// A client's view in the queue's frame; `?`, `:` and `t` are the workbench's, every other key the client view's.
final class ClientPage: QueuePage {
    let model: QueueModel
    let screen: ClientScreen

    init(model: QueueModel, screen: ClientScreen) {
        self.model = model
        self.screen = screen
    }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        if let outcome = workbenchKey(key) { return outcome }
        switch screen.handle(key, size: size) {
        case .handled: model.message = screen.message
        case .back: return .pop
        case .openAlert(let id): return try model.openAlert(id, size: size) ?? .handled
        }
        return .handled
    }

    var helpSections: [HelpSection] { ClientScreen.bindings.helpSections + [QueueKeys.movement] }

    func render(into buffer: inout CellBuffer) {
        renderFramed(into: &buffer, hint: screen.hint) { screen.render(into: &$0, in: $1, theme: $2) }
    }
}

/// The overview in the queue's frame, redrawn as its figures are counted in the background.
final class OverviewPage: QueuePage {
    let model: QueueModel
    let screen: OverviewScreen

    init(model: QueueModel, screen: OverviewScreen) {
        self.model = model
        self.screen = screen
    }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        workbenchKey(key) ?? (screen.handle(key) == .back ? .pop : .handled)
    }

    var isBusy: Bool { screen.isCounting }

    var helpSections: [HelpSection] {
        [HelpSection(title: "Overview", entries: [
            HelpEntry(key: "1  2  Tab", description: "summary / heatmaps / next pane"),
            HelpEntry(key: "w", description: "heatmaps of the queue's alerts, or of every transaction"),
            HelpEntry(key: "q", description: "back to the queue"),
        ])]
    }

    func render(into buffer: inout CellBuffer) {
        renderFramed(into: &buffer, hint: screen.hint) { screen.render(into: &$0, in: $1, theme: $2) }
    }
}
