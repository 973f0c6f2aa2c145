import Foundation

/// Little-endian binary for the fitted models a store keeps: arrays of numbers as their raw bytes, so a model
/// reads back bit for bit.
public enum BinaryArrays {
    public static func data<T: FixedWidthInteger>(_ values: [T]) -> Data {
        var data = Data(capacity: values.count * MemoryLayout<T>.size)
        for value in values { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
        return data
    }

    public static func data(_ values: [Double]) -> Data { data(values.map(\.bitPattern)) }
    public static func data(_ values: [Float]) -> Data { data(values.map(\.bitPattern)) }

    /// The integers `data` holds; nil when its length is not a whole number of them.
    public static func integers<T: FixedWidthInteger>(_ data: Data, as: T.Type = T.self) -> [T]? {
        let size = MemoryLayout<T>.size
        guard data.count % size == 0 else { return nil }
        let bytes = [UInt8](data)
        return (0 ..< data.count / size).map { i in
            var value = T.zero
            for b in 0 ..< size { value |= T(truncatingIfNeeded: bytes[i * size + b]) << (8 * b) }
            return value
        }
    }

    public static func doubles(_ data: Data) -> [Double]? { integers(data, as: UInt64.self)?.map(Double.init(bitPattern:)) }
    public static func floats(_ data: Data) -> [Float]? { integers(data, as: UInt32.self)?.map(Float.init(bitPattern:)) }
}

/// Why a stored model could not be read back.
public struct ModelDecodingError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension IsolationForestModel {
    private static let magic: UInt32 = 0x5649_4631  // "VIF1"

    /// The forest as bytes (`init(encoded:)` reads them back): every tree's nodes and path lengths, bit for bit.
    public func encoded() -> Data {
        var words: [UInt64] = [UInt64(Self.magic), UInt64(samplesPerTree), UInt64(columnCount), UInt64(trees.count)]
        for tree in trees {
            words.append(UInt64(tree.height))
            words.append(UInt64(tree.nodes.count))
            for node in tree.nodes {
                words.append(UInt64(UInt32(bitPattern: node.feature)) | UInt64(node.threshold.bitPattern) << 32)
                words.append(UInt64(bitPattern: Int64(node.firstChild)))
            }
            for length in tree.pathLengths { words.append(length.bitPattern) }
        }
        return BinaryArrays.data(words)
    }

    public init(encoded data: Data) throws {
        guard let words = BinaryArrays.integers(data, as: UInt64.self), words.count >= 4, words[0] == UInt64(Self.magic) else {
            throw ModelDecodingError("not an encoded isolation forest")
        }
        var position = 4
        func next() throws -> UInt64 {
            guard position < words.count else { throw ModelDecodingError("an encoded isolation forest ends early") }
            defer { position += 1 }
            return words[position]
        }
        let samples = Int(words[1]), columns = Int(words[2]), treeCount = Int(words[3])
        var trees: [IsolationTree] = []
        for _ in 0 ..< treeCount {
            let height = Int(try next())
            let count = Int(try next())
            guard count > 0, count <= words.count else { throw ModelDecodingError("an encoded isolation tree is malformed") }
            var nodes: [IsolationNode] = []
            nodes.reserveCapacity(count)
            for _ in 0 ..< count {
                let packed = try next()
                let child = Int64(bitPattern: try next())
                let node = IsolationNode(feature: Int32(bitPattern: UInt32(truncatingIfNeeded: packed)),
                                         threshold: Float(bitPattern: UInt32(truncatingIfNeeded: packed >> 32)),
                                         firstChild: Int32(truncatingIfNeeded: child))
                guard node.isLeaf || (node.feature >= 0 && Int(node.feature) < columns && node.firstChild > 0
                                      && Int(node.firstChild) + 1 < count) else {
                    throw ModelDecodingError("an encoded isolation tree has a node out of range")
                }
                nodes.append(node)
            }
            var lengths: [Double] = []
            for _ in 0 ..< count { lengths.append(Double(bitPattern: try next())) }
            trees.append(IsolationTree(nodes: nodes, pathLengths: lengths, height: height))
        }
        guard position == words.count else { throw ModelDecodingError("an encoded isolation forest has trailing bytes") }
        self.init(trees: trees, samplesPerTree: samples, columnCount: columns)
    }
}

extension TailScale {
    /// The scores the scale ranks against, ascending.
    public var fittedScores: [Double] { sorted }

    /// A scale over scores already sorted ascending (as `fittedScores` gives them), without NaN.
    public init(sortedScores: [Double], tail: Double) {
        self.init(ascending: sortedScores, tail: tail)
    }
}
