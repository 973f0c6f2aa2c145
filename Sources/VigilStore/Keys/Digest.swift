import Crypto
import Foundation

/// SHA-256 and HMAC-SHA-256, the only cryptography Vigil uses: content hashes of imported files, the audit trail's
/// links and seals, and card tokens. Every use goes through here so that the library behind it is named once.
public enum Digest {
    /// SHA-256 of `bytes`, as 64 lower-case hex digits.
    public static func sha256Hex<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// HMAC-SHA-256 of `message` under `key`: 32 bytes.
    public static func hmac<Bytes: DataProtocol>(key: [UInt8], _ message: Bytes) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }

    /// HMAC-SHA-256 of `message` under `key`, as 64 lower-case hex digits.
    public static func hmacHex<Bytes: DataProtocol>(key: [UInt8], _ message: Bytes) -> String {
        hex(hmac(key: key, message))
    }

    /// `bytes` as lower-case hex digits.
    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// SHA-256 computed over bytes as they arrive (a file read in chunks).
    public struct Streaming {
        private var hasher = SHA256()
        public init() {}
        public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
        public mutating func update<Bytes: DataProtocol>(_ bytes: Bytes) { hasher.update(data: bytes) }
        /// The digest in hex; the hasher is spent afterwards.
        public mutating func finishHex() -> String { Digest.hex(hasher.finalize()) }
    }
}
