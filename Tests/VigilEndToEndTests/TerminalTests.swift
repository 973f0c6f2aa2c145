import Foundation
import Testing

/// The real binary on a real (tmux) terminal.
@Suite(.serialized) struct TerminalTests {
    let scratch = Scratch()

    @Test func workbenchShowsTheStoreAndQuitsOnQ() throws {
        let store = scratch.path + "/t.sqlite"
        try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        let session = try TmuxSession(width: 120, height: 40,
                                      command: "\(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        let screen = try session.waitFor { $0.contains("1,021") && $0.contains("q quit") }
        #expect(screen.contains("Vigil"))
        #expect(screen.contains("1,021"))
        #expect(screen.contains("q quit"))
        try session.send("q")
        let after = try session.waitFor { $0.contains("EXIT=") }
        #expect(after.contains("EXIT=0"))
        #expect(!after.contains("q quit"), "the terminal was restored (alternate screen left)")
    }

    @Test func smallTerminalStillDrawsAndQuits() throws {
        let store = scratch.path + "/small.sqlite"
        try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        let session = try TmuxSession(width: 60, height: 15, command: "\(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        let screen = try session.waitFor { $0.contains("1,021") && $0.contains("q quit") }
        #expect(screen.contains("1,021"))
        #expect(screen.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { $0.count <= 60 })
        try session.send("C-c")
        #expect(try session.waitFor { $0.contains("EXIT=") }.contains("EXIT=0"))
    }

    @Test func resizingRedrawsAtTheNewSize() throws {
        let store = scratch.path + "/resize.sqlite"
        try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        let session = try TmuxSession(width: 120, height: 40, command: "\(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        let wide = try session.waitFor { $0.contains("1,021") && $0.contains("q quit") }
        #expect(wide.contains("Alerts"), "two panels at 120 columns")
        try session.resize(width: 60, height: 15)
        let narrow = try session.waitFor { screen in
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
            // Wait for the whole frame (title, counts and status bar): a capture can land mid-draw.
            return rows.first?.contains("Vigil") == true && screen.contains("1,021") && screen.contains("q quit") && rows.count <= 16
        }
        let rows = narrow.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows.first?.contains("Vigil") == true, "the title is redrawn after shrinking")
        #expect(narrow.contains("1,021"))
        #expect(rows.filter { $0.contains("q quit") }.count == 1)
        try session.send("q")
        #expect(try session.waitFor { $0.contains("EXIT=") }.contains("EXIT=0"))
    }

    @Test func firstRunCreatesTheDemoStoreInTheDataDirectory() throws {
        let data = scratch.path + "/xdg"
        let session = try TmuxSession(width: 100, height: 30,
                                      command: "XDG_DATA_HOME=\(data) VIGIL_STORE= \(Harness.binary); echo EXIT=\\$?; sleep 30")
        let screen = try session.waitFor(timeout: 240) { $0.contains("q quit") && $0.contains("demo.sqlite") }
        #expect(screen.contains("demo.sqlite"))
        try session.send("q")
        #expect(try session.waitFor { $0.contains("EXIT=") }.contains("EXIT=0"))
        let path = data + "/vigil/demo.sqlite"
        #expect(FileManager.default.fileExists(atPath: path))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func workbenchWithoutATerminalSaysWhatToDo() throws {
        let result = try Harness.run(["--store", scratch.path + "/x.sqlite"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("needs a terminal"))
    }
}
