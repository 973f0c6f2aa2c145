import VigilTUI

/// The keys, over the screen they belong to; `?`, `q` or Escape closes it.
final class HelpScreen: Screen {
    let model: QueueModel
    let sections: [HelpSection]
    private(set) var scroll = ScrollState()

    init(model: QueueModel, sections: [HelpSection]) {
        self.model = model
        self.sections = sections
    }

    var isOverlay: Bool { true }

    private var overlay: HelpOverlay {
        let theme = model.theme
        return HelpOverlay(title: "Keys", sections: sections,
                           styles: HelpOverlay.Styles(frame: theme.border, title: theme.header, section: theme.header,
                                                      key: theme.accent, description: theme.text))
    }

    func handle(_ key: Key, size: TerminalSize) -> ScreenOutcome {
        if key == .character("?") || key == .escape || key == .character("q") { return .pop }
        let overlay = overlay
        _ = scroll.handle(key, rowCount: overlay.rowCount, pageSize: overlay.pageSize(in: Rect(width: size.width, height: size.height)))
        return .handled
    }

    func render(into buffer: inout CellBuffer) {
        guard QueueFrame(buffer.size) != nil else { return }
        overlay.render(into: &buffer, over: buffer.bounds, state: &scroll)
    }
}
