import Foundation
import Testing
import VigilCore

/// Issue 24's goal: no full card number in the store's bytes, on any screen, in any output or export, while a card
/// typed in full is still found. A store is imported from the card export (with one bad row), scanned, triaged with a
/// note that names a card, given a deny-list entry and a chargeback feed; then every output is searched for every
/// card number of the file.
@Suite(.serialized) struct CardNumberPrivacyTests {
    let scratch = Scratch()

    /// The card export with one more row, rejected for its amount, that names a card.
    func export() throws -> (path: String, numbers: [String]) {
        let text = try String(contentsOfFile: Harness.fixture("cards-2023-sample.csv"), encoding: .utf8)
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let card = try #require(header.firstIndex(of: "cc_num"))
        let amount = try #require(header.firstIndex(of: "amt"))
        let numbers = Set(lines.dropFirst().map { line -> String in
            // The fixture quotes some merchants, but never before the card column.
            String(line.split(separator: ",", omittingEmptySubsequences: false)[card])
        })
        #expect(numbers.count > 200 && numbers.allSatisfy { CardNumber.digits(Array($0.utf8), separated: false) != nil })
        var bad = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        bad[0] = "99999"
        bad[amount] = "twelve"
        lines.append(bad.joined(separator: ","))
        let path = scratch.path + "/cards.csv"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return (path, numbers.sorted())
    }

    @Test func noFullCardNumberIsStoredShownOrExported() throws {
        let (csv, numbers) = try export()
        let store = scratch.path + "/cards.sqlite"
        var outputs: [(String, String)] = []
        @discardableResult
        func run(_ arguments: [String]) throws -> Harness.Output {
            let result = try Harness.run(arguments)
            outputs.append((arguments.prefix(2).joined(separator: " "), result.stdout + result.stderr))
            return result
        }
        let imported = try run(["import", csv, "--store", store])
        #expect(imported.status == 0 && imported.stdout.contains("rejected 1"), "\(imported.stdout)\(imported.stderr)")
        #expect(imported.stdout.contains("  column cc_num holds card numbers: each is stored as a token and shown as its first 6 "
                                         + "and last 4 digits (\(numbers.count) cards in the store)\n"), "\(imported.stdout)")
        #expect(try run(["scan", "--store", store, "--detectors", "rules,iforest"]).status == 0)

        // A card typed in full finds its alerts, shown masked.
        let queue = try run(["alerts", "--store", store, "--json", "--limit", "50"])
        let alerts = try #require(try JSONSerialization.jsonObject(with: Data(queue.stdout.utf8)) as? [[String: Any]])
        let first = try #require(alerts.first)
        let shown = try #require(first["client"] as? String)
        let number = try #require(numbers.first { CardNumber.masked($0) == shown })
        let byNumber = try run(["alerts", "--store", store, "--json", "--client", number, "--status", "all"])
        let found = try #require(try JSONSerialization.jsonObject(with: Data(byNumber.stdout.utf8)) as? [[String: Any]])
        #expect(!found.isEmpty && found.allSatisfy { $0["client"] as? String == shown })
        #expect(found.contains { $0["id"] as? Int == first["id"] as? Int })
        let spaced = stride(from: 0, to: number.count, by: 4).map { i -> String in
            let start = number.index(number.startIndex, offsetBy: i)
            return String(number[start..<(number.index(start, offsetBy: 4, limitedBy: number.endIndex) ?? number.endIndex)])
        }.joined(separator: " ")
        let bySpaced = try run(["alerts", "--store", store, "--json", "--client", spaced, "--status", "all"])
        #expect(bySpaced.stdout == byNumber.stdout, "a number typed in groups finds the same card")

        // Triage with a note that names the card in full, a deny-list entry by full number, a chargeback feed.
        let id = try #require(first["id"] as? Int)
        #expect(try run(["triage", "--store", store, "--alert", String(id), "--decision", "fraud", "--analyst", "ana",
                         "--note", "cardholder of \(number) confirmed by phone"]).status == 0)
        let other = numbers.last!
        #expect(try run(["lists", "add", "deny", "--store", store, "--card", other, "--note", "stolen card \(other)",
                         "--analyst", "ana"]).status == 0)
        let text = try String(contentsOfFile: csv, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        let header = text[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let fraud = try #require(text.dropFirst().first { $0.hasSuffix(",1") && !$0.contains("\"") })
        let cells = fraud.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func cell(_ name: String) -> String { cells[header.firstIndex(of: name)!] }
        let feed = scratch.path + "/chargebacks.csv"
        try "trans_num,cc_num,unix_time,outcome,known_at\n\(cell("trans_num")),\(cell("cc_num")),\(cell("unix_time")),chargeback,2024-02-01\n"
            .write(toFile: feed, atomically: true, encoding: .utf8)
        let recorded = try run(["outcomes", "import", feed, "--store", store, "--feed", "chargebacks"])
        #expect(recorded.status == 0 && recorded.stdout.contains("recorded 1 outcomes"), "\(recorded.stdout)\(recorded.stderr)")

        // Every output there is.
        let report = scratch.path + "/report"
        for arguments in [
            ["alerts", "--store", store, "--status", "all", "--limit", "1000"],
            ["alerts", "--store", store, "--status", "all", "--limit", "1000", "--json"],
            ["cases", "--store", store], ["cases", "--store", store, "--json"],
            ["report", "--store", store, "--format", "md", "--out", report + ".md"],
            ["report", "--store", store, "--format", "csv", "--out", report + ".csv"],
            ["report", "--store", store, "--format", "json", "--out", report + ".json"],
            ["audit", "log", "--store", store], ["audit", "verify", "--store", store],
            ["rejected", "--store", store], ["stats", "--store", store], ["lists", "show", "--store", store, "--all"],
            ["outcomes", "--store", store], ["cpp", "--store", store], ["cpp", "--store", store, "--json"],
            ["scores", "--store", store, "--out", report + "-scores.csv"],
        ] {
            let result = try run(arguments)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.stderr)")
        }
        for file in [".md", ".csv", ".json", "-scores.csv"] {
            outputs.append((file, try String(contentsOfFile: report + file, encoding: .utf8)))
        }
        #expect(outputs.contains { $0.1.contains(shown) }, "the masked number is what is shown")

        // The real workbench, on its queue, the card's case and the card's view.
        let session = try TmuxSession(width: 160, height: 40, command: "\(Harness.binary) --store \(store); sleep 30")
        outputs.append(("workbench cases", try session.waitFor { $0.contains("open cases") && $0.contains(" 1/") }))
        try session.send("Enter")
        outputs.append(("workbench case", try session.waitFor { $0.contains("Case #") }))
        try session.send("Escape")
        try session.send("Tab")
        outputs.append(("workbench alerts", try session.waitFor { $0.contains("open alerts") && $0.contains(" 1/") }))
        try session.send("c")
        outputs.append(("workbench client", try session.waitFor { $0.contains("Timeline") }))
        try session.send("q")
        try session.send("q")

        for (what, output) in outputs {
            for number in numbers {
                #expect(!output.contains(number), "\(what) shows the card number \(CardNumber.masked(number)) in full")
            }
        }
        // The store's bytes, and its key's.
        for file in [store, store + "-wal", store + "-shm", store + ".key"] where FileManager.default.fileExists(atPath: file) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for number in numbers {
                #expect(bytes.range(of: Data(number.utf8)) == nil, "\(file) holds the card number \(CardNumber.masked(number))")
            }
        }
    }

    /// `--keep-pan` keeps the old behaviour for test data, only in a new store; an existing store of tokens refuses it.
    @Test func keepPanKeepsNumbersInANewStoreOnly() throws {
        let (csv, numbers) = try export()
        let clear = scratch.path + "/clear.sqlite"
        let imported = try Harness.run(["import", csv, "--store", clear, "--keep-pan"])
        #expect(imported.status == 0 && imported.stdout.contains("imported 1,021"), "\(imported.stdout)\(imported.stderr)")
        #expect(!imported.stdout.contains("stored as a token"))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clear))
        #expect(bytes.range(of: Data(numbers[0].utf8)) != nil, "kept in clear")
        let shown = try Harness.run(["alerts", "--store", clear, "--client", numbers[0], "--status", "all", "--json"])
        #expect(shown.status == 0)

        let tokens = scratch.path + "/tokens.sqlite"
        #expect(try Harness.run(["import", csv, "--store", tokens]).status == 0)
        let refused = try Harness.run(["import", csv, "--store", tokens, "--keep-pan"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("\(tokens): --keep-pan needs a new store: this one already keeps card numbers as tokens; nothing was imported"),
                "\(refused.stderr)")
    }
}
