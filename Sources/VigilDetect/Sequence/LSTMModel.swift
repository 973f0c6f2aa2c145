import Foundation
import VigilCore

/// A trained LSTM sequence model: immutable parameters, safe to share between threads.
///
/// Each step's input is [its numeric features, the embedding of its category]. From the hidden state after step t the
/// model predicts step t + 1: a Gaussian over `logAmount` (mean, log-variance), a softmax over categories and a
/// Gaussian over `logGap`. The first step of a sequence is predicted from the zero state (h = c = 0) with no input:
/// the head sees h = 0, so that prediction is the head's biases alone, a learned prior for a sequence's first step.
/// The loss of a step is the sum of the three negative log-likelihoods, each weighted 1 (the gap's left out at a
/// sequence's first step); training minimises its mean over steps.
///
/// Scoring is causal: a step's score depends only on the earlier steps of its sequence, and equals (to float
/// rounding) what training's forward pass computes for it.
public final class LSTMModel: Sendable {
    public let shape: LSTMShape
    /// The flat parameter vector (see `LSTMLayout` for its groups).
    let parameters: [Float]
    let layout: LSTMLayout

    init(shape: LSTMShape, parameters: [Float]) {
        self.shape = shape
        self.layout = LSTMLayout(shape)
        precondition(parameters.count == layout.parameterCount)
        self.parameters = parameters
    }

    /// Number of learned parameters.
    public var parameterCount: Int { parameters.count }

    // MARK: Scoring

    /// One score per step of `data`, in order. `data` must fit the model's shape (`SequenceData.validate(for:)`).
    /// Results do not depend on `threads` (0 = all cores).
    public func score(_ data: SequenceData, threads: Int = 0) -> [LSTMStepScore] {
        do { try data.validate(for: shape) } catch { preconditionFailure("\(error)") }
        let storage = SequenceStorage(data)
        let parallelism = threads == 0 ? Parallelism.automatic : Parallelism(threadCount: threads)
        return parameters.withUnsafeBufferPointer { p in
            Self.scores(parameters: p.baseAddress!, layout: layout, data: storage, parallelism: parallelism)
        }
    }

    /// Sequences per scoring group: each group runs its rows side by side, one task per group.
    static let scoringGroup = 16

    static func scores<S: LSTMScalar>(parameters: UnsafePointer<S>, layout: LSTMLayout, data: SequenceStorage,
                                      parallelism: Parallelism) -> [LSTMStepScore] {
        let order = (0 ..< data.sequenceCount).sorted {
            let (a, b) = (data.length(of: $0), data.length(of: $1))
            return a != b ? a > b : $0 < $1
        }
        let groups = stride(from: 0, to: order.count, by: scoringGroup).map {
            Array(order[$0 ..< min(order.count, $0 + scoringGroup)])
        }
        let shared = ReadOnlyPointer(parameters)
        return [LSTMStepScore](unsafeUninitializedCapacity: data.steps) { buffer, initialized in
            let output = DisjointWrites(buffer)
            parallelism.forEachChunk(of: groups.count, chunkSize: 1) { range in
                for group in range {
                    LSTMScorer.score(groups[group], parameters: shared.base, layout: layout, data: data,
                                     output: output)
                }
            }
            initialized = data.steps
        }
    }

    // MARK: Training

    /// Rows per training shard: the unit of parallel work within a mini-batch. Fixed, so that the sums of gradients
    /// (per shard, then shards in order) and so the parameters never depend on the number of threads.
    static let shardRows = 16

    /// Trains a model on `data` (see the type's documentation for the model and `LSTMTraining` for the settings).
    ///
    /// Each epoch shuffles the sequences (seeded), groups them into mini-batches of similar length, and walks each
    /// mini-batch window by window: a window's forward and backward passes run in parallel over fixed shards of the
    /// batch's sequences, their gradients are summed in shard order, clipped to `clipNorm` and applied by Adam. The
    /// held-back slice is scored after every epoch, and the best epoch's parameters are kept. `progress` is called
    /// after each epoch (its number, from 1; validation loss NaN without a holdout); `shouldStop` is polled between
    /// mini-batches and ends training early, returning the best parameters so far.
    public static func train(_ data: SequenceData, shape: LSTMShape, training: LSTMTraining,
                             progress: (_ epoch: Int, _ trainLoss: Double, _ validationLoss: Double) -> Void = { _, _, _ in },
                             shouldStop: () -> Bool = { false }) throws -> (LSTMModel, LSTMTrainingReport) {
        try data.validate(for: shape)
        try training.validate()
        let started = Date()
        let layout = LSTMLayout(shape)
        let storage = SequenceStorage(data)
        let parallelism = training.parallelism
        let sequenceCount = storage.sequenceCount
        let held = (0 ..< sequenceCount).map { Int(Double(storage.length(of: $0)) * training.holdoutFraction) }
        let trainLength = (0 ..< sequenceCount).map { storage.length(of: $0) - held[$0] }
        let heldSteps = held.reduce(0, +)

        var parameters: [Float] = initialParameters(layout: layout, seed: training.seed)
        setOutputPriors(&parameters, layout: layout, data: storage, trainLength: trainLength)
        var optimizer = Adam(count: layout.parameterCount, learningRate: Float(training.learningRate))

        let maxShards = (min(training.batchSequences, max(1, sequenceCount)) + shardRows - 1) / shardRows
        var shards = (0 ..< maxShards).map { _ in
            LSTMShard<Float>(layout: layout, capacity: shardRows, window: training.window)
        }
        let count = layout.parameterCount
        var shardGradients = [Float](repeating: 0, count: maxShards * count)
        var shardLosses = [Double](repeating: 0, count: maxShards)
        var gradient = [Float](repeating: 0, count: count)
        var transposedWeights = [Float](repeating: 0, count: layout.width * layout.gates)
        var transposedHead = [Float](repeating: 0, count: layout.hidden * layout.outputs)

        var report = LSTMTrainingReport(epochs: 0, trainLoss: [], validationLoss: [], bestEpoch: 0, steps: 0,
                                        seconds: 0)
        var best = parameters
        var bestLoss = Double.infinity
        var sinceBest = 0
        epochs: for epoch in 1 ... training.maxEpochs {
            var lossSum = 0.0
            var lossSteps = 0
            for batch in batches(trainLength: trainLength, size: training.batchSequences, seed: training.seed,
                                 epoch: epoch) {
                if shouldStop() {
                    report.stopped = true
                    report.steps += lossSteps
                    break epochs
                }
                let shardCount = (batch.count + shardRows - 1) / shardRows
                for shard in 0 ..< shardCount {
                    let rows = stride(from: shard, to: batch.count, by: shardCount).map {
                        (start: storage.starts[batch[$0]], length: trainLength[batch[$0]])
                    }
                    shards[shard].begin(rows: rows)
                }
                let longest = trainLength[batch[0]]
                for windowStart in stride(from: 0, to: longest, by: training.window) {
                    let stepCount = shards[0 ..< shardCount].reduce(0) { $0 + $1.lossCount(from: windowStart) }
                    transpose(parameters, from: layout.weightsOffset, rows: layout.width, columns: layout.gates,
                              into: &transposedWeights)
                    transpose(parameters, from: layout.headWeightsOffset, rows: layout.hidden,
                              columns: layout.outputs, into: &transposedHead)
                    let scale = 1 / Float(stepCount)
                    parameters.withUnsafeBufferPointer { p in
                        transposedWeights.withUnsafeBufferPointer { wT in
                            transposedHead.withUnsafeBufferPointer { woT in
                                shardGradients.withUnsafeMutableBufferPointer { g in
                                    shardLosses.withUnsafeMutableBufferPointer { losses in
                                        shards.withUnsafeMutableBufferPointer { shards in
                                            let (p, wT, woT) = (ReadOnlyPointer(p.baseAddress!),
                                                                ReadOnlyPointer(wT.baseAddress!),
                                                                ReadOnlyPointer(woT.baseAddress!))
                                            // Each shard, its gradient and its loss belong to one chunk.
                                            let (shards, g, losses) = (DisjointWrites(shards), DisjointWrites(g),
                                                                       DisjointWrites(losses))
                                            parallelism.forEachChunk(of: shardCount, chunkSize: 1) { range in
                                                for index in range {
                                                    let shard = shards[index]
                                                    let gradient = g.base + index * count
                                                    gradient.update(repeating: 0, count: count)
                                                    losses[index] = shard.forward(from: windowStart, parameters: p.base,
                                                                                  data: storage, scale: scale)
                                                    shard.backward(parameters: p.base, transposedWeights: wT.base,
                                                                   transposedHead: woT.base, data: storage,
                                                                   gradient: gradient)
                                                    shard.advance()
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    sumShards(shardGradients, shards: shardCount, count: count, into: &gradient)
                    for index in 0 ..< shardCount { lossSum += shardLosses[index] }
                    lossSteps += stepCount
                    clip(&gradient, to: Float(training.clipNorm))
                    optimizer.step(&parameters, gradient: gradient)
                }
            }
            report.steps += lossSteps
            report.epochs = epoch
            let trainLoss = lossSum / Double(max(1, lossSteps))
            report.trainLoss.append(trainLoss)
            var validationLoss = Double.nan
            if heldSteps > 0 {
                validationLoss = heldBackLoss(parameters: parameters, layout: layout, data: storage, held: held,
                                              parallelism: parallelism)
                report.validationLoss.append(validationLoss)
                if validationLoss < bestLoss {
                    bestLoss = validationLoss
                    best = parameters
                    report.bestEpoch = epoch
                    sinceBest = 0
                } else {
                    sinceBest += 1
                }
            } else {
                best = parameters
                report.bestEpoch = epoch
            }
            progress(epoch, trainLoss, validationLoss)
            if sinceBest >= training.patience { break }
        }
        if report.bestEpoch == 0 { best = parameters }
        report.seconds = Date().timeIntervalSince(started)
        return (LSTMModel(shape: shape, parameters: best), report)
    }

    /// Mean loss per held-back step (the last `held[i]` steps of each sequence i), from a causal pass over whole
    /// sequences.
    static func heldBackLoss(parameters: [Float], layout: LSTMLayout, data: SequenceStorage, held: [Int],
                             parallelism: Parallelism) -> Double {
        let scores = parameters.withUnsafeBufferPointer {
            Self.scores(parameters: $0.baseAddress!, layout: layout, data: data, parallelism: parallelism)
        }
        var sum = 0.0
        var steps = 0
        for sequence in 0 ..< data.sequenceCount where held[sequence] > 0 {
            let end = data.starts[sequence + 1]
            for step in end - held[sequence] ..< end { sum += Double(scores[step].nll) }
            steps += held[sequence]
        }
        return sum / Double(max(1, steps))
    }

    /// The epoch's mini-batches: sequences with something to train, shuffled, then within pools of eight batches sorted
    /// longest first and cut into batches (so a batch's rows end at similar times), the batches shuffled again.
    static func batches(trainLength: [Int], size: Int, seed: UInt64, epoch: Int) -> [[Int]] {
        var random = SeededRandom(seed: seed, stream: UInt64(epoch))
        var order = trainLength.indices.filter { trainLength[$0] > 0 }
        shuffle(&order, using: &random)
        var batches: [[Int]] = []
        let pool = size * 8
        for poolStart in stride(from: 0, to: order.count, by: pool) {
            let sorted = order[poolStart ..< min(order.count, poolStart + pool)].sorted {
                trainLength[$0] != trainLength[$1] ? trainLength[$0] > trainLength[$1] : $0 < $1
            }
            for start in stride(from: 0, to: sorted.count, by: size) {
                batches.append(Array(sorted[start ..< min(sorted.count, start + size)]))
            }
        }
        shuffle(&batches, using: &random)
        return batches
    }

    static func shuffle<T>(_ items: inout [T], using random: inout SeededRandom) {
        guard items.count > 1 else { return }
        for index in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(index, random.nextInt(below: index + 1))
        }
    }

    /// Glorot-uniform weights from `seed` (each gate's block of W with fan-in I + E + H and fan-out H, the embedding
    /// with categories and E, the head with H and P), zero biases except the forget gate's, which start at 1.
    static func initialParameters<S: LSTMScalar>(layout l: LSTMLayout, seed: UInt64) -> [S] {
        var random = SeededRandom(seed: seed, stream: 0x4C53_544D)
        var p = [S](repeating: 0, count: l.parameterCount)
        func fill(_ range: Range<Int>, fanIn: Int, fanOut: Int) {
            let limit = (6 / Double(max(1, fanIn + fanOut))).squareRoot()
            for index in range { p[index] = S((random.nextUnitDouble() * 2 - 1) * limit) }
        }
        fill(0 ..< l.weightsOffset, fanIn: l.categories, fanOut: l.embedding)
        fill(l.weightsOffset ..< l.biasOffset, fanIn: l.width, fanOut: l.hidden)
        for j in 0 ..< l.hidden { p[l.biasOffset + l.hidden + j] = 1 }
        fill(l.headWeightsOffset ..< l.headBiasOffset, fanIn: l.hidden, fanOut: l.outputs)
        return p
    }

    /// Starts the head's biases at the training steps' marginals: the means and log-variances of logAmount and logGap,
    /// and the log-frequencies of the categories, so training begins from the best prediction that ignores history.
    static func setOutputPriors(_ p: inout [Float], layout l: LSTMLayout, data: SequenceStorage, trainLength: [Int]) {
        var amount = (sum: 0.0, squares: 0.0, count: 0.0)
        var gap = (sum: 0.0, squares: 0.0, count: 0.0)
        var counts = [Double](repeating: 1, count: l.categories)
        for sequence in 0 ..< data.sequenceCount {
            let start = data.starts[sequence]
            for step in start ..< start + trainLength[sequence] {
                let a = Double(data.logAmount[step])
                amount = (amount.sum + a, amount.squares + a * a, amount.count + 1)
                if step > start {
                    let g = Double(data.logGap[step])
                    gap = (gap.sum + g, gap.squares + g * g, gap.count + 1)
                }
                counts[Int(data.categories[step])] += 1
            }
        }
        func rawLogVariance(_ moments: (sum: Double, squares: Double, count: Double)) -> Float {
            guard moments.count > 1 else { return 0 }
            let mean = moments.sum / moments.count
            let variance = max(moments.squares / moments.count - mean * mean, 1e-4)
            let squashed = min(max(log(variance) / logVarianceLimit, -0.9), 0.9)
            return Float(logVarianceLimit * atanh(squashed))
        }
        let b = l.headBiasOffset
        p[b] = Float(amount.sum / max(1, amount.count))
        p[b + 1] = rawLogVariance(amount)
        p[b + 2] = Float(gap.sum / max(1, gap.count))
        p[b + 3] = rawLogVariance(gap)
        let total = counts.reduce(0, +)
        for k in 0 ..< l.categories { p[b + 4 + k] = Float(log(counts[k] / total)) }
    }

    static func transpose(_ p: [Float], from offset: Int, rows: Int, columns: Int, into output: inout [Float]) {
        p.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for r in 0 ..< rows {
                    for c in 0 ..< columns { target[c * rows + r] = source[offset + r * columns + c] }
                }
            }
        }
    }

    static func sumShards(_ gradients: [Float], shards: Int, count: Int, into gradient: inout [Float]) {
        gradients.withUnsafeBufferPointer { source in
            gradient.withUnsafeMutableBufferPointer { target in
                for index in 0 ..< count { target[index] = source[index] }
                for shard in 1 ..< max(1, shards) {
                    let base = shard * count
                    for index in 0 ..< count { target[index] += source[base + index] }
                }
            }
        }
    }

    /// Scales `gradient` down to global norm `limit` when it is longer.
    static func clip(_ gradient: inout [Float], to limit: Float) {
        var squares = 0.0
        for value in gradient { squares += Double(value) * Double(value) }
        let norm = squares.squareRoot()
        guard norm > Double(limit) else { return }
        let factor = Float(Double(limit) / norm)
        for index in gradient.indices { gradient[index] *= factor }
    }

    // MARK: Encoding

    static let magic: [UInt8] = Array("VIGLLSTM".utf8)
    static let version: UInt32 = 1
    static let headerSize = 8 + 4 + 4 * 4 + 4

    /// The model as versioned little-endian binary: the magic "VIGLLSTM", the version (UInt32, 1), the shape
    /// (numericInputs, categories, embedding, hidden as UInt32), the parameter count (UInt32), then the parameters as
    /// Float32 in `LSTMLayout`'s order.
    public func encoded() -> Data {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + 4 * parameters.count)
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        append(Self.version)
        for size in [shape.numericInputs, shape.categories, shape.embedding, shape.hidden] { append(UInt32(size)) }
        append(UInt32(parameters.count))
        for value in parameters { append(value.bitPattern) }
        return Data(bytes)
    }

    /// Reads `encoded()`'s format; throws `LSTMError.badMagic`, `.unsupportedVersion`, `.badSize`, `.invalidShape`
    /// or `.invalidParameters` on anything else.
    public convenience init(encoded data: Data) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 8, Array(bytes[0 ..< 8]) == Self.magic else { throw LSTMError.badMagic }
        func word(_ index: Int) -> UInt32 {
            let offset = 8 + 4 * index
            return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
                | UInt32(bytes[offset + 3]) << 24
        }
        guard bytes.count >= 12 else { throw LSTMError.badSize(expected: Self.headerSize, actual: bytes.count) }
        guard word(0) == Self.version else { throw LSTMError.unsupportedVersion(word(0)) }
        guard bytes.count >= Self.headerSize else {
            throw LSTMError.badSize(expected: Self.headerSize, actual: bytes.count)
        }
        let shape = LSTMShape(numericInputs: Int(word(1)), categories: Int(word(2)), embedding: Int(word(3)),
                              hidden: Int(word(4)))
        try shape.validate()
        let layout = LSTMLayout(shape)
        guard Int(word(5)) == layout.parameterCount else {
            throw LSTMError.invalidParameters("\(word(5)) parameters, the shape has \(layout.parameterCount)")
        }
        let expected = Self.headerSize + 4 * layout.parameterCount
        guard bytes.count == expected else { throw LSTMError.badSize(expected: expected, actual: bytes.count) }
        let parameters = (0 ..< layout.parameterCount).map { Float(bitPattern: word(6 + $0)) }
        guard parameters.allSatisfy(\.isFinite) else { throw LSTMError.invalidParameters("not all are finite") }
        self.init(shape: shape, parameters: parameters)
    }
}

/// Adam (Kingma & Ba) with the usual β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸.
struct Adam {
    var m: [Float]
    var v: [Float]
    var t = 0
    let learningRate: Float

    init(count: Int, learningRate: Float) {
        m = [Float](repeating: 0, count: count)
        v = [Float](repeating: 0, count: count)
        self.learningRate = learningRate
    }

    mutating func step(_ parameters: inout [Float], gradient: [Float]) {
        t += 1
        let (beta1, beta2): (Float, Float) = (0.9, 0.999)
        let correction1 = 1 - Float(pow(0.9, Double(t)))
        let correction2 = 1 - Float(pow(0.999, Double(t)))
        let stepSize = learningRate * correction2.squareRoot() / correction1
        let epsilon = 1e-8 * correction2.squareRoot()
        parameters.withUnsafeMutableBufferPointer { p in
            m.withUnsafeMutableBufferPointer { m in
                v.withUnsafeMutableBufferPointer { v in
                    gradient.withUnsafeBufferPointer { g in
                        for i in 0 ..< p.count {
                            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
                            v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
                            p[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
                        }
                    }
                }
            }
        }
    }
}
