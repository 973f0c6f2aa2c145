import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// A screen drawn in the queue's frame (the title, status line and key hint): the list, an alert's detail, a
/// client, the overview. The help opened over it lists its keys.
protocol QueuePage: Screen {
    var helpSections: [HelpSection] { get }
}

/// The alert queue's list: the alerts of the view, a row each, with the cursor and the marks. Its rows are
/// loaded by the model before each frame (`prepare`), a page at a time.
final class QueueListScreen: QueuePage {
    let model: QueueModel

    init(model: QueueModel) { self.model = model }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        if let action = QueueKeys.bindings.action(for: key) { return try model.perform(action, size: size, from: self) }
        _ = model.table.handle(key, rowCount: model.ids.count, pageSize: QueueModel.pageSize(size))
        return .handled
    }

    func prepare(size: TerminalSize) throws {
        guard let frame = QueueFrame(size) else { return }
        try model.loadPage(in: frame.body, width: size.width)
    }

    func prefetch(size: TerminalSize) throws { try model.prefetch(size: size) }

    var helpSections: [HelpSection] { QueueKeys.helpSections }

    static let hint = "? keys · q quit · Enter detail · f fraud · p false pos. · e escalate · i info · a note · u undo · Space mark · / find"

    func render(into buffer: inout CellBuffer) {
        guard let frame = model.drawFrame(into: &buffer, hint: Self.hint) else { return }
        let theme = model.theme
        let width = buffer.width
        let table = Table(columns: QueueColumns.columns(width: width),
                          styles: Table.Styles(header: theme.header, row: theme.text, cursor: theme.selection,
                                               marker: theme.mark, empty: theme.dim),
                          showsMarkers: true, emptyMessage: "No alerts in this view (v changes the view)")
        let model = self.model
        let loaded = model.loaded
        let ids = model.ids
        let source = TableRows(count: ids.count) { row in
            loaded[ids[row]].map { QueueColumns.cells($0, width: width, new: model.isNew($0)) } ?? []
        }
        table.render(source, into: &buffer, in: frame.body, state: &model.table)
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
        switch key {
        case .character("?"): return .push(HelpScreen(model: model, sections: helpSections))
        case .character(":"): return .push(PaletteScreen(model: model, over: self))
        case .character("t"): model.cycleTheme(); return .handled
        default: break
        }
        switch screen.handle(key, size: size) {
        case .handled: model.message = screen.message
        case .back: return .pop
        case .openAlert(let id): return try model.openAlert(id, size: size) ?? .handled
        }
        return .handled
    }

    var helpSections: [HelpSection] { ClientScreen.bindings.helpSections + [QueueKeys.movement] }

    func render(into buffer: inout CellBuffer) {
        guard let frame = model.drawFrame(into: &buffer, hint: screen.hint + " · : palette") else { return }
        screen.render(into: &buffer, in: frame.body, theme: model.theme)
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
        switch key {
        case .character("?"): return .push(HelpScreen(model: model, sections: helpSections))
        case .character(":"): return .push(PaletteScreen(model: model, over: self))
        case .character("t"): model.cycleTheme(); return .handled
        default: return screen.handle(key) == .back ? .pop : .handled
        }
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
        guard let frame = model.drawFrame(into: &buffer, hint: screen.hint + " · : palette") else { return }
        screen.render(into: &buffer, in: frame.body, theme: model.theme)
    }
}
