import Dispatch
import Testing
import VigilCore

@Suite struct DisjointAccessTests {
    /// Values with storage of their own, so that a wrong initialisation (an assignment over nothing) or a copy shows.
    struct Slot {
        var values: [Int]
    }

    @Test func initializeFillsUninitialisedMemoryFromParallelWorkers() {
        let count = 1_000
        let strings = [String](unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = DisjointWrites(buffer)
            DispatchQueue.concurrentPerform(iterations: 10) { worker in
                for index in stride(from: worker, to: count, by: 10) {
                    output.initialize(at: index, to: "row \(index) of a string too long to be stored inline")
                }
            }
            initialized = count
        }
        #expect(strings == (0 ..< count).map { "row \($0) of a string too long to be stored inline" })
    }

    @Test func withElementMutatesInPlaceWithoutCopyingTheElementsStorage() {
        var slots = (0 ..< 8).map { _ in
            var values: [Int] = []
            values.reserveCapacity(100)
            return Slot(values: values)
        }
        let before = slots.map { $0.values.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        slots.withUnsafeMutableBufferPointer { buffer in
            let elements = DisjointWrites(buffer)
            DispatchQueue.concurrentPerform(iterations: 8) { index in
                elements.withElement(at: index) { slot in
                    for value in 0 ..< 50 { slot.values.append(index * 100 + value) }
                }
            }
        }
        let after = slots.map { $0.values.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        #expect(after == before)
        #expect(slots.map(\.values) == (0 ..< 8).map { index in (0 ..< 50).map { index * 100 + $0 } })
    }

    @Test func withElementPassesErrorsOn() {
        struct Refused: Error {}
        var values = [1, 2, 3]
        let thrown = values.withUnsafeMutableBufferPointer { buffer -> Bool in
            do {
                try DisjointWrites(buffer).withElement(at: 1) { value in
                    value = 20
                    throw Refused()
                }
                return false
            } catch {
                return error is Refused
            }
        }
        #expect(thrown)
        #expect(values == [1, 20, 3])
    }
}
