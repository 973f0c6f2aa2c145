import VigilTUI

/// One screen of the workbench on the `ScreenStack`: it turns keys into changes and draws what it holds.
///
/// The store is read or written in `handle` (or by a model object, in `prepare`), never while drawing: `render`
/// draws what is already loaded and cannot fail.
public protocol Screen: AnyObject {
    /// Handles one key at terminal size `size`, saying what should become of the stack.
    func handle(_ key: Key, size: TerminalSize) throws -> ScreenOutcome
    /// Draws the screen over the whole of `buffer` (an overlay draws over what the screens beneath drew).
    func render(into buffer: inout CellBuffer)
    /// Whether the screen beneath shows around this one (a prompt, the palette, the help).
    var isOverlay: Bool { get }
    /// Loads what a frame at `size` shows (the queue's rows on screen); called before each frame it is seen in.
    func prepare(size: TerminalSize) throws
    /// Loads what the next keys are likely to need, while the analyst reads; called after frames it is on top in.
    func prefetch(size: TerminalSize) throws
    /// Whether something behind it is still being worked out, so the run loop redraws as it polls.
    var isBusy: Bool { get }
}

extension Screen {
    public var isOverlay: Bool { false }
    public func prepare(size: TerminalSize) throws {}
    public func prefetch(size: TerminalSize) throws {}
    public var isBusy: Bool { false }
}

/// What a key asks of the stack of screens.
public enum ScreenOutcome {
    /// The key changed the screen: draw it again.
    case handled
    /// The key did nothing: no need to draw.
    case ignored
    /// Show this screen on top.
    case push(any Screen)
    /// Back to the screen beneath.
    case pop
    /// Show this screen in place of the top one.
    case replace(any Screen)
    /// Back to the first screen (the queue).
    case popToRoot
    /// This screen alone, as the first: the case queue and the alert queue switch so.
    case root(any Screen)
    /// These, one after the other (the palette is closed, then what it ran opens).
    case sequence([ScreenOutcome])
    /// Leave the workbench.
    case quit
}
