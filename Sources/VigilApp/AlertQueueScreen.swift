import VigilCore
import VigilDetect
import VigilEngine
import VigilStore
import VigilTUI

/// The workbench opened on the alert queue: the queue's model (`QueueModel`) and the stack of screens over it, the
/// list at the bottom. Everything else (an alert's detail, a client, the overview, the help, the palette, a
/// prompt) is pushed over the list and popped off again.
public final class AlertQueueScreen {
    /// Which screen has the keys, as tests and callers name it.
    public enum Mode: Equatable {
        case list
        case detail(alertID: Int64, scroll: ScrollState)
        case search(TextInputState)
        /// The filter being typed (`AlertFilter`).
        case filter(TextInputState)
        /// A note being written; `returnTo` is the detail it was started from, if any.
        case note(TextInputState, alerts: [SeenAlert], returnTo: Int64?)
        case help(ScrollState)
        case client
        case overview
        /// The common-point-of-purchase screen.
        case commonPoints
        /// The command palette: the text typed, and the completion chosen with Tab (an index into the completions).
        case palette(TextInputState, completion: Int?)
        /// The case queue, and one case.
        case cases
        case caseView(caseID: Int64)
    }

    public enum Outcome: Equatable { case handled, quit }

    public let model: QueueModel
    public let stack: ScreenStack

    /// `opensOnCases`: the workbench opens on the case queue (Tab switches to the alerts), as `vigil` does.
    public init(store: Store, analyst: String, theme: Theme = .default, themes: [Theme] = [], opensOnCases: Bool = false) throws {
        model = try QueueModel(store: store, analyst: analyst, theme: theme, themes: themes, readsAlerts: !opensOnCases)
        stack = ScreenStack(root: opensOnCases ? CaseQueueScreen(model: model) : QueueListScreen(model: model), model: model)
    }

    /// The time the case queue measures ages and due dates from, and `n` claims at (tests fix it).
    public var clock: @Sendable () -> Int64 {
        get { model.cases.clock }
        set { model.cases.clock = newValue }
    }

    public static var bindings: KeyBindingTable<QueueAction> { QueueKeys.bindings }
    /// Below this the screen says so instead of drawing.
    public static var minimumSize: TerminalSize { QueueFrame.minimumSize }

    public var store: Store { model.store }
    public var analyst: String { model.analyst }
    public var query: AlertQuery { model.query }
    public var ids: [Int64] { model.ids }
    public var counts: [String: Int] { model.counts }
    public var message: String? { model.message }
    public var filter: AlertFilter { model.filter }
    public var newSince: Int64 { model.newSince }
    public var liveScorers: [LiveScorerStatus] { model.liveScorers }
    public var liveIndicator: String? { model.liveIndicator }
    public var backgroundScan: BackgroundScan? { model.backgroundScan }
    public var theme: Theme {
        get { model.theme }
        set { model.theme = newValue }
    }
    public var themes: [Theme] {
        get { model.themes }
        set { model.themes = newValue }
    }
    public var scanOptions: ScanOptions {
        get { model.scanOptions }
        set { model.scanOptions = newValue }
    }

    /// The client view and the overview while open.
    public var clientScreen: ClientScreen? { stack.first(ClientPage.self)?.screen }
    public var overviewScreen: OverviewScreen? { stack.first(OverviewPage.self)?.screen }
    public var cppScreen: CPPScreen? { stack.first(CPPPage.self)?.screen }

    public var mode: Mode {
        switch stack.top {
        case let detail as AlertDetailScreen: return .detail(alertID: detail.alertID, scroll: detail.scroll)
        case let prompt as PromptScreen:
            switch prompt.kind {
            case .search: return .search(prompt.input)
            case .filter: return .filter(prompt.input)
            case .note(let alerts, let returnTo): return .note(prompt.input, alerts: alerts, returnTo: returnTo)
            }
        case let help as HelpScreen: return .help(help.scroll)
        case is ClientPage: return .client
        case is OverviewPage: return .overview
        case is CPPPage: return .commonPoints
        case is CaseQueueScreen, is ExposedCasesScreen: return .cases
        case let page as CaseScreen: return .caseView(caseID: page.caseID)
        case let palette as PaletteScreen: return .palette(palette.input, completion: palette.completion)
        default: return .list
        }
    }

    public func reload() throws { try model.reload() }
    @discardableResult
    public func refreshIfChanged() throws -> Bool { try model.refreshIfChanged() }
    public func prefetch(size: TerminalSize) throws { try model.prefetch(size: size) }
    public func startScan(_ detectors: [Detector]) { model.startScan(detectors) }
    public func cancelScan() { model.cancelScan() }
    public func pollBackgroundScan() throws -> Bool { try model.pollBackgroundScan() }
    public func pollLive() throws -> Bool { try model.pollLive() }

    /// Handles one key at screen size `size`.
    public func handle(_ key: Key, size: TerminalSize) throws -> Outcome {
        try stack.handle(key, size: size) == .quit ? .quit : .handled
    }

    /// A frame at `size`: the model loads what it shows (the rows on screen, a detail read again), which may fail,
    /// then the screens draw it (`ScreenStack.render`), which reads nothing and cannot fail.
    public func frame(size: TerminalSize) throws -> CellBuffer {
        try stack.frame(size: size)
    }

    /// Runs the queue until the analyst quits, polling the store for others' changes twice a second while idle.
    public func run(backend: some TerminalBackend) throws {
        try Workbench.run(stack, backend: backend)
    }
}
