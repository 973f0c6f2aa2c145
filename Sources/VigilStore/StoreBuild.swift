import Foundation
import GRDB

extension StoreError {
    static func alreadyExists(_ path: String) -> StoreError {
        .cannotCreate(path: path, reason: "a file appeared there while the new store was being built; the new store was discarded")
    }
}

extension Store {
    /// Builds a new store at `path`, which must not exist yet, and returns what `load` returns.
    ///
    /// The store is built in a private file beside `path` (`.NAME.building-PID`) with no rollback journal
    /// and no syncs, then synced, switched to WAL and linked into place in one step. A load into a new store
    /// is therefore all or nothing: if `load` throws, or the process is killed, `path` never appears and the
    /// half-built file is removed (by the next build into the same directory, when killed). Pages are written
    /// once, instead of to a WAL and again at each checkpoint, which makes a first import much faster.
    ///
    /// `load` must not keep the store it is given: it is closed when `build` returns.
    public static func build<T>(at path: String, _ load: (Store) throws -> T) throws -> T {
        let fm = FileManager.default
        if fm.fileExists(atPath: path) { throw StoreError.cannotCreate(path: path, reason: "it already exists") }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + ".building-"
        removeAbandonedBuilds(in: directory, prefix: prefix)
        let temporary = directory + "/" + prefix + String(getpid())
        try? fm.removeItem(atPath: temporary)
        // A new key is made in a private file too, and linked into place just before the store: a build that fails
        // or is killed leaves no key without its store.
        let keyFile = StoreKey.file(forStore: path)
        let keyExisted = fm.fileExists(atPath: keyFile)
        let keyURL = URL(fileURLWithPath: keyFile)
        let keyPrefix = "." + keyURL.lastPathComponent + ".building-"
        let keyDirectory = keyURL.deletingLastPathComponent().path
        removeAbandonedBuilds(in: keyDirectory, prefix: keyPrefix)
        let temporaryKey = keyDirectory + "/" + keyPrefix + String(getpid())
        if !keyExisted { unlink(temporaryKey) }
        func discard() {
            unlink(temporary)
            unlink(temporaryKey)
        }

        let result: T
        do {
            let store = try Store(path: temporary, building: true, keyFile: keyExisted ? keyFile : temporaryKey)
            result = try load(store)
            try store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
            try (store.pool as? DatabaseQueue)?.close()
            try syncFile(temporary)
        } catch {
            discard()
            throw error
        }
        if !keyExisted && fm.fileExists(atPath: temporaryKey) && link(temporaryKey, keyFile) != 0 {
            let code = errno
            discard()
            throw StoreError.cannotCreate(path: path, reason: "its key file \(keyFile): " + String(cString: strerror(code)))
        }
        if link(temporary, path) != 0 {
            let code = errno
            if !keyExisted { unlink(keyFile) }
            discard()
            if code == EEXIST { throw StoreError.alreadyExists(path) }
            throw StoreError.cannotCreate(path: path, reason: String(cString: strerror(code)))
        }
        discard()
        try? syncFile(directory)
        return result
    }

    /// Runs a load (an import, the demo) against the store at `path`: the existing store when there is one,
    /// else a new one made by `build(at:_:)`, all or nothing.
    public static func load<T>(into path: String, _ load: (Store) throws -> T) throws -> T {
        if FileManager.default.fileExists(atPath: path) { return try load(Store(path: path)) }
        return try build(at: path, load)
    }

    /// Removes `prefix`-named files left by builds whose process is gone (killed midway).
    private static func removeAbandonedBuilds(in directory: String, prefix: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)) else { continue }
            if pid != getpid(), kill(pid, 0) != 0, errno == ESRCH { unlink(directory + "/" + name) }
        }
    }

    private static func syncFile(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw StoreError.cannotCreate(path: path, reason: "fsync: " + String(cString: strerror(errno))) }
    }
}
