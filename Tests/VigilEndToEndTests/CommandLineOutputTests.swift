import Foundation
import GRDB
import Testing

/// What the command line prints from the data goes through the workbench's sanitiser: no escape sequence, C1
/// control or bidirectional override from a merchant name reaches the terminal.
@Suite struct CommandLineOutputTests {
    let scratch = Scratch()

    @Test func hostileMerchantNamesPrintAsPlaceholders() throws {
        let store = scratch.path + "/hostile.sqlite"
        #expect(try Harness.run(["demo", "--store", store, "--clients", "30", "--days", "60"]).status == 0)
        #expect(try Harness.run(["scan", "--store", store, "--detectors", "rules,iforest"]).status == 0)
        let hostile = "Evil\u{1B}]0;PWNED\u{07}\u{1B}[2J\u{9B}31m\u{202E}cba\u{2066}"
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in
            try db.execute(sql: "UPDATE transactions SET merchant = ? WHERE id IN (SELECT transaction_id FROM alerts)", arguments: [hostile])
            try db.execute(sql: "UPDATE alerts SET merchant = ?", arguments: [hostile])
        }
        try queue.close()
        let output = try Harness.run(["alerts", "--store", store, "--limit", "5"])
        #expect(output.status == 0, "\(output.stderr)")
        // The name was printed, as placeholders …
        #expect(output.stdout.contains("Evil␛]0;PWNED␇␛[2J"), "\(output.stdout)")
        // … and none of its controls went out raw.
        let bytes = Array(output.stdout.utf8)
        #expect(!bytes.contains(0x1B) && !bytes.contains(0x07))
        for sequence: [UInt8] in [[0xC2, 0x9B], [0xE2, 0x80, 0xAE], [0xE2, 0x81, 0xA6]] {
            #expect(!contains(bytes, sequence), "\(sequence) reached the output")
        }
    }

    func contains(_ bytes: [UInt8], _ sequence: [UInt8]) -> Bool {
        guard bytes.count >= sequence.count else { return false }
        return (0 ... bytes.count - sequence.count).contains { Array(bytes[$0 ..< $0 + sequence.count]) == sequence }
    }
}
