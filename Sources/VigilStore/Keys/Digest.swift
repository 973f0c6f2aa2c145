#if canImport(CryptoKit)
import CryptoKit
#else
import CLibcrypto
#endif
import Foundation

/// SHA-256 and HMAC-SHA-256, the only cryptography Vigil uses: content hashes of imported files, the audit trail's
/// links and seals, and card tokens. Every use goes through here so that the library behind it is named once: the
/// system's own (CryptoKit on macOS, OpenSSL's libcrypto elsewhere), so that building Vigil compiles no crypto library.
public enum Digest {
    /// SHA-256 of `bytes`, as 64 lower-case hex digits.
    public static func sha256Hex<Bytes: DataProtocol>(_ bytes: Bytes) -> String {
        var hasher = Streaming()
        hasher.update(bytes)
        return hasher.finishHex()
    }

    /// HMAC-SHA-256 of `message` under `key`: 32 bytes.
    public static func hmac<Bytes: DataProtocol>(key: [UInt8], _ message: Bytes) -> [UInt8] {
        #if canImport(CryptoKit)
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        #else
        // The messages are short (tokens, audit events): one contiguous copy lets OpenSSL's one-shot HMAC take them.
        let bytes = Array(message)
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        // A non-null key pointer even for an empty key: OpenSSL 3 refuses a null one.
        let keyBytes = key.isEmpty ? [0] : key
        let done = keyBytes.withUnsafeBytes { k in
            bytes.withUnsafeBytes { m in
                HMAC(EVP_sha256(), k.baseAddress, Int32(key.count), m.baseAddress?.assumingMemoryBound(to: UInt8.self),
                     m.count, &out, &length)
            }
        }
        precondition(done != nil && length == 32, "libcrypto's HMAC-SHA-256 failed")
        return Array(out.prefix(32))
        #endif
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
        #if canImport(CryptoKit)
        private var hasher = SHA256()
        public init() {}
        public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }
        public mutating func update<Bytes: DataProtocol>(_ bytes: Bytes) { hasher.update(data: bytes) }
        /// The digest in hex; the hasher is spent afterwards.
        public mutating func finishHex() -> String { Digest.hex(hasher.finalize()) }
        #else
        private var context = Context()
        public init() {}

        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            guard !bytes.isEmpty else { return }
            uniqueContext().update(bytes)
        }

        public mutating func update<Bytes: DataProtocol>(_ bytes: Bytes) {
            for region in bytes.regions { region.withUnsafeBytes { update($0) } }
        }

        /// The digest in hex; the hasher is spent afterwards.
        public mutating func finishHex() -> String { Digest.hex(uniqueContext().finish()) }

        /// The context, copied first if another copy of this value shares it, so that a copy hashes on its own as a
        /// value type should.
        private mutating func uniqueContext() -> Context {
            if !isKnownUniquelyReferenced(&context) { context = context.copy() }
            return context
        }

        /// An OpenSSL digest context, freed with its owner.
        private final class Context {
            private let pointer: OpaquePointer

            init() {
                guard let pointer = EVP_MD_CTX_new(), EVP_DigestInit_ex(pointer, EVP_sha256(), nil) == 1 else {
                    preconditionFailure("libcrypto could not start a SHA-256 context")
                }
                self.pointer = pointer
            }

            private init(copying other: Context) {
                guard let pointer = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(pointer, other.pointer) == 1 else {
                    preconditionFailure("libcrypto could not copy a SHA-256 context")
                }
                self.pointer = pointer
            }

            deinit { EVP_MD_CTX_free(pointer) }

            func copy() -> Context { Context(copying: self) }

            func update(_ bytes: UnsafeRawBufferPointer) {
                precondition(EVP_DigestUpdate(pointer, bytes.baseAddress, bytes.count) == 1, "libcrypto SHA-256 update failed")
            }

            func finish() -> [UInt8] {
                var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
                var length: UInt32 = 0
                precondition(EVP_DigestFinal_ex(pointer, &out, &length) == 1 && length == 32, "libcrypto SHA-256 failed")
                return Array(out.prefix(32))
            }
        }
        #endif
    }
}
