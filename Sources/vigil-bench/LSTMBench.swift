import Foundation
import VigilDetect
import VigilEngine

/// Synthetic client sequences for `vigil-bench lstm`: each client repeats its own cycle of categories, amounts and
/// time gaps with noise, and a few steps are replaced by anomalies (an off-cycle category, an amount far from the
/// cycle's and a short gap).
enum LSTMBenchData {
    static let numericInputs = 10
    static let categories = 14

    static func make(steps: Int, sequences: Int, seed: UInt64) -> (SequenceData, labels: [Bool]) {
        var random = SeededRandom(seed: seed, stream: 1)
        // Lengths between 100 and 2,000 (log-uniform), then scaled so that they sum to `steps`.
        var lengths = (0 ..< sequences).map { _ in exp(log(100.0) + random.nextUnitDouble() * log(20.0)) }
        let total = lengths.reduce(0, +)
        lengths = lengths.map { $0 * Double(steps) / total }
        var counts = lengths.map { max(2, Int($0)) }
        counts[0] += steps - counts.reduce(0, +)
        var data = SequenceData(numeric: [], categories: [], logAmount: [], logGap: [], starts: [0])
        data.numeric.reserveCapacity(steps * numericInputs)
        var labels: [Bool] = []
        for count in counts {
            let period = 3 + random.nextInt(below: 5)
            let cycle = (0 ..< period).map { _ in Int32(random.nextInt(below: categories)) }
            let amounts = (0 ..< period).map { _ in Float(random.nextGaussian()) }
            let gaps = (0 ..< period).map { _ in Float(0.5 + 0.5 * random.nextUnitDouble()) }
            let phase = random.nextInt(below: period)
            for step in 0 ..< count {
                let position = (step + phase) % period
                var category = cycle[position]
                var amount = amounts[position] + Float(0.1 * random.nextGaussian())
                var gap = gaps[position] + Float(0.05 * random.nextGaussian())
                let anomaly = step > 0 && random.nextUnitDouble() < 0.005
                if anomaly {
                    category = Int32(random.nextInt(below: categories))
                    amount += Float(2 + random.nextUnitDouble() * 2) * (random.nextUnitDouble() < 0.5 ? -1 : 1)
                    gap = Float(0.05 * random.nextUnitDouble())
                }
                labels.append(anomaly)
                data.categories.append(category)
                data.logAmount.append(amount)
                data.logGap.append(step == 0 ? .nan : gap)
                // Numeric inputs: the step's own amount and gap, where it is in a day-like cycle, and noise.
                let angle = 2 * Double.pi * Double(step % 24) / 24
                data.numeric += [amount, step == 0 ? 0 : gap, Float(sin(angle)), Float(cos(angle))]
                for _ in 4 ..< numericInputs { data.numeric.append(Float(random.nextGaussian())) }
            }
            data.starts.append(data.starts.last! + count)
        }
        return (data, labels)
    }

    /// Raw little-endian files for bench/lstm_torch.py: PREFIX.numeric.f32 (steps × inputs), .categories.i32,
    /// .amount.f32, .gap.f32 (NaN at first steps), .starts.i64 (sequences + 1), .labels.u8, and PREFIX.json.
    static func write(_ data: SequenceData, labels: [Bool], prefix: String, meta: [String: Any]) throws {
        func save<T>(_ values: [T], _ suffix: String) throws {
            try values.withUnsafeBufferPointer { try Data(buffer: $0).write(to: URL(fileURLWithPath: prefix + suffix)) }
        }
        try save(data.numeric, ".numeric.f32")
        try save(data.categories, ".categories.i32")
        try save(data.logAmount, ".amount.f32")
        try save(data.logGap, ".gap.f32")
        try save(data.starts.map { Int64($0) }, ".starts.i64")
        try save(labels.map { UInt8($0 ? 1 : 0) }, ".labels.u8")
        try JSONSerialization.data(withJSONObject: meta, options: [.sortedKeys])
            .write(to: URL(fileURLWithPath: prefix + ".json"))
    }
}
