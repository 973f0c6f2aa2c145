import VigilCore
import VigilEngine
import VigilStore
import VigilTUI

/// The command palette (`:`), over the screen it was opened from: what is typed (`CommandPalette`'s grammar), its
/// completions above it, the one chosen with Tab highlighted and put in the text. Enter closes it and runs the command there.
final class PaletteScreen: Screen {
    let model: QueueModel
    /// The screen it was opened over, where its command runs (a date moves an open client's timeline).
    let over: any Screen
    private(set) var input: TextInputState
    /// The completion chosen with Tab, an index into `choices`.
    private(set) var completion: Int?
    /// What the typed text could become, read from the store as it is typed.
    private var choices: [String]

    init(model: QueueModel, over: any Screen, text: String = "") {
        self.model = model
        self.over = over
        input = TextInputState(text: text)
        choices = Self.completions(text, store: model.store)
    }

    var isOverlay: Bool { true }

    static func completions(_ text: String, store: Store) -> [String] {
        (try? CommandPalette.completions(for: text) { prefix in try store.clientIDs(startingWith: prefix, limit: 8) }) ?? []
    }

    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome {
        if key == .tab || key == .backTab {
            guard !choices.isEmpty else { model.message = "no completions"; completion = nil; return .handled }
            let step = key == .tab ? 1 : choices.count - 1
            let chosen = ((completion ?? (key == .tab ? -1 : 0)) + step) % choices.count
            completion = chosen
            // The completion goes into the text, as a shell's does; the choices stay, so Tab again cycles them.
            input = TextInputState(text: choices[chosen])
            return .handled
        }
        switch input.prompt(key) {
        case .submitted(let typed):
            return try run(typed, size: size)
        case .cancelled:
            return .pop
        case .edited:
            completion = nil
            choices = Self.completions(input.text, store: model.store)
            return .handled
        }
    }

    /// Back to the alert queue, where a filter, view or sort shows: the first screen, unless the palette was opened
    /// over the cases.
    private var toQueue: ScreenOutcome { over is CaseQueueScreen || over is CaseScreen ? .root(QueueListScreen(model: model)) : .popToRoot }

    /// Closes the palette and carries out `text` on the screen beneath.
    private func run(_ text: String, size: TerminalSize) throws -> ScreenOutcome {
        let store = model.store
        let command: PaletteCommand
        do {
            command = try CommandPalette.parse(text) { word in try !store.clientIDs(startingWith: word, limit: 1).filter { $0 == word }.isEmpty }
        } catch let error as CommandPalette.ParseError {
            model.message = ":" + error.message
            return .pop
        }
        let client = over as? ClientPage
        switch command {
        case .client(let id):
            guard let page = try model.clientPage(id) else { return .pop }
            return .sequence([.pop, client == nil ? .push(page) : .replace(page)])
        case .alert(let id):
            return try model.openAlert(id, size: size) ?? .pop
        case .date(let start):
            if let client {
                client.screen.show(day: Int(start / 86_400))
                model.message = "timeline at \(CivilTime.formatDate(start))"
                return .pop
            }
            var day = model.filter
            day.from = start
            day.until = start + 86_400
            try model.apply(filter: day, size: size)
            return toQueue
        case .scan(let detectors):
            model.startScan(detectors)
        case .cancelScan:
            model.cancelScan()
        case .overview:
            return model.overview()
        case .commonPoints:
            return model.commonPoints()
        case .filter(let text):
            do {
                try model.apply(filter: try AlertFilter.parse(text), size: size)
                return toQueue
            } catch let error as AlertFilter.ParseError {
                model.message = "filter: \(error.description)"
            }
        case .view(let name):
            try model.show(CommandPalette.views[name] ?? [.open], size: size)
            return toQueue
        case .sort(let key):
            model.sort(by: key, descending: QueueColumns.startsDescending(key), toTop: true, size: size)
            model.message = "sorted by \(key.rawValue)"
            return toQueue
        case .theme(let name):
            guard let name else { model.cycleTheme(); break }
            guard let found = model.themes.first(where: { $0.name == name }) else {
                model.message = "no theme '\(name)' (" + model.themes.map(\.name).joined(separator: ", ") + ")"
                break
            }
            model.theme = found
            model.message = "theme: \(found.name)"
        case .help:
            return .sequence([.pop, .push(HelpScreen(model: model, sections: (over as? QueuePage)?.helpSections ?? QueueKeys.helpSections))])
        case .quit:
            return .quit
        case .cases(let mine):
            model.showCases(mine ? .mine : .open)
            return .sequence([.pop, .root(CaseQueueScreen(model: model))])
        case .alerts:
            return .sequence([.pop, .root(QueueListScreen(model: model))])
        case .openCase(let id):
            return .sequence([.pop, try model.openCase(id, over: over is CaseScreen)])
        case .nextCase:
            return .sequence([.pop, try model.perform(.next, on: nil, size: size, from: over)])
        }
        return .pop
    }

    func render(into buffer: inout CellBuffer) {
        guard let frame = QueueFrame(buffer.size) else { return }
        let theme = model.theme
        if !choices.isEmpty {
            // The completions stand above the prompt, the chosen one highlighted.
            let shown = Array(choices.prefix(max(0, min(8, buffer.height - 4))))
            let width = min(buffer.width - 2, max(30, shown.map { displayWidth(of: $0) }.max() ?? 0) + 2)
            for (index, choice) in shown.enumerated() {
                let row = Rect(x: 1, y: frame.hint.y - shown.count + index, width: width, height: 1)
                let style = index == completion ? theme.selection : theme.statusBar
                buffer.fill(row, style: style)
                buffer.put(" " + choice, in: row, style: style)
            }
        }
        model.drawPrompt(":", placeholder: "client id, #alert, YYYY-MM-DD, or a command (Tab completes, Esc cancels)", input: &input,
                         in: frame.hint, into: &buffer)
    }
}
