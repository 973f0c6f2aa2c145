import Foundation

/// Files Vigil writes outside a store (reports, CSV exports) hold the same data as the store, so they get the same
/// protection: readable and writable by their owner only, whatever the umask.
public enum PrivateFile {
    public struct CannotWrite: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    /// Opens `path` for writing, created or truncated, with mode 0600. A file that was there already is set to 0600
    /// too, since it is about to hold the new content.
    public static func create(_ path: String) throws -> FileHandle {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CannotWrite(path: path, reason: String(cString: strerror(errno))) }
        if fchmod(fd, 0o600) != 0 {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw CannotWrite(path: path, reason: "cannot make it private (mode 0600): \(reason)")
        }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
}
