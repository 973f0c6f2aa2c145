import Dispatch
import Foundation
import VigilCore

/// How many threads a detector may use.
///
/// Results never depend on it: work is cut into chunks whose boundaries depend only on the input size, each chunk's
/// result depends only on its own data and seeds, and results are combined in a fixed order. It exists so a caller
/// can leave cores free for an interactive UI, and so tests can prove that independence.
public struct Parallelism: Sendable, Hashable {
    /// At least 1.
    public let threadCount: Int

    public init(threadCount: Int) {
        precondition(threadCount >= 1, "at least one thread is needed, got \(threadCount)")
        self.threadCount = threadCount
    }

    /// One thread: the caller's.
    public static let serial = Parallelism(threadCount: 1)

    /// One thread per active processor.
    public static var automatic: Parallelism {
        Parallelism(threadCount: max(1, ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Calls `body` once for every chunk of `0 ..< count`, chunks of `chunkSize` (the last may be shorter), spreading
    /// the chunks over at most `threadCount` threads. `body` must be safe to call concurrently for distinct chunks.
    func forEachChunk(of count: Int, chunkSize: Int, _ body: @Sendable (Range<Int>) -> Void) {
        precondition(chunkSize >= 1)
        guard count > 0 else { return }
        let chunkCount = (count + chunkSize - 1) / chunkSize
        @Sendable func chunk(_ index: Int) -> Range<Int> {
            index * chunkSize ..< min(count, (index + 1) * chunkSize)
        }
        let workerCount = min(threadCount, chunkCount)
        if workerCount == 1 {
            for index in 0 ..< chunkCount { body(chunk(index)) }
            return
        }
        if threadCount >= ProcessInfo.processInfo.activeProcessorCount {
            // Dispatch hands chunks to its threads as they free up, so a core slowed by other work takes fewer.
            DispatchQueue.concurrentPerform(iterations: chunkCount) { body(chunk($0)) }
            return
        }
        // Fewer threads than cores: that many workers take chunks round-robin rather than in contiguous runs, so that
        // uneven chunks (k-d tree regions of different density) even out across them.
        DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
            var index = worker
            while index < chunkCount {
                body(chunk(index))
                index += workerCount
            }
        }
    }
}

extension Parallelism {
    /// `transform` applied to every index of `0 ..< count`, computed in parallel chunks.
    func map<Element: BitwiseCopyable>(count: Int, chunkSize: Int = 4096,
                                       _ transform: @Sendable (Int) -> Element) -> [Element] {
        [Element](unsafeUninitializedCapacity: count) { buffer, initializedCount in
            let output = DisjointWrites(buffer)
            forEachChunk(of: count, chunkSize: chunkSize) { chunk in
                for index in chunk { (output.base + index).initialize(to: transform(index)) }
            }
            initializedCount = count
        }
    }
}
