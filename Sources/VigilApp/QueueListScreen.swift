import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

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

    static let hint: KeyHint = ["? keys", "q quit", "Enter detail", .decides("f fraud"), .decides("p false pos."), .decides("e escalate"),
                                .decides("i info"), .decides("a note"), .decides("u undo"), .decides("Space mark"), "/ find",
                                .looking("v view"), .looking("c client"), .looking("Tab cases"), .looking("F filter")]

    func render(into buffer: inout CellBuffer) {
        guard let frame = model.drawFrame(into: &buffer, hint: model.hintLine(Self.hint)) else { return }
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
