import Testing
@testable import VigilDetect

@Suite struct DetectorScoresTests {
    /// The ordinal is the place in `allCases`, and so the detectors' order; the inline storage holds them all.
    @Test func ordinalsFollowTheDeclarationOrder() {
        #expect(Detector.allCases.map(\.ordinal) == Array(0 ..< Detector.allCases.count))
        #expect(Detector.allCases.count <= 16)
        #expect(Detector.allCases.sorted() == Detector.allCases)
        #expect(Detector.lstm < .burst && !(Detector.burst < .lstm) && !(Detector.localOutlierFactor < .localOutlierFactor))
    }

    /// It reads like a dictionary keyed by detector: absent until set, removed by nil, counted, iterated in detector
    /// order whatever the order of setting.
    @Test func itBehavesLikeADictionaryInDetectorOrder() {
        var scores = DetectorScores()
        #expect(scores.isEmpty && scores.count == 0 && scores[.localOutlierFactor] == nil)
        scores[.burst] = 0.25
        scores[.isolationForest] = 0.5
        scores[.lstm] = 0
        #expect(scores.count == 3 && !scores.isEmpty)
        #expect(scores[.burst] == 0.25 && scores[.isolationForest] == 0.5 && scores[.lstm] == 0 && scores[.localOutlierFactor] == nil)
        #expect(scores.map(\.detector) == [.isolationForest, .lstm, .burst])
        #expect(scores.map(\.value) == [0.5, 0, 0.25])
        scores[.isolationForest] = nil
        #expect(scores.detectors == [.lstm, .burst] && scores[.isolationForest] == nil)
        scores[.burst] = 0.75
        #expect(scores[.burst] == 0.75 && scores.count == 2)
    }

    /// Equal contents compare equal however they were reached (a removed entry leaves nothing behind); a literal
    /// builds the same value.
    @Test func equalContentsAreEqual() {
        var a: DetectorScores = [.localOutlierFactor: 1.5, .cardTesting: 0.9]
        var b = DetectorScores()
        b[.cardTesting] = 0.9
        b[.unusualHour] = 0.3
        b[.localOutlierFactor] = 1.5
        b[.unusualHour] = nil
        #expect(a == b)
        a[.localOutlierFactor] = 1.25
        #expect(a != b)
        #expect(DetectorScores() == [:])
        #expect(b.description == "[lof: 1.5, card_testing: 0.9]")
    }
}
