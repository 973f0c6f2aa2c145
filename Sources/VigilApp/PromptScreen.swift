import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// A text typed over the queue: a search or a filter on the key-hint line, or a note in a box. Keys are read as
/// every prompt reads them (`TextInputState.prompt`): Enter (Ctrl-S for a note) submits, Escape cancels.
final class PromptScreen: Screen {
    enum Kind {
        case search
        /// The filter being typed (`AlertFilter`).
        case filter
        /// A note on `alerts`; `returnTo` is the detail it was started from, if any.
        case note(alerts: [SeenAlert], returnTo: Int64?)
    }

    let model: QueueModel
    let kind: Kind
    private(set) var input: TextInputState

    init(model: QueueModel, kind: Kind) {
        self.model = model
        self.kind = kind
        // A search or a filter opens empty, so what is typed is the whole of it; Up recalls the last one.
        switch kind {
        case .search, .filter: input = TextInputState()
        case .note: input = TextInputState(multiline: true, maxLength: 4_000)
        }
    }

    var isOverlay: Bool { true }

    /// What Up recalls into an empty prompt: the last search, the filter in force.
    private var recalled: String? {
        switch kind {
        case .search: model.lastSearch
        case .filter: model.filter.text
        case .note: nil
        }
    }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        if key == .up, input.text.isEmpty, let recalled, !recalled.isEmpty {
            input = TextInputState(text: recalled)
            return .handled
        }
        switch (input.prompt(key), kind) {
        case (.edited, _):
            return .handled
        case (.cancelled, .note(_, let returnTo)):
            model.message = "note discarded"
            return back(to: returnTo)
        case (.cancelled, _):
            return .pop
        case (.submitted(let text), .search):
            model.lastSearch = text
            try model.find(forward: true, from: model.table.cursor - 1)
            return .pop
        case (.submitted(let text), .filter):
            let parsed: AlertFilter
            do {
                parsed = try AlertFilter.parse(text)
            } catch {
                // The prompt stays open, to be put right.
                model.message = "filter: \(error.description)"
                return .handled
            }
            try model.apply(filter: parsed, size: size)
            return .popToRoot
        case (.submitted(let text), .note(let alerts, let returnTo)):
            try model.addNote(text, to: alerts)
            return back(to: returnTo)
        }
    }

    /// Back to the detail the note was started from (read again, from the top), else to the list.
    private func back(to detail: Int64?) -> ScreenOutcome {
        detail.map { .replace(AlertDetailScreen(model: model, returningTo: $0)) } ?? .pop
    }

    func render(into buffer: inout CellBuffer) {
        guard let frame = QueueFrame(buffer.size) else { return }
        let theme = model.theme
        switch kind {
        case .search:
            model.drawPrompt("/", placeholder: "merchant, client or reason; Enter finds, Esc cancels", input: &input,
                             in: frame.hint, into: &buffer)
        case .filter:
            model.drawPrompt("F", placeholder: "client=ID detector=NAME amount=MIN..MAX date=FROM..UNTIL; empty clears",
                             input: &input, in: frame.hint, into: &buffer)
        case .note(let alerts, _):
            let size = frame.size
            let box = buffer.bounds.centered(width: min(70, size.width - 4), height: min(10, size.height - 4))
            let inside = buffer.drawBox(box, style: theme.border, title: " Note on " + QueueModel.naming(alerts) + " ",
                                        titleStyle: theme.header)
            let (field, help) = inside.splitBottom(1)
            TextInput(styles: model.inputStyles, placeholder: "what you found or did", wraps: true).render(into: &buffer, in: field, state: &input)
            buffer.put("Ctrl-S saves · Esc discards", in: help, style: theme.dim)
        }
    }
}
