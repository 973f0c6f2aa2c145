import VigilTUI

/// What the screens of one workbench share and the run loop polls while the analyst is idle: for the alert
/// queue, its model (the store's changes, a background scan, live scoring).
public protocol WorkbenchModel: AnyObject {
    /// A key arrived: what the last key said (the status line's message) is forgotten.
    func keyArrived()
    /// Polled while idle; true when something on screen changed.
    func poll() throws -> Bool
    /// Whether something runs in the background, so the run loop polls faster and redraws each time.
    var isBusy: Bool { get }
    /// On the way out: background work is stopped and waited for, so the store is never left mid-write.
    func finish()
}

/// The workbench's screens, the one on top getting the keys: lazygit's context stack. The first screen (the
/// queue, or the store summary) is never popped; screens opened from it are pushed and popped, so that `q` goes
/// back to wherever a screen was opened from without anyone keeping a return slot.
public final class ScreenStack {
    public private(set) var screens: [any Screen]
    /// The screens' shared model, polled by the run loop; nil when there is nothing to poll (the store summary).
    public let model: (any WorkbenchModel)?

    public init(root: any Screen, model: (any WorkbenchModel)? = nil) {
        screens = [root]
        self.model = model
    }

    public var top: any Screen { screens[screens.count - 1] }

    /// The topmost screen of type `T`, if one is open.
    public func first<T>(_ type: T.Type) -> T? {
        screens.reversed().lazy.compactMap { $0 as? T }.first
    }

    /// Hands `key` to the top screen and carries out what it asks of the stack.
    public func handle(_ key: Key, size: TerminalSize) throws -> KeyResult {
        if key.isInterrupt { return .quit }
        model?.keyArrived()
        return apply(try top.handle(key, size: size))
    }

    /// What a key came to.
    public enum KeyResult: Equatable { case changed, unchanged, quit }

    private func apply(_ outcome: ScreenOutcome) -> KeyResult {
        switch outcome {
        case .handled: return .changed
        case .ignored: return .unchanged
        case .push(let screen): screens.append(screen)
        case .pop: if screens.count > 1 { screens.removeLast() }
        case .replace(let screen):
            if screens.count > 1 { screens.removeLast() }
            screens.append(screen)
        case .popToRoot: screens.removeSubrange(1...)
        case .root(let screen): screens = [screen]
        case .sequence(let outcomes):
            for outcome in outcomes where apply(outcome) == .quit { return .quit }
        case .quit: return .quit
        }
        return .changed
    }

    /// The screens a frame shows: the top one and, under overlays, those down to the first that is not one.
    private var visible: ArraySlice<any Screen> {
        let base = screens.lastIndex { !$0.isOverlay } ?? 0
        return screens[base...]
    }

    /// Loads what a frame at `size` shows.
    public func prepare(size: TerminalSize) throws {
        for screen in visible { try screen.prepare(size: size) }
    }

    /// Draws the visible screens, bottom first. Nothing here reads the store or fails.
    public func render(size: TerminalSize) -> CellBuffer {
        var buffer = CellBuffer(size: size)
        for screen in visible { screen.render(into: &buffer) }
        return buffer
    }

    /// A whole frame: what it shows loaded, then drawn.
    public func frame(size: TerminalSize) throws -> CellBuffer {
        try prepare(size: size)
        return render(size: size)
    }

    public func prefetch(size: TerminalSize) throws { try top.prefetch(size: size) }

    /// Whether a screen or the model works in the background.
    public var isBusy: Bool { model?.isBusy == true || screens.contains { $0.isBusy } }
}
