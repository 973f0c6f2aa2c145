import Foundation
import VigilCore

/// Where each parameter group lives in the model's one flat parameter vector, and the derived sizes.
///
/// Groups, in order: the category embedding (categories × E), the LSTM weights W ((I + E + H) × 4H, row k holds
/// input k's weights to gates i, f, g, o, each H wide), the gate biases (4H), the output head's weights (H × P) and
/// biases (P). The P = 4 + categories outputs are: mean and raw log-variance of logAmount, mean and raw log-variance
/// of logGap, then one logit per category.
struct LSTMLayout: Sendable, Equatable {
    let inputs: Int
    let categories: Int
    let embedding: Int
    let hidden: Int
    /// I + E + H: one step's input row, [numeric, embedding, previous h].
    let width: Int
    let gates: Int
    let outputs: Int
    let weightsOffset: Int
    let biasOffset: Int
    let headWeightsOffset: Int
    let headBiasOffset: Int
    let parameterCount: Int

    init(_ shape: LSTMShape) {
        inputs = shape.numericInputs
        categories = shape.categories
        embedding = shape.embedding
        hidden = shape.hidden
        width = inputs + embedding + hidden
        gates = 4 * hidden
        outputs = 4 + categories
        weightsOffset = categories * embedding
        biasOffset = weightsOffset + width * gates
        headWeightsOffset = biasOffset + gates
        headBiasOffset = headWeightsOffset + hidden * outputs
        parameterCount = headBiasOffset + outputs
    }

    /// Names and ranges of the parameter groups, for tests and diagnostics.
    var groups: [(name: String, range: Range<Int>)] {
        [("embedding", 0 ..< weightsOffset), ("weights", weightsOffset ..< biasOffset),
         ("bias", biasOffset ..< headWeightsOffset), ("headWeights", headWeightsOffset ..< headBiasOffset),
         ("headBias", headBiasOffset ..< parameterCount)]
    }
}

/// The learned log-variances are soft-clamped: log σ² = L·tanh(raw / L), so σ stays within e^(±L/2) while the
/// function stays smooth (the gradient check needs no kinks).
let logVarianceLimit = 8.0
let halfLogTwoPi = 0.918_938_533_204_672_8

/// A copy of the sequence data in raw memory, so that the kernels can read it from any thread without retain/release
/// or bounds checks. Read-only after creation.
final class SequenceStorage: Sendable {
    let numeric: ReadOnlyPointer<Float>
    let categories: ReadOnlyPointer<Int32>
    let logAmount: ReadOnlyPointer<Float>
    let logGap: ReadOnlyPointer<Float>
    let starts: [Int]
    let steps: Int
    /// Whether the buffers are this storage's own, freed with it, or borrowed (`init(borrowingStep:)`).
    private let owned: Bool
    private static let oneSequenceOfOne = [0, 1]

    init(_ data: SequenceData) {
        steps = data.categories.count
        starts = data.starts
        owned = true
        func copy<T>(_ array: [T]) -> ReadOnlyPointer<T> {
            let pointer = UnsafeMutablePointer<T>.allocate(capacity: max(1, array.count))
            _ = UnsafeMutableBufferPointer(start: pointer, count: array.count).initialize(from: array)
            return ReadOnlyPointer(pointer)
        }
        numeric = copy(data.numeric)
        categories = copy(data.categories)
        logAmount = copy(data.logAmount)
        logGap = copy(data.logGap)
    }

    /// One sequence of one step, read where it lies, without copying (streaming scores a step at a time). The caller
    /// keeps the buffers alive and unchanged while the storage is in use.
    init(borrowingStep numeric: UnsafePointer<Float>, categories: UnsafePointer<Int32>, logAmount: UnsafePointer<Float>,
         logGap: UnsafePointer<Float>) {
        steps = 1
        starts = Self.oneSequenceOfOne
        owned = false
        self.numeric = ReadOnlyPointer(numeric)
        self.categories = ReadOnlyPointer(categories)
        self.logAmount = ReadOnlyPointer(logAmount)
        self.logGap = ReadOnlyPointer(logGap)
    }

    deinit {
        guard owned else { return }
        // Trivial values: freeing the memory is all there is to undo.
        UnsafeMutablePointer(mutating: numeric.base).deallocate()
        UnsafeMutablePointer(mutating: categories.base).deallocate()
        UnsafeMutablePointer(mutating: logAmount.base).deallocate()
        UnsafeMutablePointer(mutating: logGap.base).deallocate()
    }

    var sequenceCount: Int { starts.count - 1 }
    func length(of sequence: Int) -> Int { starts[sequence + 1] - starts[sequence] }
}

/// The loss of one step and its parts, from the head's outputs.
struct LSTMStepLoss<S: LSTMScalar> {
    var amount: S
    var category: S
    var gap: S
    var total: S { amount + category + gap }
}

/// The kernels of one step, shared by training and scoring so that both compute the same numbers.
enum LSTMKernels {
    /// x = [numeric inputs of `step`, embedding of its category, previous h].
    @inline(__always)
    static func gather<S: LSTMScalar>(_ x: UnsafeMutablePointer<S>, step: Int, data: SequenceStorage,
                                      hPrevious: UnsafePointer<S>, parameters p: UnsafePointer<S>,
                                      layout l: LSTMLayout) {
        let numeric = data.numeric.base + step * l.inputs
        for i in 0 ..< l.inputs { x[i] = S(numeric[i]) }
        let embedding = p + Int(data.categories[step]) * l.embedding
        let xe = x + l.inputs
        for e in 0 ..< l.embedding { xe[e] = embedding[e] }
        let xh = x + l.inputs + l.embedding
        for k in 0 ..< l.hidden { xh[k] = hPrevious[k] }
    }

    /// One LSTM step for one row: z = b + x·W; i, f, o = σ, g = tanh; c = f·c′ + i·g; h = o·tanh c.
    /// `activations` receives i, f, g, o (4H), `tanhC` tanh c.
    @inline(__always)
    static func step<S: LSTMScalar>(x: UnsafePointer<S>, cPrevious: UnsafePointer<S>, parameters p: UnsafePointer<S>,
                                    layout l: LSTMLayout, activations z: UnsafeMutablePointer<S>,
                                    c: UnsafeMutablePointer<S>, tanhC: UnsafeMutablePointer<S>,
                                    h: UnsafeMutablePointer<S>) {
        let g = l.gates, hidden = l.hidden
        S.accumulateProduct(z, x: x, width: l.width, weights: p + l.weightsOffset, stride: g, bias: p + l.biasOffset,
                             columns: g)
        S.activateGates(z, cPrevious: cPrevious, c: c, tanhC: tanhC, h: h, hidden: hidden)
    }

    /// The head's outputs y = b_o + h·W_o (P values).
    @inline(__always)
    static func head<S: LSTMScalar>(h: UnsafePointer<S>, parameters p: UnsafePointer<S>, layout l: LSTMLayout,
                                    y: UnsafeMutablePointer<S>) {
        S.accumulateProduct(y, x: h, width: l.hidden, weights: p + l.headWeightsOffset, stride: l.outputs,
                            bias: p + l.headBiasOffset, columns: l.outputs)
    }

    /// Gaussian negative log-likelihood of `target` under mean `mean` and soft-clamped log-variance from `raw`, with
    /// its derivatives by the mean and by `raw`, and the log-variance itself.
    @inline(__always)
    static func gaussian<S: LSTMScalar>(_ target: S, mean: S, raw: S)
        -> (nll: S, dMean: S, dRaw: S, logVariance: S) {
        let limit = S(logVarianceLimit)
        let squash = S.lstmTanh(raw / limit)
        let logVariance = limit * squash
        let inverseVariance = S.lstmExp(-logVariance)
        let error = target - mean
        let scaled = error * error * inverseVariance
        let nll = S(halfLogTwoPi) + (logVariance + scaled) / 2
        return (nll, -error * inverseVariance, (1 - scaled) / 2 * (1 - squash * squash), logVariance)
    }

    /// The loss of `step` from head outputs `y`; when `gradient` is given, dLoss/dy · `scale` is written there (P).
    /// At a sequence's first step (`first`) the gap term is left out.
    @inline(__always)
    static func loss<S: LSTMScalar>(_ y: UnsafePointer<S>, step: Int, first: Bool, data: SequenceStorage,
                                    layout l: LSTMLayout, scale: S,
                                    gradient: UnsafeMutablePointer<S>?) -> LSTMStepLoss<S> {
        let amount = gaussian(S(data.logAmount[step]), mean: y[0], raw: y[1])
        var gap = (nll: S.zero, dMean: S.zero, dRaw: S.zero, logVariance: S.zero)
        if !first { gap = gaussian(S(data.logGap[step]), mean: y[2], raw: y[3]) }
        let logits = y + 4
        let actual = Int(data.categories[step])
        var largest = logits[0]
        for k in 1 ..< l.categories where logits[k] > largest { largest = logits[k] }
        var sum = S.zero
        if let gradient {
            let probabilities = gradient + 4
            for k in 0 ..< l.categories {
                let e = S.lstmExp(logits[k] - largest)
                probabilities[k] = e
                sum += e
            }
            let factor = scale / sum
            for k in 0 ..< l.categories { probabilities[k] *= factor }
            probabilities[actual] -= scale
            gradient[0] = amount.dMean * scale
            gradient[1] = amount.dRaw * scale
            gradient[2] = gap.dMean * scale
            gradient[3] = gap.dRaw * scale
        } else {
            for k in 0 ..< l.categories { sum += S.lstmExp(logits[k] - largest) }
        }
        let category = largest + S.lstmLog(sum) - logits[actual]
        return LSTMStepLoss(amount: amount.nll, category: category, gap: gap.nll)
    }

    /// The full score of `step` from head outputs `y`.
    static func score<S: LSTMScalar>(_ y: UnsafePointer<S>, step: Int, first: Bool, data: SequenceStorage,
                                     layout l: LSTMLayout) -> LSTMStepScore {
        let parts = loss(y, step: step, first: first, data: data, layout: l, scale: 1, gradient: nil)
        let logits = y + 4
        var best = 0
        for k in 1 ..< l.categories where logits[k] > logits[best] { best = k }
        let logVariance = S(logVarianceLimit) * S.lstmTanh(y[1] / S(logVarianceLimit))
        return LSTMStepScore(
            nll: parts.total.asFloat, amountNLL: parts.amount.asFloat, categoryNLL: parts.category.asFloat,
            gapNLL: parts.gap.asFloat, expectedLogAmount: y[0].asFloat,
            amountSD: S.lstmExp(logVariance / 2).asFloat, expectedCategory: Int32(best),
            categoryProbability: S.lstmExp(-parts.category).asFloat, expectedLogGap: y[2].asFloat)
    }
}

extension LSTMScalar {
    /// y[0 ..< count] += a · x[0 ..< count].
    @inline(__always)
    static func axpy(_ y: UnsafeMutablePointer<Self>, _ a: Self, _ x: UnsafePointer<Self>, count: Int) {
        for j in 0 ..< count { y[j] += a * x[j] }
    }
}

/// One shard of a mini-batch: up to `capacity` sequences trained side by side, one truncated-BPTT window at a time.
///
/// Rows are sorted by training length, longest first, so the rows still running at any step are a prefix. The
/// shard keeps every step's inputs and activations of the current window for the backward pass, and carries h and c
/// from one window to the next. One thread uses a shard at a time: training hands each to one chunk of work.
final class LSTMShard<S: LSTMScalar> {
    let layout: LSTMLayout
    let capacity: Int
    let window: Int
    private(set) var rowStart: [Int] = []
    private(set) var rowLength: [Int] = []
    /// Steps of the current window that some row has; `active[s]` rows have step windowStart + s.
    private(set) var steps = 0
    private(set) var windowStart = 0
    private var active: [Int]

    private let xs: UnsafeMutablePointer<S>
    private let activations: UnsafeMutablePointer<S>
    private let tanhCs: UnsafeMutablePointer<S>
    /// Slot s holds h (c) after step windowStart + s − 1; slot 0 is the carried state.
    private let hs: UnsafeMutablePointer<S>
    private let cs: UnsafeMutablePointer<S>
    private let dys: UnsafeMutablePointer<S>
    private let dh: UnsafeMutablePointer<S>
    private let dc: UnsafeMutablePointer<S>
    private let scratch: UnsafeMutablePointer<S>
    private let dzRows: UnsafeMutablePointer<S>

    init(layout: LSTMLayout, capacity: Int, window: Int) {
        self.layout = layout
        self.capacity = capacity
        self.window = window
        active = [Int](repeating: 0, count: window + 1)
        func buffer(_ count: Int) -> UnsafeMutablePointer<S> {
            let pointer = UnsafeMutablePointer<S>.allocate(capacity: max(1, count))
            pointer.initialize(repeating: 0, count: max(1, count))
            return pointer
        }
        xs = buffer(window * capacity * layout.width)
        activations = buffer(window * capacity * layout.gates)
        tanhCs = buffer(window * capacity * layout.hidden)
        hs = buffer((window + 1) * capacity * layout.hidden)
        cs = buffer((window + 1) * capacity * layout.hidden)
        dys = buffer(window * capacity * layout.outputs)
        dh = buffer(capacity * layout.hidden)
        dc = buffer(capacity * layout.hidden)
        scratch = buffer(layout.gates + layout.width + layout.outputs + capacity)
        dzRows = buffer(capacity * layout.gates)
    }

    deinit {
        for pointer in [xs, activations, tanhCs, hs, cs, dys, dh, dc, scratch, dzRows] { pointer.deallocate() }
    }

    /// Starts new sequences: (first step's global index, steps to train), longest first. State is zero.
    func begin(rows: [(start: Int, length: Int)]) {
        precondition(rows.count <= capacity)
        rowStart = rows.map(\.start)
        rowLength = rows.map(\.length)
        let h = layout.hidden
        (hs).update(repeating: 0, count: capacity * h)
        (cs).update(repeating: 0, count: capacity * h)
        steps = 0
        windowStart = 0
    }

    /// The carried state (h and c of every row, capacity × H each), for the gradient check.
    var state: (h: [S], c: [S]) {
        get {
            let n = capacity * layout.hidden
            return (Array(UnsafeBufferPointer(start: hs, count: n)), Array(UnsafeBufferPointer(start: cs, count: n)))
        }
        set {
            _ = UnsafeMutableBufferPointer(start: hs, count: newValue.h.count).update(fromContentsOf: newValue.h)
            _ = UnsafeMutableBufferPointer(start: cs, count: newValue.c.count).update(fromContentsOf: newValue.c)
        }
    }

    /// Steps every row has within window [from, from + window): the number of loss terms that window adds.
    func lossCount(from start: Int) -> Int {
        rowLength.reduce(0) { $0 + min(max($1 - start, 0), window) }
    }

    /// Forward pass over steps [start, start + window) from the carried state: predicts every step from h of the
    /// step before, keeps what the backward pass needs, and writes dLoss/dy · `scale` for it. Returns the summed loss.
    func forward(from start: Int, parameters p: UnsafePointer<S>, data: SequenceStorage, scale: S) -> Double {
        let l = layout
        let h = l.hidden, k = l.width, g = l.gates, o = l.outputs
        windowStart = start
        for s in 0 ... window {
            var count = 0
            while count < rowLength.count && rowLength[count] > start + s { count += 1 }
            active[s] = count
        }
        steps = 0
        while steps < window && active[steps] > 0 { steps += 1 }
        let y = scratch
        var total = 0.0
        for s in 0 ..< steps {
            let t = start + s
            for r in 0 ..< active[s] {
                let slot = s * capacity + r
                let step = rowStart[r] + t
                LSTMKernels.head(h: hs + slot * h, parameters: p, layout: l, y: y)
                let part = LSTMKernels.loss(y, step: step, first: t == 0, data: data, layout: l, scale: scale,
                                            gradient: dys + slot * o)
                total += Double(part.total)
            }
            for r in 0 ..< active[s + 1] {
                let slot = s * capacity + r
                let next = (s + 1) * capacity + r
                let x = xs + slot * k
                LSTMKernels.gather(x, step: rowStart[r] + t, data: data, hPrevious: hs + slot * h, parameters: p,
                                   layout: l)
                LSTMKernels.step(x: x, cPrevious: cs + slot * h, parameters: p, layout: l,
                                 activations: activations + slot * g, c: cs + next * h, tanhC: tanhCs + slot * h,
                                 h: hs + next * h)
            }
        }
        return total
    }

    /// Backward pass over the window `forward` last ran, adding the gradient to `gradient`. `transposedWeights` is W
    /// transposed (4H × (I + E + H)), `transposedHead` W_o transposed (P × H). The carried state is a constant: the
    /// gradient stops at the window's start.
    func backward(parameters p: UnsafePointer<S>, transposedWeights wT: UnsafePointer<S>,
                  transposedHead woT: UnsafePointer<S>, data: SequenceStorage, gradient: UnsafeMutablePointer<S>) {
        let l = layout
        let h = l.hidden, k = l.width, g = l.gates, o = l.outputs
        let inputs = l.inputs, e = l.embedding
        let gEmbedding = gradient
        let gWeights = gradient + l.weightsOffset
        let gBias = gradient + l.biasOffset
        let gHeadWeights = gradient + l.headWeightsOffset
        let gHeadBias = gradient + l.headBiasOffset
        dh.update(repeating: 0, count: capacity * h)
        dc.update(repeating: 0, count: capacity * h)
        let dx = scratch
        let column = scratch + k
        let dzs = dzRows
        for s in stride(from: steps - 1, through: 0, by: -1) {
            let rows = active[s]
            // The head at s predicted step windowStart + s from hs[s].
            // dW_o[q, :] += Σ_r h[r, q] · dy[r, :], a row of W_o's gradient held in registers over the rows.
            for q in 0 ..< h {
                for r in 0 ..< rows { column[r] = hs[(s * capacity + r) * h + q] }
                S.accumulateProduct(gHeadWeights + q * o, x: column, width: rows, weights: dys + s * capacity * o,
                                    stride: o, bias: gHeadWeights + q * o, columns: o)
            }
            for r in 0 ..< rows {
                let slot = s * capacity + r
                let dy = dys + slot * o
                for j in 0 ..< o { gHeadBias[j] += dy[j] }
                if s > 0 {
                    let dhRow = dh + r * h
                    S.accumulateProduct(dhRow, x: dy, width: o, weights: woT, stride: h, bias: dhRow, columns: h)
                }
            }
            guard s > 0 else { break }
            // LSTM step s − 1 produced hs[s] and cs[s] for these same rows.
            let previous = s - 1
            for r in 0 ..< rows {
                let slot = previous * capacity + r
                let a = activations + slot * g
                let cPrevious = cs + slot * h
                let tanhC = tanhCs + slot * h
                let dhRow = dh + r * h
                let dcRow = dc + r * h
                let dz = dzs + r * g
                for j in 0 ..< h {
                    let input = a[j], forget = a[h + j], candidate = a[2 * h + j], output = a[3 * h + j]
                    let t = tanhC[j]
                    let dhj = dhRow[j]
                    let dcj = dcRow[j] + dhj * output * (1 - t * t)
                    dz[j] = dcj * candidate * input * (1 - input)
                    dz[h + j] = dcj * cPrevious[j] * forget * (1 - forget)
                    dz[2 * h + j] = dcj * input * (1 - candidate * candidate)
                    dz[3 * h + j] = dhj * t * output * (1 - output)
                    dcRow[j] = dcj * forget
                }
                for j in 0 ..< g { gBias[j] += dz[j] }
                // dx over the embedding and h parts only: the numeric inputs have no parameters.
                let tail = e + h
                for q in 0 ..< tail { dx[q] = 0 }
                S.accumulateProduct(dx, x: dz, width: g, weights: wT + inputs, stride: k, bias: dx, columns: tail)
                let category = Int(data.categories[rowStart[r] + windowStart + previous])
                let gRow = gEmbedding + category * e
                for q in 0 ..< e { gRow[q] += dx[q] }
                for q in 0 ..< h { dhRow[q] = dx[e + q] }
            }
            // dW[q, :] += Σ_r x[r, q] · dz[r, :], as for W_o.
            for q in 0 ..< k {
                for r in 0 ..< rows { column[r] = xs[(previous * capacity + r) * k + q] }
                S.accumulateProduct(gWeights + q * g, x: column, width: rows, weights: dzs, stride: g,
                                    bias: gWeights + q * g, columns: g)
            }
            // Rows with step windowStart + s − 1 but not the next one had no step s − 1 to backpropagate through.
            for r in rows ..< active[previous] {
                (dh + r * h).update(repeating: 0, count: h)
                (dc + r * h).update(repeating: 0, count: h)
            }
        }
    }

    /// Moves the state after the window to slot 0, for the next window.
    func advance() {
        let h = layout.hidden
        let rows = active[steps]
        if rows > 0 {
            (hs).update(from: hs + steps * capacity * h, count: rows * h)
            (cs).update(from: cs + steps * capacity * h, count: rows * h)
        }
        windowStart += steps
    }
}

/// Forward-only pass over whole sequences, for scoring: rows side by side, state double-buffered.
enum LSTMScorer {
    /// Scores the steps of `sequences` (longest first) into `output` at their global step indices.
    static func score<S: LSTMScalar>(_ sequences: [Int], parameters p: UnsafePointer<S>, layout l: LSTMLayout,
                                     data: SequenceStorage, output: DisjointWrites<LSTMStepScore>) {
        let rows = sequences.count
        let h = l.hidden
        let lengths = sequences.map { data.length(of: $0) }
        let starts = sequences.map { data.starts[$0] }
        let buffer = UnsafeMutablePointer<S>.allocate(capacity: 4 * rows * h + l.width + l.gates + h + l.outputs)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: 4 * rows * h + l.width + l.gates + h + l.outputs)
        var hCurrent = buffer, hNext = buffer + rows * h
        var cCurrent = buffer + 2 * rows * h, cNext = buffer + 3 * rows * h
        let x = buffer + 4 * rows * h
        let z = x + l.width
        let tanhC = z + l.gates
        let y = tanhC + h
        var running = lengths.prefix { $0 > 0 }.count
        var t = 0
        while running > 0 {
            for r in 0 ..< running {
                LSTMKernels.head(h: hCurrent + r * h, parameters: p, layout: l, y: y)
                output[starts[r] + t] = LSTMKernels.score(y, step: starts[r] + t, first: t == 0, data: data, layout: l)
            }
            var next = running
            while next > 0 && lengths[next - 1] <= t + 1 { next -= 1 }
            for r in 0 ..< next {
                LSTMKernels.gather(x, step: starts[r] + t, data: data, hPrevious: hCurrent + r * h, parameters: p,
                                   layout: l)
                LSTMKernels.step(x: x, cPrevious: cCurrent + r * h, parameters: p, layout: l, activations: z,
                                 c: cNext + r * h, tanhC: tanhC, h: hNext + r * h)
            }
            swap(&hCurrent, &hNext)
            swap(&cCurrent, &cNext)
            running = next
            t += 1
        }
    }
}
