import Foundation
import GRDB

/// The store's secret: two 256-bit keys kept in a file of their own, outside the store, readable by its owner only.
/// The card key turns card numbers into the tokens the store keeps instead of them; the audit key seals the triage
/// trail so that an edited, re-hashed trail is detected. Neither is ever written into the store: the store keeps
/// only a check value of each (`store_settings`), so that a wrong key file is refused rather than used.
public struct StoreKey: Sendable, Equatable {
    /// Keys card numbers' tokens (HMAC-SHA-256 of the digits). Never rotated: a token can only be made again from
    /// the number, which the store no longer holds.
    public let cardKey: [UInt8]
    /// Keys the audit trail's seals. `vigil key rotate` replaces it and reseals the trail.
    public let auditKey: [UInt8]
    /// The file it was read from or written to.
    public let file: String
    /// The audit key before a rotation, kept in the file only while `vigil key rotate` reseals the trail, so that a
    /// crash between writing the file and committing the store leaves a key that opens the store.
    public let previousAuditKey: [UInt8]?

    static let header = "vigil-store-key v1"

    public init(cardKey: [UInt8], auditKey: [UInt8], file: String, previousAuditKey: [UInt8]? = nil) {
        self.cardKey = cardKey
        self.auditKey = auditKey
        self.file = file
        self.previousAuditKey = previousAuditKey
    }

    /// Where the key of the store at `storePath` lives: `$VIGIL_KEY_FILE` when set, else beside the store with
    /// `.key` added to its name.
    public static func file(forStore storePath: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let named = environment["VIGIL_KEY_FILE"], !named.isEmpty { return named }
        return storePath + ".key"
    }

    /// 32 bytes from the operating system's random source.
    public static func randomKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// A new key with fresh random keys, not yet written anywhere.
    public static func generate(file: String) -> StoreKey {
        StoreKey(cardKey: randomKey(), auditKey: randomKey(), file: file)
    }

    /// The key file's text: a header line, then one line per key.
    var text: String {
        Self.header + "\ncard " + Digest.hex(cardKey) + "\naudit " + Digest.hex(auditKey) + "\n"
            + (previousAuditKey.map { "previous-audit " + Digest.hex($0) + "\n" } ?? "")
    }

    /// A value that identifies the card key without revealing it, kept in the store to recognise its key file.
    public var cardCheck: String { Digest.hmacHex(key: cardKey, Data("vigil card key check".utf8)) }
    /// The same for the audit key.
    public var auditCheck: String { Digest.hmacHex(key: auditKey, Data("vigil audit key check".utf8)) }

    /// Reads the key file at `file`; nil when there is none. Refuses a file that others may read, or that is not a
    /// key file.
    public static func read(file: String) throws(StoreKeyError) -> StoreKey? {
        var status = stat()
        guard stat(file, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw .unreadable(file: file, reason: String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .malformed(file: file, reason: "it is not a regular file") }
        // Like ssh with a private key: a secret others can read is not a secret any more, and saying so beats
        // using it quietly.
        if status.st_mode & 0o077 != 0 {
            throw .tooOpen(file: file, mode: String(status.st_mode & 0o777, radix: 8))
        }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw .unreadable(file: file, reason: error.localizedDescription)
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
        guard lines.first == header else { throw .malformed(file: file, reason: "its first line is not '\(header)'") }
        var keys: [String: [UInt8]] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let bytes = Self.bytes(hex: parts[1]), bytes.count == 32 else {
                throw .malformed(file: file, reason: "a line is not a name and 64 hex digits")
            }
            keys[String(parts[0])] = bytes
        }
        guard let card = keys["card"], let audit = keys["audit"] else {
            throw .malformed(file: file, reason: "it lacks the card or the audit key")
        }
        return StoreKey(cardKey: card, auditKey: audit, file: file, previousAuditKey: keys["previous-audit"])
    }

    /// Writes the key to its file, which must not exist yet, mode 0600 from birth, synced.
    public func create() throws(StoreKeyError) {
        try write(to: file, exclusive: true)
    }

    /// Replaces the key file with this key: written beside it, synced, then renamed over it, so that a crash leaves
    /// the old key or the new one, never half of one.
    public func replace() throws(StoreKeyError) {
        let temporary = file + ".new-\(getpid())"
        unlink(temporary)
        try write(to: temporary, exclusive: true)
        guard rename(temporary, file) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .cannotWrite(file: file, reason: reason)
        }
    }

    private func write(to path: String, exclusive: Bool) throws(StoreKeyError) {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let fd = open(path, O_CREAT | (exclusive ? O_EXCL : O_TRUNC) | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotWrite(file: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw .cannotWrite(file: path, reason: reason)
        }
    }

    static func bytes<Text: StringProtocol>(hex: Text) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var i = 0
        while i < digits.count {
            guard let high = value(digits[i]), let low = value(digits[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}

/// Why a store's key could not be used; each names the key file.
public enum StoreKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case malformed(file: String, reason: String)
    case tooOpen(file: String, mode: String)
    case cannotWrite(file: String, reason: String)
    /// The key file is not the one this store was made with.
    case wrongKey(file: String, store: String)
    /// The store was made with a key, and its file is not there.
    case missing(file: String, store: String, needed: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason): return "\(file): cannot read the store's key file: \(reason)"
        case .malformed(let file, let reason): return "\(file): not a Vigil key file (\(reason))"
        case .tooOpen(let file, let mode):
            return "\(file): the store's key file may be read by others (mode \(mode)); it was not used. "
                + "Run `chmod 600 \(file)` if no one else has read it, or make a new store if someone may have"
        case .cannotWrite(let file, let reason): return "\(file): cannot write the store's key file: \(reason)"
        case .wrongKey(let file, let store):
            return "\(file) is not the key of \(store) (it was made with another key file); nothing was changed. "
                + "Give the store's own key file with $VIGIL_KEY_FILE, or restore it from the store's backup"
        case .missing(let file, let store, let needed):
            return "\(store): its key file \(file) is missing, and \(needed) needs it; nothing was changed. "
                + "Restore the key file from the backup made with the store (or name it with $VIGIL_KEY_FILE)"
        }
    }
}
