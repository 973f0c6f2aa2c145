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

/// `widget` drawn by `render` into a fresh buffer of `width` × `height`, as rows of text.
func drawnRows(width: Int, height: Int, _ render: (inout CellBuffer, Rect) -> Void) -> [String] {
    var buffer = CellBuffer(width: width, height: height)
    render(&buffer, buffer.bounds)
    return buffer.rows
}
