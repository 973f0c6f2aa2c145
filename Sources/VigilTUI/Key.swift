/// A key press, independent of the terminal library that read it.
public enum Key: Hashable, Sendable {
    /// A printable character (including space).
    case character(Character)
    /// Control plus a letter or symbol, as a lowercase character: Ctrl-C is `.ctrl("c")`.
    case ctrl(Character)
    case up, down, left, right
    case pageUp, pageDown
    case home, end
    case enter
    case escape
    case backspace
    case delete
    case tab
    case backTab
    /// The terminal changed size; redraw at the backend's new size.
    case resize
    /// F1…F63.
    case function(Int)
    /// A code this enum has no name for (the raw value the backend saw).
    case unknown(Int)

    /// The key for one character code read from the terminal: C0 controls
    /// become named keys or `.ctrl`, DEL is backspace, the rest are characters.
    public static func fromCharacterCode(_ code: UInt32) -> Key {
        switch code {
        case 0x09: return .tab
        case 0x0A, 0x0D: return .enter
        case 0x1B: return .escape
        case 0x08, 0x7F: return .backspace
        case 0x00: return .ctrl("@")
        case 0x01...0x1A: return .ctrl(Character(Unicode.Scalar(code + 0x60)!))
        case 0x1C...0x1F: return .ctrl(Character(Unicode.Scalar(code + 0x40)!))
        case 0x80..<0xA0: return .unknown(Int(code))
        default:
            guard let scalar = Unicode.Scalar(code) else { return .unknown(Int(code)) }
            return .character(Character(scalar))
        }
    }

    /// Ctrl-C, which quits everywhere (raw mode delivers it as a key, not a signal).
    public var isInterrupt: Bool { self == .ctrl("c") }
}
