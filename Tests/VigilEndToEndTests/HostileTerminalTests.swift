import Foundation
import Testing

/// The real binary on hostile terminals (a 1×1 window, resize storms, non-UTF-8 locales, TERM=dumb) and with hostile
/// data: merchant names carrying escape sequences, an OSC title with BEL, a C1 CSI and a bidi override. The workbench
/// never crashes, answers `q`, and no byte of those payloads reaches the terminal.
@Suite(.serialized) struct HostileTerminalTests {
    let scratch = Scratch()

    /// Payloads put in front of the merchant names, each ending in a marker so that the raw sequence (the data's ESC
    /// followed by the data's bytes) can be looked for in what the terminal received.
    static let payloads = ["\u{1B}]0;PWNED\u{07}", "\u{1B}[2JWIPE", "\u{1B}[31mRED", "\u{9B}31mC1CSI", "\u{202E}RLO", "\u{1B}cRESET"]

    /// The card sample with a payload in every merchant name, imported and scanned (a low threshold, so that the
    /// queue is full of hostile names).
    func hostileStore() throws -> String {
        // Bytes, not Strings: the sample's lines end in CRLF, one Character to Swift, so a String split on "\n" finds none.
        let sample = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Harness.fixture("cards-2023-sample.csv"))))
        let marker = Array(",fraud_".utf8)
        var out: [UInt8] = []
        var names = 0
        var k = 0
        while k < sample.count {
            if k + marker.count <= sample.count, Array(sample[k..<(k + marker.count)]) == marker {
                out += marker + Array(Self.payloads[names % Self.payloads.count].utf8)
                names += 1
                k += marker.count
            } else {
                out.append(sample[k])
                k += 1
            }
        }
        #expect(names > 600, "most merchants carry a payload (the quoted ones keep their names)")
        let csv = scratch.path + "/hostile-cards.csv"
        try Data(out).write(to: URL(fileURLWithPath: csv))
        let config = scratch.path + "/low.toml"
        try "[alerts]\nthreshold = 0.01\n".write(toFile: config, atomically: true, encoding: .utf8)
        let store = scratch.path + "/hostile-\(UUID().uuidString.prefix(6)).sqlite"
        let imported = try Harness.run(["import", csv, "--store", store])
        #expect(imported.status == 0 && imported.stdout.contains("imported 1,021"), "\(imported.stdout)\(imported.stderr)")
        let scanned = try Harness.run(["scan", "--store", store, "--detectors", "rules,iforest", "--config", config])
        #expect(scanned.status == 0, "\(scanned.stderr)")
        return store
    }

    /// Presses q until the workbench has quit (each screen goes back one step), and returns the exit status line.
    func quit(_ session: TmuxSession) throws -> String {
        for _ in 0..<8 {
            try session.send("q")
            let screen = try session.waitFor(timeout: 3) { $0.contains("EXIT=") }
            if let line = screen.split(separator: "\n").first(where: { $0.contains("EXIT=") }) { return String(line) }
        }
        return "no exit"
    }

    @Test func aOneByOneWindowAndResizeStormsNeitherCrashNorHang() throws {
        let store = try hostileStore()
        let session = try TmuxSession(width: 100, height: 30, command: "\(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        _ = try session.waitFor { $0.contains("q quit") && $0.contains("open cases") }
        try session.send("Tab")
        _ = try session.waitFor { $0.contains("q quit") && $0.contains("open alerts") }
        try session.resize(width: 1, height: 1)
        // Keys at 1×1: the detail, the client view and its panes, help; each frame is drawn into one cell.
        for key in ["j", "Enter", "c", "2", "3", "?", "q", "1", "z"] { try session.send(key) }
        let sizes = [(1, 1), (2, 1), (1, 2), (200, 60), (3, 3), (10, 2), (1, 40), (150, 1), (7, 5), (80, 24)]
        for burst in 0..<6 {
            // Ten resizes in one tmux command: as fast as a window manager can send them.
            let commands = (0..<10).map { n -> String in
                let (w, h) = sizes[(burst * 3 + n) % sizes.count]
                return "resize-window -t \(session.name) -x \(w) -y \(h)"
            }
            try session.tmux(commands.joined(separator: " \\; "))
            try session.send(["j", "k", "Tab", "?", "?"][burst % 5])
        }
        try session.resize(width: 1, height: 1)
        try session.resize(width: 100, height: 30)
        // Still alive and answering: the frame comes back at full size, and help opens on ?.
        let back = try session.waitFor { $0.contains("Vigil") }
        #expect(back.contains("Vigil") && !back.contains("EXIT="), "the workbench is still running and drawing:\n\(back)")
        #expect(try quit(session) == "EXIT=0")
    }

    @Test(arguments: ["LANG=C LC_ALL=C", "LC_ALL=POSIX", "LANG=en_US.ISO-8859-1 LC_ALL=en_US.ISO-8859-1", "LANG= LC_ALL= LC_CTYPE="])
    func nonUTF8LocalesStillDrawAndQuit(locale: String) throws {
        let store = try hostileStore()
        let session = try TmuxSession(width: 100, height: 30,
                                      command: "env \(locale) \(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        _ = try session.waitFor { $0.contains("q quit") && $0.contains("open cases") }
        try session.send("Tab")
        let screen = try session.waitFor { $0.contains("q quit") && $0.contains("open alerts") }
        #expect(screen.contains("open alerts"), "the queue is drawn under \(locale):\n\(screen)")
        #expect(screen.contains("␛"), "an escape in a merchant name is drawn as a visible ␛")
        for key in ["Enter", "c", "2"] {
            try session.send(key)
            Thread.sleep(forTimeInterval: 0.2)
        }
        try session.resize(width: 1, height: 1)
        try session.resize(width: 100, height: 30)
        #expect(try quit(session) == "EXIT=0")
    }

    /// A terminal that cannot address the cursor is refused with a message (and status 1) rather than sent frames
    /// it would print as a stream of text; no TERM at all likewise.
    @Test(arguments: ["TERM=dumb", "-u TERM"])
    func terminalsWithoutCursorAddressingAreRefusedWithAMessage(term: String) throws {
        let store = try hostileStore()
        let session = try TmuxSession(width: 120, height: 20,
                                      command: "env \(term) \(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        let screen = try session.waitFor { $0.contains("EXIT=") }
        #expect(screen.contains("EXIT=1"), "\(screen)")
        #expect(screen.contains("cannot move the cursor") || screen.contains("cannot start the terminal"), "\(screen)")
        #expect(!screen.contains("q quit"))
    }

    /// The raw bytes the workbench writes to its terminal (tmux `pipe-pane -O`), across the queue, an alert's detail,
    /// the client view and help, hold none of the data's escape sequences, C1 controls or bidi overrides, while the
    /// hostile names were drawn (their visible placeholders are there).
    @Test func noEscapeByteFromTheDataReachesTheTerminal() throws {
        let store = try hostileStore()
        let go = scratch.path + "/go"
        let raw = scratch.path + "/raw-output"
        // The workbench starts only once the pane's output is being captured.
        let session = try TmuxSession(width: 160, height: 40, command:
            "while [ ! -e \(go) ]; do sleep 0.05; done; \(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        try session.tmux("pipe-pane -O -t \(session.name) 'cat > \(raw)'")
        _ = FileManager.default.createFile(atPath: go, contents: Data())
        _ = try session.waitFor { $0.contains("q quit") && $0.contains("open cases") }
        try session.send("Tab")
        _ = try session.waitFor { $0.contains("q quit") && $0.contains("open alerts") }
        for keys in [["j", "j"], ["Enter"], ["]", "]"], ["c"], ["2"], ["3"], ["q"], ["/"], ["R", "L", "O", "Enter"], ["?"], ["q"]] {
            for key in keys { try session.send(key) }
            Thread.sleep(forTimeInterval: 0.3)
        }
        #expect(try quit(session) == "EXIT=0")
        try session.tmux("pipe-pane -t \(session.name)")  // stop capturing, so the file is complete
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: raw)))
        #expect(bytes.count > 10_000, "the capture holds the session's output (\(bytes.count) bytes)")

        func contains(_ needle: [UInt8]) -> Bool {
            guard needle.count <= bytes.count else { return false }
            for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
                if Array(bytes[start..<(start + needle.count)]) == needle { return true }
            }
            return false
        }
        #expect(contains(Array("␛".utf8)), "escape characters in the names were drawn as ␛")
        #expect(contains(Array("]0;PWNED".utf8)), "the OSC payload's text was drawn")
        for payload in Self.payloads {
            #expect(!contains(Array(payload.utf8)), "the payload \(payload.debugDescription) reached the terminal raw")
        }
        #expect(!contains([0x1B, 0x5D]), "no OSC (ESC ]) at all")
        #expect(!contains(Array("PWNED\u{07}".utf8)), "the BEL ending the OSC title")
        #expect(!bytes.contains(0x07), "no BEL at all")
        #expect(!contains([0xC2, 0x9B]), "no C1 CSI (U+009B)")
        #expect(!contains(Array("\u{202E}".utf8)), "no right-to-left override (U+202E)")
    }
}
