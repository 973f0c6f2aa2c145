import CNcursesw
import VigilCore
import VigilTUI

/// The real terminal, through ncursesw.
///
/// `start` takes the terminal over (locale from the environment, raw mode so
/// Ctrl-C arrives as a key, no echo, keypad keys, hidden cursor, colours when
/// the terminal has them and NO_COLOR is unset). The terminal is always given
/// back: by `stop`, at process exit, on SIGINT/SIGTERM/SIGHUP/SIGQUIT, and on a
/// crash signal (handlers written in C in the CNcursesw shim, so no Swift code
/// runs inside a signal handler).
public final class NcursesBackend: TerminalBackend {
    public enum ColorMode: Hashable, Sendable {
        /// NO_COLOR, or a terminal without colours: attributes only.
        case none
        case basic8
        case palette256
    }

    public private(set) var isStarted = false
    /// Whether this backend has created its curses screen; a later `start` resumes it.
    private var hasScreen = false
    public private(set) var colorMode: ColorMode = .none
    /// Whether the terminal's own default colours can be used (`use_default_colors`).
    private var hasDefaultColors = false
    private var pairs: [ColorPairKey: Int32] = [:]
    private var pairLimit: Int32 = 0
    /// What the terminal shows now, to draw only what changed.
    private var shown: CellBuffer?

    private let environment: [String: String]

    /// - Parameter environment: consulted for NO_COLOR; the process environment by default.
    public init(environment: [String: String]? = nil) {
        self.environment = environment ?? NcursesBackend.processEnvironment()
    }

    deinit {
        stop()
    }

    public var size: TerminalSize {
        guard isStarted else { return TerminalSize(width: 0, height: 0) }
        return TerminalSize(width: Int(vigil_cols()), height: Int(vigil_lines()))
    }

    public func start() throws {
        guard !isStarted else { return }
        if hasScreen {
            _ = vigil_resume_screen()
        } else {
            _ = vigil_set_locale_from_environment()
            vigil_unblock_terminal_signals()
            guard vigil_start_screen() != 0 else {
                throw TerminalError("cannot start the terminal (is TERM set, and is this a terminal?)")
            }
            // A terminal that cannot move the cursor (TERM=dumb, emacs's shell, a printer) would get every frame
            // as a stream of text: refuse it with a message rather than scroll garbage.
            guard NcursesBackend.canAddressCursor() else {
                vigil_end_screen()
                let term = getenv("TERM").map { String(cString: $0) } ?? ""
                throw TerminalError("the terminal (TERM=\(term.isEmpty ? "unset" : Sanitizer.sanitize(term))) cannot move the cursor; "
                    + "the workbench needs a full-screen terminal (e.g. TERM=xterm-256color). "
                    + "`vigil stats`, `vigil alerts` and `vigil report` work on any terminal")
            }
            hasScreen = true
        }
        isStarted = true
        NcursesBackend.installRestoreHandlers
        raw()
        noecho()
        nonl()
        _ = vigil_keypad(1)
        curs_set(0)
        set_escdelay(25)
        setUpColors()
        shown = nil
        pairs = [:]
    }

    public func stop() {
        guard isStarted else { return }
        isStarted = false
        shown = nil
        vigil_end_screen()
    }

    public func draw(_ buffer: CellBuffer) {
        guard isStarted else { return }
        let screen = size
        let width = min(buffer.width, screen.width)
        let height = min(buffer.height, screen.height)
        let previous = shown.flatMap { $0.size == buffer.size && $0.size == screen ? $0 : nil }
        if previous == nil {
            // A full repaint: after a resize the terminal's contents may differ from what curses remembers
            // (tmux and others reflow or clear), so erase alone could leave stale or blank rows.
            _ = vigil_clear()
        }
        for y in 0..<height {
            for x in 0..<width {
                let cell = buffer[x, y]
                if cell.isContinuation { continue }
                if let previous, previous[x, y] == cell, previous[x + 1, y] == buffer[x + 1, y] { continue }
                write(cell, x: x, y: y, wide: displayWidth(of: cell.character) == 2 && x + 1 < width)
            }
        }
        _ = vigil_refresh()
        shown = buffer.size == screen ? buffer : nil
    }

    public func nextKey(timeoutMilliseconds: Int?) -> Key? {
        guard isStarted else { return nil }
        _ = vigil_timeout(Int32(clamping: timeoutMilliseconds.map { max(0, $0) } ?? -1))
        while true {
            var code: Int32 = 0
            switch vigil_get_wch(&code) {
            case Int32(VIGIL_INPUT_CHARACTER):
                return Key.fromCharacterCode(UInt32(bitPattern: code))
            case Int32(VIGIL_INPUT_KEY_CODE):
                if code == vigil_key_resize() { shown = nil }
                return NcursesBackend.key(forKeyCode: code)
            case Int32(VIGIL_INPUT_INTERRUPTED) where timeoutMilliseconds == nil:
                continue // a stray signal is not the end of input
            default:
                return nil
            }
        }
    }

    /// The key for a curses KEY_* code.
    public static func key(forKeyCode code: Int32) -> Key {
        switch code {
        case vigil_key_resize(): return .resize
        case vigil_key_up(): return .up
        case vigil_key_down(): return .down
        case vigil_key_left(): return .left
        case vigil_key_right(): return .right
        case vigil_key_page_up(): return .pageUp
        case vigil_key_page_down(): return .pageDown
        case vigil_key_home(): return .home
        case vigil_key_end(): return .end
        case vigil_key_backspace(): return .backspace
        case vigil_key_delete(): return .delete
        case vigil_key_enter(): return .enter
        case vigil_key_back_tab(): return .backTab
        case (vigil_key_f(1))...(vigil_key_f(63)): return .function(Int(code - vigil_key_f0()))
        default: return .unknown(Int(code))
        }
    }

    // MARK: - Drawing

    private func write(_ cell: Cell, x: Int, y: Int, wide: Bool) {
        let (attributes, pair) = attributesAndPair(for: cell.style)
        var characters = cell.character.unicodeScalars.map { wchar_t(bitPattern: $0.value) }
        if wide {
            // If curses thinks the character is narrow after all, the right half shows a space, not stale text.
            var space: [wchar_t] = [wchar_t(0x20)]
            _ = vigil_put_cell(Int32(y), Int32(x + 1), &space, 1, attributes, pair)
        }
        _ = vigil_put_cell(Int32(y), Int32(x), &characters, Int32(characters.count), attributes, pair)
    }

    private func attributesAndPair(for style: Style) -> (UInt32, Int32) {
        var attributes = vigil_attr_normal()
        if style.bold { attributes |= vigil_attr_bold() }
        // Without colours a coloured background (a title or status bar) would vanish; reverse video keeps it a bar.
        let reverse = colorMode == .none && style.background != .default ? !style.reverse : style.reverse
        if reverse { attributes |= vigil_attr_reverse() }
        if style.underline { attributes |= vigil_attr_underline() }
        if style.dim { attributes |= vigil_attr_dim() }
        // The pair travels separately (setcchar), so pairs above 255 work too.
        return (attributes, colorPair(foreground: style.foreground, background: style.background))
    }

    // MARK: - Colours

    private struct ColorPairKey: Hashable {
        var foreground: Int32
        var background: Int32
    }

    private func setUpColors() {
        colorMode = .none
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        guard !noColor, has_colors() else { return }
        guard start_color() == OK else { return }
        hasDefaultColors = use_default_colors() == OK
        let colors = vigil_colors()
        colorMode = colors >= 256 ? .palette256 : (colors >= 8 ? .basic8 : .none)
        pairLimit = min(vigil_color_pairs(), 32767)
    }

    /// The pair for two colours, allocated on first use; 0 (the terminal's
    /// default pair) without colours or once the terminal's pairs run out.
    private func colorPair(foreground: Color, background: Color) -> Int32 {
        guard colorMode != .none else { return 0 }
        let key = ColorPairKey(foreground: colorNumber(foreground, isForeground: true),
                               background: colorNumber(background, isForeground: false))
        if key.foreground == -1 && key.background == -1 { return 0 }
        if let pair = pairs[key] { return pair }
        let next = Int32(pairs.count + 1)
        guard next < pairLimit, vigil_init_pair(next, key.foreground, key.background) == OK else { return 0 }
        pairs[key] = next
        return next
    }

    private func colorNumber(_ color: Color, isForeground: Bool) -> Int32 {
        let index: Int?
        switch colorMode {
        case .none: return -1
        case .basic8: index = color.basicIndex
        case .palette256: index = color.paletteIndex
        }
        if let index { return Int32(index) }
        if hasDefaultColors { return -1 }
        return isForeground ? 7 : 0
    }

    /// Whether the current curses terminal has cursor addressing (terminfo `cup`).
    private static func canAddressCursor() -> Bool {
        guard let cup = tigetstr("cup") else { return false }
        return Int(bitPattern: cup) != -1 && cup.pointee != 0
    }

    // MARK: - Process-wide set-up

    /// Installed once per process: installing twice would make the fault
    /// handlers chain to themselves.
    private static let installRestoreHandlers: Void = vigil_install_terminal_restore()

    private static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        if let value = getenv("NO_COLOR") { result["NO_COLOR"] = String(cString: value) }
        return result
    }
}
