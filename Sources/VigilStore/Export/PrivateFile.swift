import Foundation
import VigilCore

/// The one way Vigil writes a file outside a store (a report, a CSV export, the feature matrix).
///
/// Such files hold the same data as the store, so they get the same protection: readable and writable by their
/// owner only (mode 0600), whatever the umask. And they are never written through something else: the content goes
/// to a new temporary file beside the target (created exclusively, so nothing already there is opened), is flushed
/// to the disk, and only then renamed over the target in one step. A link, a device, a pipe or a directory at the
/// target is refused before anything is written, so `--out` cannot be turned into writing (or chmod-ing) whatever a
/// link points at. If anything fails on the way (a full disk, an I/O error) the temporary file is removed and the
/// target is left exactly as it was: never a half-written or empty report.
public enum PrivateFile {
    public struct CannotWrite: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(Sanitizer.sanitize(path)): \(reason)" }
    }

    /// Starts writing `path`: checks the target and creates the temporary file, so a bad path fails at once, before
    /// any work. Nothing reaches `path` until `commit()`.
    public static func create(_ path: String) throws -> Writer {
        try Writer(path: path)
    }

    /// Writes `text` to `path` in one go (see `create`).
    public static func write(_ text: String, to path: String) throws {
        let writer = try Writer(path: path)
        try writer.write(text)
        try writer.commit()
    }

    /// Why `path` must not be written, or nil when it may: it does not exist yet, or it is a regular file with no
    /// other name. A symbolic link is refused rather than replaced: whoever named it most likely meant the file it
    /// points at, and neither writing there nor silently swapping the link for a file is what they asked for.
    static func refusal(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return errno == ENOENT ? nil : String(cString: strerror(errno))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            guard info.st_nlink <= 1 else {
                return "it is a file with \(info.st_nlink) hard links, and replacing it would leave the other names "
                    + "with the old content; remove the other links or choose a new file name"
            }
            return nil
        case S_IFLNK:
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { " (to \(Sanitizer.sanitize($0)))" } ?? ""
            return "it is a symbolic link\(target); Vigil does not write through links: give the real file's path, "
                + "or remove the link first"
        case S_IFDIR: return "it is a directory; give a file name"
        case S_IFCHR, S_IFBLK: return "it is a device, not a regular file"
        case S_IFIFO: return "it is a named pipe (FIFO), not a regular file"
        case S_IFSOCK: return "it is a socket, not a regular file"
        default: return "it is not a regular file"
        }
    }

    /// A file being written. Bytes are buffered and go to the temporary file; `commit()` flushes them to the disk and
    /// renames the file into place. A writer dropped without a commit, or whose commit fails, removes its temporary
    /// file and leaves the target alone.
    public final class Writer {
        public let path: String
        private let temporaryPath: String
        private var descriptor: Int32
        private var buffer: [UInt8] = []
        private var finished = false
        private static let bufferLimit = 1 << 20

        init(path: String) throws {
            self.path = path
            if let refusal = PrivateFile.refusal(path) { throw CannotWrite(path: path, reason: refusal) }
            let url = URL(fileURLWithPath: path)
            let directory = url.deletingLastPathComponent().path
            var attempt = 0
            while true {
                let candidate = directory + "/." + url.lastPathComponent + ".vigil-"
                    + String(UInt64.random(in: 0...UInt64.max), radix: 36) + ".tmp"
                let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
                if fd >= 0 {
                    temporaryPath = candidate
                    descriptor = fd
                    break
                }
                attempt += 1
                guard errno == EEXIST, attempt < 100 else {
                    throw CannotWrite(path: path, reason: String(cString: strerror(errno))
                                      + " (creating its temporary file in \(Sanitizer.sanitize(directory)))")
                }
            }
            buffer.reserveCapacity(Self.bufferLimit)
            // The umask can only take permissions away; this makes it exactly owner read and write.
            if fchmod(descriptor, 0o600) != 0 {
                let reason = String(cString: strerror(errno))
                discard()
                throw CannotWrite(path: path, reason: "cannot make it private (mode 0600): \(reason)")
            }
        }

        deinit { discard() }

        public func write(_ text: String) throws {
            try write(bytes: text.utf8)
        }

        public func write<Bytes: Sequence>(bytes: Bytes) throws where Bytes.Element == UInt8 {
            guard !finished else { throw CannotWrite(path: path, reason: "the file was already finished or given up") }
            buffer.append(contentsOf: bytes)
            if buffer.count >= Self.bufferLimit { try flush() }
        }

        /// Puts the file in place: the rest written, flushed to the disk, closed, the target checked once more (it
        /// may have been replaced meanwhile) and the file renamed over it. On failure nothing is left behind.
        public func commit() throws {
            guard !finished else { throw CannotWrite(path: path, reason: "the file was already finished or given up") }
            do {
                try flush()
                guard fsync(descriptor) == 0 else { throw failure("cannot flush it to the disk") }
                let fd = descriptor
                descriptor = -1
                guard close(fd) == 0 else { throw failure("cannot close it") }
                if let refusal = PrivateFile.refusal(path) { throw CannotWrite(path: path, reason: refusal) }
                guard rename(temporaryPath, path) == 0 else { throw failure("cannot move it into place") }
                finished = true
            } catch {
                discard()
                throw error
            }
            // The rename itself is made durable; a file system that cannot sync a directory has nothing to add.
            let directory = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if directory >= 0 {
                _ = fsync(directory)
                close(directory)
            }
        }

        /// Gives up: the temporary file is closed and removed, the target untouched.
        public func discard() {
            guard !finished else { return }
            finished = true
            if descriptor >= 0 { close(descriptor) }
            descriptor = -1
            unlink(temporaryPath)
        }

        private func flush() throws {
            var written = 0
            while written < buffer.count {
                let n = buffer.withUnsafeBytes { raw in
                    Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure("the file was not written")
                }
                written += n
            }
            buffer.removeAll(keepingCapacity: true)
        }

        private func failure(_ what: String) -> CannotWrite {
            CannotWrite(path: path, reason: "\(String(cString: strerror(errno))); \(what), and "
                        + (FileManager.default.fileExists(atPath: path) ? "the existing file is unchanged" : "none was created"))
        }
    }
}
