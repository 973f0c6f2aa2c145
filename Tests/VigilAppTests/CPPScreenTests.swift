import Foundation
import Testing
import VigilApp
import VigilCore
import VigilStore
import VigilTestSupport
import VigilTUI

/// The common-point-of-purchase screen over the queue of a store with one skimmed merchant (`SkimmedStore`): the
/// merchants ranked, one merchant's fraud and exposed cards, a card's client view (`x`, the exposed cards as cases: ExposedCasesScreenTests).
@Suite struct CPPScreenTests {
    let skimmed: SkimmedStore
    let size = ScreenSizes.large

    init() throws { skimmed = try SkimmedStore() }

    func press(_ queue: AlertQueueScreen, _ keys: Key...) throws {
        for key in keys { _ = try queue.handle(key, size: size) }
    }

    /// The queue with the screen opened by `M`, its ranking worked out.
    func opened() throws -> AlertQueueScreen {
        let queue = try AlertQueueScreen(store: skimmed.store, analyst: "ana")
        try press(queue, .character("M"))
        #expect(queue.mode == .commonPoints)
        try #require(queue.cppScreen).waitForReport()
        return queue
    }

    @Test func theMerchantsAreRankedWithTheirFraudAndExposedCards() throws {
        let queue = try opened()
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — s.sqlite — open alerts                                                                             analyst ana",
            "",
            " Common point of purchase: 30 days before first fraud",
            " 10 of 40 cards confirmed fraud · 5 merchants · chance 13 %",
            "",
            "   # Merchant                                                         Score Fraud Exposed  Lift Window",
            "   1 Fuel 9                                                            13.9    10       3  4.0× 2024-01-11 – 2024-01-20",
            "   2 Grocer 0                                                           1.6     3       7  1.7× 2024-01-01 – 2024-01-05",
            "   3 Grocer 1                                                           1.6     3       7  1.7× 2024-01-01 – 2024-01-06",
            "   4 Grocer 2                                                           0.5     2       8  1.3× 2024-01-01 – 2024-01-03",
            "   5 Grocer 3                                                           0.5     2       8  1.3× 2024-01-01 – 2024-01-04",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            " 0/0                                         open 0 · confirmed fraud 0 · false positive 0 · escalated 0 · needs info 0",
            " Enter the merchant's cards · x exposed cards as cases · q back · ? keys · : palette",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — s.sqlite — open alerts                                     analyst ana",
            "",
            " Common point of purchase: 30 days before first fraud",
            " 10 of 40 cards confirmed fraud · 5 merchants · chance 13 %",
            "",
            "   # Merchant                                               Score Fraud Exposed",
            "   1 Fuel 9                                                  13.9    10       3",
            "   2 Grocer 0                                                 1.6     3       7",
            "   3 Grocer 1                                                 1.6     3       7",
            "   4 Grocer 2                                                 0.5     2       8",
            "   5 Grocer 3                                                 0.5     2       8",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            " 0/0               open 0 · fraud 0 · false pos. 0 · escalated 0 · needs info 0",
            " Enter the merchant's cards · x exposed cards as cases · q back · ? keys · : pa…",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — s.sqlite — open alerts                 analyst ana",
            "",
            " Common point of purchase: 30 days before first fraud",
            " 10 of 40 cards confirmed fraud · 5 merchants · chance 13 %",
            "",
            "   # Merchant                           Score Fraud Exposed",
            "   1 Fuel 9                              13.9    10       3",
            "   2 Grocer 0                             1.6     3       7",
            "   3 Grocer 1                             1.6     3       7",
            "   4 Grocer 2                             0.5     2       8",
            "   5 Grocer 3                             0.5     2       8",
            "",
            "",
            " 0/0                                                 open 0",
            " Enter the merchant's cards · x exposed cards as cases · q …",
        ])
    }

    @Test func enterListsAMerchantsCardsAndACardsClient() throws {
        let queue = try opened()
        try press(queue, .enter)
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — s.sqlite — open alerts                                                                             analyst ana",
            "",
            " Fuel 9 · #1 · score 13.9 · 10 fraud, 3 exposed",
            " 10 of the 12 cards there 2024-01-11 – 2024-01-20 were confirmed fraud within 30 days (83 % against 13 % by chance,",
            " 4.0×)",
            "",
            " Card                        Visited    First fraud",
            " 411111******0000    fraud   2024-01-11 2024-01-26",
            " 411111******0001    fraud   2024-01-12 2024-01-27",
            " 411111******0002    fraud   2024-01-13 2024-01-28",
            " 411111******0003    fraud   2024-01-14 2024-01-29",
            " 411111******0004    fraud   2024-01-15 2024-01-30",
            " 411111******0005    fraud   2024-01-16 2024-01-31",
            " 411111******0006    fraud   2024-01-17 2024-02-01",
            " 411111******0007    fraud   2024-01-18 2024-02-02",
            " 411111******0008    fraud   2024-01-19 2024-02-03",
            " 411111******0009    fraud   2024-01-20 2024-02-04",
            " 411111******0020    exposed 2024-01-16",
            " 411111******0021    exposed 2024-01-19",
            " 411111******0023    exposed 2024-01-23",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            " 0/0                                         open 0 · confirmed fraud 0 · false positive 0 · escalated 0 · needs info 0",
            " Enter the card's client · x exposed cards as cases · q the merchants · ? keys · : palette",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.small), [
            " Vigil — s.sqlite — open alerts                 analyst ana",
            "",
            " Fuel 9 · #1 · score 13.9 · 10 fraud, 3 exposed",
            " 10 of the 12 cards there 2024-01-11 – 2024-01-20 were",
            " confirmed fraud within 30 days (83 % against 13 % by",
            " chance, 4.0×)",
            "",
            " Card                        Visited    First fraud",
            " 411111******0000    fraud   2024-01-11 2024-01-26",
            " 411111******0001    fraud   2024-01-12 2024-01-27",
            " 411111******0002    fraud   2024-01-13 2024-01-28",
            " 411111******0003    fraud   2024-01-14 2024-01-29",
            " 411111******0004    fraud   2024-01-15 2024-01-30",
            " 0/0                                                 open 0",
            " Enter the card's client · x exposed cards as cases · q the…",
        ])
        // The third card down is C02's: Enter opens its client view; q comes back to the cards, q again to the merchants.
        try press(queue, .character("j"), .character("j"), .enter)
        #expect(queue.mode == .client)
        #expect(queue.clientScreen?.view.activity.clientID == SkimmedStore.card(2))
        try press(queue, .character("q"))
        #expect(queue.mode == .commonPoints && queue.cppScreen?.opened == 0)
        try press(queue, .character("q"))
        #expect(queue.mode == .commonPoints && queue.cppScreen?.opened == nil)
        try press(queue, .character("q"))
        #expect(queue.mode == .list)
    }

    @Test func thePaletteOpensIt() throws {
        let queue = try AlertQueueScreen(store: skimmed.store, analyst: "ana")
        try press(queue, .character(":"), .character("c"), .character("p"), .character("p"), .enter)
        #expect(queue.mode == .commonPoints)
    }
}
