import Foundation
import VigilStore
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

    /// The longest any one command may take before the test gives up on it, kills it and fails, so a hang
    /// costs minutes, never the whole CI run.
    static let commandDeadline: Double = 600

    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:],
                    sourceLocation: SourceLocation = #_sourceLocation) throws -> Output {
        #expect(FileManager.default.isExecutableFile(atPath: binary), "build the package first: \(binary) is missing")
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "VIGIL_STORE")
        for (k, v) in environment { env[k] = v }
        // Files, not pipes: a tmux server started concurrently by another test inherits open descriptors,
        // and a pipe it holds would never reach end-of-file.
        let base = NSTemporaryDirectory() + "vigil-run-\(UUID().uuidString)"
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let status = try spawn(binary, arguments, environment: env, stdout: base + ".out", stderr: base + ".err",
                               what: "vigil \(arguments.joined(separator: " "))", sourceLocation: sourceLocation)
        return Output(status: status,
                      stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }

    /// Runs a shell command line, for tmux. Output goes through a file, not a pipe: the tmux server that
    /// `new-session` starts inherits the descriptors and would hold a pipe open forever.
    @discardableResult
    static func shell(_ command: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let outputPath = NSTemporaryDirectory() + "vigil-shell-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        _ = try spawn("/bin/sh", ["-c", "(\(command)) < /dev/null"], environment: ProcessInfo.processInfo.environment,
                      stdout: outputPath, stderr: outputPath, what: command, sourceLocation: sourceLocation)
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// Starts a process with stdin from /dev/null and its output in files, and waits for it with a deadline.
    private static func spawn(_ executable: String, _ arguments: [String], environment: [String: String],
                              stdout: String, stderr: String, what: String,
                              sourceLocation: SourceLocation) throws -> Int32 {
        let child = try ChildProcess(executable, arguments, environment: environment, stdout: stdout, stderr: stderr)
        return child.wait(upTo: commandDeadline, what: what, sourceLocation: sourceLocation)
    }

    static func fixture(_ name: String) -> String { packageRoot + "/fixtures/" + name }
}

/// A child process started with posix_spawn and reaped with waitpid.
///
/// Not Foundation's `Process`: under CI (a session of its own, no terminal) `Process` was seen to miss a child's
/// SIGCHLD and wait forever beside a zombie. Here the child is reaped by pid, so its end cannot be missed, and it
/// starts with an empty signal mask and default handlers whatever the test runner's threads had blocked.
final class ChildProcess {
    let pid: pid_t
    private var exitStatus: Int32?

    init(_ executable: String, _ arguments: [String], environment: [String: String],
         stdout: String = "/dev/null", stderr: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if stderr == stdout {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw NSError(domain: NSPOSIXErrorDomain, code: Int(spawned),
                          userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable): \(String(cString: strerror(spawned)))"])
        }
        self.pid = pid
    }

    /// Kills and reaps the child if a test left it running.
    deinit {
        if exitStatus == nil {
            _ = Glibc.kill(pid, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
        }
    }

    /// Whether the child is still running (reaping it if it has ended).
    var isRunning: Bool {
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid || (reaped == -1 && errno == ECHILD) {
            exitStatus = reaped == pid ? Self.shellStatus(status) : -1
            return false
        }
        return true
    }

    func kill(signal: Int32 = SIGKILL) { _ = Glibc.kill(pid, signal) }

    /// Waits for the child to end, up to `seconds`; past that it is killed and the test fails.
    /// Returns its exit status, or 128 + the signal that ended it, as a shell reports it.
    @discardableResult
    func wait(upTo seconds: Double, what: String, sourceLocation: SourceLocation = #_sourceLocation) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning {
            if Date() > deadline {
                kill()
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
                exitStatus = -1
                Issue.record("gave up after \(Int(seconds)) s and killed it: \(what)", sourceLocation: sourceLocation)
                return -1
            }
            usleep(2_000)
        }
        return exitStatus ?? -1
    }

    private static func shellStatus(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}


/// A tmux session of a given size running one command; killed when the value goes away.
/// Each session runs on a tmux server of its own (`-L`), so tests never share, or leave behind, a server.
final class TmuxSession {
    let name = "vigil-test-\(UUID().uuidString.prefix(8))"

    init(width: Int, height: Int, command: String) throws {
        try tmux("new-session -d -s \(name) -x \(width) -y \(height) \"\(command)\"")
    }

    deinit { _ = try? tmux("kill-server 2>/dev/null") }

    /// Runs a tmux command against this session's server.
    @discardableResult
    func tmux(_ arguments: String) throws -> String {
        try Harness.shell("TERM=xterm-256color timeout 60 tmux -L \(name) -f /dev/null \(arguments)")
    }

    func send(_ keys: String) throws { try tmux("send-keys -t \(name) \(keys)") }

    func resize(width: Int, height: Int) throws { try tmux("resize-window -t \(name) -x \(width) -y \(height)") }

    func capture() throws -> String { try tmux("capture-pane -p -t \(name)") }

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

extension Harness {
    /// How `vigil audit log` names who made an event this test's commands made: the analyst name, then the
    /// operating-system user and host the binary runs as.
    static func madeBy(_ analyst: String) -> String {
        "\(analyst) (\(OSIdentity.current.user)@\(OSIdentity.current.host))"
    }
}
