/// One number per detector for one transaction (a score, a raw model output), held inline: a value with no heap
/// storage, where a `[Detector: Double]` would allocate and hash. Live scoring makes several per arriving
/// transaction, on every core at once, and drops them as fast.
///
/// Reads like a dictionary keyed by detector: `scores[.lof]` is nil until set, and setting nil removes the entry.
/// Iteration visits the entries in detector order.
public struct DetectorScores: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// Each detector's value at its `ordinal`; 0 where absent, so that equal contents compare equal.
    private var values = SIMD16<Double>()
    /// Bit `ordinal` is set where a detector has a value.
    private var present: UInt16 = 0

    /// Detectors by ordinal (`allCases` builds a new array at each call).
    static let byOrdinal = Detector.allCases

    public init() {}

    public init(dictionaryLiteral elements: (Detector, Double)...) {
        self.init()
        for (detector, value) in elements { self[detector] = value }
    }

    public subscript(detector: Detector) -> Double? {
        get {
            let ordinal = detector.ordinal
            return present & (1 << ordinal) != 0 ? values[ordinal] : nil
        }
        set {
            let ordinal = detector.ordinal
            if let newValue {
                values[ordinal] = newValue
                present |= 1 << ordinal
            } else {
                values[ordinal] = 0
                present &= ~(1 << ordinal)
            }
        }
    }

    /// Σ weights[ordinal] × value over the entries whose weight is above 0, added in detector order (the order fixes
    /// the last bit of the sum).
    func weightedSum(_ weights: SIMD16<Double>) -> Double {
        var sum = 0.0
        var remaining = present
        while remaining != 0 {
            let ordinal = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            let weight = weights[ordinal]
            if weight > 0 { sum += weight * values[ordinal] }
        }
        return sum
    }

    public var count: Int { present.nonzeroBitCount }
    public var isEmpty: Bool { present == 0 }

    /// The detectors with a value, in detector order.
    public var detectors: [Detector] { map(\.detector) }

    public var description: String {
        "[" + map { "\($0.detector.rawValue): \($0.value)" }.joined(separator: ", ") + "]"
    }

    public struct Iterator: IteratorProtocol {
        let scores: DetectorScores
        var remaining: UInt16

        public mutating func next() -> (detector: Detector, value: Double)? {
            guard remaining != 0 else { return nil }
            let ordinal = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            return (DetectorScores.byOrdinal[ordinal], scores.values[ordinal])
        }
    }

    public func makeIterator() -> Iterator { Iterator(scores: self, remaining: present) }
}
