import Foundation

/// The floating-point type the LSTM's forward and backward passes compute in: `Float` in production, `Double` for the
/// gradient check. Every kernel is generic over it and lives in this module, so the optimiser specialises it for
/// `Float` at the call sites in `LSTMModel`; the transcendental functions are requirements so that each type brings
/// its own: `Float` a branch-free polynomial `exp` that the loops vectorise, `Double` the C library's.
protocol LSTMScalar: BinaryFloatingPoint, Sendable {
    static func lstmExp(_ x: Self) -> Self
    static func lstmLog(_ x: Self) -> Self
    init(_ value: Float)
    var asFloat: Float { get }
    /// z[j] = bias[j] + Σₖ x[k] · weights[k · stride + j] for j < columns; z may be bias (accumulate in place). Each
    /// output adds its terms in k order, so a row's result never depends on what is computed beside it.
    static func accumulateProduct(_ z: UnsafeMutablePointer<Self>, x: UnsafePointer<Self>, width: Int,
                                  weights: UnsafePointer<Self>, stride: Int, bias: UnsafePointer<Self>, columns: Int)
    /// The LSTM cell from pre-activations z = [i, f, g, o] (4H): replaces z by σ(i), σ(f), tanh(g), σ(o) and writes
    /// c = f·c′ + i·g, tanh c and h = o·tanh c.
    static func activateGates(_ z: UnsafeMutablePointer<Self>, cPrevious: UnsafePointer<Self>,
                              c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>,
                              h: UnsafeMutablePointer<Self>, hidden: Int)
}

extension LSTMScalar {
    @inline(__always)
    static func activateGates(_ z: UnsafeMutablePointer<Self>, cPrevious: UnsafePointer<Self>,
                              c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>,
                              h: UnsafeMutablePointer<Self>, hidden: Int) {
        activateGates(z, cPrevious: cPrevious, c: c, tanhC: tanhC, h: h, hidden: hidden, from: 0)
    }

    /// The scalar cell for units `from ..< hidden`.
    @inline(__always)
    static func activateGates(_ z: UnsafeMutablePointer<Self>, cPrevious: UnsafePointer<Self>,
                              c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>,
                              h: UnsafeMutablePointer<Self>, hidden: Int, from: Int) {
        for j in from ..< hidden {
            let input = lstmSigmoid(z[j])
            let forget = lstmSigmoid(z[hidden + j])
            let candidate = lstmTanh(z[2 * hidden + j])
            let output = lstmSigmoid(z[3 * hidden + j])
            z[j] = input
            z[hidden + j] = forget
            z[2 * hidden + j] = candidate
            z[3 * hidden + j] = output
            let cell = forget * cPrevious[j] + input * candidate
            let t = lstmTanh(cell)
            c[j] = cell
            tanhC[j] = t
            h[j] = output * t
        }
    }

    @inline(__always)
    static func accumulateProduct(_ z: UnsafeMutablePointer<Self>, x: UnsafePointer<Self>, width: Int,
                                  weights: UnsafePointer<Self>, stride: Int, bias: UnsafePointer<Self>, columns: Int) {
        if z != UnsafeMutablePointer(mutating: bias) { for j in 0 ..< columns { z[j] = bias[j] } }
        for k in 0 ..< width {
            let xk = x[k]
            let row = weights + k * stride
            for j in 0 ..< columns { z[j] += xk * row[j] }
        }
    }
}

extension LSTMScalar {
    @inline(__always) static func lstmSigmoid(_ x: Self) -> Self { 1 / (1 + lstmExp(-x)) }
    /// tanh x = 2σ(2x) − 1: absolute error about one unit in the last place of 1, which is all a gate needs.
    @inline(__always) static func lstmTanh(_ x: Self) -> Self { 2 / (1 + lstmExp(-2 * x)) - 1 }
}

extension Double: LSTMScalar {
    @inline(__always) static func lstmExp(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) static func lstmLog(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) var asFloat: Float { Float(self) }
}

extension Float: LSTMScalar {
    /// eˣ for x clamped to [−87.3, 88.3] (the normal range), relative error below 2·10⁻⁷, with no branch, call or
    /// trap, so that loops over it vectorise: x = n·ln 2 + r with |r| ≤ ln 2 / 2, eʳ by its degree-7 Taylor
    /// polynomial, and 2ⁿ built in the exponent bits. n is rounded by the 1.5·2²³ trick, whose bit pattern then holds
    /// n in its low bits.
    @inline(__always) static func lstmExp(_ x: Float) -> Float {
        var x = x < -87.3 ? -87.3 : x
        x = x > 88.3 ? 88.3 : x
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = (x - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187e-6
        var p: Float = 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let exponent = (shifted.bitPattern &- 0x4B40_0000 &+ 127) << 23
        return p * Float(bitPattern: exponent)
    }

    @inline(__always) static func lstmLog(_ x: Float) -> Float { Foundation.log(x) }
    @inline(__always) var asFloat: Float { self }

    /// `lstmExp` on eight lanes at once, with the same operations (so the same results).
    @inline(__always) static func lstmExp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        var x = x.replacing(with: -87.3, where: x .< -87.3)
        x = x.replacing(with: 88.3, where: x .> 88.3)
        let shifted = x * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = (x - n * 0.693_145_751_953_125) - n * 1.428_606_765_330_187e-6
        var p = SIMD8<Float>(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let bits = unsafeBitCast(shifted, to: SIMD8<UInt32>.self)
        let exponent = (bits &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(exponent, to: SIMD8<Float>.self)
    }

    /// The cell eight units at a time; the remainder (H not a multiple of 8) by the scalar code.
    @inline(__always)
    static func activateGates(_ z: UnsafeMutablePointer<Float>, cPrevious: UnsafePointer<Float>,
                              c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                              h: UnsafeMutablePointer<Float>, hidden: Int) {
        @inline(__always) func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
            UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
        }
        @inline(__always) func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
        }
        @inline(__always) func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + lstmExp(-x)) }
        @inline(__always) func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> { 2 / (1 + lstmExp(-2 * x)) - 1 }
        var j = 0
        while j + 8 <= hidden {
            let input = sigmoid(load(z + j))
            let forget = sigmoid(load(z + hidden + j))
            let candidate = tanh(load(z + 2 * hidden + j))
            let output = sigmoid(load(z + 3 * hidden + j))
            store(input, z + j)
            store(forget, z + hidden + j)
            store(candidate, z + 2 * hidden + j)
            store(output, z + 3 * hidden + j)
            let cell = forget * load(cPrevious + j) + input * candidate
            let t = tanh(cell)
            store(cell, c + j)
            store(t, tanhC + j)
            store(output * t, h + j)
            j += 8
        }
        activateGates(z, cPrevious: cPrevious, c: c, tanhC: tanhC, h: h, hidden: hidden, from: j)
    }

    /// The same sums as the generic version, in the same order, with the outputs held in SIMD registers 32 at a
    /// time while k runs, so each weight is loaded once and z is not reloaded and stored for every k.
    @inline(__always)
    static func accumulateProduct(_ z: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, width: Int,
                                  weights: UnsafePointer<Float>, stride: Int, bias: UnsafePointer<Float>,
                                  columns: Int) {
        @inline(__always) func load(_ pointer: UnsafePointer<Float>) -> SIMD8<Float> {
            UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Float>.self)
        }
        @inline(__always) func store(_ value: SIMD8<Float>, _ pointer: UnsafeMutablePointer<Float>) {
            UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD8<Float>.self)
        }
        var j = 0
        while j + 32 <= columns {
            var a0 = load(bias + j), a1 = load(bias + j + 8), a2 = load(bias + j + 16), a3 = load(bias + j + 24)
            var row = weights + j
            for k in 0 ..< width {
                let xk = SIMD8<Float>(repeating: x[k])
                a0 += xk * load(row)
                a1 += xk * load(row + 8)
                a2 += xk * load(row + 16)
                a3 += xk * load(row + 24)
                row += stride
            }
            store(a0, z + j)
            store(a1, z + j + 8)
            store(a2, z + j + 16)
            store(a3, z + j + 24)
            j += 32
        }
        while j + 8 <= columns {
            var a0 = load(bias + j)
            var row = weights + j
            for k in 0 ..< width {
                a0 += SIMD8<Float>(repeating: x[k]) * load(row)
                row += stride
            }
            store(a0, z + j)
            j += 8
        }
        while j < columns {
            var a = bias[j]
            var row = weights + j
            for k in 0 ..< width {
                a += x[k] * row[0]
                row += stride
            }
            z[j] = a
            j += 1
        }
    }
}
