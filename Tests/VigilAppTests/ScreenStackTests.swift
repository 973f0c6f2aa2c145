import Testing
import VigilApp
import VigilTUI

/// The stack of screens and the one run loop, with screens that draw their name and answer keys as told.
@Suite struct ScreenStackTests {
    final class Named: Screen {
        let name: String
        let isOverlay: Bool
        var answers: [Key: ScreenOutcome] = [:]
        var prepared = 0

        init(_ name: String, overlay: Bool = false) {
            self.name = name
            isOverlay = overlay
        }

        func handle(_ key: Key, size: TerminalSize) -> ScreenOutcome { answers[key] ?? .ignored }
        func prepare(size: TerminalSize) { prepared += 1 }

        func render(into buffer: inout CellBuffer) {
            if !isOverlay { buffer.fill(buffer.bounds) }
            buffer.put(name, at: 0, y: isOverlay ? 1 : 0)
        }
    }

    /// Counts its polls, and says the screen changed on the second.
    final class Ticker: WorkbenchModel {
        var keys = 0, polls = 0, finished = 0
        func keyArrived() { keys += 1 }
        func poll() -> Bool { polls += 1; return polls == 2 }
        var isBusy: Bool { false }
        func finish() { finished += 1 }
    }

    @Test func pushPopReplaceAndBackToTheRoot() throws {
        let root = Named("root"), detail = Named("detail"), client = Named("client"), help = Named("help", overlay: true)
        let stack = ScreenStack(root: root)
        let size = TerminalSize(width: 8, height: 2)
        root.answers = [.enter: .push(detail), .character("q"): .quit, .character("x"): .pop]
        detail.answers = [.character("c"): .push(client), .character("q"): .pop, .character("r"): .replace(client)]
        client.answers = [.character("?"): .push(help), .character("g"): .sequence([.popToRoot, .push(detail)])]
        help.answers = [.character("?"): .pop]

        #expect(try stack.handle(.character("x"), size: size) == .changed)
        #expect(stack.screens.count == 1, "the first screen is never popped")
        #expect(try stack.handle(.character("z"), size: size) == .unchanged)
        #expect(try stack.handle(.enter, size: size) == .changed)
        #expect(try stack.handle(.character("c"), size: size) == .changed)
        #expect(try stack.handle(.character("?"), size: size) == .changed)
        #expect(stack.screens.map { ($0 as? Named)?.name } == ["root", "detail", "client", "help"])
        // An overlay draws over the screen beneath, which draws over nothing further down.
        #expect(try stack.frame(size: size).rows == ["client  ", "help    "])
        #expect(client.prepared == 1 && detail.prepared == 0, "only the screens on view load rows")
        #expect(try stack.handle(.character("?"), size: size) == .changed)
        #expect(try stack.handle(.character("g"), size: size) == .changed)
        #expect(stack.screens.map { ($0 as? Named)?.name } == ["root", "detail"])
        #expect(try stack.handle(.character("r"), size: size) == .changed)
        #expect(stack.screens.map { ($0 as? Named)?.name } == ["root", "client"])
        #expect(stack.first(Named.self)?.name == "client")
        #expect(try stack.handle(.ctrl("c"), size: size) == .quit, "Ctrl-C quits from any screen")
        #expect(try stack.handle(.character("?"), size: size) == .changed)
        #expect(try stack.handle(.character("?"), size: size) == .changed)
        #expect(stack.screens.count == 2, "help closed back to the client")
    }

    /// Keys as scripted, nil standing for a wait that timed out; input ends after the script.
    final class ScriptedBackend: TerminalBackend {
        var script: [Key?]
        var size = TerminalSize(width: 6, height: 2)
        var frames: [[String]] = []
        var timeouts: [Int?] = []
        var stops = 0

        init(_ script: [Key?]) { self.script = script }
        func start() {}
        func stop() { stops += 1 }
        func draw(_ buffer: CellBuffer) { frames.append(buffer.rows) }
        func nextKey(timeoutMilliseconds: Int?) -> Key? {
            timeouts.append(timeoutMilliseconds)
            return script.isEmpty ? nil : script.removeFirst()
        }
        var inputHasEnded: Bool { script.isEmpty }
    }

    /// The run loop draws once, then after each key that changed something and each resize; while idle it polls the
    /// model and draws when that says the screen changed; on the way out it lets the model finish.
    @Test func theRunLoopDrawsOnKeysResizesAndTicks() throws {
        let root = Named("root")
        root.answers = [.character("j"): .handled, .character("q"): .quit]
        let model = Ticker()
        let backend = ScriptedBackend([.character("z"), nil, nil, .character("j"), .resize, .character("q"), .character("j")])
        try Workbench.run(ScreenStack(root: root, model: model), backend: backend)
        #expect(backend.frames.count == 4, "the first frame, the second poll, the key j, the resize")
        #expect(model.polls == 2 && model.keys == 3 && model.finished == 1 && backend.stops == 1)
        #expect(backend.script == [.character("j")], "nothing is read after q")
        #expect(backend.timeouts.allSatisfy { $0 == 500 }, "idle polling twice a second")
    }

    /// The store summary has nothing to poll: the loop waits for keys, and ends when input does.
    @Test func withoutAModelTheLoopWaitsForKeys() throws {
        let root = Named("stats")
        root.answers = [.character("t"): .handled]
        let backend = ScriptedBackend([.character("t"), .character("x")])
        try Workbench.run(ScreenStack(root: root), backend: backend)
        #expect(backend.frames.count == 2 && backend.stops == 1)
        #expect(backend.timeouts == [nil, nil, nil])
    }
}
