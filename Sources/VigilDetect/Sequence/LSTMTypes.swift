import Foundation

/// Sizes of an LSTM sequence model.
public struct LSTMShape: Codable, Sendable, Equatable {
    /// Numeric features per step.
    public var numericInputs: Int
    /// Category vocabulary size: ids are `0 ..< categories`.
    public var categories: Int
    /// Size of the learned category embedding.
    public var embedding: Int
    /// LSTM hidden (and cell) state size.
    public var hidden: Int

    public init(numericInputs: Int, categories: Int, embedding: Int = 8, hidden: Int = 32) {
        self.numericInputs = numericInputs
        self.categories = categories
        self.embedding = embedding
        self.hidden = hidden
    }

    /// Throws unless every size is usable: no negative sizes, at least one category and one hidden unit.
    public func validate() throws {
        guard numericInputs >= 0, embedding >= 0 else {
            throw LSTMError.invalidShape("numericInputs and embedding must not be negative")
        }
        guard categories >= 1 else { throw LSTMError.invalidShape("at least one category is needed") }
        guard hidden >= 1 else { throw LSTMError.invalidShape("at least one hidden unit is needed") }
        guard numericInputs <= 1 << 20, categories <= 1 << 24, embedding <= 1 << 12, hidden <= 1 << 12 else {
            throw LSTMError.invalidShape("sizes are implausibly large")
        }
    }
}

/// Errors of the LSTM sequence model.
public enum LSTMError: Error, Equatable, CustomStringConvertible {
    case invalidShape(String)
    case invalidData(String)
    case invalidTraining(String)
    /// `init(encoded:)` was given something other than an encoded model.
    case badMagic
    case unsupportedVersion(UInt32)
    /// The encoded model's length does not match what its shape needs.
    case badSize(expected: Int, actual: Int)
    case invalidParameters(String)

    public var description: String {
        switch self {
        case .invalidShape(let why): "invalid LSTM shape: \(why)"
        case .invalidData(let why): "invalid sequence data: \(why)"
        case .invalidTraining(let why): "invalid LSTM training settings: \(why)"
        case .badMagic: "not an encoded LSTM model (bad magic)"
        case .unsupportedVersion(let version): "unsupported LSTM model version \(version)"
        case .badSize(let expected, let actual): "encoded LSTM model has \(actual) bytes, its shape needs \(expected)"
        case .invalidParameters(let why): "invalid LSTM parameters: \(why)"
        }
    }
}

/// Many clients' sequences, concatenated, oldest step first within each.
///
/// Sequence `i` is steps `starts[i] ..< starts[i + 1]`. Every per-step array has one entry per step (`numeric` has
/// `numericInputs` per step, row-major). The model reads each step's `numeric` and `categories` as its input and
/// predicts the next step's `logAmount`, category and `logGap`.
public struct SequenceData: Sendable {
    /// steps × numericInputs, row-major: the step's own inputs.
    public var numeric: [Float]
    /// Per step, in `0 ..< shape.categories`.
    public var categories: [Int32]
    /// Per step: the amount target (e.g. log1p(|amount|)), already scaled by the caller.
    public var logAmount: [Float]
    /// Per step: the time-gap target (log1p(seconds since the previous step) / scale). Ignored (conventionally NaN) at
    /// a sequence's first step, which has no previous step: it is left out of the loss and its gap NLL is 0.
    public var logGap: [Float]
    /// Sequence boundaries: `starts.first == 0`, non-decreasing, `starts.last == stepCount`.
    public var starts: [Int]

    /// Takes the arrays as they are; `LSTMModel.train` and `score` check them (`validate(for:)`).
    public init(numeric: [Float], categories: [Int32], logAmount: [Float], logGap: [Float], starts: [Int]) {
        self.numeric = numeric
        self.categories = categories
        self.logAmount = logAmount
        self.logGap = logGap
        self.starts = starts
    }

    /// Takes the arrays and checks them against `shape`, throwing `LSTMError.invalidData` on inconsistent sizes,
    /// out-of-range category ids or non-finite inputs.
    public init(validating numeric: [Float], categories: [Int32], logAmount: [Float], logGap: [Float], starts: [Int],
                shape: LSTMShape) throws {
        self.init(numeric: numeric, categories: categories, logAmount: logAmount, logGap: logGap, starts: starts)
        try validate(for: shape)
    }

    /// Number of sequences.
    public var count: Int { max(0, starts.count - 1) }

    /// Number of steps over all sequences.
    public var stepCount: Int { categories.count }

    /// Steps of sequence `index`.
    public func range(of index: Int) -> Range<Int> { starts[index] ..< starts[index + 1] }

    /// Throws `LSTMError.invalidData` unless the arrays fit together and `shape`.
    public func validate(for shape: LSTMShape) throws {
        try shape.validate()
        let steps = categories.count
        guard logAmount.count == steps, logGap.count == steps else {
            throw LSTMError.invalidData("\(steps) categories but \(logAmount.count) amounts and \(logGap.count) gaps")
        }
        guard numeric.count == steps * shape.numericInputs else {
            throw LSTMError.invalidData(
                "\(numeric.count) numeric values for \(steps) steps of \(shape.numericInputs) inputs")
        }
        guard starts.first == 0, starts.last == steps else {
            throw LSTMError.invalidData("starts must begin at 0 and end at the step count \(steps)")
        }
        for index in 1 ..< starts.count where starts[index] < starts[index - 1] {
            throw LSTMError.invalidData("starts decrease at sequence \(index - 1)")
        }
        let limit = Int32(clamping: shape.categories)
        if let bad = categories.firstIndex(where: { $0 < 0 || $0 >= limit }) {
            throw LSTMError.invalidData("category \(categories[bad]) at step \(bad) is outside 0..<\(limit)")
        }
        if let bad = numeric.firstIndex(where: { !$0.isFinite }) {
            throw LSTMError.invalidData("numeric input \(bad % max(1, shape.numericInputs)) of step "
                                        + "\(bad / max(1, shape.numericInputs)) is not finite")
        }
        if let bad = logAmount.firstIndex(where: { !$0.isFinite }) {
            throw LSTMError.invalidData("logAmount of step \(bad) is not finite")
        }
        var first = [Bool](repeating: false, count: steps)
        for start in starts.dropLast() where start < steps { first[start] = true }
        for step in 0 ..< steps where !first[step] && !logGap[step].isFinite {
            throw LSTMError.invalidData("logGap of step \(step) is not finite (only a sequence's first step may be)")
        }
    }
}

/// How `LSTMModel.train` trains.
public struct LSTMTraining: Codable, Sendable, Equatable {
    /// Adam's step size.
    public var learningRate: Double = 0.003
    /// The gradient of each update is scaled down to at most this global (all-parameter) norm.
    public var clipNorm: Double = 1.0
    /// Sequences (clients) per mini-batch.
    public var batchSequences: Int = 64
    /// Truncated backpropagation through time: steps per window. State carries across a sequence's windows, the
    /// gradient does not; parameters are updated after every window.
    public var window: Int = 64
    public var maxEpochs: Int = 8
    /// Training stops after this many epochs without a better held-back loss.
    public var patience: Int = 2
    /// The last fraction of each sequence's steps (a slice of time) is held back: not trained on, used for early
    /// stopping. 0 holds nothing back: then training runs all `maxEpochs` and keeps the last epoch.
    public var holdoutFraction: Double = 0.1
    public var seed: UInt64 = 42
    /// 0 = all cores. Results do not depend on it.
    public var threads: Int = 0

    public init(learningRate: Double = 0.003, clipNorm: Double = 1.0, batchSequences: Int = 64, window: Int = 64,
                maxEpochs: Int = 8, patience: Int = 2, holdoutFraction: Double = 0.1, seed: UInt64 = 42,
                threads: Int = 0) {
        self.learningRate = learningRate
        self.clipNorm = clipNorm
        self.batchSequences = batchSequences
        self.window = window
        self.maxEpochs = maxEpochs
        self.patience = patience
        self.holdoutFraction = holdoutFraction
        self.seed = seed
        self.threads = threads
    }

    func validate() throws {
        guard learningRate.isFinite, learningRate > 0 else { throw LSTMError.invalidTraining("learningRate must be > 0") }
        guard clipNorm.isFinite, clipNorm > 0 else { throw LSTMError.invalidTraining("clipNorm must be > 0") }
        guard batchSequences >= 1, window >= 1, maxEpochs >= 1, patience >= 1, threads >= 0 else {
            throw LSTMError.invalidTraining("batchSequences, window, maxEpochs and patience must be ≥ 1, threads ≥ 0")
        }
        guard holdoutFraction >= 0, holdoutFraction < 1 else {
            throw LSTMError.invalidTraining("holdoutFraction must be in [0, 1)")
        }
    }

    var parallelism: Parallelism { threads == 0 ? .automatic : Parallelism(threadCount: threads) }
}

/// What `LSTMModel.train` did. Epochs count from 1; `trainLoss[e - 1]` and `validationLoss[e - 1]` belong to epoch e.
public struct LSTMTrainingReport: Codable, Sendable, Equatable {
    /// Epochs completed.
    public var epochs: Int
    /// Mean loss per trained step over each epoch, as the parameters moved during it.
    public var trainLoss: [Double]
    /// Mean loss per held-back step at the end of each epoch; empty when nothing is held back.
    public var validationLoss: [Double]
    /// The epoch whose parameters the model has (the lowest validation loss; the last epoch without a holdout). 0
    /// only when stopped before the first epoch ended: then the model has the parameters reached so far.
    public var bestEpoch: Int
    /// Steps trained on (per epoch times epochs, including an interrupted epoch's part).
    public var steps: Int
    public var seconds: Double
    /// Whether `shouldStop` ended training (an interrupted epoch is not counted).
    public var stopped: Bool = false
}

/// The model's view of one step, from the prediction made from the sequence's earlier steps only.
public struct LSTMStepScore: Sendable, Equatable {
    /// Total negative log-likelihood of this step: `amountNLL + categoryNLL + gapNLL`.
    public var nll: Float
    public var amountNLL: Float
    public var categoryNLL: Float
    /// 0 at a sequence's first step (no gap target).
    public var gapNLL: Float
    /// Mean and standard deviation of the predicted Gaussian over `logAmount`.
    public var expectedLogAmount: Float
    public var amountSD: Float
    /// The most probable category, and the probability given to the step's actual category.
    public var expectedCategory: Int32
    public var categoryProbability: Float
    /// Predicted mean of `logGap`.
    public var expectedLogGap: Float

    public init(nll: Float, amountNLL: Float, categoryNLL: Float, gapNLL: Float, expectedLogAmount: Float,
                amountSD: Float, expectedCategory: Int32, categoryProbability: Float, expectedLogGap: Float) {
        self.nll = nll
        self.amountNLL = amountNLL
        self.categoryNLL = categoryNLL
        self.gapNLL = gapNLL
        self.expectedLogAmount = expectedLogAmount
        self.amountSD = amountSD
        self.expectedCategory = expectedCategory
        self.categoryProbability = categoryProbability
        self.expectedLogGap = expectedLogGap
    }
}
