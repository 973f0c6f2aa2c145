import Testing
@testable import VigilTUI

/// Rects from empty to small, at the buffer's edges and beyond them, for the chart widgets' tiny-rect tests.
let chartTinyRects: [Rect] = {
    var rects: [Rect] = [.zero, Rect(x: -3, y: -2, width: 5, height: 4), Rect(x: 5, y: 3, width: 10, height: 10),
                         Rect(x: 50, y: 50, width: 4, height: 4), Rect(x: -20, y: -3, width: 60, height: 12)]
    for width in [0, 1, 2, 5, 6] { for height in [0, 1, 2, 4] { rects.append(Rect(x: 1, y: 1, width: width, height: height)) } }
    return rects
}()

/// Draws with `draw` on a dotted 8×6 buffer and checks that no cell outside `rect` changed and nothing unsafe was drawn.
func expectDrawsOnlyInside(_ rect: Rect, sourceLocation: SourceLocation = #_sourceLocation, _ draw: (inout CellBuffer) -> Void) {
    var buffer = backdrop(width: 8, height: 6)
    draw(&buffer)
    for y in 0..<buffer.height {
        for x in 0..<buffer.width where !rect.contains(x: x, y: y) {
            #expect(buffer[x, y].character == ".", "\(rect) drew at \(x),\(y)", sourceLocation: sourceLocation)
        }
    }
    assertInert(buffer, sourceLocation: sourceLocation)
}

/// What `render` draws into a fresh buffer of `width` × `height`, as rows of text.
func drawnRows(width: Int, height: Int, _ render: (inout CellBuffer, Rect) -> Void) -> [String] {
    var buffer = CellBuffer(width: width, height: height)
    render(&buffer, buffer.bounds)
    return buffer.rows
}

/// Checks every row of a rendered screen against `expected`, written without trailing spaces: each expected line is
/// padded with spaces to the screen's width, so a row also fails when the screen draws past its text. On a mismatch
/// the whole screen is printed as a Swift literal, to compare by eye.
func expectScreen(_ rows: [String], _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let width = rows.map { displayWidth(of: $0) }.max() ?? 0
    let padded = expected.map { $0 + String(repeating: " ", count: max(0, width - displayWidth(of: $0))) }
    #expect(rows.count == expected.count, "rows", sourceLocation: sourceLocation)
    var same = rows.count == expected.count
    for (index, (actual, wanted)) in zip(rows, padded).enumerated() where actual != wanted {
        same = false
        #expect(actual == wanted, "row \(index)", sourceLocation: sourceLocation)
    }
    if !same {
        print("<<<SCREEN \(sourceLocation.fileID):\(sourceLocation.line)\n" + screenLiteral(rows) + "\n>>>SCREEN")
    }
}

/// `rows` as the lines of a Swift array literal, trailing spaces dropped.
func screenLiteral(_ rows: [String]) -> String {
    rows.map { row in
        var line = row
        while line.hasSuffix(" ") { line.removeLast() }
        return "\"" + line.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\","
    }.joined(separator: "\n")
}
