import Foundation
import Testing
import VigilApp
import VigilCore
import VigilEngine
import VigilStore
import VigilTUI
import VigilTestSupport

/// A store with three cases, the same on every run: a card (4111 1111 1111 1111) with three alerts in three hours of
/// 2023-11-15, client C2 with two alerts a day apart, and client C3 with one; each card also has a few quiet
/// purchases. Cases are made at `created` and the screens measure ages and due dates from `now`.
final class ThreeCaseStore {
    static let start: Int64 = 1_700_000_000  // 2023-11-14 22:13:20 UTC
    static let created: Int64 = start + 2 * 86_400
    static let now: Int64 = created + 5 * 3_600
    static let card = "4111111111111111"

    let directory = NSTemporaryDirectory() + "vigil-cases-" + UUID().uuidString
    private(set) var store: Store
    /// The cases, highest alert first: the card's, C2's, C3's.
    private(set) var caseIDs: [Int64] = []

    init() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        store = try Store(path: directory + "/cases.sqlite")
        var rows: [Transaction] = []
        func add(_ client: String, _ hours: Int64, _ cents: Int64, _ merchant: String) {
            rows.append(Transaction(sourceKey: "\(client)-\(rows.count)", clientID: client, instant: Self.start + hours * 3_600,
                                    originalTime: "t", amount: Money(minorUnits: cents), merchant: merchant, category: "shopping"))
        }
        for day: Int64 in 0..<5 { for client in [Self.card, "C2", "C3"] { add(client, day * 24 - 200, 1_500, "Corner Shop") } }
        add(Self.card, 10, 250_000, "Gadget Hub")      // alerts of the card: 0.97, 0.91, 0.88
        add(Self.card, 11, 99_900, "Gadget Hub")
        add(Self.card, 12, 45_000, "Phone Mart")
        add("C2", 20, 80_000, "Jewel Box")             // alerts of C2: 0.82, 0.64
        add("C2", 44, 12_000, "Corner Shop")
        add("C3", 30, 5_000, "Night Owl Bar")          // alert of C3: 0.55
        _ = try store.appendGenerated(name: "t", identity: "t") { sink in try sink(rows) }
        let scores: [(Int, Double, String, String)] = [
            (15, 0.97, "card_testing", "5 charges of at most $2.00 in the hour before"),
            (16, 0.91, "unusual_amount", "$999.00 is 6.1× this client's usual largest"),
            (17, 0.88, "card_testing", "a charge right after a run of small ones"),
            (18, 0.82, "unusual_amount", "$800.00 is 9.9× this client's usual largest"),
            (19, 0.64, "unusual_hour", "first purchase at 18:00 in 90 days"),
            (20, 0.55, "unusual_hour", "first purchase at 04:00 in 90 days"),
        ]
        _ = try store.refreshAlerts(scores.map { row, score, detector, text in
            AlertCandidate(transactionID: Int64(row + 1), score: score, reasons: [
                AlertReason(detector: detector, score: 1, contribution: score, text: text),
            ])
        }, at: Self.created)
        try store.refreshCases(gapSeconds: 3 * 86_400, now: Self.created)
        caseIDs = try store.cases(CaseFilter(statuses: nil), now: Self.now).map(\.id)
        try store.setCaseDue(id: caseIDs[0], at: Self.created + 86_400, by: "lead", at: Self.created)
        try store.setCaseDue(id: caseIDs[1], at: Self.now - 3_600, by: "lead", at: Self.created)
    }

    deinit { StoreFolder.remove(directory, closing: &store) }
}

/// The case queue and the case view, rendered into memory and driven by keys over `ThreeCaseStore`.
@Suite struct CaseQueueScreenTests {
    let fixture: ThreeCaseStore
    var store: Store { fixture.store }
    let size = ScreenSizes.large

    init() throws { fixture = try ThreeCaseStore() }

    func workbench(_ analyst: String = "ana") throws -> AlertQueueScreen {
        let queue = try AlertQueueScreen(store: store, analyst: analyst, opensOnCases: true)
        queue.clock = { ThreeCaseStore.now }
        return queue
    }

    func press(_ queue: AlertQueueScreen, _ keys: Key...) throws {
        for key in keys { _ = try queue.handle(key, size: size) }
    }

    func type(_ queue: AlertQueueScreen, _ text: String) throws {
        for character in text { try press(queue, .character(character)) }
    }

    func summary(_ id: Int64) throws -> CaseSummary { try #require(try store.caseDetail(id: id, now: ThreeCaseStore.now)?.summary) }

    func statuses(_ id: Int64) throws -> [String] {
        try #require(try store.caseDetail(id: id, now: ThreeCaseStore.now)).alerts.map(\.status)
    }

    /// The workbench opens on the case queue: a row per case, highest alert first, the card masked (its last digits
    /// below 140 columns, so that the leading reasons in words have the room), then narrower, the assignee and the
    /// due date go.
    @Test func theWorkbenchOpensOnTheCaseQueue() throws {
        let queue = try workbench()
        #expect(queue.mode == .cases)
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — cases.sqlite — open cases                                                                          analyst ana",
            "  Score ▼ Card      Alerts     At risk First–last (UTC)  Leading reasons               Status     Assignee  Age      Due",
            "    0.970 *****1111      3   $3,949.00 11-15 08:13–10:13 card testing, unusual amount  open       —          5h   in 19h",
            "    0.820 C2             2     $920.00 11-15 18:13–11-16 unusual amount, unusual hour  open       —          5h  1h late",
            "    0.550 C3             1      $50.00 11-16 04:13       unusual hour                  open       —          5h        —",
        ] + blanks(33) + [
            " 1/3                                                                           open 3 · snoozed 0 · decided 0 · 3 cases",
            " ? keys · q quit · Enter open · n next case · f fraud · p false pos. · e escalate · i snooze · m mine · Tab alerts",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — cases.sqlite — open cases                                  analyst ana",
            "  Score ▼ Card      Alerts     At risk First       Reasons       Status      Age",
            "    0.970 *****1111      3   $3,949.00 11-15 08:13 card testing… open         5h",
            "    0.820 C2             2     $920.00 11-15 18:13 unusual amou… open         5h",
            "    0.550 C3             1      $50.00 11-16 04:13 unusual hour  open         5h",
        ] + blanks(17) + [
            " 1/3                                   open 3 · snoozed 0 · decided 0 · 3 cases",
            " ? keys · Enter open · n next · f p e decide · i snooze · Tab alerts · m mine ·…",
        ])
    }

    /// Enter opens the case: what it is, its alerts together, and the client's daily spend with each alert's day
    /// marked ▲.
    @Test func enterOpensTheCaseWithItsAlertsAndTheClientsTimeline() throws {
        let queue = try workbench()
        try press(queue, .enter)
        #expect(queue.mode == .caseView(caseID: fixture.caseIDs[0]))
        expectScreen(try queue.frame(size: ScreenSizes.large), [
            " Vigil — cases.sqlite — case #1                                                                             analyst ana",
            " Case #1 · card 411111******1111 · open · unassigned · due in 19h",
            " 3 alerts · $3,949.00 at risk · 11-15 08:13–10:13 · card testing, unusual amount",
            "",
            "     Score Time (UTC)            Amount Merchant                         Top reason                      Status",
            "     0.970 2023-11-15 08:13   $2,500.00 Gadget Hub                       5 charges of at most $2.00 in … open",
            "     0.910 2023-11-15 09:13     $999.00 Gadget Hub                       $999.00 is 6.1× this client's … open",
            "     0.880 2023-11-15 10:13     $450.00 Phone Mart                       a charge right after a run of … open",
            "",
            " Daily spend (USD), 2023-10-17 – 2023-11-15",
            " 3.9k┤                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "   2k┤                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                                                       ██",
            "     │                                                            ▁▁ ▁▁ ▁▁ ▁▁ ▁▁             ██",
            "    0└┴────────┴────────┴────────┴────────┴────────┴────────┴────────┴────────┴────────┴───────────────────────────────",
            "      10-17    10-20    10-23    10-26    10-29    11-01    11-04    11-07    11-10    11-13",
            "                                                                                             ▲",
            " max 3.9k USD/day  ▲ the case's alerts",
            " alert 1/3                                                                     open 3 · snoozed 0 · decided 0 · 3 cases",
            " q back · ? keys · Enter alert · f fraud · p false pos. · e escalate · i snooze · Space mark · m mine · c client",
        ])
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — cases.sqlite — case #1                                     analyst ana",
            " Case #1 · card 411111******1111 · open · unassigned · due in 19h",
            " 3 alerts · $3,949.00 at risk · 11-15 08:13–10:13 · card testing, unusual amou…",
            "",
            "     Score Time (UTC)       Amount Merchant         Top reason       Status",
            "     0.970 11-15 08:13   $2,500.00 Gadget Hub       5 charges of at… open",
            "     0.910 11-15 09:13     $999.00 Gadget Hub       $999.00 is 6.1×… open",
            "     0.880 11-15 10:13     $450.00 Phone Mart       a charge right … open",
            "",
            " Daily spend (USD), 2023-10-17 – 2023-11-15",
            " 3.9k┤                                                          █",
            "     │                                                          █",
            "     │                                                          █",
            "     │                                                          █",
            "   2k┤                                                          █",
            "     │                                                          █",
            "     │                                                          █",
            "     │                                        ▁ ▁ ▁ ▁ ▁         █",
            "    0└┴───────┴───────┴───────┴───────┴───────┴───────┴───────┴────────────────",
            "      10-17   10-21   10-25   10-29   11-02   11-06   11-10   11-14",
            "                                                                ▲",
            " max 3.9k USD/day  ▲ the case's alerts",
            " alert 1/3                             open 3 · snoozed 0 · decided 0 · 3 cases",
            " q back · ? keys · Enter alert · f p e decide · Space mark · i snooze · m mine …",
        ])
        // An alert's detail is one key away, and q comes back to the case, then to the queue.
        try press(queue, .character("j"), .enter)
        guard case .detail(let alertID, _) = queue.mode else { Issue.record("no detail: \(queue.mode)"); return }
        #expect(alertID == (try store.caseDetail(id: fixture.caseIDs[0], now: ThreeCaseStore.now)?.alerts[1].id))
        try press(queue, .character("q"))
        #expect(queue.mode == .caseView(caseID: fixture.caseIDs[0]))
        try press(queue, .character("q"))
        #expect(queue.mode == .cases)
    }

    /// `f` on the queue decides every open alert of the case in one transaction; the case leaves the open view and
    /// the cursor is on the next case. The audit chain stays intact.
    @Test func fDecidesTheWholeCase() throws {
        let queue = try workbench()
        try press(queue, .character("f"))
        #expect(try statuses(fixture.caseIDs[0]) == ["confirmed_fraud", "confirmed_fraud", "confirmed_fraud"])
        #expect(try summary(fixture.caseIDs[0]).status == .decided)
        #expect(queue.message == "case #\(fixture.caseIDs[0]): 3 alerts → confirmed fraud (u undoes)")
        let rows = try queue.frame(size: size).rows
        #expect(rows[2].contains("C2"), "the next case is on top: \(rows[2])")
        #expect(!rows.contains { $0.contains("411111") })
        #expect(try store.verifyAuditChain() == .intact(events: 3 + 2))
        // u takes the decision back whole.
        try press(queue, .character("u"))
        #expect(try statuses(fixture.caseIDs[0]) == ["open", "open", "open"])
    }

    /// Inside a case, marked alerts are decided alone; without marks a decision takes the whole case and goes back
    /// to the queue.
    @Test func inACaseMarkedAlertsAreDecidedAloneElseTheWholeCase() throws {
        let queue = try workbench()
        try press(queue, .enter, .character("j"), .character(" "), .character("p"))
        #expect(try statuses(fixture.caseIDs[0]) == ["open", "false_positive", "open"])
        #expect(queue.mode == .caseView(caseID: fixture.caseIDs[0]))
        try press(queue, .character("e"))
        #expect(try statuses(fixture.caseIDs[0]) == ["escalated", "false_positive", "escalated"])
        #expect(queue.mode == .cases)
    }

    /// `n` takes the highest unassigned case for the analyst and opens it; a second analyst's `n` gets the next one.
    /// `m` assigns the case under the cursor to me, the "mine" view lists my cases, `M` unassigns; each is audited.
    @Test func nTakesTheNextCaseAndMineListsThem() throws {
        let ana = try workbench("ana"), bob = try workbench("bob")
        try press(ana, .character("n"))
        #expect(ana.mode == .caseView(caseID: fixture.caseIDs[0]))
        #expect(try summary(fixture.caseIDs[0]).assignee == "ana")
        try press(bob, .character("n"))
        #expect(bob.mode == .caseView(caseID: fixture.caseIDs[1]))
        #expect(try summary(fixture.caseIDs[1]).assignee == "bob")
        // Ana's workbench polls and shows the case as bob's: her `m` takes it knowingly (see CaseTakeRaceTests).
        try ana.refreshIfChanged()
        try press(ana, .character("q"), .character("j"), .character("m"))
        #expect(try summary(fixture.caseIDs[1]).assignee == "ana")
        try press(ana, .character("v"))
        expectScreen(try ana.frame(size: ScreenSizes.classic), [
            " Vigil — cases.sqlite — my cases                                    analyst ana",
            "  Score ▼ Card      Alerts     At risk First       Reasons       Status      Age",
            "    0.970 *****1111      3   $3,949.00 11-15 08:13 card testing… open         5h",
            "    0.820 C2             2     $920.00 11-15 18:13 unusual amou… open         5h",
        ] + blanks(18) + [
            " showing my cases                      open 3 · snoozed 0 · decided 0 · 3 cases",
            " ? keys · Enter open · n next · f p e decide · i snooze · Tab alerts · m mine ·…",
        ])
        try press(ana, .character("M"))
        #expect(try summary(fixture.caseIDs[0]).assignee == nil)
        #expect(try store.caseEvents(id: fixture.caseIDs[0]).map(\.action) == ["case due", "case claim", "case unassign"])
    }

    /// `i` asks for a date and a note and snoozes the case: it leaves the open cases, shows in the snoozed ones, and
    /// the note is in its history. A date that does not read keeps the prompt open.
    @Test func iSnoozesTheCaseUntilADateWithANote() throws {
        let queue = try workbench()
        try press(queue, .character("i"))
        try type(queue, "soon")
        try press(queue, .enter)
        #expect(queue.message == "snooze: type a date (YYYY-MM-DD, or 3d for three days), then a note")
        for _ in 0..<4 { try press(queue, .backspace) }
        try type(queue, "2023-11-20 waiting for the client's call")
        try press(queue, .enter)
        #expect(queue.mode == .cases)
        let snoozed = try summary(fixture.caseIDs[0])
        #expect(snoozed.status == .snoozed)
        #expect(snoozed.snoozedUntil == CivilTime.parseDay("2023-11-20"))
        #expect(try store.caseEvents(id: fixture.caseIDs[0]).last?.note == "waiting for the client's call")
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — cases.sqlite — open cases                                  analyst ana",
            "  Score ▼ Card      Alerts     At risk First       Reasons       Status      Age",
            "    0.820 C2             2     $920.00 11-15 18:13 unusual amou… open         5h",
            "    0.550 C3             1      $50.00 11-16 04:13 unusual hour  open         5h",
        ] + blanks(18) + [
            " case #1 snoozed until 2023-11-20      open 2 · snoozed 1 · decided 0 · 3 cases",
            " ? keys · Enter open · n next · f p e decide · i snooze · Tab alerts · m mine ·…",
        ])
    }

    /// Overturning another analyst's decision asks for a note; Escape keeps their decision, an empty note is not
    /// enough, and with a note the case is decided again.
    @Test func overturningAnothersDecisionOnACaseAsksForANote() throws {
        try store.decideCase(id: fixture.caseIDs[0], status: .confirmedFraud, analyst: "bob")
        let queue = try workbench()
        try press(queue, .character("v"), .character("v"), .character("v"))  // decided cases
        try press(queue, .character("p"))
        let first = try #require(try store.caseDetail(id: fixture.caseIDs[0])?.alerts.first?.id)
        #expect(queue.message == "#\(first) is bob's confirmed fraud: a note saying why overturns it, Esc keeps it")
        try press(queue, .escape)
        #expect(try statuses(fixture.caseIDs[0]) == ["confirmed_fraud", "confirmed_fraud", "confirmed_fraud"])
        try press(queue, .character("p"), .enter)
        #expect(queue.message == "overturning needs a note saying why")
        try type(queue, "the client was travelling")
        expectScreen(try queue.frame(size: ScreenSizes.classic), [
            " Vigil — cases.sqlite — decided cases                               analyst ana",
            "  Score ▼ Card      Alerts     At risk First       Reasons       Status      Age",
            "    0.970 *****1111      3       $0.00 11-15 08:13 card testing… fraud        5h",
        ] + blanks(19) + [
            " 1/1                                   open 2 · snoozed 0 · decided 1 · 3 cases",
            " overturn bob's fraud on #1, because the client was travelling",
        ])
        try press(queue, .enter)
        #expect(try statuses(fixture.caseIDs[0]) == ["false_positive", "false_positive", "false_positive"])
        #expect(try store.triageEvents(ofAlert: first).last?.note == "the client was travelling")
        #expect(try store.verifyAuditChain() == .intact(events: 3 + 3 + 2))
    }

    /// The alert queue asks the same before overturning another analyst's decision on an alert.
    @Test func theAlertQueueAsksTooBeforeOverturning() throws {
        let first = try #require(try store.caseDetail(id: fixture.caseIDs[0])?.alerts.first)
        try store.decide([SeenAlert(id: first.id, version: first.version)], status: .falsePositive, analyst: "bob")
        let queue = try workbench()
        try press(queue, .tab)
        #expect(queue.mode == .list)
        try press(queue, .character("v"))  // every alert: the decided one is first
        try press(queue, .character("f"))
        #expect(queue.message == "#\(first.id) is bob's false positive: a note saying why overturns it, Esc keeps it")
        try type(queue, "a second charge came back")
        try press(queue, .enter)
        #expect(try store.alertSummaries(ids: [first.id]).first?.status == "confirmed_fraud")
        try press(queue, .tab)
        #expect(queue.mode == .cases)
    }

    /// Another analyst's decision shows once the workbench polls the store.
    @Test func theQueueFollowsTheStore() throws {
        let queue = try workbench()
        _ = try queue.frame(size: size)
        try store.decideCase(id: fixture.caseIDs[1], status: .falsePositive, analyst: "bob")
        #expect(try queue.refreshIfChanged())
        let rows = try queue.frame(size: size).rows
        #expect(!rows.contains { $0.contains(" C2 ") })
        #expect(rows[38].contains("open 2 · snoozed 0 · decided 1 · 3 cases"))
    }
}
