import Foundation

/// One client's place in its sequence, for scoring its transactions one at a time as they arrive: the hidden and
/// cell state after the steps so far.
public struct LSTMStreamState: Sendable, Equatable, Codable {
    public var h: [Float]
    public var c: [Float]
    /// Steps taken so far (0: the next step is the sequence's first).
    public var steps: Int

    public init(hidden: Int) {
        h = [Float](repeating: 0, count: hidden)
        c = [Float](repeating: 0, count: hidden)
        steps = 0
    }
}

extension LSTMModel {
    /// The state before a sequence's first step.
    public func streamState() -> LSTMStreamState { LSTMStreamState(hidden: shape.hidden) }

    /// Scores the next step of a sequence from `state` and takes the step into it. `step` holds exactly one step
    /// (its `starts` are ignored). The kernels are those of batch scoring, row for row, so a sequence scored a step
    /// at a time gets exactly the scores `score(_:)` gives it whole.
    public func scoreNext(_ step: SequenceData, state: inout LSTMStreamState) -> LSTMStepScore {
        precondition(step.categories.count == 1 && step.logAmount.count == 1 && step.logGap.count == 1
                     && step.numeric.count == shape.numericInputs, "one step of this model's shape")
        precondition(state.h.count == shape.hidden && state.c.count == shape.hidden, "a state of this model's shape")
        // Read in place, with the scratch on the stack: a step allocates nothing (live scoring takes many at once).
        return step.numeric.withUnsafeBufferPointer { numeric in
            step.categories.withUnsafeBufferPointer { categories in
                step.logAmount.withUnsafeBufferPointer { logAmount in
                    step.logGap.withUnsafeBufferPointer { logGap in
                        let storage = SequenceStorage(borrowingStep: numeric.baseAddress!, categories: categories.baseAddress!,
                                                      logAmount: logAmount.baseAddress!, logGap: logGap.baseAddress!)
                        let l = layout
                        return withUnsafeTemporaryAllocation(
                            of: Float.self, capacity: l.width + l.gates + l.hidden + l.outputs + 2 * l.hidden) { scratch in
                            scoreNext(storage, scratch: scratch.baseAddress!, state: &state)
                        }
                    }
                }
            }
        }
    }

    /// `scoreNext`'s work on one step in `storage`, with `scratch` for its activations.
    private func scoreNext(_ storage: SequenceStorage, scratch: UnsafeMutablePointer<Float>,
                           state: inout LSTMStreamState) -> LSTMStepScore {
        let l = layout
        let hidden = l.hidden
        scratch.initialize(repeating: 0, count: l.width + l.gates + hidden + l.outputs + 2 * hidden)
        let x = scratch
        let z = x + l.width
        let tanhC = z + l.gates
        let y = tanhC + hidden
        let hNext = y + l.outputs
        let cNext = hNext + hidden
        let first = state.steps == 0
        let score = parameters.withUnsafeBufferPointer { buffer -> LSTMStepScore in
            let p = buffer.baseAddress!
            return state.h.withUnsafeBufferPointer { h in
                state.c.withUnsafeBufferPointer { c in
                    LSTMKernels.head(h: h.baseAddress!, parameters: p, layout: l, y: y)
                    let score = LSTMKernels.score(y, step: 0, first: first, data: storage, layout: l)
                    LSTMKernels.gather(x, step: 0, data: storage, hPrevious: h.baseAddress!, parameters: p, layout: l)
                    LSTMKernels.step(x: x, cPrevious: c.baseAddress!, parameters: p, layout: l, activations: z, c: cNext,
                                     tanhC: tanhC, h: hNext)
                    return score
                }
            }
        }
        for k in 0 ..< hidden {
            state.h[k] = hNext[k]
            state.c[k] = cNext[k]
        }
        state.steps += 1
        return score
    }
}
