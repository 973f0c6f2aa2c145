import Foundation
import Testing
@testable import VigilDetect

/// Small synthetic sequences for the LSTM tests.
enum LSTMTestData {
    /// Categories cycling 0, 1, 2, 3 (each sequence from its own phase), amounts and gaps cycling with them, with a
    /// little noise; `shuffled` draws the categories at random instead.
    static func periodic(sequences: Int, length: Int, seed: UInt64, shuffled: Bool = false) -> SequenceData {
        var random = SeededRandom(seed: seed)
        var data = SequenceData(numeric: [], categories: [], logAmount: [], logGap: [], starts: [0])
        for _ in 0 ..< sequences {
            let phase = random.nextInt(below: 4)
            for step in 0 ..< length {
                let position = shuffled ? random.nextInt(below: 4) : (step + phase) % 4
                let amount = Float(position) * 0.5 - 0.75 + Float(0.02 * random.nextGaussian())
                let gap = Float(position % 2) * 0.5 + 0.2 + Float(0.02 * random.nextGaussian())
                data.categories.append(Int32(position))
                data.logAmount.append(amount)
                data.logGap.append(step == 0 ? .nan : gap)
                data.numeric += [amount, Float(random.nextGaussian())]
            }
            data.starts.append(data.starts.last! + length)
        }
        return data
    }

    /// Sequences of different lengths with noise in every field.
    static func noise(lengths: [Int], seed: UInt64) -> SequenceData {
        var random = SeededRandom(seed: seed)
        var data = SequenceData(numeric: [], categories: [], logAmount: [], logGap: [], starts: [0])
        for length in lengths {
            for step in 0 ..< length {
                data.numeric += [Float(random.nextGaussian()), Float(random.nextGaussian())]
                data.categories.append(Int32(random.nextInt(below: 5)))
                data.logAmount.append(Float(random.nextGaussian()))
                data.logGap.append(step == 0 ? .nan : Float(random.nextUnitDouble()))
            }
            data.starts.append(data.starts.last! + length)
        }
        return data
    }

    static let shape = LSTMShape(numericInputs: 2, categories: 5, embedding: 3, hidden: 8)
}

@Suite struct LSTMModelTests {
    @Test func aPeriodicSequenceIsLearnedAndScoresFarBelowAShuffledOne() throws {
        let shape = LSTMShape(numericInputs: 2, categories: 4, embedding: 4, hidden: 16)
        let data = LSTMTestData.periodic(sequences: 8, length: 120, seed: 1)
        let training = LSTMTraining(learningRate: 0.02, batchSequences: 2, window: 24, maxEpochs: 25, patience: 25,
                                    seed: 7)
        let (model, report) = try LSTMModel.train(data, shape: shape, training: training)
        #expect(report.epochs >= 1 && report.trainLoss.last! < report.trainLoss.first!)

        let test = LSTMTestData.periodic(sequences: 4, length: 120, seed: 2)
        let scores = model.score(test)
        // After a few steps to pick up the phase, the next category is predicted with confidence.
        var confident = 0, counted = 0
        for sequence in 0 ..< test.count {
            for step in test.range(of: sequence).dropFirst(8) {
                counted += 1
                if scores[step].categoryProbability > 0.9 { confident += 1 }
            }
        }
        #expect(Double(confident) / Double(counted) > 0.9, "\(confident) of \(counted) confident, \(report)")
        let shuffled = model.score(LSTMTestData.periodic(sequences: 4, length: 120, seed: 2, shuffled: true))
        let periodicNLL = scores.map { Double($0.nll) }.reduce(0, +) / Double(scores.count)
        let shuffledNLL = shuffled.map { Double($0.nll) }.reduce(0, +) / Double(shuffled.count)
        #expect(periodicNLL + 3 < shuffledNLL, "periodic \(periodicNLL), shuffled \(shuffledNLL)")
    }

    @Test func encodingRoundTripsAndBadDataIsRejected() throws {
        let data = LSTMTestData.noise(lengths: [30, 12, 50], seed: 4)
        let (model, _) = try LSTMModel.train(data, shape: LSTMTestData.shape,
                                             training: LSTMTraining(window: 8, maxEpochs: 2, seed: 3))
        let encoded = model.encoded()
        let decoded = try LSTMModel(encoded: encoded)
        #expect(decoded.shape == model.shape && decoded.parameters == model.parameters)
        #expect(decoded.score(data) == model.score(data))
        #expect(encoded.count == LSTMModel.headerSize + 4 * model.parameterCount)

        #expect(throws: LSTMError.badMagic) { try LSTMModel(encoded: Data("not a model".utf8)) }
        #expect(throws: LSTMError.badMagic) { try LSTMModel(encoded: Data()) }
        var version = encoded
        version[8] = 9
        #expect(throws: LSTMError.unsupportedVersion(9)) { try LSTMModel(encoded: version) }
        let expected = encoded.count
        #expect(throws: LSTMError.badSize(expected: expected, actual: expected - 4)) {
            try LSTMModel(encoded: encoded.dropLast(4))
        }
        #expect(throws: LSTMError.badSize(expected: expected, actual: expected + 1)) {
            try LSTMModel(encoded: encoded + Data([0]))
        }
        var shape = encoded
        shape[16] = 0  // categories = 0
        #expect(throws: LSTMError.self) { try LSTMModel(encoded: shape) }
        var nonFinite = encoded
        nonFinite.replaceSubrange(LSTMModel.headerSize ..< LSTMModel.headerSize + 4,
                                  with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Data($0) })
        #expect(throws: LSTMError.self) { try LSTMModel(encoded: nonFinite) }
    }

    @Test func theSameSeedGivesTheSameModelWhateverTheThreadCount() throws {
        // 40 sequences in batches of 40: three shards, so two threads really split a batch.
        let lengths = (0 ..< 40).map { 5 + ($0 * 7) % 23 }
        let data = LSTMTestData.noise(lengths: lengths, seed: 5)
        var training = LSTMTraining(batchSequences: 40, window: 6, maxEpochs: 2, seed: 11, threads: 1)
        let (one, oneReport) = try LSTMModel.train(data, shape: LSTMTestData.shape, training: training)
        let (again, _) = try LSTMModel.train(data, shape: LSTMTestData.shape, training: training)
        training.threads = 2
        let (two, twoReport) = try LSTMModel.train(data, shape: LSTMTestData.shape, training: training)
        #expect(one.parameters == again.parameters)
        #expect(one.parameters == two.parameters)
        #expect(oneReport.trainLoss == twoReport.trainLoss && oneReport.validationLoss == twoReport.validationLoss)
        #expect(one.score(data, threads: 1) == two.score(data, threads: 2))
        training.seed = 12
        let (other, _) = try LSTMModel.train(data, shape: LSTMTestData.shape, training: training)
        #expect(other.parameters != one.parameters)
    }

    @Test func appendingStepsNeverChangesEarlierScores() throws {
        let data = LSTMTestData.noise(lengths: [20, 35, 8], seed: 6)
        let (model, _) = try LSTMModel.train(data, shape: LSTMTestData.shape,
                                             training: LSTMTraining(window: 8, maxEpochs: 1, seed: 1))
        let longer = LSTMTestData.noise(lengths: [20, 35, 8, 40], seed: 6)  // one more sequence at the end
        var extended = data
        // Append 15 steps to the middle sequence (its steps 35 ..< 50), taken from the extra sequence.
        let insertAt = data.starts[2]
        let extra = longer.range(of: 3).dropFirst().prefix(15)  // not its first step: that has no gap
        extended.categories.insert(contentsOf: extra.map { longer.categories[$0] }, at: insertAt)
        extended.logAmount.insert(contentsOf: extra.map { longer.logAmount[$0] }, at: insertAt)
        extended.logGap.insert(contentsOf: extra.map { longer.logGap[$0] }, at: insertAt)
        extended.numeric.insert(contentsOf: extra.flatMap { longer.numeric[2 * $0 ..< 2 * $0 + 2] },
                                at: 2 * insertAt)
        extended.starts[2] += 15
        extended.starts[3] += 15
        let before = model.score(data)
        let after = model.score(extended)
        #expect(Array(after[0 ..< insertAt]) == Array(before[0 ..< insertAt]))
        #expect(Array(after[insertAt + 15 ..< after.count]) == Array(before[insertAt ..< before.count]))
        // A sequence's scores are the same alone as among others.
        let alone = SequenceData(numeric: Array(data.numeric[0 ..< 40]), categories: Array(data.categories[0 ..< 20]),
                                 logAmount: Array(data.logAmount[0 ..< 20]), logGap: Array(data.logGap[0 ..< 20]),
                                 starts: [0, 20])
        #expect(model.score(alone) == Array(before[0 ..< 20]))
    }

    /// Training's forward pass (window by window, state carried) gives the same loss as the mean of the scores.
    @Test func scoresEqualTrainingsForwardLoss() throws {
        let data = LSTMTestData.noise(lengths: [23, 9, 17, 1], seed: 8)
        let layout = LSTMLayout(LSTMTestData.shape)
        var parameters: [Float] = LSTMModel.initialParameters(layout: layout, seed: 4)
        var random = SeededRandom(seed: 5)
        for index in parameters.indices { parameters[index] += Float(0.2 * random.nextGaussian()) }
        let model = LSTMModel(shape: LSTMTestData.shape, parameters: parameters)
        let scores = model.score(data)
        let storage = SequenceStorage(data)
        let shard = LSTMShard<Float>(layout: layout, capacity: 4, window: 5)
        shard.begin(rows: [(0, 23), (32, 17), (23, 9), (49, 1)])
        var total = 0.0
        parameters.withUnsafeBufferPointer { p in
            for start in stride(from: 0, to: 23, by: 5) {
                total += shard.forward(from: start, parameters: p.baseAddress!, data: storage, scale: 1)
                shard.advance()
            }
        }
        let scored = scores.map { Double($0.nll) }.reduce(0, +)
        #expect(abs(total - scored) <= 1e-5 * abs(scored), "training \(total), scores \(scored)")
        // Parts add up, and the first step of each sequence has no gap term.
        for score in scores { #expect(abs(score.nll - (score.amountNLL + score.categoryNLL + score.gapNLL)) < 1e-4) }
        for start in data.starts.dropLast() { #expect(scores[start].gapNLL == 0) }
    }

    @Test func earlyStoppingKeepsTheBestEpoch() throws {
        // Noise with a large step size: the held-back loss stops improving and wanders.
        let data = LSTMTestData.noise(lengths: Array(repeating: 60, count: 12), seed: 9)
        let training = LSTMTraining(learningRate: 0.05, batchSequences: 4, window: 10, maxEpochs: 30, patience: 3,
                                    holdoutFraction: 0.25, seed: 2)
        var seen: [Int] = []
        let (model, report) = try LSTMModel.train(data, shape: LSTMTestData.shape, training: training) { epoch, _, _ in
            seen.append(epoch)
        }
        #expect(seen == Array(1 ... report.epochs))
        #expect(report.validationLoss.count == report.epochs && report.trainLoss.count == report.epochs)
        let best = report.validationLoss.indices.min { report.validationLoss[$0] < report.validationLoss[$1] }! + 1
        #expect(report.bestEpoch == best)
        #expect(report.epochs < 30 && report.epochs == report.bestEpoch + 3, "stopped after \(report.epochs)")
        // The model has the best epoch's parameters: its held-back loss is that epoch's.
        let held = (0 ..< data.count).map { Int(Double(data.range(of: $0).count) * 0.25) }
        let loss = LSTMModel.heldBackLoss(parameters: model.parameters, layout: model.layout,
                                          data: SequenceStorage(data), held: held, parallelism: .serial)
        #expect(loss == report.validationLoss[report.bestEpoch - 1])
        #expect(report.steps == report.epochs * 12 * 45)
    }

    @Test func shouldStopEndsTrainingWithTheBestSoFar() throws {
        let data = LSTMTestData.noise(lengths: [40, 40, 40], seed: 10)
        var calls = 0
        let (model, report) = try LSTMModel.train(data, shape: LSTMTestData.shape,
                                                  training: LSTMTraining(batchSequences: 1, maxEpochs: 5, seed: 1),
                                                  shouldStop: { calls += 1; return calls > 4 })
        #expect(report.stopped && report.epochs == 1 && report.bestEpoch == 1)
        #expect(model.parameterCount == LSTMLayout(LSTMTestData.shape).parameterCount)
    }

    @Test func theSIMDProductMatchesTheGenericOne() {
        var random = SeededRandom(seed: 12)
        for (width, columns) in [(5, 3), (7, 8), (9, 45), (3, 64), (50, 128)] {
            let x = (0 ..< width).map { _ in Float(random.nextGaussian()) }
            let w = (0 ..< width * (columns + 2)).map { _ in Float(random.nextGaussian()) }
            let b = (0 ..< columns).map { _ in Float(random.nextGaussian()) }
            var fast = [Float](repeating: 0, count: columns)
            var plain = fast
            Float.accumulateProduct(&fast, x: x, width: width, weights: w, stride: columns + 2, bias: b,
                                    columns: columns)
            for j in 0 ..< columns {
                plain[j] = b[j]
                for k in 0 ..< width { plain[j] += x[k] * w[k * (columns + 2) + j] }
            }
            #expect(fast == plain)
        }
    }

    /// The SIMD cell (Float, eight units at a time) computes what the scalar cell does, for H with a remainder too.
    @Test func theSIMDCellMatchesTheScalarOne() {
        var random = SeededRandom(seed: 13)
        for hidden in [3, 8, 21, 32] {
            let z = (0 ..< 4 * hidden).map { _ in Float(4 * random.nextGaussian()) }
            let cPrevious = (0 ..< hidden).map { _ in Float(random.nextGaussian()) }
            var (fastZ, plainZ) = (z, z)
            let zeros = [Float](repeating: 0, count: hidden)
            var (fastC, fastT, fastH) = (zeros, zeros, zeros)
            var (plainC, plainT, plainH) = (zeros, zeros, zeros)
            Float.activateGates(&fastZ, cPrevious: cPrevious, c: &fastC, tanhC: &fastT, h: &fastH, hidden: hidden)
            Float.activateGates(&plainZ, cPrevious: cPrevious, c: &plainC, tanhC: &plainT, h: &plainH,
                                hidden: hidden, from: 0)
            #expect(fastZ == plainZ && fastC == plainC && fastT == plainT && fastH == plainH)
            for j in 0 ..< hidden {
                let cell = 1 / (1 + exp(-z[hidden + j])) * cPrevious[j] + 1 / (1 + exp(-z[j])) * tanh(z[2 * hidden + j])
                #expect(abs(fastC[j] - cell) < 1e-5)
            }
        }
    }

    @Test func theFastExponentialIsAccurate() {
        var worst: Float = 0
        for index in 0 ... 20000 {
            let x = -80 + Float(index) * 0.008
            let relative = abs(Float.lstmExp(x) - Float(Foundation.exp(Double(x)))) / Float(Foundation.exp(Double(x)))
            worst = max(worst, relative)
        }
        #expect(worst < 3e-7)
        #expect(Float.lstmExp(-1000) >= 0 && Float.lstmExp(-1000) < 1e-37 && Float.lstmExp(1000).isFinite)
    }
}

@Suite struct LSTMDataTests {
    @Test func inconsistentDataIsRejected() throws {
        let shape = LSTMTestData.shape
        let good = LSTMTestData.noise(lengths: [3, 2], seed: 1)
        try good.validate(for: shape)
        #expect(good.count == 2 && good.stepCount == 5 && good.range(of: 1) == 3 ..< 5)
        func rejects(_ change: (inout SequenceData) -> Void) -> Bool {
            var data = good
            change(&data)
            do { try data.validate(for: shape) } catch is LSTMError { return true } catch { return false }
            return false
        }
        #expect(rejects { $0.numeric.removeLast() })
        #expect(rejects { $0.logAmount.append(0) })
        #expect(rejects { $0.logGap.removeLast() })
        #expect(rejects { $0.starts = [0, 3] })
        #expect(rejects { $0.starts = [1, 3, 5] })
        #expect(rejects { $0.starts = [0, 4, 3, 5] })
        #expect(rejects { $0.starts = [] })
        #expect(rejects { $0.categories[1] = 5 })
        #expect(rejects { $0.categories[1] = -1 })
        #expect(rejects { $0.numeric[3] = .infinity })
        #expect(rejects { $0.logAmount[0] = .nan })
        #expect(rejects { $0.logGap[1] = .nan })
        #expect(!rejects { $0.logGap[3] = .nan })  // a first step: ignored
        #expect(!rejects { $0.starts = [0, 3, 3, 5] })  // an empty sequence is allowed
        #expect(throws: LSTMError.self) {
            try SequenceData(validating: [1], categories: [0], logAmount: [0], logGap: [.nan], starts: [0, 1],
                             shape: shape)
        }
        #expect(throws: LSTMError.self) { try LSTMShape(numericInputs: 1, categories: 0).validate() }
        #expect(throws: LSTMError.self) {
            try LSTMModel.train(good, shape: shape, training: LSTMTraining(window: 0))
        }
        #expect(throws: LSTMError.self) {
            try LSTMModel.train(good, shape: shape, training: LSTMTraining(holdoutFraction: 1))
        }
    }
}
