import Foundation
import Testing
import VigilApp
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI
import VigilTestSupport

/// The sizes every screen test draws at: a roomy terminal, the classic one, and a small one.
let screenTestSizes = [TerminalSize(width: 120, height: 40), TerminalSize(width: 80, height: 24), TerminalSize(width: 60, height: 15)]

/// What `draw` puts into a fresh buffer of `width` × `height` (the whole buffer as the drawing's rect), as rows of text.
func screenRows(_ width: Int, _ height: Int, _ draw: (inout CellBuffer, Rect) -> Void) -> [String] {
    var buffer = CellBuffer(width: width, height: height)
    draw(&buffer, buffer.bounds)
    return buffer.rows
}

/// Checks every row of a rendered screen against `expected`, written without trailing spaces: each expected line is
/// padded with spaces to the screen's width, so a row also fails when the screen draws past its text.
func expectScreen(_ rows: [String], _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    let width = rows.map { displayWidth(of: $0) }.max() ?? 0
    expectLines(rows, expected.map { $0 + String(repeating: " ", count: max(0, width - displayWidth(of: $0))) },
                trimmedWhenPrinted: true, sourceLocation: sourceLocation)
}

/// The sizes every screen is drawn at in its tests, by name.
enum ScreenSizes {
    static let large = screenTestSizes[0]
    static let classic = screenTestSizes[1]
    static let small = screenTestSizes[2]
}

/// Compares a whole rendered buffer with `expected`, every row (see `expectScreen(_:_:)` on rows); each row must also
/// be exactly the buffer's width. With `VIGIL_SCREEN_DUMP` set to a folder, the rows drawn are written there instead,
/// by the calling line, to review a changed screen.
func expectScreen(_ buffer: CellBuffer, _ expected: [String], fileID: String = #fileID, line: Int = #line,
                  sourceLocation: SourceLocation = #_sourceLocation) {
    let rows = buffer.rows
    if let folder = ProcessInfo.processInfo.environment["VIGIL_SCREEN_DUMP"] {
        let name = fileID.replacingOccurrences(of: "/", with: "-") + "-\(line).txt"
        try? rows.joined(separator: "\n").write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
        return
    }
    #expect(rows.allSatisfy { displayWidth(of: $0) == buffer.width }, sourceLocation: sourceLocation)
    expectScreen(rows, expected, sourceLocation: sourceLocation)
}

/// `count` blank rows of an expected screen.
func blanks(_ count: Int) -> [String] { Array(repeating: "", count: count) }

/// Checks every line of a rendered text (a screen's rows, a report's lines) against `expected`. On a mismatch the
/// whole text is printed as a Swift literal, to compare by eye.
func expectLines(_ lines: [String], _ expected: [String], trimmedWhenPrinted: Bool = false,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(lines.count == expected.count, "lines", sourceLocation: sourceLocation)
    var same = lines.count == expected.count
    for (index, (actual, wanted)) in zip(lines, expected).enumerated() where actual != wanted {
        same = false
        #expect(actual == wanted, "line \(index)", sourceLocation: sourceLocation)
    }
    if !same {
        print("<<<SCREEN \(sourceLocation.fileID):\(sourceLocation.line)\n" + screenLiteral(lines, trimmed: trimmedWhenPrinted) + "\n>>>SCREEN")
    }
}

/// `rows` as the lines of a Swift array literal, trailing spaces dropped when `trimmed`.
func screenLiteral(_ rows: [String], trimmed: Bool) -> String {
    rows.map { row in
        var line = row
        while trimmed, line.hasSuffix(" ") { line.removeLast() }
        for (raw, escaped) in [("\\", "\\\\"), ("\"", "\\\""), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")] {
            line = line.replacingOccurrences(of: raw, with: escaped)
        }
        return "\"" + line + "\","
    }.joined(separator: "\n")
}

/// A store with two clients and two alerts, the same on every run: client A buys at a New York deli at noon every
/// day of January and February 2024 and once, on 2024-02-10 at 03:00, at an Albany electronics shop ($1,500, alert 1,
/// "unusual place", score 0.95); the 2024-01-11 deli purchase is alert 2 ("burst", 0.6). Client B has one purchase.
final class TwoClientStore {
    static let day0: Int64 = 19_723 * 86_400  // 2024-01-01, a Monday

    let directory = NSTemporaryDirectory() + "vigil-screens-" + UUID().uuidString
    private(set) var store: Store

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: directory + "/c.sqlite")
        let home = GeoPoint(latitude: 40.7, longitude: -74.0)
        var rows: [Transaction] = []
        for day in 0..<60 {
            rows.append(Transaction(sourceKey: "a\(day)", clientID: "A", instant: Self.day0 + Int64(day) * 86_400 + 12 * 3_600,
                                    originalTime: "t", amount: Money(minorUnits: 2_000 + Int64(day) * 10), merchant: "Deli \(day % 3)",
                                    category: "grocery", city: "New York", state: "NY", home: home,
                                    merchantLocation: GeoPoint(latitude: 40.71, longitude: -74.01)))
        }
        rows.append(Transaction(sourceKey: "a-big", clientID: "A", instant: Self.day0 + 40 * 86_400 + 3 * 3_600, originalTime: "t",
                                amount: Money(minorUnits: 150_000), merchant: "Gadget Hub", category: "electronics", city: "Albany",
                                state: "NY", home: home, merchantLocation: GeoPoint(latitude: 42.65, longitude: -73.75)))
        rows.append(Transaction(sourceKey: "b0", clientID: "B", instant: Self.day0, originalTime: "t", amount: Money(minorUnits: 500),
                                merchant: "Kiosk", category: "misc"))
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        let activity = try #require(try store.clientActivity(clientID: "A"))
        let bigID = activity.ids[activity.merchants.firstIndex(of: "Gadget Hub")!]
        _ = try store.refreshAlerts([
            AlertCandidate(transactionID: bigID, score: 0.95, reasons: [
                AlertReason(detector: "unusual_place", score: 1, contribution: 1, text: "first time in Albany"),
            ]),
            AlertCandidate(transactionID: activity.ids[10], score: 0.6, reasons: [
                AlertReason(detector: "burst", score: 1, contribution: 1, text: "a burst"),
            ]),
        ], at: 10)
    }

    deinit { StoreFolder.remove(directory, closing: &store) }
}
