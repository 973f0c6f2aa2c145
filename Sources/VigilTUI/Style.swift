/// A terminal colour: the terminal's own default, one of the eight basic
/// colours, or an index into the 256-colour palette.
public enum Color: Hashable, Sendable {
    case `default`
    case black, red, green, yellow, blue, magenta, cyan, white
    case indexed(UInt8)

    /// The palette index (0–255), nil for the terminal default.
    public var paletteIndex: Int? {
        switch self {
        case .default: return nil
        case .black: return 0
        case .red: return 1
        case .green: return 2
        case .yellow: return 3
        case .blue: return 4
        case .magenta: return 5
        case .cyan: return 6
        case .white: return 7
        case .indexed(let n): return Int(n)
        }
    }

    /// The closest of the eight basic colours (0–7), for terminals without 256 colours;
    /// nil for the terminal default. Closest by distance in RGB, using xterm's palette.
    public var basicIndex: Int? {
        guard let index = paletteIndex else { return nil }
        switch index {
        case 0..<8: return index
        case 8..<16: return index - 8
        default:
            let (red, green, blue) = Color.rgb(ofPaletteIndex: index)
            var best = 0
            var bestDistance = Int.max
            for (candidate, basic) in Color.basicRGB.enumerated() {
                let distance = (red - basic.0) * (red - basic.0) + (green - basic.1) * (green - basic.1)
                    + (blue - basic.2) * (blue - basic.2)
                if distance < bestDistance {
                    best = candidate
                    bestDistance = distance
                }
            }
            return best
        }
    }

    private static let basicRGB: [(Int, Int, Int)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    ]

    /// xterm's RGB for palette entries 16–255 (the 6×6×6 cube, then 24 greys).
    private static func rgb(ofPaletteIndex index: Int) -> (Int, Int, Int) {
        if index >= 232 {
            let grey = 8 + 10 * (index - 232)
            return (grey, grey, grey)
        }
        let levels = [0, 95, 135, 175, 215, 255]
        let cube = index - 16
        return (levels[cube / 36], levels[(cube / 6) % 6], levels[cube % 6])
    }
}

/// How a cell looks: colours plus attributes.
public struct Style: Hashable, Sendable {
    public var foreground: Color
    public var background: Color
    public var bold: Bool
    public var reverse: Bool
    public var underline: Bool
    public var dim: Bool

    public init(
        foreground: Color = .default, background: Color = .default,
        bold: Bool = false, reverse: Bool = false, underline: Bool = false, dim: Bool = false
    ) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
        self.dim = dim
    }

    /// Default colours, no attributes.
    public static let plain = Style()

    public func with(foreground: Color) -> Style { var s = self; s.foreground = foreground; return s }
    public func with(background: Color) -> Style { var s = self; s.background = background; return s }
    public var bolded: Style { var s = self; s.bold = true; return s }
    public var reversed: Style { var s = self; s.reverse = true; return s }
    public var underlined: Style { var s = self; s.underline = true; return s }
    public var dimmed: Style { var s = self; s.dim = true; return s }
}

/// One terminal cell. A character two columns wide sits in its left cell; the
/// cell to its right is a continuation that holds nothing of its own.
public struct Cell: Hashable, Sendable {
    public var character: Character
    public var style: Style
    /// True for the right half of a wide character.
    public var isContinuation: Bool

    public init(character: Character = " ", style: Style = .plain, isContinuation: Bool = false) {
        self.character = character
        self.style = style
        self.isContinuation = isContinuation
    }

    public static let blank = Cell()
}
