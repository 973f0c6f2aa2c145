import Foundation
import GRDB
import Testing

/// The real binary on a real (tmux) terminal.
@Suite(.serialized) struct TerminalTests {
    let scratch = Scratch()

    @Test func workbenchShowsTheStoreAndQuitsOnQ() throws {
        let store = scratch.path + "/t.sqlite"
        try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        let session = try TmuxSession(width: 120, height: 40,
                                      command: "\(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        let screen = try session.waitFor { $0.contains("1,021") && $0.contains("q quit") }
        #expect(screen.contains("Vigil"))
        #expect(screen.contains("1,021"))
        #expect(screen.contains("q quit"))
        try session.send("q")
        let after = try session.waitFor { $0.contains("EXIT=") }
        #expect(after.contains("EXIT=0"))
        #expect(!after.contains("q quit"), "the terminal was restored (alternate screen left)")
    }

    @Test func smallTerminalStillDrawsAndQuits() throws {
        let store = scratch.path + "/small.sqlite"
        try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        let session = try TmuxSession(width: 60, height: 15, command: "\(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        let screen = try session.waitFor { $0.contains("1,021") && $0.contains("q quit") }
        #expect(screen.contains("1,021"))
        #expect(screen.split(separator: "\n", omittingEmptySubsequences: false).allSatisfy { $0.count <= 60 })
        try session.send("C-c")
        #expect(try session.waitFor { $0.contains("EXIT=") }.contains("EXIT=0"))
    }

    @Test func resizingRedrawsAtTheNewSize() throws {
        let store = scratch.path + "/resize.sqlite"
        try Harness.run(["import", Harness.fixture("cards-2023-sample.csv"), "--store", store])
        let session = try TmuxSession(width: 120, height: 40, command: "\(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        let wide = try session.waitFor { $0.contains("1,021") && $0.contains("q quit") }
        #expect(wide.contains("Alerts"), "two panels at 120 columns")
        try session.resize(width: 60, height: 15)
        let narrow = try session.waitFor { screen in
            let rows = screen.split(separator: "\n", omittingEmptySubsequences: false)
            // Wait for the whole frame (title, counts and status bar): a capture can land mid-draw.
            return rows.first?.contains("Vigil") == true && screen.contains("1,021") && screen.contains("q quit") && rows.count <= 16
        }
        let rows = narrow.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rows.first?.contains("Vigil") == true, "the title is redrawn after shrinking")
        #expect(narrow.contains("1,021"))
        #expect(rows.filter { $0.contains("q quit") }.count == 1)
        try session.send("q")
        #expect(try session.waitFor { $0.contains("EXIT=") }.contains("EXIT=0"))
    }

    @Test func firstRunCreatesTheDemoStoreInTheDataDirectory() throws {
        let data = scratch.path + "/xdg"
        let session = try TmuxSession(width: 100, height: 30,
                                      command: "XDG_DATA_HOME=\(data) VIGIL_STORE= \(Harness.binary); echo EXIT=\\$?; sleep 30")
        // Generated, scanned, and opened on its case queue.
        let screen = try session.waitFor(timeout: 240) { $0.contains("q quit") && $0.contains("demo.sqlite — open cases") && $0.contains(" 1/") }
        #expect(screen.contains("demo.sqlite — open cases"))
        #expect(screen.contains("Score") && screen.contains("Reasons"))
        try session.send("q")
        #expect(try session.waitFor { $0.contains("EXIT=") }.contains("EXIT=0"))
        let path = data + "/vigil/demo.sqlite"
        #expect(FileManager.default.fileExists(atPath: path))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func threeAlertsTriagedWithThreeDecisionsAndANoteAreInTheStoreWithAValidChain() throws {
        let store = scratch.path + "/triage.sqlite"
        try Harness.run(["demo", "--store", store, "--clients", "30", "--days", "60"])
        let scan = try Harness.run(["scan", "--store", store, "--detectors", "rules,iforest"])
        #expect(scan.status == 0 && scan.stdout.contains("alert queue: 69 opened"), "\(scan.stdout)")
        let session = try TmuxSession(width: 120, height: 40,
                                      command: "\(Harness.binary) --store \(store) --analyst tester; echo EXIT=\\$?; sleep 30")
        // The workbench opens on the case queue; Tab shows the alert queue.
        _ = try session.waitFor { $0.contains("triage.sqlite — open cases") && $0.contains(" 1/") }
        try session.send("Tab")
        let queue = try session.waitFor { $0.contains("triage.sqlite — open alerts") && $0.contains("analyst tester") && $0.contains(" 1/") }
        #expect(queue.contains("Score"))
        // Fraud on the first; the open view then shows the next one first: false positive; then escalate with a note.
        try session.send("f")
        _ = try session.waitFor { $0.contains("→ confirmed fraud") }
        try session.send("p")
        _ = try session.waitFor { $0.contains("→ false positive") }
        try session.send("e")
        _ = try session.waitFor { $0.contains("→ escalated") }
        try session.send("a")
        _ = try session.waitFor { $0.contains("Note on alert") }
        try session.send("-l 'checked with the bank'")
        try session.send("C-s")
        _ = try session.waitFor { $0.contains("note saved") }
        try session.send("q")
        #expect(try session.waitFor { $0.contains("EXIT=") }.contains("EXIT=0"))

        let events = try DatabaseQueue(path: store).read { db in
            try Row.fetchAll(db, sql: "SELECT alert_id, analyst, action, to_status, note FROM triage_events ORDER BY id")
        }
        #expect(events.map { $0["to_status"] as String? } == ["confirmed_fraud", "false_positive", "escalated", nil])
        #expect(events.allSatisfy { ($0["analyst"] as String) == "tester" })
        #expect(Set(events.prefix(3).map { $0["alert_id"] as Int64 }).count == 3, "three different alerts")
        #expect(events[3]["note"] as String? == "checked with the bank")
        let audit = try Harness.run(["audit", "verify", "--store", store])
        #expect(audit.status == 0 && audit.stdout.contains("audit trail intact: 4 triage events"))
        let log = try Harness.run(["audit", "log", "--store", store])
        #expect(log.stdout.split(separator: "\n").count == 4 && log.stdout.contains("\(Harness.madeBy("tester")) note: checked with the bank"))
    }

    @Test func twoWorkbenchesOnOneStoreSeeEachOthersDecisionsWithinASecond() throws {
        let store = scratch.path + "/two.sqlite"
        try Harness.run(["demo", "--store", store, "--clients", "30", "--days", "60"])
        #expect(try Harness.run(["scan", "--store", store, "--detectors", "rules,iforest"]).status == 0)
        let ana = try TmuxSession(width: 120, height: 30, command: "\(Harness.binary) --store \(store) --analyst ana; sleep 30")
        let bo = try TmuxSession(width: 120, height: 30, command: "\(Harness.binary) --store \(store) --analyst bo; sleep 30")
        for session in [ana, bo] {
            _ = try session.waitFor { $0.contains("two.sqlite — open cases") && $0.contains(" 1/") }
            try session.send("Tab")
            _ = try session.waitFor { $0.contains("open 69 · confirmed fraud 0") }
        }
        try ana.send("f")
        _ = try ana.waitFor { $0.contains("open 68 · confirmed fraud 1") }
        // Bo presses nothing: his workbench polls the store twice a second and redraws.
        let seen = try bo.waitFor(timeout: 10) { $0.contains("open 68 · confirmed fraud 1") }
        #expect(seen.contains("open 68 · confirmed fraud 1"), "bo's workbench shows ana's decision")
        try bo.send("p")
        _ = try bo.waitFor { $0.contains("→ false positive") }
        #expect(try ana.waitFor(timeout: 5) { $0.contains("false positive 1") }.contains("false positive 1"))
        let audit = try Harness.run(["audit", "log", "--store", store])
        #expect(audit.stdout.contains(" \(Harness.madeBy("ana")) decide open → confirmed_fraud")
                && audit.stdout.contains(" \(Harness.madeBy("bo")) decide open → false_positive"))
    }

    @Test func anAlertsClientViewOverviewAndBackgroundScanAreOneKeyAway() throws {
        let store = scratch.path + "/client.sqlite"
        try Harness.run(["demo", "--store", store, "--clients", "30", "--days", "60"])
        #expect(try Harness.run(["scan", "--store", store, "--detectors", "rules,iforest"]).status == 0)
        let session = try TmuxSession(width: 100, height: 30, command: "\(Harness.binary) --store \(store); echo EXIT=\\$?; sleep 30")
        _ = try session.waitFor { $0.contains("client.sqlite — open cases") && $0.contains(" 1/") }
        try session.send("Tab")
        _ = try session.waitFor { $0.contains("client.sqlite — open alerts") && $0.contains(" 1/") }
        // The alert's client: profile and timeline, with its axis.
        try session.send("c")
        // A capture can land mid-redraw (the chart's top drawn, the queue's rows still below it), so wait for the
        // whole frame; a frame that never shows the axis or the mark still fails below.
        let timeline = try session.waitFor {
            $0.contains("1 Timeline") && $0.contains("Daily spend") && $0.contains("└") && $0.contains("▲")
        }
        #expect(timeline.contains("└"), "the timeline's x axis")
        #expect(timeline.contains("▲"), "the alert is marked on the timeline")
        try session.send("2")
        let heatmaps = try session.waitFor {
            $0.contains("Hour × weekday") && $0.contains("Where the card is used") && $0.contains("Sun")
                && $0.contains("Top places")
        }
        #expect(heatmaps.contains("Mon") && heatmaps.contains("Sun"), "the weekday axis")
        #expect(heatmaps.contains("Top places"))
        try session.send("3")
        _ = try session.waitFor { $0.contains("Merchant") && $0.contains("▶") }
        try session.send("q")
        _ = try session.waitFor { $0.contains("client.sqlite — open alerts") && $0.contains("Score") }
        // The overview.
        try session.send("O")
        let overview = try session.waitFor {
            $0.contains("Alerts by detector") && $0.contains("Triage") && $0.contains("Transactions")
        }
        #expect(overview.contains("Transactions"))
        try session.send("q")
        // The palette runs a scan of two rules in the background; the queue comes back refreshed.
        try session.send(":")
        try session.send("-l 'scan burst unusual_hour'")
        try session.send("Enter")
        let done = try session.waitFor(timeout: 120) { $0.contains("scan done") }
        #expect(done.contains("triaged kept as they were"))
        try session.send("q")
        #expect(try session.waitFor { $0.contains("EXIT=") }.contains("EXIT=0"))
    }

    @Test func workbenchWithoutATerminalSaysWhatToDo() throws {
        let result = try Harness.run(["--store", scratch.path + "/x.sqlite"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("needs a terminal"))
    }
}
