import Foundation
import Testing
@testable import VigilStore

@Suite struct SequenceModelStoreTests {
    let scratch = ScratchDirectory()

    @Test func theNewestModelOfADetectorIsTheOneReadBackWhole() throws {
        let store = try scratch.store()
        #expect(try store.latestSequenceModel(detector: "lstm") == nil)
        let first = StoredSequenceModel(detector: "lstm", createdAt: 10, transactionsTrained: 5, encoder: "{\"a\":1}",
                                        training: "{}", report: "{\"epochs\":1}", parameters: Data([1, 2, 3]))
        let second = StoredSequenceModel(detector: "lstm", createdAt: 20, transactionsTrained: 7, encoder: "{\"a\":2}",
                                         training: "{}", report: "{\"epochs\":2}", parameters: Data((0..<1_000).map { UInt8($0 % 256) }))
        let firstID = try store.saveSequenceModel(first)
        let secondID = try store.saveSequenceModel(second)
        #expect(secondID > firstID)
        var expected = second
        expected.id = secondID
        #expect(try store.latestSequenceModel(detector: "lstm") == expected)
        #expect(try store.latestSequenceModel(detector: "other") == nil)
    }
}
