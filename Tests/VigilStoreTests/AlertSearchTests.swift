import Testing
import VigilCore
@testable import VigilStore

extension TriageTests {
    /// The search narrows the alerts in SQL before testing them in Swift: text that only the stored reasons' JSON
    /// holds (a detector's name, a key) is no hit, and a text the narrowing cannot take (a slash, non-ASCII) is
    /// still searched, the same way.
    @Test func searchMatchesWhatIsShownNotTheStoredJSON() throws {
        let store = try storeWithAlerts(9)
        let ids = try store.alertIDs(matching: AlertQuery())
        #expect(try store.searchAlerts("burst", in: ids, after: 0) == nil, "a detector's name, not shown in the reason")
        #expect(try store.searchAlerts("\"text\"", in: ids, after: 0) == nil)
        let seventh = try #require(try store.alertSummaries(ids: ids).first { $0.reasons.first?.text == "reason 7" })
        #expect(try store.searchAlerts("REASON 7", in: ids, after: 0) == ids.firstIndex(of: seventh.id))
        #expect(try store.searchAlerts("é/", in: ids, after: 0) == nil)
        #expect(try store.searchAlerts("hardware", in: Array(ids.prefix(2)), after: 0) == nil, "only the alerts given")
    }
}
