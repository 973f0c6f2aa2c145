import Foundation
import Testing

/// Runs the real `vigil` binary that `swift build` / `swift test` put in the package's build folder.
enum Harness {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static var binary: String {
        if let explicit = ProcessInfo.processInfo.environment["VIGIL_BINARY"] { return explicit }
        return packageRoot + "/.build/debug/vigil"
    }

    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary) is missing")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "VIGIL_STORE")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Files, not pipes: a tmux server started concurrently by another test inherits open descriptors,
        // and a pipe it holds would never reach end-of-file.
        let base = NSTemporaryDirectory() + "vigil-run-\(UUID().uuidString)"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".out"))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: base + ".err"))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// Runs a shell command line, for tmux. Output goes through a file, not a pipe: the tmux server that
    /// `new-session` starts inherits the descriptors and would hold a pipe open forever.
    @discardableResult
    static func shell(_ command: String) throws -> String {
        let outputPath = NSTemporaryDirectory() + "vigil-shell-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "(\(command)) > '\(outputPath)' 2>&1 < /dev/null"]
        try process.run()
        process.waitUntilExit()
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    static func fixture(_ name: String) -> String { packageRoot + "/fixtures/" + name }
}

/// A tmux session of a given size running one command; killed when the value goes away.
final class TmuxSession {
    let name = "vigil-test-\(UUID().uuidString.prefix(8))"

    init(width: Int, height: Int, command: String) throws {
        try Harness.shell("tmux new-session -d -s \(name) -x \(width) -y \(height) \"\(command)\"")
    }

    deinit { _ = try? Harness.shell("tmux kill-session -t \(name) 2>/dev/null") }

    func send(_ keys: String) throws { try Harness.shell("tmux send-keys -t \(name) \(keys)") }

    func capture() throws -> String { try Harness.shell("tmux capture-pane -p -t \(name)") }

    /// Polls the screen until `predicate` holds (up to `timeout` seconds); returns the last screen.
    func waitFor(timeout: Double = 20, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = try capture()
        while !predicate(screen) && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            screen = try capture()
        }
        return screen
    }
}

final class Scratch {
    let path = NSTemporaryDirectory() + "vigil-e2e-" + UUID().uuidString

    init() { try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
