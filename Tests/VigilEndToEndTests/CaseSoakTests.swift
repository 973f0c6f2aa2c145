import Foundation
import GRDB
import Testing
@testable import VigilApp
import VigilCore
@testable import VigilStore
import VigilTUI

/// Issue 23's team-work goal as a test: two workbenches and two `vigil` command-line loops take and decide cases on
/// one store at once for `VIGIL_SOAK_SECONDS` (20 s by default; `bench/soak-cases.sh` runs 600). Each analyst keeps a
/// log of what it believes it did; afterwards the store and its audit trail must hold exactly that: no decision lost
/// or invented, no case given to a second analyst while one held it, every alert's status its last event's, an
/// intact chain, and no "locked" or "busy" error shown to anyone. Nothing here measures time.
@Suite(.serialized) struct CaseSoakTests {
    let scratch = Scratch()

    static var seconds: Double {
        ProcessInfo.processInfo.environment["VIGIL_SOAK_SECONDS"].flatMap(Double.init) ?? 20
    }

    @Test func twoWorkbenchesAndTwoTriageLoopsOnOneStoreLoseNothingAndNeverGiveACaseTwice() throws {
        let store = scratch.path + "/soak.sqlite"
        #expect(try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store]).status == 0)
        let config = scratch.path + "/soak.toml"
        // Cases of a month: some hold several alerts, so a case decision and a single alert's differ.
        try "[alerts]\nthreshold = 0.1\n[cases]\ngap_hours = 720\n".write(toFile: config, atomically: true, encoding: .utf8)
        let scan = try Harness.run(["scan", "--store", store, "--config", config, "--detectors", "iforest,unusual_amount,burst"])
        #expect(scan.status == 0, "\(scan.stderr)")

        let deadline = Date().addingTimeInterval(Self.seconds)
        let actors: [@Sendable () -> SoakLog] = [
            { WorkbenchAnalyst(name: "wb1", path: store, seed: 1, deadline: deadline).run() },
            { WorkbenchAnalyst(name: "wb2", path: store, seed: 2, deadline: deadline).run() },
            { CommandLineAnalyst(name: "cli1", path: store, seed: 3, deadline: deadline).run() },
            { CommandLineAnalyst(name: "cli2", path: store, seed: 4, deadline: deadline).run() },
        ]
        let logs = Guarded<[SoakLog]>([])
        for actor in actors {
            let thread = Thread { let log = actor(); logs.update { $0.append(log) } }
            thread.stackSize = 8 << 20
            thread.start()
        }
        let finished = logs.wait(until: deadline.addingTimeInterval(Harness.commandDeadline)) { $0.count == actors.count }
        #expect(finished, "an analyst was still working long after the deadline")
        let all = logs.read { $0 }.sorted { $0.name < $1.name }

        let verify = try Harness.run(["audit", "verify", "--store", store])
        let audit = try SoakAudit(path: store)
        print(SoakAudit.counts(all, audit: audit, verified: verify.stdout))
        #expect(verify.status == 0 && verify.stdout.contains("audit trail intact: \(Formatting.grouped(audit.events.count)) triage events"),
                "\(verify.stdout)\(verify.stderr)")
        for log in all {
            #expect(log.failures.isEmpty, "\(log.name): \(log.failures.prefix(10))")
            #expect(log.decisions.count > 0, "\(log.name) decided nothing")
            // Every decision the analyst believes it made is in the trail, and the trail holds no other of theirs.
            #expect(log.decisions.map(\.key).sorted() == audit.decisions(by: log.name).sorted(), "\(log.name)'s decisions")
            #expect(log.claims.sorted() == audit.caseEvents("case claim", by: log.name).sorted(), "\(log.name)'s claims")
            #expect(log.takes.sorted() == audit.caseEvents("case assign", by: log.name).sorted(), "\(log.name)'s takes")
            #expect(log.releases.sorted() == audit.caseEvents("case unassign", by: log.name).sorted(), "\(log.name)'s releases")
            #expect(log.snoozes.sorted() == audit.caseEvents("case snooze", by: log.name).sorted(), "\(log.name)'s snoozes")
            #expect(log.wakes.sorted() == audit.caseEvents("case wake", by: log.name).sorted(), "\(log.name)'s wakes")
            #expect(log.undone == audit.undone(by: log.name), "\(log.name)'s undos")
        }
        // From the logs alone: a case went to a second analyst only after someone let it go.
        var given: [Int64: Int] = [:], released: [Int64: Int] = [:]
        for log in all {
            for id in log.claims + log.takes { given[id, default: 0] += 1 }
            for id in log.releases { released[id, default: 0] += 1 }
        }
        let twice = given.filter { $0.value > 1 + released[$0.key, default: 0] }.keys.sorted()
        #expect(twice.isEmpty, "cases given again without being let go: \(twice.prefix(20))")
        // From the trail: nobody took a case someone held, and only its holder decided it.
        #expect(audit.violations.isEmpty, "\(audit.violations.prefix(10))")
        #expect(audit.statusMismatches.isEmpty, "alerts whose status is not their last event's: \(audit.statusMismatches.prefix(20))")
    }
}

/// What one analyst believes it did, and what went wrong for it.
struct SoakLog: Sendable {
    /// A decision as its maker saw it: the case, the status, and how many alerts it changed.
    struct Decision: Sendable {
        var caseID: Int64
        var status: String
        var alerts: Int
        var key: String { "#\(caseID) \(status) ×\(alerts)" }
    }

    var name: String
    var decisions: [Decision] = []
    /// Cases given by `n` / `cases next`.
    var claims: [Int64] = []
    /// Cases shown unassigned that the analyst assigned to itself (`m`).
    var takes: [Int64] = []
    var releases: [Int64] = []
    var snoozes: [Int64] = []
    /// Snoozed cases woken to go back in the queue.
    var wakes: [Int64] = []
    /// Alerts put back by undo.
    var undone = 0
    /// Refusals by design: a case taken by someone else since it was shown.
    var refused = 0
    /// Times there was no case to take.
    var idle = 0
    /// Anything unexpected: an error, a crash, a "locked" or "busy" message.
    var failures: [String] = []

    init(name: String) { self.name = name }
}

/// A small deterministic generator, so that each analyst's mix of keys is the same run to run (timing is not).
struct SoakDice {
    var state: UInt64
    mutating func roll(_ n: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(n))
    }
}

/// A workbench in this process on a store connection of its own, driven by keys as an analyst would: mostly `n` and a
/// decision, now and then `u` after it, `i` (snooze), `M` (let the case go), or `m` on a case its queue shows
/// unassigned. It polls the store twice a second, as the running workbench does, so its queue can be stale.
struct WorkbenchAnalyst {
    var name: String
    var path: String
    var seed: UInt64
    var deadline: Date

    let size = TerminalSize(width: 120, height: 40)

    func run() -> SoakLog {
        var log = SoakLog(name: name)
        do {
            let store = try Store(path: path)
            defer { try? store.closeConnections() }
            let queue = try AlertQueueScreen(store: store, analyst: name, opensOnCases: true)
            var dice = SoakDice(state: seed)
            var nextPoll = Date()
            while Date() < deadline {
                if Date() >= nextPoll {
                    try queue.refreshIfChanged()
                    nextPoll = Date().addingTimeInterval(0.5)
                }
                _ = try queue.frame(size: size)
                if dice.roll(10) == 0, let shown = try unassignedShown(queue, &log) {
                    try take(shown, queue, &log, &dice)
                    try press(queue, .character("g"), log: &log)
                } else {
                    try next(queue, store, &log, &dice)
                }
                usleep(UInt32(5_000 + dice.roll(20) * 1_000))
            }
        } catch {
            log.failures.append("\(error)")
        }
        return log
    }

    private func press(_ queue: AlertQueueScreen, _ keys: Key..., log: inout SoakLog) throws {
        for key in keys { _ = try queue.handle(key, size: size) }
        if let message = queue.message, message.contains("locked") || message.contains("busy") {
            log.failures.append("shown: \(message)")
        }
    }

    /// Moves the cursor down the queue, as it was last read, to a case shown unassigned (nil if none is near the top).
    private func unassignedShown(_ queue: AlertQueueScreen, _ log: inout SoakLog) throws -> Int64? {
        for _ in 0..<20 {
            guard let shown = try queue.model.cursorCase() else { return nil }
            if shown.assignee == nil { return shown.id }
            try press(queue, .character("j"), log: &log)
        }
        return nil
    }

    /// `m` on the case under the cursor, shown unassigned; then it is decided at once or let go.
    private func take(_ id: Int64, _ queue: AlertQueueScreen, _ log: inout SoakLog, _ dice: inout SoakDice) throws {
        try press(queue, .character("m"), log: &log)
        let message = queue.message ?? ""
        if message.hasPrefix("case #\(id) is "), message.hasSuffix(": it changed since it was shown; nothing was changed") {
            log.refused += 1
            return
        }
        guard message == "case #\(id) assigned to \(name)" else { return log.failures.append("m on #\(id): \(message)") }
        log.takes.append(id)
        guard queue.model.cases.cursorID == id else { return log.failures.append("m moved the cursor off #\(id)") }
        if dice.roll(2) == 0 {
            try decide(id, queue, &log, &dice)
        } else {
            try press(queue, .character("M"), log: &log)
            guard queue.message == "case #\(id) unassigned" else { return log.failures.append("M on #\(id): \(queue.message ?? "")") }
            log.releases.append(id)
        }
    }

    /// `n`, then in the case: a decision (sometimes undone), a snooze, or letting it go.
    private func next(_ queue: AlertQueueScreen, _ store: Store, _ log: inout SoakLog, _ dice: inout SoakDice) throws {
        try press(queue, .character("n"), log: &log)
        let message = queue.message ?? ""
        if message == "no unassigned open case left" {
            log.idle += 1
            return try SoakRecycler.recycle(store, &log)
        }
        guard case .caseView(let id) = queue.mode, message == "case #\(id) is yours" else {
            return log.failures.append("n: \(message) in \(queue.mode)")
        }
        log.claims.append(id)
        switch dice.roll(10) {
        case 0:
            try press(queue, .character("i"), log: &log)
            for character in "3d soak: waiting for the bank" { try press(queue, .character(character), log: &log) }
            try press(queue, .enter, log: &log)
            guard queue.message?.hasPrefix("case #\(id) snoozed until ") == true, queue.mode == .cases else {
                return log.failures.append("i on #\(id): \(queue.message ?? "")")
            }
            log.snoozes.append(id)
        case 1:
            try press(queue, .character("M"), log: &log)
            guard queue.message == "case #\(id) unassigned" else { return log.failures.append("M on #\(id): \(queue.message ?? "")") }
            log.releases.append(id)
            try press(queue, .character("q"), log: &log)
            guard queue.mode == .cases else { return log.failures.append("q in #\(id): \(queue.mode)") }
        default:
            try decide(id, queue, &log, &dice)
        }
    }

    /// `f`, `p` or `e` on case `id` (open, or under the cursor of the queue); one time in five `u` right after.
    private func decide(_ id: Int64, _ queue: AlertQueueScreen, _ log: inout SoakLog, _ dice: inout SoakDice) throws {
        let (key, status) = [("f", AlertStatus.confirmedFraud), ("p", .falsePositive), ("e", .escalated)][dice.roll(3)]
        try press(queue, .character(Character(key)), log: &log)
        let message = queue.message ?? ""
        let words = " → " + QueueColumns.statusName(status.rawValue) + " (u undoes)"
        guard message.hasPrefix("case #\(id): "), message.hasSuffix(words), queue.mode == .cases,
              let count = Int(message.dropFirst("case #\(id): ".count).prefix { $0.isNumber }) else {
            return log.failures.append("\(key) on #\(id): \(message)")
        }
        log.decisions.append(.init(caseID: id, status: status.rawValue, alerts: count))
        guard dice.roll(5) == 0 else { return }
        try press(queue, .character("u"), log: &log)
        let undone = queue.message ?? ""
        guard undone.hasPrefix("undone: ") else { return log.failures.append("u after #\(id): \(undone)") }
        log.undone += undone.components(separatedBy: "alert #").count - 1
    }
}

/// Puts one of the analyst's own cases back in the queue when there is nothing left to take, so that the analysts keep
/// working for the whole soak: a decided case is reopened (a decision to `open`, audited like any), a snoozed one
/// woken, and either, or one left open by an undo, let go.
enum SoakRecycler {
    static func recycle(_ store: Store, _ log: inout SoakLog) throws {
        guard let held = try store.cases(CaseFilter(statuses: nil, assignee: log.name, limit: 1)).first else {
            usleep(50_000)
            return
        }
        switch held.status {
        case .decided:
            let events = try store.decideCase(id: held.id, status: .open, analyst: log.name, note: "soak: back to the queue",
                                              overturning: true)
            log.decisions.append(.init(caseID: held.id, status: AlertStatus.open.rawValue, alerts: events.count))
        case .snoozed:
            try store.snoozeCase(id: held.id, until: nil, by: log.name)
            log.wakes.append(held.id)
        case .open:
            break
        }
        try store.assignCase(id: held.id, to: nil, by: log.name, shown: held)
        log.releases.append(held.id)
    }
}

/// `vigil cases next --json`, then `vigil triage --case` (sometimes one alert first with `--alert`), `vigil cases
/// snooze`, or `vigil cases assign --none`; with nothing to take, one of its decided cases goes back to the queue.
/// Every command is a process of its own, as a script's would be.
struct CommandLineAnalyst {
    var name: String
    var path: String
    var seed: UInt64
    var deadline: Date

    func run() -> SoakLog {
        var log = SoakLog(name: name)
        var dice = SoakDice(state: seed)
        do {
            // Reads the case's alerts for `--alert`: read-only, waiting out a writer as the commands do.
            var config = Configuration()
            config.readonly = true
            config.busyMode = .timeout(Store.busyTimeout)
            let reader = try DatabaseQueue(path: path, configuration: config)
            defer { try? reader.close() }
            while Date() < deadline {
                let next = try vigil(["cases", "next", "--json"], &log)
                guard next.status == 0 else { continue }
                guard let object = try JSONSerialization.jsonObject(with: Data(next.stdout.utf8), options: [.fragmentsAllowed])
                    as? [String: Any], let id = (object["id"] as? Int).map(Int64.init) else {
                    log.idle += 1
                    try recycle(&log)
                    continue
                }
                guard object["assignee"] as? String == name else { log.failures.append("next gave \(next.stdout)"); continue }
                log.claims.append(id)
                switch dice.roll(10) {
                case 0:
                    if try vigil(["cases", "snooze", "\(id)", "--until", "2999-01-01", "--note", "soak: asked the bank"], &log).status == 0 {
                        log.snoozes.append(id)
                    }
                case 1:
                    if try vigil(["cases", "assign", "\(id)", "--none"], &log).status == 0 { log.releases.append(id) }
                case 2, 3:
                    // One alert on its own, then the rest of the case.
                    let first = try reader.read { db in
                        try Int64.fetchOne(db, sql: "SELECT id FROM alerts WHERE case_id = ? AND status = 'open' ORDER BY instant, id LIMIT 1",
                                           arguments: [id])
                    }
                    if let first { try triage(["--alert", "\(first)"], caseID: id, &log, &dice) }
                    try triage(["--case", "\(id)"], caseID: id, &log, &dice, mayBeDone: true)
                default:
                    try triage(["--case", "\(id)"], caseID: id, &log, &dice)
                }
            }
        } catch {
            log.failures.append("\(error)")
        }
        return log
    }

    /// Runs `vigil` with the store and the analyst; a failure, or any "locked" or "busy" on its output, goes to the log.
    private func vigil(_ arguments: [String], _ log: inout SoakLog, allowed: (Harness.Output) -> Bool = { _ in false }) throws -> Harness.Output {
        let output = try Harness.run(arguments + ["--store", path, "--analyst", name])
        let said = output.stdout + output.stderr
        if said.contains("locked") || said.contains("busy") || (output.status != 0 && !allowed(output)) {
            log.failures.append("vigil \(arguments.joined(separator: " ")): status \(output.status): \(said)")
        }
        return output
    }

    /// A decision with `vigil triage`; each line it prints is a committed decision of one alert.
    private func triage(_ target: [String], caseID: Int64, _ log: inout SoakLog, _ dice: inout SoakDice, mayBeDone: Bool = false) throws {
        let decision = ["fraud", "false-positive", "escalate"][dice.roll(3)]
        let status = ["fraud": "confirmed_fraud", "false-positive": "false_positive", "escalate": "escalated"][decision] ?? ""
        // The case's last alert may have been the one decided alone.
        let output = try vigil(["triage"] + target + ["--decision", decision], &log) {
            mayBeDone && $0.stderr.contains("nothing to decide") || $0.stderr.contains("already")
        }
        try record(output, caseID: caseID, status: status, &log)
    }

    private func record(_ output: Harness.Output, caseID: Int64, status: String, _ log: inout SoakLog) throws {
        guard output.status == 0 else { return }
        let lines = output.stdout.split(separator: "\n").filter { $0.contains(" → ") }
        guard !lines.isEmpty, lines.allSatisfy({ $0.hasSuffix(", \(name))") }) else {
            return log.failures.append("triage of #\(caseID) said \(output.stdout)")
        }
        log.decisions.append(.init(caseID: caseID, status: status, alerts: lines.count))
    }

    private func recycle(_ log: inout SoakLog) throws {
        let decided = try vigil(["cases", "--status", "decided", "--mine", "--json", "--limit", "1"], &log)
        guard let id = ((try JSONSerialization.jsonObject(with: Data(decided.stdout.utf8)) as? [[String: Any]])?.first?["id"] as? Int).map(Int64.init) else {
            usleep(50_000)
            return
        }
        let reopened = try vigil(["triage", "--case", "\(id)", "--decision", "reopen", "--overturn", "--note", "soak: back to the queue"], &log)
        try record(reopened, caseID: id, status: AlertStatus.open.rawValue, &log)
        if try vigil(["cases", "assign", "\(id)", "--none"], &log).status == 0 { log.releases.append(id) }
    }
}

/// The store and its audit trail after the soak, read directly.
struct SoakAudit {
    struct Event {
        var id: Int64
        var alertID: Int64?
        var caseID: Int64?
        var analyst: String
        var action: String
        var from: String?
        var to: String?
    }

    let events: [Event]
    /// Each alert's case.
    let caseOf: [Int64: Int64]
    let assignees: [Int64: String]
    let statusMismatches: [Int64]
    /// Each decision (its first event and those made with it) by analyst, as `SoakLog.Decision.key` words it.
    private var groups: [String: [String]] = [:]
    /// Assignments and decisions the trail shows against the rules.
    private(set) var violations: [String] = []

    init(path: String) throws {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        let read = try queue.read { db in
            let events = try Row.fetchAll(db, sql: "SELECT * FROM triage_events ORDER BY id").map {
                Event(id: $0["id"], alertID: $0["alert_id"], caseID: $0["case_id"], analyst: $0["analyst"], action: $0["action"],
                      from: $0["from_status"], to: $0["to_status"])
            }
            let caseOf = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, case_id FROM alerts").map {
                ($0["id"] as Int64, $0["case_id"] as Int64)
            })
            let assignees = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT id, assignee FROM cases WHERE assignee IS NOT NULL").map {
                ($0["id"] as Int64, $0["assignee"] as String)
            })
            let mismatches = try Int64.fetchAll(db, sql: """
                SELECT a.id FROM alerts a WHERE a.status <> coalesce((SELECT e.to_status FROM triage_events e
                    WHERE e.alert_id = a.id AND e.to_status IS NOT NULL ORDER BY e.id DESC LIMIT 1), 'open')
                """)
            return (events, caseOf, assignees, mismatches)
        }
        (events, caseOf, assignees, statusMismatches) = read
        replay()
    }

    /// Walks the trail in order, keeping who holds each case: a claim of a held case, an assignment whose "from" is not
    /// the holder, or a decision by anyone but the holder of the alert's case is a violation.
    private mutating func replay() {
        var holder: [Int64: String] = [:]
        var firstOf: [Int64: (analyst: String, caseID: Int64, status: String, count: Int)] = [:]
        for event in events {
            if let id = event.caseID, event.alertID == nil {
                switch event.action {
                case "case claim":
                    if let held = holder[id] { violations.append("event #\(event.id): \(event.analyst) claimed case #\(id) held by \(held)") }
                    holder[id] = event.to
                case "case assign", "case unassign":
                    if event.from != holder[id] {
                        violations.append("event #\(event.id): case #\(id) assigned from \(event.from ?? "nobody") while \(holder[id] ?? "nobody") held it")
                    }
                    holder[id] = event.to
                default: break
                }
                continue
            }
            guard let alert = event.alertID, let status = event.to else { continue }
            let caseID = caseOf[alert] ?? 0
            if holder[caseID] != event.analyst {
                violations.append("event #\(event.id): \(event.analyst) changed alert #\(alert) of case #\(caseID) held by \(holder[caseID] ?? "nobody")")
            }
            if event.action == "decide" {
                firstOf[event.id] = (event.analyst, caseID, status, 1)
            } else if event.action.hasPrefix(Store.decidedWith), let first = Int64(event.action.dropFirst(Store.decidedWith.count)) {
                firstOf[first]?.count += 1
            }
        }
        for id in holder.keys.sorted() where holder[id] != assignees[id] {
            violations.append("case #\(id) is assigned to \(assignees[id] ?? "nobody") but its trail ends with \(holder[id] ?? "nobody")")
        }
        for (_, group) in firstOf {
            groups[group.analyst, default: []].append("#\(group.caseID) \(group.status) ×\(group.count)")
        }
    }

    func decisions(by analyst: String) -> [String] { groups[analyst] ?? [] }

    func caseEvents(_ action: String, by analyst: String) -> [Int64] {
        events.filter { $0.alertID == nil && $0.action == action && $0.analyst == analyst }.compactMap(\.caseID)
    }

    func undone(by analyst: String) -> Int {
        events.filter { $0.analyst == analyst && $0.action.hasPrefix("undo #") }.count
    }

    /// The soak's figures, one line per analyst and one for the store.
    static func counts(_ logs: [SoakLog], audit: SoakAudit, verified: String) -> String {
        var lines = ["soak: \(Int(CaseSoakTests.seconds)) s, 4 analysts on one store"]
        for log in logs {
            let alerts = log.decisions.reduce(0) { $0 + $1.alerts }
            lines.append("  \(log.name): \(log.decisions.count) decisions (\(alerts) alerts), \(log.claims.count) cases taken with next, "
                         + "\(log.takes.count) with m, \(log.releases.count) let go, \(log.snoozes.count) snoozed, \(log.wakes.count) woken, \(log.undone) alerts undone, "
                         + "\(log.refused) conflicts refused, \(log.idle) times nothing to take, \(log.failures.count) failures")
        }
        lines.append("  trail: \(audit.events.count) audit events, \(audit.violations.count) violations, "
                     + "\(audit.statusMismatches.count) alerts off their last event; \(verified.trimmingCharacters(in: .whitespacesAndNewlines))")
        return lines.joined(separator: "\n")
    }
}
