import VigilCore

/// How many terminal columns text takes, as a terminal following Unicode's
/// East Asian Width property draws it: wide and fullwidth characters (CJK,
/// Hangul, fullwidth forms, emoji with emoji presentation) take two columns,
/// combining marks and other zero-width scalars take none, everything else one.

/// Columns one scalar takes on its own: 0, 1 or 2. Control characters count 0
/// here; they never reach the screen (see `Sanitizer`).
public func displayWidth(of scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    if value < 0x20 || (value >= 0x7F && value < 0xA0) { return 0 }
    if value < 0x300 { return 1 } // fast path: Latin, before the combining block
    // Unicode property lookups cost far more than drawing a cell, and every screen's dashes, dots, arrows and
    // box lines are past U+0300: the Basic Multilingual Plane's widths are worked out once, on first use.
    if value < 0x10000 { return Int(basicPlaneWidths[Int(value)]) }
    return computedWidth(of: scalar)
}

/// The width of every scalar of the Basic Multilingual Plane (surrogates, which are not scalars, 1).
private let basicPlaneWidths: [UInt8] = (0..<0x10000).map { value in
    guard let scalar = Unicode.Scalar(UInt32(value)) else { return 1 }
    return UInt8(computedWidth(of: scalar))
}

private func computedWidth(of scalar: Unicode.Scalar) -> Int {
    let value = scalar.value
    if value < 0x20 || (value >= 0x7F && value < 0xA0) { return 0 }
    if isZeroWidth(scalar) { return 0 }
    if isWide(value) || scalar.properties.isEmojiPresentation { return 2 }
    return 1
}

/// Columns one grapheme cluster takes: its widest scalar, and two for an emoji
/// asked to present as emoji (U+FE0F). A cluster that is all zero-width (a lone
/// combining mark) takes 0.
public func displayWidth(of character: Character) -> Int {
    let scalars = character.unicodeScalars
    if scalars.count == 1, let scalar = scalars.first { return displayWidth(of: scalar) }
    var width = 0
    var asksEmojiPresentation = false
    for scalar in scalars {
        width = max(width, displayWidth(of: scalar))
        if scalar.value == 0xFE0F { asksEmojiPresentation = true }
    }
    if asksEmojiPresentation && scalars.contains(where: { $0.value >= 0x80 && $0.properties.isEmoji }) { width = 2 }
    return min(width, 2)
}

/// Columns a string takes once drawn, i.e. after `Sanitizer` has replaced
/// anything unsafe with a one-column placeholder.
public func displayWidth(of text: String) -> Int {
    Sanitizer.sanitize(text).reduce(0) { $0 + displayWidth(of: $1) }
}

/// Text cut to at most `width` columns; a cut string ends in `ellipsis` (also
/// counted in the width). Never splits a wide character.
public func truncate(_ text: String, toWidth width: Int, ellipsis: String = "…") -> String {
    guard width > 0 else { return "" }
    let clean = Sanitizer.sanitize(text)
    if displayWidth(of: clean) <= width { return clean }
    let ellipsisWidth = displayWidth(of: ellipsis)
    let room = ellipsisWidth <= width ? width - ellipsisWidth : width
    var result = ""
    var used = 0
    for character in clean {
        let w = displayWidth(of: character)
        if used + w > room { break }
        result.append(character)
        used += w
    }
    return ellipsisWidth <= width ? result + ellipsis : result
}

/// Text padded with spaces (or cut) to exactly `width` columns.
public func pad(_ text: String, toWidth width: Int, alignment: TextAlignment = .left) -> String {
    let cut = truncate(text, toWidth: width)
    let gap = max(0, width - displayWidth(of: cut))
    switch alignment {
    case .left: return cut + String(repeating: " ", count: gap)
    case .right: return String(repeating: " ", count: gap) + cut
    case .center:
        let left = gap / 2
        return String(repeating: " ", count: left) + cut + String(repeating: " ", count: gap - left)
    }
}

public enum TextAlignment: Hashable, Sendable {
    case left, right, center
}

private func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    if value == 0x200B { return true } // zero width space
    if (0x1160...0x11FF).contains(value) { return true } // Hangul medial vowels and final consonants
    switch scalar.properties.generalCategory {
    case .nonspacingMark, .enclosingMark, .format: return true
    default: return false
    }
}

private func isWide(_ value: UInt32) -> Bool {
    // East Asian Width W and F blocks (Unicode 15), emoji handled by the caller.
    switch value {
    case 0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC, 0x23F0, 0x23F3,
         0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
         0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
         0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x17000...0x18CFF, 0x1AFF0...0x1B2FF,
         0x1F200...0x1F251, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
        return true
    default:
        return false
    }
}
