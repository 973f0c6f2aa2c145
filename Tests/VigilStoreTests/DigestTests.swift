import Dispatch
import Foundation
import Testing
import VigilStore

/// `Digest` against published known answers: the NIST SHA-256 examples (FIPS 180-2 appendix B and the one-million-'a'
/// message) and RFC 4231's HMAC-SHA-256 test cases 1-7, so that whichever system library sits behind it (libcrypto
/// on Linux, CryptoKit on macOS) is checked to compute the same bytes the store's hashes, tokens and seals rely on.
@Suite struct DigestTests {
    static func bytes(hex: String) -> [UInt8] {
        let digits = Array(hex.utf8)
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0 ..< $0 + 2], as: UTF8.self), radix: 16)! }
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func sha256KnownAnswers(message: String, expected: String) {
        #expect(Digest.sha256Hex(Data(message.utf8)) == expected)
        #expect(Digest.sha256Hex(Array(message.utf8)) == expected)
    }

    /// One million 'a', fed in uneven chunks through both `update`s, as a file is read.
    @Test func sha256OfAMillionAStreamedInChunks() {
        let million = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 4093)
        var raw = Digest.Streaming()
        var data = Digest.Streaming()
        var left = 1_000_000
        while left > 0 {
            let n = min(left, chunk.count)
            chunk.withUnsafeBytes { raw.update(UnsafeRawBufferPointer(rebasing: $0[0 ..< n])) }
            data.update(Data(chunk[0 ..< n]))
            left -= n
        }
        #expect(raw.finishHex() == million)
        #expect(data.finishHex() == million)
        #expect(Digest.sha256Hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)) == million)
    }

    /// A copy of a part-fed hasher goes on by itself: feeding one does not change what the other finishes with.
    @Test func aCopiedStreamingHasherIsIndependent() {
        var first = Digest.Streaming()
        first.update(Data("ab".utf8))
        var second = first
        first.update(Data("c".utf8))
        second.update(Data("d".utf8))
        #expect(first.finishHex() == Digest.sha256Hex(Data("abc".utf8)))
        #expect(second.finishHex() == Digest.sha256Hex(Data("abd".utf8)))
    }

    /// Bytes in several separate regions (DispatchData as it comes from a file) hash as the same bytes in one piece.
    @Test func bytesInSeveralRegionsHashAsOnePiece() {
        var pieces = DispatchData.empty
        for part in ["abcdbcdecdefdefgefgh", "fghighijhijkijkljklm", "klmnlmnomnopnopq"] {
            Array(part.utf8).withUnsafeBytes { pieces.append($0) }
        }
        #expect(pieces.regions.count == 3)
        #expect(Digest.sha256Hex(pieces) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Digest.hmacHex(key: Array("Jefe".utf8), pieces)
            == Digest.hmacHex(key: Array("Jefe".utf8), Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
    }

    static let blockSizeKey = [UInt8](repeating: 0xaa, count: 131)

    /// RFC 4231 section 4, test cases 1-7 (case 5 is compared on the first 128 bits, as the RFC gives it).
    @Test(arguments: [
        (1, [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (2, Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (3, [UInt8](repeating: 0xaa, count: 20), [UInt8](repeating: 0xdd, count: 50),
         "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (4, Array(1 ... 25), [UInt8](repeating: 0xcd, count: 50),
         "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (5, [UInt8](repeating: 0x0c, count: 20), Array("Test With Truncation".utf8),
         "a3b6167473100ee06e0c796c2955552b"),
        (6, blockSizeKey, Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (7, blockSizeKey, Array(("This is a test using a larger than block-size key and a larger than block-size data. "
                                 + "The key needs to be hashed before being used by the HMAC algorithm.").utf8),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ] as [(Int, [UInt8], [UInt8], String)])
    func hmacSHA256RFC4231(testCase: Int, key: [UInt8], message: [UInt8], expected: String) {
        let mac = Digest.hmac(key: key, message)
        #expect(mac.count == 32, "case \(testCase)")
        #expect(Digest.hex(mac).hasPrefix(expected), "case \(testCase)")
        #expect(Digest.hmacHex(key: key, Data(message)) == Digest.hex(mac), "case \(testCase)")
        #expect(Array(Digest.hex(mac).utf8).count == 64)
        #expect(Self.bytes(hex: Digest.hex(mac)) == mac)
    }

    /// An empty key and an empty message are a valid HMAC (the value Python's hmac module and OpenSSL's CLI give).
    @Test func hmacWithAnEmptyKeyAndMessage() {
        #expect(Digest.hmacHex(key: [], Data())
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }
}
