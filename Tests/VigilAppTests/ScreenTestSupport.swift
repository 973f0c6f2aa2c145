import Foundation
import Testing
import VigilTUI

/// The sizes every screen is drawn at in its tests: a roomy terminal, the classic one, and the smallest the
/// workbench draws in comfortably.
enum ScreenSizes {
    static let large = TerminalSize(width: 120, height: 40)
    static let classic = TerminalSize(width: 80, height: 24)
    static let small = TerminalSize(width: 60, height: 15)
}

/// Compares a whole rendered screen with `expected`, every row; trailing blanks are left out of `expected` (each
/// row must still be exactly the screen's width). With `VIGIL_SCREEN_DUMP` set to a folder, the rows drawn are
/// written there instead, by the calling line, to review a changed screen.
func expectScreen(_ buffer: CellBuffer, _ expected: [String], fileID: String = #fileID, line: Int = #line,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    let rows = buffer.rows
    if let folder = ProcessInfo.processInfo.environment["VIGIL_SCREEN_DUMP"] {
        let name = fileID.replacingOccurrences(of: "/", with: "-") + "-\(line).txt"
        try? rows.joined(separator: "\n").write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        return
    }
    #expect(rows.allSatisfy { displayWidth(of: $0) == buffer.width }, sourceLocation: sourceLocation)
    let trimmed = rows.map { String($0.reversed().drop { $0 == " " }.reversed()) }
    #expect(trimmed.count == expected.count, "rows", sourceLocation: sourceLocation)
    for (index, (row, wanted)) in zip(trimmed, expected).enumerated() where row != wanted {
        Issue.record("row \(index): \"\(row)\" is not \"\(wanted)\"", sourceLocation: sourceLocation)
    }
}

/// `count` blank rows of an expected screen.
func blanks(_ count: Int) -> [String] { Array(repeating: "", count: count) }
