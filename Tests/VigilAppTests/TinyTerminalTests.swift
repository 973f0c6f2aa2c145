import Foundation
import Testing
import VigilApp
import VigilCore
@testable import VigilEngine
import VigilStore
import VigilTUI

/// Every screen the workbench can reach, rendered at terminal sizes from 0×0 up, with hostile merchant names in the
/// data and resizes between keys: nothing crashes, every frame is exactly the terminal's size, and no cell holds a
/// character that could drive the terminal.
@Suite struct TinyTerminalTests {
    static let hostileMerchants = [
        "\u{1B}[31mRED\u{1B}[0m", "\u{1B}]0;PWNED\u{07}Shop", "\u{1B}[2JWIPE", "\u{9B}31mC1CSI", "\u{202E}exe.txt",
        "\u{2066}isolate\u{2069}", "漢字\u{0}NUL", "Tab\there\u{8}\u{7F}",
    ]

    static let sizes: [TerminalSize] = [
        TerminalSize(width: 0, height: 0), TerminalSize(width: 1, height: 1), TerminalSize(width: 2, height: 1),
        TerminalSize(width: 1, height: 2), TerminalSize(width: 2, height: 2), TerminalSize(width: 3, height: 3),
        TerminalSize(width: 5, height: 2), TerminalSize(width: 2, height: 5), TerminalSize(width: 10, height: 3),
        TerminalSize(width: 20, height: 4), TerminalSize(width: 1, height: 40), TerminalSize(width: 200, height: 1),
    ]

    /// Keys that reach each mode, from the queue (each sequence starts from a fresh queue).
    static let journeys: [(String, [Key])] = [
        ("queue", [.down, .character("s"), .character("S"), .character("v"), .character(" "), .pageDown, .character("G")]),
        ("detail", [.enter, .down, .character("]"), .character("["), .pageDown]),
        ("client", [.character("c"), .character("2"), .character("m"), .character("3"), .character("1"), .character("z"),
                    .character("h"), .character("l"), .tab]),
        ("help", [.character("?"), .down, .pageDown]),
        ("search", [.character("/"), .character("E"), .enter, .character("n"), .character("N")]),
        ("filter", [.character("F"), .character("a"), .character("="), .enter]),
        ("note", [.character("a"), .character("x"), .enter, .character("y")]),
        ("palette", [.character(":"), .character("s"), .tab]),
        ("overview", [.character("O"), .down, .character("?")]),
        ("decide", [.character("f"), .character("u"), .character("p")]),
    ]

    let directory: String
    let store: Store

    init() throws {
        directory = NSTemporaryDirectory() + "vigil-tiny-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: directory + "/tiny.sqlite")
        var rows: [Transaction] = []
        for i in 0..<40 {
            let merchant = Self.hostileMerchants[i % Self.hostileMerchants.count]
            rows.append(Transaction(sourceKey: "k\(i)", clientID: i % 3 == 0 ? "C\u{1B}[1m0" : "C\(i % 3)",
                                    instant: 1_700_000_000 + Int64(i) * 40_000, originalTime: "t\(i)",
                                    amount: Money(minorUnits: Int64(1_000 * (i + 1))), merchant: merchant,
                                    category: merchant, city: merchant,
                                    home: GeoPoint(latitude: 40.7, longitude: -74.0),
                                    merchantLocation: GeoPoint(latitude: 40.7 + Double(i) / 100, longitude: -74.0)))
        }
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        var candidates: [AlertCandidate] = []
        for id in Int64(1)...12 {
            let reason = AlertReason(detector: "burst", score: 1, contribution: 1, text: Self.hostileMerchants[Int(id) % 8])
            candidates.append(AlertCandidate(transactionID: id, score: 0.9 - Double(id) / 100, reasons: [reason]))
        }
        _ = try store.refreshAlerts(candidates, at: 10)
    }

    func checkFrame(_ buffer: CellBuffer, _ size: TerminalSize, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(buffer.size == size, "\(what) at \(size.width)×\(size.height)", sourceLocation: sourceLocation)
        for y in 0..<buffer.height {
            for x in 0..<buffer.width {
                for scalar in buffer[x, y].character.unicodeScalars where !Sanitizer.isSafe(scalar) {
                    Issue.record("\(what) at \(size.width)×\(size.height): U+\(String(scalar.value, radix: 16)) in cell \(x),\(y)",
                                 sourceLocation: sourceLocation)
                }
            }
        }
    }

    @Test(arguments: sizes) func everyScreenAtTinySizes(size: TerminalSize) throws {
        for (name, keys) in Self.journeys {
            let queue = try AlertQueueScreen(store: store, analyst: "ana\u{1B}[5m")
            checkFrame(try queue.frame(size: size), size, name)
            for key in keys {
                if try queue.handle(key, size: size) == .quit { break }
                checkFrame(try queue.frame(size: size), size, "\(name) after \(key)")
            }
        }
    }

    /// Two resizes before every key, through the queue's own run loop (which redraws on each), ending at 1×1.
    @Test func resizeStormsThroughTheRunLoop() throws {
        let keys: [Key] = [.down, .character("s"), .pageDown, .character("?"), .down, .character("?"), .up, .character("S")]
        var input: [MemoryBackend.Input] = []
        for n in 0..<200 {
            input.append(.resize(Self.sizes[n % Self.sizes.count]))
            input.append(.resize(Self.sizes[(n * 7 + 3) % Self.sizes.count]))
            input.append(.key(keys[n % keys.count]))
        }
        input.append(.resize(TerminalSize(width: 1, height: 1)))
        input.append(.key(.character("q")))
        let backend = MemoryBackend(size: TerminalSize(width: 1, height: 1), input: input)
        let queue = try AlertQueueScreen(store: store, analyst: "ana")
        try queue.run(backend: backend)
        #expect(backend.pendingInput.isEmpty, "every key and resize was read, and q quit")
        #expect(backend.stopCount == 1, "the loop ended and gave the terminal back")
        #expect(backend.drawCount == 1 + input.count - 1, "one frame at the start, one per resize and per key but q")
        let last = try #require(backend.lastBuffer)
        checkFrame(last, TerminalSize(width: 1, height: 1), "last frame")
    }

    @Test(arguments: sizes) func theStoreSummaryAtTinySizes(size: TerminalSize) throws {
        let stats = try store.stats()
        checkFrame(StatsScreen(stats: stats).render(size: size), size, "stats")
        let backend = MemoryBackend(size: size, input: [.resize(TerminalSize(width: 1, height: 1)), .resize(size), .key(.character("q"))])
        try Workbench.run(stats: stats, backend: backend)
        #expect(backend.stopCount == 1)
    }
}
