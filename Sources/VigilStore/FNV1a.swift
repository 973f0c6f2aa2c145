/// 64-bit FNV-1a: a small, stable (seedless, unlike Swift's Hasher) hash for row identities.
struct FNV1a {
    private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    @inline(__always) mutating func add(_ byte: UInt8) {
        value ^= UInt64(byte)
        value &*= 0x0000_0100_0000_01b3
    }

    mutating func add<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        for b in bytes { add(b) }
    }

    /// The identity of a source key (its UTF-8 bytes) as the store indexes it.
    static func sourceHash(_ key: UnsafeBufferPointer<UInt8>) -> Int64 {
        var hasher = FNV1a()
        hasher.add(key)
        return Int64(bitPattern: hasher.value)
    }

    static func sourceHash(_ key: String) -> Int64 {
        var key = key
        return key.withUTF8 { sourceHash($0) }
    }
}
