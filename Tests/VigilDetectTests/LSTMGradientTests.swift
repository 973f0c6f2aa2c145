import Foundation
import Testing
@testable import VigilDetect

/// The backward pass against central differences, in Double, on a tiny network whose window is shorter than its
/// sequences (so carried state, windows that end mid-sequence and rows that end mid-window are all exercised).
@Suite struct LSTMGradientTests {
    static let shape = LSTMShape(numericInputs: 2, categories: 3, embedding: 2, hidden: 3)

    static func tinyData() -> SequenceData {
        var random = SeededRandom(seed: 3)
        let lengths = [7, 5]
        var data = SequenceData(numeric: [], categories: [], logAmount: [], logGap: [], starts: [0])
        for length in lengths {
            for step in 0 ..< length {
                data.numeric += [Float(random.nextGaussian()), Float(random.nextGaussian())]
                data.categories.append(Int32(random.nextInt(below: 3)))
                data.logAmount.append(Float(random.nextGaussian()))
                data.logGap.append(step == 0 ? .nan : Float(random.nextGaussian()))
            }
            data.starts.append(data.starts.last! + length)
        }
        return data
    }

    static func transposed(_ p: [Double], from offset: Int, rows: Int, columns: Int) -> [Double] {
        var output = [Double](repeating: 0, count: rows * columns)
        for r in 0 ..< rows { for c in 0 ..< columns { output[c * rows + r] = p[offset + r * columns + c] } }
        return output
    }

    /// Loss (scale 1) of the shard's next window from its current state, and optionally its gradient.
    static func windowLoss(_ shard: LSTMShard<Double>, from start: Int, parameters: [Double], data: SequenceStorage,
                           gradient: inout [Double]?) -> Double {
        let layout = shard.layout
        return parameters.withUnsafeBufferPointer { p in
            let loss = shard.forward(from: start, parameters: p.baseAddress!, data: data, scale: 1)
            if gradient != nil {
                let wT = transposed(parameters, from: layout.weightsOffset, rows: layout.width, columns: layout.gates)
                let woT = transposed(parameters, from: layout.headWeightsOffset, rows: layout.hidden,
                                     columns: layout.outputs)
                wT.withUnsafeBufferPointer { wT in
                    woT.withUnsafeBufferPointer { woT in
                        gradient!.withUnsafeMutableBufferPointer { g in
                            shard.backward(parameters: p.baseAddress!, transposedWeights: wT.baseAddress!,
                                           transposedHead: woT.baseAddress!, data: data, gradient: g.baseAddress!)
                        }
                    }
                }
            }
            return loss
        }
    }

    @Test func analyticGradientsMatchCentralDifferencesInEveryGroup() throws {
        let data = Self.tinyData()
        try data.validate(for: Self.shape)
        let storage = SequenceStorage(data)
        let layout = LSTMLayout(Self.shape)
        // Glorot initialisation plus noise everywhere, so that no bias or prior is at a special value.
        var parameters: [Double] = LSTMModel.initialParameters(layout: layout, seed: 9)
        var random = SeededRandom(seed: 10)
        for index in parameters.indices { parameters[index] += 0.3 * random.nextGaussian() }

        let shard = LSTMShard<Double>(layout: layout, capacity: 2, window: 3)
        shard.begin(rows: [(start: 0, length: 7), (start: 7, length: 5)])
        var worst: [String: Double] = [:]
        var windows = 0
        for start in stride(from: 0, to: 7, by: 3) {
            let saved = shard.state
            var analytic: [Double]? = [Double](repeating: 0, count: layout.parameterCount)
            _ = Self.windowLoss(shard, from: start, parameters: parameters, data: storage, gradient: &analytic)
            var none: [Double]? = nil
            let epsilon = 1e-5
            for (name, range) in layout.groups {
                var numerator = 0.0, denominator = 0.0
                for index in range {
                    var plus = parameters, minus = parameters
                    plus[index] += epsilon
                    minus[index] -= epsilon
                    shard.state = saved
                    let up = Self.windowLoss(shard, from: start, parameters: plus, data: storage, gradient: &none)
                    shard.state = saved
                    let down = Self.windowLoss(shard, from: start, parameters: minus, data: storage, gradient: &none)
                    let numeric = (up - down) / (2 * epsilon)
                    let exact = analytic![index]
                    numerator += (exact - numeric) * (exact - numeric)
                    denominator = max(denominator, exact * exact, numeric * numeric)
                    // Element by element too, where the gradient is not vanishingly small.
                    if max(abs(exact), abs(numeric)) > 1e-4 {
                        let relative = abs(exact - numeric) / max(abs(exact), abs(numeric))
                        #expect(relative < 1e-4, "\(name)[\(index - range.lowerBound)] window \(start): \(exact) vs \(numeric)")
                    }
                }
                let relative = (numerator / Double(range.count)).squareRoot() / max(denominator.squareRoot(), 1e-12)
                worst[name] = max(worst[name] ?? 0, relative)
                if start == 6 && ["embedding", "weights", "bias"].contains(name) {
                    // The last window has one step, predicted from the carried state: only the head learns from it.
                    #expect(denominator == 0, "\(name) has a gradient through the carried state")
                } else {
                    #expect(denominator > 1e-6, "\(name) has no gradient to check in window \(start)")
                }
                #expect(relative < 1e-4, "\(name), window from \(start): relative error \(relative)")
            }
            shard.state = saved
            _ = Self.windowLoss(shard, from: start, parameters: parameters, data: storage, gradient: &none)
            shard.advance()
            windows += 1
        }
        #expect(windows == 3)
        print("LSTM gradient check, worst relative error per group:", worst.sorted { $0.key < $1.key })
        #expect(Set(worst.keys) == ["embedding", "weights", "bias", "headWeights", "headBias"])
    }

    /// The truncation itself: the gradient of a later window does not reach into the carried state, so a window's
    /// gradient is the same whether its starting state came from a forward pass or was set by hand.
    @Test func aWindowsGradientTreatsTheCarriedStateAsAConstant() {
        let storage = SequenceStorage(Self.tinyData())
        let layout = LSTMLayout(Self.shape)
        let parameters: [Double] = LSTMModel.initialParameters(layout: layout, seed: 2)
        let shard = LSTMShard<Double>(layout: layout, capacity: 2, window: 3)
        shard.begin(rows: [(start: 0, length: 7), (start: 7, length: 5)])
        var none: [Double]? = nil
        _ = Self.windowLoss(shard, from: 0, parameters: parameters, data: storage, gradient: &none)
        shard.advance()
        let carried = shard.state
        var first: [Double]? = [Double](repeating: 0, count: layout.parameterCount)
        _ = Self.windowLoss(shard, from: 3, parameters: parameters, data: storage, gradient: &first)
        let again = LSTMShard<Double>(layout: layout, capacity: 2, window: 3)
        again.begin(rows: [(start: 0, length: 7), (start: 7, length: 5)])
        again.state = carried
        var second: [Double]? = [Double](repeating: 0, count: layout.parameterCount)
        _ = Self.windowLoss(again, from: 3, parameters: parameters, data: storage, gradient: &second)
        #expect(first! == second!)
    }
}
