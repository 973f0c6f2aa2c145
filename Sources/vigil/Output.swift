import ArgumentParser
import Foundation
import VigilCore

/// Every command's standard output and standard error go through here, so that a failed write is never lost nor
/// fatal: it is remembered, the command finishes its work, and `finish()` says what was lost and exits 1. Text from
/// data is sanitised here too, line ends kept, so nothing reaches a terminal as a control sequence.
enum Output {
    enum Stream: Int32 {
        case standardOutput = 1, standardError = 2

        var name: String { self == .standardOutput ? "standard output" : "standard error" }
    }

    private struct State {
        /// The first error of each stream.
        var failures: [Stream: Int32] = [:]
        /// Streams that were closed when Vigil started: writing to them is an error (EBADF), reported like any other.
        var closedAtStart: Set<Stream> = []
    }

    /// Held for the whole of each write: progress lines may come from worker threads, and their lines must never
    /// interleave.
    private static let state = Guarded(State())

    /// Called once at start. A reader that closes the pipe makes a write fail with EPIPE instead of killing Vigil.
    /// A standard descriptor that was closed is taken by /dev/null, read-only, so that no file Vigil opens later (an
    /// export's temporary file, say) lands on descriptor 1 or 2 and receives its messages.
    static func start() {
        signal(SIGPIPE, SIG_IGN)
        for fd in Int32(0)...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let placeholder = open("/dev/null", O_RDONLY)
            if placeholder >= 0, placeholder != fd { close(placeholder) }
            if let stream = Stream(rawValue: fd) { state.update { $0.closedAtStart.insert(stream) } }
        }
    }

    /// Writes data text (sanitised, line ends kept) to `stream`.
    static func write(_ text: String, to stream: Stream = .standardOutput) {
        writeRaw(Sanitizer.sanitize(text, keepingLineBreaks: true), to: stream)
    }

    /// Writes a JSON document on one line: strings keep their data, but control characters, C1 controls and bidi
    /// overrides in them are written as `\uXXXX` escapes, never raw.
    static func writeJSON(_ object: Any) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        write(Sanitizer.escapedJSON(String(decoding: data, as: UTF8.self)) + "\n")
    }

    /// Writes text as it is: for Vigil's own terminal controls (the progress line), never for data.
    static func writeRaw(_ text: String, to stream: Stream) {
        let bytes = Array(text.utf8)
        state.update { state in
            guard state.failures[stream] == nil else { return }
            if state.closedAtStart.contains(stream) {
                state.failures[stream] = EBADF
                return
            }
            var written = 0
            while written < bytes.count {
                let n = bytes.withUnsafeBytes { raw in Glibc.write(stream.rawValue, raw.baseAddress! + written, raw.count - written) }
                if n < 0 {
                    if errno == EINTR { continue }
                    state.failures[stream] = errno
                    return
                }
                written += n
            }
        }
    }

    /// After the command: when output was lost, says so (on standard error if it still works) and exits with
    /// status 1, so a script never takes a lost report for a written one.
    static func finish() {
        if reportLost() { exit(1) }
    }

    /// Ends the command with `error` as ArgumentParser would (usage mistakes with the usage, `--help` on standard
    /// output), but through this layer: the message is sanitised (it may repeat a value or a path from the command
    /// line or the data) and a lost write still makes the exit status 1.
    static func fail(_ error: any Error) -> Never {
        let code = Vigil.exitCode(for: error)
        let message = Vigil.fullMessage(for: error)
        if !message.isEmpty {
            write(message + "\n", to: code == .success ? .standardOutput : .standardError)
        }
        exit(reportLost() && code == .success ? 1 : code.rawValue)
    }

    /// Says which streams lost output, on standard error if it still works; true when one did.
    @discardableResult
    static func reportLost() -> Bool {
        let lost = state.read { $0.failures }
        for stream in [Stream.standardOutput, .standardError] {
            guard let code = lost[stream] else { continue }
            let reason = String(cString: strerror(code)) + (code == EPIPE ? " (the reader closed it)" : "")
            writeRaw("vigil: cannot write \(stream.name): \(reason); the command's output is incomplete\n", to: .standardError)
        }
        return !lost.isEmpty
    }
}

/// `print` in this module is the checked, sanitising one above, so no command writes around it. The standard
/// library's buffers its output and loses a failed write without a word.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Output.write(items.map { String(describing: $0) }.joined(separator: separator) + terminator)
}

/// Prints to standard error.
func printError(_ text: String) {
    Output.write(text + "\n", to: .standardError)
}

/// A single progress line rewritten in place on a terminal; silent when standard error is not one.
struct ProgressLine {
    let enabled = isatty(STDERR_FILENO) == 1

    func update(_ text: String) {
        guard enabled else { return }
        Output.writeRaw("\r\u{1B}[K" + Sanitize.line(text), to: .standardError)
    }

    func clear() {
        guard enabled else { return }
        Output.writeRaw("\r\u{1B}[K", to: .standardError)
    }
}

/// Text from data (file names, values) is cleaned before it reaches a terminal: the workbench's own sanitiser, so
/// control characters, escape sequences, bidirectional overrides and other invisible format characters show as
/// placeholders (`␛[31m`, `�`) on the command line too.
enum Sanitize {
    static func line(_ text: String) -> String { Sanitizer.sanitize(text) }
}
