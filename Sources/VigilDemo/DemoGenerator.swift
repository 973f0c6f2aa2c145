import Foundation
import VigilCore

/// Generates the synthetic demo store: realistic clients, legitimate travel, and labelled
/// planted anomalies of every kind the detectors target. Same config, same rows, bit for bit.
///
/// ```swift
/// let generator = try DemoGenerator(config: DemoConfig(clients: 10_000, days: 365, seed: 7))
/// try generator.generate { day in try store.insert(day) }
/// ```
public struct DemoGenerator: Sendable {
    public let config: DemoConfig
    let world: DemoWorld
    let profiles: [DemoClient]
    /// The same clients as the day builder reads them (kept apart: copying a `DemoClient` retains every field).
    let habits: [DemoHabits]
    /// What every output row repeats about its client, small and contiguous for the final pass.
    let rowClients: [DemoRowClient]
    /// "demo-<seed>-", the start of every source key.
    let sourceKeySeedPrefix: [UInt8]
    /// Merchants compromised for weeks, planned over the whole world once the clients (and their regular merchants) exist.
    let compromises: [DemoCompromisedMerchant]
    /// Most chunks of clients generated at once; 1 generates on the calling thread only.
    var concurrency: Int

    // A day's sort key: second of day (17 bits) | client index (21 bits) | row index within the day (25 bits).
    static let secondShift: UInt64 = 46
    static let clientShift: UInt64 = 25
    static let rowMask: UInt64 = (1 << 25) - 1

    /// Throws when a setting is out of range; the error names the option.
    public init(config: DemoConfig = DemoConfig()) throws(DemoConfigError) {
        try config.validate()
        self.config = config
        let world = DemoWorld(seed: config.seed)
        self.world = world
        concurrency = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunks = DemoGenerator.chunks(of: config.clients, workers: concurrency)
        let built = DemoGenerator.parallelMap(chunks, workers: concurrency) { range in
            range.map { DemoClient.make(index: $0, config: config, world: world) }
        }
        profiles = Array(built.joined())
        habits = profiles.map(\.habits)
        rowClients = profiles.map { DemoRowClient(id: $0.id, home: $0.home) }
        sourceKeySeedPrefix = Array("demo-\(config.seed)-".utf8)
        compromises = DemoCompromisedMerchant.plan(config: config, world: world, clients: habits)
    }

    /// Every client's profile, in id order.
    public func clients() -> [DemoClient] { profiles }

    /// The merchants compromised during the run, in the order planned.
    public func compromisedMerchants() -> [DemoCompromisedMerchant] { compromises }

    /// Streams the data set one day at a time, in chronological order: each call gets one day's
    /// rows for every client, sorted by (instant, clientID, sourceKey), and is made for every day
    /// of the run (possibly with no rows). Only one day is ever held in memory.
    public func generate(_ sink: ([Transaction]) throws -> Void) rethrows {
        var chunks = DemoGenerator.chunks(of: config.clients, workers: concurrency).map(DemoDayChunk.init)
        for dayIndex in 0..<config.days {
            let day = DemoDay(index: dayIndex, configStart: config.start)
            produce(day, in: &chunks)
            try sink(merge(chunks, day: day))
        }
    }

    /// Every client's drafts for `day`, left in the chunks for `merge`.
    private func produce(_ day: DemoDay, in chunks: inout [DemoDayChunk]) {
        if chunks.count == 1 || concurrency == 1 {
            for i in chunks.indices { chunks[i].run(day: day, generator: self) }
        } else {
            let count = chunks.count
            chunks.withUnsafeMutableBufferPointer { buffer in
                // Each chunk belongs to one iteration.
                let chunks = DisjointWrites(buffer)
                DispatchQueue.concurrentPerform(iterations: count) { i in
                    chunks.withElement(at: i) { $0.run(day: day, generator: self) }
                }
            }
        }
    }

    /// Total rows and labelled rows, generated and discarded; for tests and benchmarks.
    public func count() -> (transactions: Int, fraud: Int) {
        var transactions = 0
        var fraud = 0
        generate { day in
            transactions += day.count
            for row in day where row.label == 1 { fraud += 1 }
        }
        return (transactions, fraud)
    }

    /// Orders the chunks' rows by (second, client) and dresses each as a `Transaction` directly
    /// in its final slot, in parallel: no row is copied once its strings exist.
    private func merge(_ chunks: [DemoDayChunk], day: DemoDay) -> [Transaction] {
        let total = chunks.reduce(0) { $0 + $1.output.count }
        guard total > 0 else { return [] }
        var keys: [UInt64] = []
        var drafts: [DemoDraft] = []
        keys.reserveCapacity(total)
        drafts.reserveCapacity(total)
        for chunk in chunks {
            for key in chunk.keys { keys.append(key | UInt64(keys.count)) }
            drafts.append(contentsOf: chunk.output)
        }
        keys.sort()
        let order = keys
        let rows = drafts
        let clients = rowClients
        let merchants = world.merchants
        let cities = world.cities
        let categories = DemoCategory.all
        let seedPrefix = sourceKeySeedPrefix
        return [Transaction](unsafeUninitializedCapacity: total) { buffer, initialized in
            let target = DisjointWrites(buffer)
            let slices = DemoGenerator.chunks(of: total, workers: concurrency)
            let fill: @Sendable (Range<Int>) -> Void = { slice in
                for position in slice {
                    let draft = rows[Int(order[position] & DemoGenerator.rowMask)]
                    let client = clients[Int(draft.client)]
                    let merchant = merchants[Int(draft.merchant)]
                    let category = categories[merchant.category]
                    let city = cities[merchant.city]
                    let second = Int(draft.second)
                    let row = Transaction(
                        sourceKey: DemoText.sourceKey(seedPrefix: seedPrefix, clientID: client.id, sequence: Int(draft.sequence)),
                        clientID: client.id,
                        instant: day.start + Int64(second),
                        originalTime: DemoText.timestamp(datePrefix: day.datePrefix, secondOfDay: second),
                        amount: Money(minorUnits: draft.cents, currency: "USD"),
                        merchant: merchant.name,
                        category: category.name,
                        city: city.name,
                        state: city.state,
                        country: "US",
                        home: client.home,
                        merchantLocation: merchant.location,
                        channel: category.channel,
                        label: draft.kind == nil ? 0 : 1,
                        labelKind: draft.kind?.rawValue)
                    target.initialize(at: position, to: row)
                }
            }
            if concurrency <= 1 || slices.count <= 1 || total < 2_048 {
                fill(0..<total)
            } else {
                DispatchQueue.concurrentPerform(iterations: slices.count) { fill(slices[$0]) }
            }
            initialized = total
        }
    }

    /// Contiguous client ranges, a few per worker so uneven chunks even out.
    static func chunks(of clients: Int, workers: Int) -> [Range<Int>] {
        let count = min(clients, workers <= 1 ? 1 : workers * 4)
        return (0..<count).map { i in (clients * i / count)..<(clients * (i + 1) / count) }
    }

    static func parallelMap<T: Sendable>(
        _ ranges: [Range<Int>], workers: Int, _ body: @Sendable (Range<Int>) -> [T]
    ) -> [[T]] {
        var results = [[T]](repeating: [], count: ranges.count)
        if workers <= 1 || ranges.count <= 1 {
            for (i, range) in ranges.enumerated() { results[i] = body(range) }
        } else {
            results.withUnsafeMutableBufferPointer { buffer in
                let results = DisjointWrites(buffer)
                DispatchQueue.concurrentPerform(iterations: ranges.count) { i in results[i] = body(ranges[i]) }
            }
        }
        return results
    }
}

/// One chunk of clients' per-day working storage, worked on by one thread at a time.
struct DemoDayChunk {
    let clients: Range<Int>
    private var cursors: [DemoClientCursor]
    private var drafts: [DemoDraft] = []
    private(set) var output: [DemoDraft] = []
    private(set) var keys: [UInt64] = []

    init(_ clients: Range<Int>) {
        self.clients = clients
        cursors = Array(repeating: DemoClientCursor(), count: clients.count)
    }

    mutating func run(day: DemoDay, generator: DemoGenerator) {
        output.removeAll(keepingCapacity: true)
        keys.removeAll(keepingCapacity: true)
        let compromised = generator.compromises.filter { $0.days.contains(day.index) }.map(\.merchantIndex)
        var builder = DemoDayBuilder(world: generator.world, config: generator.config, day: day, compromisedMerchants: compromised)
        for (slot, client) in clients.enumerated() {
            builder.build(
                client: generator.habits[client], cursor: &cursors[slot], drafts: &drafts,
                output: &output, keys: &keys)
        }
    }
}

/// What every row repeats about its client.
struct DemoRowClient: Sendable {
    let id: String
    let home: GeoPoint
}
